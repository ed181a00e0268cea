//! GET/POST /api/clusters

use super::json::ApiJson;
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{clusters, Database};
use hotnic_model::{Cluster, NewCluster};

pub async fn list(State(database): State<Database>) -> Result<Json<Vec<Cluster>>, RestError> {
    Ok(Json(clusters::list_clusters(&database.conn).await?))
}

pub async fn create(
    State(database): State<Database>,
    ApiJson(new): ApiJson<NewCluster>,
) -> Result<(StatusCode, Json<Cluster>), RestError> {
    Ok((StatusCode::CREATED, Json(clusters::create_cluster(&database.conn, new).await?)))
}

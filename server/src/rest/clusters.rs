//! GET/POST /api/clusters

use super::json::ApiJson;
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{clusters, Engine};
use hotnic_model::{Cluster, NewCluster};

pub async fn list(State(engine): State<Engine>) -> Result<Json<Vec<Cluster>>, RestError> {
    Ok(Json(clusters::list_clusters(engine.db()).await?))
}

pub async fn create(
    State(engine): State<Engine>,
    ApiJson(new): ApiJson<NewCluster>,
) -> Result<(StatusCode, Json<Cluster>), RestError> {
    Ok((StatusCode::CREATED, Json(clusters::create_cluster(engine.db(), new).await?)))
}

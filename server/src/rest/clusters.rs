//! GET/POST /api/clusters, GET /api/clusters/{cluster}/images

use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{clusters, hosts, Engine};
use hotnic_model::{Cluster, Image, NewCluster};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>) -> Result<Json<Vec<Cluster>>, RestError> {
    Ok(Json(clusters::list_clusters(engine.db()).await?))
}

pub async fn create(
    State(engine): State<Engine>,
    ApiJson(new): ApiJson<NewCluster>,
) -> Result<(StatusCode, Json<Cluster>), RestError> {
    Ok((StatusCode::CREATED, Json(clusters::create_cluster(engine.db(), new).await?)))
}

/// The images a VM of the cluster may boot from or use as its disk.
pub async fn images(State(engine): State<Engine>, Ids(cluster): Ids<Uuid>) -> Result<Json<Vec<Image>>, RestError> {
    Ok(Json(hosts::cluster_images(&engine, cluster).await?))
}

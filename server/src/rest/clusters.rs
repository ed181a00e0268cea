//! GET/POST /api/clusters, GET /api/clusters/{cluster}/images

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{clusters, hosts, Engine};
use hotnic_model::{Cluster, Image, NewCluster};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<Cluster>>, RestError> {
    Ok(Json(clusters::list_clusters(engine.db(), &actor).await?))
}

pub async fn create(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewCluster>,
) -> Result<(StatusCode, Json<Cluster>), RestError> {
    Ok((StatusCode::CREATED, Json(clusters::create_cluster(engine.db(), &actor, new).await?)))
}

/// The images a VM of the cluster may boot from or use as its disk.
pub async fn images(State(engine): State<Engine>, Caller(actor): Caller, Ids(cluster): Ids<Uuid>) -> Result<Json<Vec<Image>>, RestError> {
    Ok(Json(hosts::cluster_images(&engine, &actor, cluster).await?))
}

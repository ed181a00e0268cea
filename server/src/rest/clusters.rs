//! GET/POST /api/clusters, PUT/DELETE /api/clusters/{cluster},
//! GET /api/clusters/{cluster}/images

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{clusters, hosts, Engine};
use hotnic_model::{Cluster, ClusterUpdate, Image, NewCluster};
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

pub async fn update(State(engine): State<Engine>, Caller(actor): Caller, Ids(cluster): Ids<Uuid>, ApiJson(update): ApiJson<ClusterUpdate>) -> Result<Json<Cluster>, RestError> {
    Ok(Json(clusters::update_cluster(engine.db(), &actor, cluster, update).await?))
}

pub async fn delete(State(engine): State<Engine>, Caller(actor): Caller, Ids(cluster): Ids<Uuid>) -> Result<StatusCode, RestError> {
    clusters::delete_cluster(engine.db(), &actor, cluster).await?;
    Ok(StatusCode::NO_CONTENT)
}

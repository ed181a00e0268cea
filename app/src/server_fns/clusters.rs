//! /api/fn/{list_clusters,create_cluster,update_cluster,delete_cluster}.

use crate::error::FnError;
use hotnic_model::{Cluster, ClusterUpdate};
use uuid::Uuid;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(prefix = "/api/fn", endpoint = "list_clusters", input = Json)]
pub async fn list_clusters() -> Result<Vec<Cluster>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::clusters::list_clusters(engine.db(), &actor)
        .await
        .map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "create_cluster", input = Json)]
pub async fn create_cluster(name: String, compatibility_version: String) -> Result<Cluster, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewCluster { name, compatibility_version };
    hotnic_engine::clusters::create_cluster(engine.db(), &actor, new)
        .await
        .map_err(crate::error::from_engine)
}

/// `update`: `{"name"?, "compatibility_version"?}`.
#[server(prefix = "/api/fn", endpoint = "update_cluster", input = Json)]
pub async fn update_cluster(cluster_id: Uuid, update: ClusterUpdate) -> Result<Cluster, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::clusters::update_cluster(engine.db(), &actor, cluster_id, update).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "delete_cluster", input = Json)]
pub async fn delete_cluster(cluster_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::clusters::delete_cluster(engine.db(), &actor, cluster_id).await.map_err(crate::error::from_engine)
}

//! /api/fn/list_clusters and /api/fn/create_cluster.

use crate::error::FnError;
use hotnic_model::Cluster;
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

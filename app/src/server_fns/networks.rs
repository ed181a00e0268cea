//! /api/fn/list_networks and /api/fn/create_network.

use crate::error::FnError;
use hotnic_model::Network;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

/// All networks, or those of one cluster.
#[server(prefix = "/api/fn", endpoint = "list_networks", input = Json)]
pub async fn list_networks(cluster_id: Option<Uuid>) -> Result<Vec<Network>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::networks::list_networks(engine.db(), &actor, cluster_id).await.map_err(crate::error::from_engine)
}

/// `kind`: bridge | bridgeless | vnlink | sriov.
#[server(prefix = "/api/fn", endpoint = "create_network", input = Json)]
pub async fn create_network(name: String, cluster_id: Uuid, kind: String) -> Result<Network, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewNetwork { name, cluster_id, kind };
    hotnic_engine::networks::create_network(engine.db(), &actor, new).await.map_err(crate::error::from_engine)
}

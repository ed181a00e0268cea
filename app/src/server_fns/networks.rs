//! /api/fn/{list_networks,create_network,update_network,delete_network}.

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

/// `update`: `{"name"?}`.
#[server(prefix = "/api/fn", endpoint = "update_network", input = Json)]
pub async fn update_network(network_id: Uuid, update: hotnic_model::NetworkUpdate) -> Result<Network, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::networks::update_network(engine.db(), &actor, network_id, update).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "delete_network", input = Json)]
pub async fn delete_network(network_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::networks::delete_network(engine.db(), &actor, network_id).await.map_err(crate::error::from_engine)
}

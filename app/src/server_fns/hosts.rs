//! /api/fn/list_hosts and /api/fn/create_host.

use crate::error::FnError;
use hotnic_model::Host;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[server(prefix = "/api/fn", endpoint = "list_hosts", input = Json)]
pub async fn list_hosts() -> Result<Vec<Host>, FnError> {
    let engine = super::engine()?;
    hotnic_engine::hosts::list_hosts(engine.db()).await.map_err(crate::error::from_engine)
}

/// Registers a host by its agent's URL and the token the agent expects.
#[server(prefix = "/api/fn", endpoint = "create_host", input = Json)]
pub async fn create_host(name: String, cluster_id: Uuid, agent_url: String, token: String) -> Result<Host, FnError> {
    let engine = super::engine()?;
    let new = hotnic_model::NewHost { name, cluster_id, agent_url, token };
    hotnic_engine::hosts::create_host(engine.db(), new).await.map_err(crate::error::from_engine)
}

//! /api/fn/{list_hosts,create_host,accept_host_fingerprint,list_images,update_host,delete_host}.

use crate::error::FnError;
use hotnic_model::{Host, Image};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[server(prefix = "/api/fn", endpoint = "list_hosts", input = Json)]
pub async fn list_hosts() -> Result<Vec<Host>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::hosts::list_hosts(engine.db(), &actor).await.map_err(crate::error::from_engine)
}

/// Registers a host by its agent's URL and the token the agent expects;
/// pins the certificate it presents (or requires `fingerprint`).
#[server(prefix = "/api/fn", endpoint = "create_host", input = Json)]
pub async fn create_host(
    name: String,
    cluster_id: Uuid,
    agent_url: String,
    token: String,
    #[server(default)] fingerprint: Option<String>,
) -> Result<Host, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewHost { name, cluster_id, agent_url, token, fingerprint };
    hotnic_engine::hosts::create_host(&engine, &actor, new).await.map_err(crate::error::from_engine)
}

/// Trusts the certificate the host presents now (its key was replaced).
#[server(prefix = "/api/fn", endpoint = "accept_host_fingerprint", input = Json)]
pub async fn accept_host_fingerprint(host_id: Uuid, fingerprint: String) -> Result<Host, FnError> {
    let (engine, actor) = super::caller()?;
    let accept = hotnic_model::AcceptFingerprint { fingerprint };
    hotnic_engine::hosts::accept_fingerprint(&engine, &actor, host_id, accept).await.map_err(crate::error::from_engine)
}

/// The images of the cluster's library (kernels, initrds, disks).
#[server(prefix = "/api/fn", endpoint = "list_images", input = Json)]
pub async fn list_images(cluster_id: Uuid) -> Result<Vec<Image>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::hosts::cluster_images(&engine, &actor, cluster_id).await.map_err(crate::error::from_engine)
}

/// `update`: `{"name"?, "maintenance"?}`.
#[server(prefix = "/api/fn", endpoint = "update_host", input = Json)]
pub async fn update_host(host_id: Uuid, update: hotnic_model::HostUpdate) -> Result<Host, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::hosts::update_host(&engine, &actor, host_id, update).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "delete_host", input = Json)]
pub async fn delete_host(host_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::hosts::delete_host(&engine, &actor, host_id).await.map_err(crate::error::from_engine)
}

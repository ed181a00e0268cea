//! /api/fn/{list_nics,add_nic,edit_nic,remove_nic,plug_nic,unplug_nic}, the
//! bulk /api/fn/{plug_nics,unplug_nics,remove_nics}, and drift:
//! /api/fn/{resolve_nic_drift,adopt_unknown_nic,detach_unknown_nic}.

use crate::error::FnError;
use hotnic_model::{DriftChoice, NewNic, Nic, NicOutcome, NicUpdate};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[server(prefix = "/api/fn", endpoint = "list_nics", input = Json)]
pub async fn list_nics(vm_id: Uuid) -> Result<Vec<Nic>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::nics::list_nics(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

/// Adds a NIC, always unplugged. `nic`: the fields of `NewNic`.
#[server(prefix = "/api/fn", endpoint = "add_nic", input = Json)]
pub async fn add_nic(vm_id: Uuid, nic: NewNic) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::nics::add_nic(&engine, &actor, vm_id, nic).await.map_err(crate::error::from_engine)
}

/// `update`: the fields of `NicUpdate`, each optional.
#[server(prefix = "/api/fn", endpoint = "edit_nic", input = Json)]
pub async fn edit_nic(vm_id: Uuid, nic_id: Uuid, update: NicUpdate) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::nics::edit_nic(&engine, &actor, vm_id, nic_id, update).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "remove_nic", input = Json)]
pub async fn remove_nic(vm_id: Uuid, nic_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::nics::remove_nic(&engine, &actor, vm_id, nic_id).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "plug_nic", input = Json)]
pub async fn plug_nic(vm_id: Uuid, nic_id: Uuid) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::plug::plug_nic(&engine, &actor, vm_id, nic_id).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "unplug_nic", input = Json)]
pub async fn unplug_nic(vm_id: Uuid, nic_id: Uuid) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::plug::unplug_nic(&engine, &actor, vm_id, nic_id).await.map_err(crate::error::from_engine)
}

/// Plugs `ids` (NICs of the VM) in that order, each with its own outcome.
#[server(prefix = "/api/fn", endpoint = "plug_nics", input = Json)]
pub async fn plug_nics(vm_id: Uuid, ids: Vec<Uuid>) -> Result<Vec<NicOutcome>, FnError> {
    bulk(vm_id, ids, hotnic_engine::bulk::BulkAction::Plug).await
}

/// Unplugs `ids` in that order, each with its own outcome.
#[server(prefix = "/api/fn", endpoint = "unplug_nics", input = Json)]
pub async fn unplug_nics(vm_id: Uuid, ids: Vec<Uuid>) -> Result<Vec<NicOutcome>, FnError> {
    bulk(vm_id, ids, hotnic_engine::bulk::BulkAction::Unplug).await
}

/// Removes `ids` in that order, each with its own outcome.
#[server(prefix = "/api/fn", endpoint = "remove_nics", input = Json)]
pub async fn remove_nics(vm_id: Uuid, ids: Vec<Uuid>) -> Result<Vec<NicOutcome>, FnError> {
    bulk(vm_id, ids, hotnic_engine::bulk::BulkAction::Remove).await
}

#[cfg(feature = "ssr")]
async fn bulk(vm_id: Uuid, ids: Vec<Uuid>, action: hotnic_engine::bulk::BulkAction) -> Result<Vec<NicOutcome>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::bulk::act_on_nics(&engine, &actor, vm_id, ids, action).await.map_err(crate::error::from_engine)
}


/// Resolves a NIC's drift: `keep` `host` records the host's view, `hotnic`
/// applies hotnic's to the host again.
#[server(prefix = "/api/fn", endpoint = "resolve_nic_drift", input = Json)]
pub async fn resolve_nic_drift(vm_id: Uuid, nic_id: Uuid, keep: DriftChoice) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::drift::resolve_nic_drift(&engine, &actor, vm_id, nic_id, keep).await.map_err(crate::error::from_engine)
}

/// Makes the host's NIC with `mac`, unknown to hotnic, one of the VM's NICs.
#[server(prefix = "/api/fn", endpoint = "adopt_unknown_nic", input = Json)]
pub async fn adopt_unknown_nic(vm_id: Uuid, mac: String) -> Result<Nic, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::drift::adopt_unknown_nic(&engine, &actor, vm_id, mac).await.map_err(crate::error::from_engine)
}

/// Asks the host to unplug its NIC with `mac`, unknown to hotnic.
#[server(prefix = "/api/fn", endpoint = "detach_unknown_nic", input = Json)]
pub async fn detach_unknown_nic(vm_id: Uuid, mac: String) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::drift::detach_unknown_nic(&engine, &actor, vm_id, mac).await.map_err(crate::error::from_engine)
}

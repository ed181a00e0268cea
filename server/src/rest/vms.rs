//! /api/vms, /api/vms/{vm}, /api/vms/{vm}/start, /api/vms/{vm}/stop,
//! /api/vms/{vm}/pci_slots, and across VMs /api/vms/plug_nic, /unplug_nic

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::bulk::{self, BulkAction};
use hotnic_engine::{pci_slots, run, vms, Engine};
use hotnic_model::{NewVm, PciSlot, Vm, VmNicOutcome, VmsNic};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<Vm>>, RestError> {
    Ok(Json(vms::list_vms(&engine, &actor).await?))
}

pub async fn create(State(engine): State<Engine>, Caller(actor): Caller, ApiJson(new): ApiJson<NewVm>) -> Result<(StatusCode, Json<Vm>), RestError> {
    Ok((StatusCode::CREATED, Json(vms::create_vm(&engine, &actor, new).await?)))
}

pub async fn get(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(vms::get_vm(&engine, &actor, vm).await?))
}

pub async fn delete(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<StatusCode, RestError> {
    vms::delete_vm(&engine, &actor, vm).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn start(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(run::run_vm(&engine, &actor, vm).await?))
}

pub async fn stop(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(run::stop_vm(&engine, &actor, vm).await?))
}

/// The running VM's hot-pluggable PCI slots, each with its holder, as the
/// host sees them now.
pub async fn pci_slots(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vec<PciSlot>>, RestError> {
    Ok(Json(pci_slots::slot_map(&engine, &actor, vm).await?))
}

/// POST /api/vms/plug_nic, /unplug_nic with `{"vm_ids": [...], "nic_name": "nic1"}`:
/// the NIC of that name on each VM in turn, each with its own outcome.
pub async fn plug_nic_on_each(State(engine): State<Engine>, Caller(actor): Caller, ApiJson(on): ApiJson<VmsNic>) -> Result<Json<Vec<VmNicOutcome>>, RestError> {
    Ok(Json(bulk::act_on_vms(&engine, &actor, on.vm_ids, on.nic_name, BulkAction::Plug).await?))
}

pub async fn unplug_nic_on_each(State(engine): State<Engine>, Caller(actor): Caller, ApiJson(on): ApiJson<VmsNic>) -> Result<Json<Vec<VmNicOutcome>>, RestError> {
    Ok(Json(bulk::act_on_vms(&engine, &actor, on.vm_ids, on.nic_name, BulkAction::Unplug).await?))
}

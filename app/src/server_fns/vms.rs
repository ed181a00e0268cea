//! /api/fn/{list_vms,get_vm,create_vm,delete_vm,run_vm,stop_vm,vm_pci_slots}, and
//! across VMs /api/fn/{plug_nic_on_vms,unplug_nic_on_vms}.

use crate::error::FnError;
use hotnic_model::{NewVm, PciSlot, Vm, VmNicOutcome};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

#[server(prefix = "/api/fn", endpoint = "list_vms", input = Json)]
pub async fn list_vms() -> Result<Vec<Vm>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::vms::list_vms(&engine, &actor).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "get_vm", input = Json)]
pub async fn get_vm(vm_id: Uuid) -> Result<Vm, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::vms::get_vm(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

/// `vm`: the fields of `NewVm` (name, cluster_id, memory_mib, vcpus,
/// kernel, initrd, cmdline, disk).
#[server(prefix = "/api/fn", endpoint = "create_vm", input = Json)]
pub async fn create_vm(vm: NewVm) -> Result<Vm, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::vms::create_vm(&engine, &actor, vm).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "delete_vm", input = Json)]
pub async fn delete_vm(vm_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::vms::delete_vm(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "run_vm", input = Json)]
pub async fn run_vm(vm_id: Uuid) -> Result<Vm, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::run::run_vm(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "stop_vm", input = Json)]
pub async fn stop_vm(vm_id: Uuid) -> Result<Vm, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::run::stop_vm(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

/// The running VM's hot-pluggable PCI slots, each with its holder, as the
/// host sees them now.
#[server(prefix = "/api/fn", endpoint = "vm_pci_slots", input = Json)]
pub async fn vm_pci_slots(vm_id: Uuid) -> Result<Vec<PciSlot>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::pci_slots::slot_map(&engine, &actor, vm_id).await.map_err(crate::error::from_engine)
}

/// Plugs the NIC named `nic_name` on each of `vm_ids`, in that order, each with
/// its own outcome.
#[server(prefix = "/api/fn", endpoint = "plug_nic_on_vms", input = Json)]
pub async fn plug_nic_on_vms(vm_ids: Vec<Uuid>, nic_name: String) -> Result<Vec<VmNicOutcome>, FnError> {
    let (engine, actor) = super::caller()?;
    let action = hotnic_engine::bulk::BulkAction::Plug;
    hotnic_engine::bulk::act_on_vms(&engine, &actor, vm_ids, nic_name, action).await.map_err(crate::error::from_engine)
}

/// Unplugs the NIC named `nic_name` on each of `vm_ids`, in that order.
#[server(prefix = "/api/fn", endpoint = "unplug_nic_on_vms", input = Json)]
pub async fn unplug_nic_on_vms(vm_ids: Vec<Uuid>, nic_name: String) -> Result<Vec<VmNicOutcome>, FnError> {
    let (engine, actor) = super::caller()?;
    let action = hotnic_engine::bulk::BulkAction::Unplug;
    hotnic_engine::bulk::act_on_vms(&engine, &actor, vm_ids, nic_name, action).await.map_err(crate::error::from_engine)
}

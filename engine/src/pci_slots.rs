//! A running VM's hot-pluggable PCI slots. The count the host last reported
//! is stored with the VM (monitoring, run, plug and unplug keep it
//! current), so the page shows "n of m free" and a plug into a full VM is
//! refused before the host is asked; the host refuses too, atomically, when
//! the stored count is behind (`FailureKind::NoFreePciSlot`). The slot map
//! (which device holds each slot) is asked of the host when wanted.

use crate::access::{Act, Actor};
use crate::entities::vm;
use crate::host_client::{host_error, HostTarget};
use crate::{stored_nic, vms, Engine, EngineError, EngineResult};
use hotnic_agent_api::{GetCapsParams, PciDeviceKind, PciSlotCount};
use hotnic_model::{PciSlot, PciSlots, SlotHolder};
use sea_orm::sea_query::{Expr, ExprTrait, UpdateStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Set};
use uuid::Uuid;

/// The stored count, when the VM runs and its host reported one.
pub fn slots_of(vm: &vm::Model) -> Option<PciSlots> {
    match (vm.pci_slots_free, vm.pci_slots_total) {
        (Some(free), Some(total)) => Some(PciSlots { free: u32::try_from(free).unwrap_or(0), total: u32::try_from(total).unwrap_or(0) }),
        _ => None,
    }
}

/// Why a NIC cannot be plugged into the running `vm` now, if every slot is
/// taken; the same words whether the database or the host found it.
pub fn has_free_slot(vm: &vm::Model) -> Result<(), String> {
    match slots_of(vm) {
        Some(PciSlots { free: 0, total }) => Err(no_free_slot(&vm.name, total)),
        _ => Ok(()),
    }
}

pub(crate) fn no_free_slot(vm_name: &str, total: u32) -> String {
    format!(
        "VM {vm_name} has no free PCI slot: all {total} hot-pluggable slots are in use. \
         Unplug another NIC first, or plug this one while the VM is down"
    )
}

/// The columns for a count the host reported (none: unknown).
pub(crate) fn set_count(row: &mut vm::ActiveModel, count: Option<PciSlotCount>) {
    row.pci_slots_free = Set(count.map(|c| c.free as i32));
    row.pci_slots_total = Set(count.map(|c| c.total as i32));
}

/// Whether the stored count differs from what the host reported.
pub(crate) fn count_changed(vm: &vm::Model, count: Option<PciSlotCount>) -> bool {
    !count_explained_by_flows(vm, count, 0)
}

/// Whether the stored count differs from the host's by no more than
/// `in_flight` plugs and unplugs under way can explain (each moves the free
/// count by one, and writes it itself).
pub(crate) fn count_explained_by_flows(vm: &vm::Model, count: Option<PciSlotCount>, in_flight: usize) -> bool {
    match ((vm.pci_slots_free, vm.pci_slots_total), count) {
        ((Some(free), Some(total)), Some(count)) => total == count.total as i32 && (free - count.free as i32).unsigned_abs() as usize <= in_flight,
        (stored, count) => stored == (count.map(|c| c.free as i32), count.map(|c| c.total as i32)),
    }
}

/// A NIC took (`-1`) or left (`+1`) a slot: the stored count follows in one
/// statement, kept within 0..=total; monitoring replaces it with the
/// host's next report.
pub(crate) async fn record_slot_change(db: &impl ConnectionTrait, vm: &vm::Model, delta: i32) -> EngineResult<()> {
    if let Some(change) = slot_change(vm, delta) {
        db.execute(&change).await?;
    }
    Ok(())
}

/// The statement of [`record_slot_change`], for a caller that writes it
/// together with other changes (`outcome`); None when the VM has no count.
pub(crate) fn slot_change(vm: &vm::Model, delta: i32) -> Option<UpdateStatement> {
    slots_of(vm)?;
    let free = Expr::col(vm::Column::PciSlotsFree).add(delta);
    Some(
        vm::Entity::update_many()
            .col_expr(vm::Column::PciSlotsFree, free)
            .filter(vm::Column::Id.eq(vm.id))
            .filter(Expr::col(vm::Column::PciSlotsFree).add(delta).gte(0))
            .filter(Expr::col(vm::Column::PciSlotsFree).add(delta).lte(Expr::col(vm::Column::PciSlotsTotal)))
            .into_query(),
    )
}

/// Every hot-pluggable slot of a running VM with the device holding it, as
/// its host sees it now; hotnic's NICs are named.
pub async fn slot_map(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vec<PciSlot>> {
    actor.vm(engine.db(), vm_id, Act::View).await?;
    let (vm, _, host) = vms::find_vm_placed(engine.db(), vm_id).await?;
    let host = match host {
        Some(host) if vms::status_of(&vm)?.is_running() => host,
        _ => return Err(EngineError::Conflict(format!("VM {} is {}; only a running VM has PCI slots", vm.name, vm.status))),
    };
    let target = HostTarget::from(&host);
    let asked = GetCapsParams { pci_slot_map_for: vec![vm_id], ..Default::default() };
    let failed = format!("Failed to read the PCI slots of VM {}", vm.name);
    let caps = engine.hosts.get_caps(&target, &asked).await.map_err(|e| host_error(&target, &failed, e))?;
    let slots = caps.pci_slot_maps.get(&vm_id).cloned().unwrap_or_default();
    let nics = stored_nic::stored_nics(engine.db(), vm_id).await?;
    let name_of = |id: Uuid| nics.iter().find(|n| n.interface.id == id).map(|n| n.interface.name.clone());
    slots
        .into_iter()
        .map(|slot| {
            let address = slot.address.address().map_err(|e| EngineError::HostFailed {
                reason: format!("{failed}: host {} sent a PCI address that does not read: {}", host.name, e.reason),
                kind: None,
            })?;
            let holder = slot.device.map(|kind| {
                let known = slot.device_id.and_then(|id| name_of(id).map(|name| (id, name)));
                SlotHolder {
                    kind: kind_word(kind).to_owned(),
                    // The host's alias is its text, shown escaped.
                    name: known.as_ref().map(|(_, name)| name.clone()).or_else(|| slot.alias.as_deref().map(hotnic_model::printable)).unwrap_or_default(),
                    nic_id: known.map(|(id, _)| id),
                }
            });
            Ok(PciSlot { address, holder })
        })
        .collect()
}

fn kind_word(kind: PciDeviceKind) -> &'static str {
    match kind {
        PciDeviceKind::Nic => "nic",
        PciDeviceKind::Disk => "disk",
        PciDeviceKind::Controller => "controller",
        PciDeviceKind::Balloon => "balloon",
        PciDeviceKind::Video => "video",
        PciDeviceKind::Other => "other",
    }
}

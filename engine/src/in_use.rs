//! Naming what still uses an object an operator wants to change or remove,
//! so the refusal says what to do first.

use crate::entities::{vm, vm_device, vm_interface};
use crate::state::VmStatus;
use crate::EngineResult;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// At most this many names in one message; the rest are counted.
const SHOWN: usize = 10;

/// "a, b, c and 4 more".
pub(crate) fn listed(names: &[String]) -> String {
    match names.len() {
        n if n > SHOWN => format!("{} and {} more", names[..SHOWN].join(", "), n - SHOWN),
        _ => names.join(", "),
    }
}

/// The names of `vms` that are not down.
pub(crate) fn running(vms: &[vm::Model]) -> Vec<String> {
    vms.iter().filter(|vm| vm.status != VmStatus::Down.as_str()).map(|vm| vm.name.clone()).collect()
}

/// The NICs on a network, as "VM v: nic1, nic2" per VM; with `live_only`,
/// only those plugged into a VM that runs.
pub(crate) async fn nics_on_network(db: &impl ConnectionTrait, network_id: uuid::Uuid, live_only: bool) -> EngineResult<Vec<String>> {
    let nics = vm_interface::Entity::find()
        .filter(vm_interface::Column::NetworkId.eq(network_id))
        .order_by_asc(vm_interface::Column::Name)
        .all(db)
        .await?;
    let ids: Vec<uuid::Uuid> = nics.iter().map(|n| n.id).collect();
    let plugged: Vec<uuid::Uuid> = vm_device::Entity::find()
        .filter(vm_device::Column::DeviceId.is_in(ids))
        .filter(vm_device::Column::IsPlugged.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    let vm_ids: Vec<uuid::Uuid> = nics.iter().map(|n| n.vm_id).collect();
    let vms = vm::Entity::find().filter(vm::Column::Id.is_in(vm_ids)).order_by_asc(vm::Column::Name).all(db).await?;
    let mut named = Vec::new();
    for vm in &vms {
        let live = vm.status != VmStatus::Down.as_str();
        let on: Vec<String> = nics
            .iter()
            .filter(|n| n.vm_id == vm.id && (!live_only || (live && plugged.contains(&n.id))))
            .map(|n| n.name.clone())
            .collect();
        if !on.is_empty() {
            named.push(format!("VM {}: {}", vm.name, on.join(", ")));
        }
    }
    Ok(named)
}

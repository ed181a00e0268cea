//! A VM's NICs: add (always unplugged), read, edit, remove. Plugging and
//! unplugging live in `plug`.

use crate::access::{Act, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{network, vm, vm_device, vm_interface};
use crate::state::{NicModel, VmStatus};
use crate::stored_nic::{device_kind, find_nic, present, present_one, stored_nics, StoredNic};
use crate::{mac_pool, networks, plug, vms, Engine, EngineError, EngineResult};
use hotnic_model::{EntityName, NewNic, Nic, NicUpdate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

pub async fn list_nics(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vec<Nic>> {
    let vm = actor.vm(engine.db(), vm_id, Act::View).await?;
    let list = stored_nics(engine.db(), vm_id).await?.iter().map(StoredNic::view).collect();
    present(engine, actor, &vm, list).await
}

pub async fn get_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<Nic> {
    let vm = actor.vm(engine.db(), vm_id, Act::View).await?;
    let nic = find_nic(engine.db(), vm_id, nic_id).await?.view();
    present_one(engine, actor, &vm, nic).await
}

pub(crate) fn parse_nic_name(text: &str) -> EngineResult<String> {
    EntityName::parse(text).map(|n| n.to_string()).map_err(|e| EngineError::invalid("name", format!("NIC {e}")))
}

fn parse_boot_order(value: Option<i32>) -> EngineResult<Option<i32>> {
    match value {
        Some(order) if !(1..=255).contains(&order) => {
            Err(EngineError::invalid("boot_order", "boot order must be between 1 and 255, or empty"))
        }
        other => Ok(other),
    }
}

pub(crate) async fn ensure_name_free(db: &impl ConnectionTrait, vm: &vm::Model, name: &str, except: Option<Uuid>) -> EngineResult<()> {
    let mut query = vm_interface::Entity::find()
        .filter(vm_interface::Column::VmId.eq(vm.id))
        .filter(vm_interface::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(vm_interface::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(EngineError::InUse { field: "name", reason: format!("VM {} already has a NIC named '{name}'", vm.name) });
    }
    Ok(())
}

/// Resolves a network name (None or "" for no network) in the VM's cluster.
pub(crate) async fn resolve_network(db: &impl ConnectionTrait, vm: &vm::Model, name: Option<&str>) -> EngineResult<Option<network::Model>> {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(name) => Ok(Some(networks::find_in_cluster(db, vm.cluster_id, name).await?)),
    }
}

/// A NIC's device row: unplugged, or plugged at the host's `(address,
/// alias)` (an adopted NIC).
pub(crate) fn device_row(id: Uuid, vm_id: Uuid, network: Option<&network::Model>, plugged_at: Option<(Option<String>, String)>) -> vm_device::ActiveModel {
    let (address, alias) = plugged_at.clone().map_or((None, None), |(address, alias)| (address, Some(alias)));
    vm_device::ActiveModel {
        device_id: Set(id),
        vm_id: Set(vm_id),
        r#type: Set("interface".into()),
        device: Set(device_kind(network).to_string()),
        is_plugged: Set(plugged_at.is_some()),
        address: Set(address),
        alias: Set(alias),
        spec_params: Set("{}".into()),
        pending: Set(None),
        pending_since: Set(None),
        drift: Set(None),
    }
}

/// Adds a NIC: the interface and device rows, unplugged and without an
/// address, whatever the VM's state. Never plugs it.
pub async fn add_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, new: NewNic) -> EngineResult<Nic> {
    crate::measure::flow("add", add_nic_checked(engine, actor, vm_id, new)).await
}

async fn add_nic_checked(engine: &Engine, actor: &Actor, vm_id: Uuid, new: NewNic) -> EngineResult<Nic> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let name = parse_nic_name(&new.name)?;
    let model: NicModel = new.interface.parse().map_err(|e: String| EngineError::invalid("interface", e))?;
    let boot_order = parse_boot_order(new.boot_order)?;
    // Two adds at once may pick the same free MAC (one loses on the unique
    // index) or, on SQLite, meet its single writer: the loser tries again
    // with what the winner left.
    let mut attempt = 0;
    loop {
        match insert_nic(engine, actor, vm_id, &new, &name, model, boot_order).await {
            Err(err) if err.is_race() && attempt < 8 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(10 * attempt)).await;
            }
            other => return other,
        }
    }
}

async fn insert_nic(
    engine: &Engine,
    actor: &Actor,
    vm_id: Uuid,
    new: &NewNic,
    name: &str,
    model: NicModel,
    boot_order: Option<i32>,
) -> EngineResult<Nic> {
    let name = name.to_owned();
    let txn = engine.db().begin().await?;
    let vm = vms::find_vm(&txn, vm_id).await?;
    ensure_name_free(&txn, &vm, &name, None).await?;
    let network = resolve_network(&txn, &vm, new.network.as_deref()).await?;
    let mac = match new.mac.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(custom) => mac_pool::check_custom(&txn, custom, None).await?,
        None => mac_pool::allocate(&txn).await?,
    };
    let id = Uuid::new_v4();
    let interface = vm_interface::ActiveModel {
        id: Set(id),
        vm_id: Set(vm_id),
        name: Set(name.clone()),
        network_id: Set(network.as_ref().map(|n| n.id)),
        mac: Set(mac.to_string()),
        model: Set(model.to_string()),
        port_mirroring: Set(new.port_mirroring),
        boot_order: Set(boot_order),
        created_at: Set(chrono::Utc::now()),
        linked: Set(true),
    }
    .insert(&txn)
    .await?;
    let device = device_row(id, vm_id, network.as_ref(), None).insert(&txn).await?;
    audit::record(
        &txn,
        &actor.audit_name(),
        Severity::Normal,
        "nic_added",
        format!("NIC {name} (MAC {mac}) was added to VM {}, unplugged", vm.name),
        Subject { vm_id: Some(vm_id), nic_id: Some(id), ..Default::default() },
    )
    .await?;
    txn.commit().await?;
    engine.changed(Some(vm_id));
    present_one(engine, actor, &vm, StoredNic { interface, device, network }.view()).await
}

/// Edits a NIC. `plugged` in the update plugs or unplugs it (after the other
/// fields are saved). On a NIC plugged into a running VM the device cannot
/// change under the guest: model, MAC, network and port mirroring are
/// refused ("unplug, edit, plug back"); name and boot order (used at the
/// next boot) may change.
pub async fn edit_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, update: NicUpdate) -> EngineResult<Nic> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let (plugged, linked) = (update.plugged, update.linked);
    let has_edits = update.name.is_some()
        || update.network.is_some()
        || update.interface.is_some()
        || update.mac.is_some()
        || update.port_mirroring.is_some()
        || update.boot_order.is_some();
    if has_edits {
        engine.locks.with_vm(vm_id, apply_edits(engine, actor, vm_id, nic_id, update)).await?;
    }
    // The link before a plug, so the plug uses the new state.
    if let Some(linked) = linked {
        crate::link::set_nic_link(engine, actor, vm_id, nic_id, linked).await?;
    }
    match plugged {
        Some(true) => plug::plug_nic(engine, actor, vm_id, nic_id).await,
        Some(false) => plug::unplug_nic(engine, actor, vm_id, nic_id).await,
        None => get_nic(engine, actor, vm_id, nic_id).await,
    }
}

async fn apply_edits(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, update: NicUpdate) -> EngineResult<()> {
    let txn = engine.db().begin().await?;
    let vm = vms::find_vm(&txn, vm_id).await?;
    let nic = find_nic(&txn, vm_id, nic_id).await?;
    let live = nic.device.is_plugged && vms::status_of(&vm)? != VmStatus::Down;

    let mut interface = nic.interface.clone().into_active_model();
    let mut device = nic.device.clone().into_active_model();
    let mut refused = Vec::new();
    if let Some(name) = &update.name {
        let name = parse_nic_name(name)?;
        ensure_name_free(&txn, &vm, &name, Some(nic_id)).await?;
        interface.name = Set(name);
    }
    if let Some(model) = &update.interface {
        let model: NicModel = model.parse().map_err(|e: String| EngineError::invalid("interface", e))?;
        if model.as_str() != nic.interface.model {
            refused.push("model");
            interface.model = Set(model.to_string());
        }
    }
    if let Some(mac) = update.mac.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        let mac = mac_pool::check_custom(&txn, mac, Some(nic_id)).await?;
        if mac.to_string() != nic.interface.mac {
            refused.push("MAC");
            interface.mac = Set(mac.to_string());
        }
    }
    if let Some(name) = &update.network {
        let network = resolve_network(&txn, &vm, Some(name)).await?;
        if network.as_ref().map(|n| n.id) != nic.interface.network_id {
            refused.push("network");
            interface.network_id = Set(network.as_ref().map(|n| n.id));
            device.device = Set(device_kind(network.as_ref()).to_string());
        }
    }
    if let Some(mirroring) = update.port_mirroring {
        if mirroring != nic.interface.port_mirroring {
            refused.push("port mirroring");
            interface.port_mirroring = Set(mirroring);
        }
    }
    if let Some(order) = update.boot_order {
        interface.boot_order = Set(parse_boot_order(order)?);
    }
    if live && !refused.is_empty() {
        return Err(EngineError::Conflict(format!(
            "NIC {} is plugged into running VM {}: its {} cannot change now; unplug, edit, plug back",
            nic.interface.name,
            vm.name,
            refused.join(", ")
        )));
    }
    let interface = interface.update(&txn).await?;
    device.update(&txn).await?;
    audit::record(
        &txn,
        &actor.audit_name(),
        Severity::Normal,
        "nic_edited",
        format!("NIC {} of VM {} was edited", interface.name, vm.name),
        Subject { vm_id: Some(vm_id), nic_id: Some(nic_id), ..Default::default() },
    )
    .await?;
    txn.commit().await?;
    engine.changed(Some(vm_id));
    Ok(())
}

/// Removes a NIC: refused while it is plugged into a running VM; otherwise
/// deletes its device row (and address) and interface row, which frees its
/// MAC for the pool.
pub async fn remove_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<()> {
    let flow = async {
        actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
        engine.locks.with_vm(vm_id, remove_nic_locked(engine, actor, vm_id, nic_id)).await
    };
    crate::measure::flow("remove", flow).await
}

pub(crate) async fn remove_nic_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<()> {
    let txn = engine.db().begin().await?;
    let vm = vms::find_vm(&txn, vm_id).await?;
    let nic = find_nic(&txn, vm_id, nic_id).await?;
    let running = vms::status_of(&vm)?.is_running();
    if let Some(intent) = crate::host_view::unfinished_intent(&nic.device).filter(|_| running) {
        return Err(EngineError::Conflict(format!(
            "NIC {} has an unfinished {intent} on running VM {}; monitoring settles it within one interval",
            nic.interface.name, vm.name
        )));
    }
    if nic.device.is_plugged && running {
        return Err(EngineError::Conflict(format!(
            "NIC {} is plugged into running VM {}; unplug it first",
            nic.interface.name, vm.name
        )));
    }
    vm_device::Entity::delete_by_id(nic_id).exec(&txn).await?;
    vm_interface::Entity::delete_by_id(nic_id).exec(&txn).await?;
    audit::record(
        &txn,
        &actor.audit_name(),
        Severity::Normal,
        "nic_removed",
        format!("NIC {} (MAC {}) was removed from VM {}", nic.interface.name, nic.interface.mac, vm.name),
        Subject { vm_id: Some(vm_id), nic_id: Some(nic_id), ..Default::default() },
    )
    .await?;
    txn.commit().await?;
    engine.changed(Some(vm_id));
    Ok(())
}

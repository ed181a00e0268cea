//! When the host and hotnic disagree about a running VM's NICs (drift).
//! Monitoring never overwrites either side: it marks what differs and
//! writes one event the first time it sees it; an operator resolves it.
//! - A NIC hotnic holds unplugged is plugged on the host, one it holds
//!   plugged is gone from the host (detached behind its back; a guest's
//!   late release of a timed-out unplug is recorded instead), or a plugged
//!   NIC's MAC, model or link differs: the NIC's row is marked; `resolve_nic_drift`
//!   records the host's view or applies hotnic's to the host again.
//! - The host has a NIC hotnic has no record of (attached behind its back):
//!   the VM lists it; `adopt_unknown_nic` makes it one of the VM's NICs as
//!   it is, `detach_unknown_nic` asks the host to unplug it.

use crate::access::{Act, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{host, vm, vm_device, vm_interface};
use crate::host_client::{host_error, HostTarget};
use crate::host_view::{self, Applied};
use crate::nic_wire::{mirror_networks, nic_params};
use crate::stored_nic::{self, StoredNic};
use crate::write_batch::WriteBatch;
use crate::{nics, vms, Engine, EngineError, EngineResult};
use hotnic_agent_api::{HotplugNicParams, NicInfo, NicParams, VmStats};
use hotnic_model::words::NicModel;
use hotnic_model::{DriftChoice, Nic, UnknownNic};
use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set, TransactionTrait};
use uuid::Uuid;

/// The unknown NICs monitoring last stored for the VM.
pub fn unknown_nics_of(vm: &vm::Model) -> Vec<UnknownNic> {
    vm.unknown_nics.as_deref().and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
}

pub(crate) fn set_unknown_nics(row: &mut vm::ActiveModel, list: &[UnknownNic]) {
    let json = (!list.is_empty()).then(|| serde_json::to_string(list).expect("unknown NICs as JSON"));
    row.unknown_nics = Set(json);
}

/// One warning per unknown NIC, when it first appears.
pub(crate) fn record_new_unknown(writes: &mut WriteBatch, host: &host::Model, vm: &vm::Model, before: &[UnknownNic], now: &[UnknownNic]) {
    for nic in now.iter().filter(|n| !before.iter().any(|b| b.mac == n.mac)) {
        let on = nic.network.as_deref().map(|b| format!(" on bridge {b}")).unwrap_or_default();
        let message = format!(
            "host {} has a NIC (MAC {}, alias {}{on}) in VM {} that hotnic has no record of; adopt it or detach it",
            host.name, nic.mac, nic.alias, vm.name
        );
        let subject = Subject { vm_id: Some(vm.id), host_id: Some(host.id), ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, "nic_unknown_on_host", message, subject);
    }
}

/// One warning per plugged NIC the host newly shows otherwise.
pub(crate) fn record_differences(writes: &mut WriteBatch, host: &host::Model, vm: &vm::Model, applied: &Applied) {
    for (nic, what) in &applied.differ {
        let message = format!("NIC {} of VM {}: {what} (host {}); resolve it on the NIC", nic.interface.name, vm.name, host.name);
        let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: Some(host.id), ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, "nic_differs_on_host", message, subject);
    }
}

/// One warning per plugged NIC newly found gone from the host.
pub(crate) fn record_missing(writes: &mut WriteBatch, host: &host::Model, vm: &vm::Model, applied: &Applied) {
    for nic in &applied.missing {
        let message = format!(
            "NIC {} is plugged into VM {} here but missing on host {} (detached behind hotnic's back?); resolve it on the NIC",
            nic.interface.name, vm.name, host.name
        );
        let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: Some(host.id), ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, "nic_missing_on_host", message, subject);
    }
}

/// The running VM, its host and the host's view of it now, asked under the
/// VM's lock (what monitoring stored may be a pass old).
struct OnHost {
    vm: vm::Model,
    level: Result<(), String>,
    host: host::Model,
    target: HostTarget,
    stats: VmStats,
}

async fn running_on_host(engine: &Engine, vm_id: Uuid) -> EngineResult<OnHost> {
    let (vm, cluster, host) = vms::find_vm_placed(engine.db(), vm_id).await?;
    if !vms::status_of(&vm)?.is_running() {
        return Err(EngineError::Conflict(format!("VM {} is {}; drift is between a running VM and its host", vm.name, vm.status)));
    }
    let host = crate::plug::running_host(&vm, host.as_ref())?.clone();
    let target = HostTarget::from(&host);
    let failed = format!("Failed to read VM {} on its host", vm.name);
    let stats = engine.hosts.get_all_vm_stats(&target).await.map_err(|e| host_error(&target, &failed, e))?;
    let on_host = stats
        .stats_list
        .into_iter()
        .find(|s| s.vm_id == vm_id)
        .ok_or_else(|| EngineError::Conflict(format!("host {} no longer runs VM {}", target.name, vm.name)))?;
    let level = crate::allowed::level_of(&cluster)?;
    Ok(OnHost { vm, level, host, target, stats: on_host })
}

/// Resolves a NIC's drift: `Host` records what the host shows, `Hotnic`
/// makes the host match the database again (unplugs a NIC plugged there
/// only; sets the link back).
pub async fn resolve_nic_drift(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, keep: DriftChoice) -> EngineResult<Nic> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    // As a plug: the flow runs to its end even when the caller goes away.
    let (engine, actor) = (engine.clone(), actor.clone());
    crate::detached(async move { engine.locks.with_vm(vm_id, resolve_locked(&engine, &actor, vm_id, nic_id, keep)).await }).await
}

async fn resolve_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, keep: DriftChoice) -> EngineResult<Nic> {
    let db = engine.db();
    let nic = stored_nic::find_nic(db, vm_id, nic_id).await?;
    if nic.device.drift.is_none() {
        return Err(EngineError::Conflict(format!("NIC {} does not differ from its host: nothing to resolve", nic.interface.name)));
    }
    let OnHost { vm, level, host, target, stats: on_host } = running_on_host(engine, vm_id).await?;
    let seen = host_view::host_nic_of(&nic, &on_host);
    let name = &nic.interface.name;
    let done = match (nic.device.is_plugged, seen, keep) {
        (false, Some(info), DriftChoice::Host) => {
            let address = info.address.as_ref().and_then(crate::nic_wire::from_wire_address);
            crate::plug::store_plugged(db, &nic, true, address, Some(info.alias.clone())).await?;
            format!("NIC {name} of VM {} is recorded plugged, as its host shows it", vm.name)
        }
        (false, Some(_), DriftChoice::Hotnic) => {
            level.map_err(EngineError::Conflict)?;
            let failed = format!("Failed to unplug NIC {name} from VM {}", vm.name);
            let params = HotplugNicParams { vm_id, nic: nic_params(&nic, nic.address(), mirror_networks(&nic))? };
            engine.hosts.hotunplug_nic(&target, &params).await.map_err(|e| host_error(&target, &failed, e))?;
            crate::pci_slots::record_slot_change(db, &vm, 1).await?;
            format!("NIC {name} was unplugged from VM {} on its host, as hotnic holds it", vm.name)
        }
        (true, Some(info), DriftChoice::Host) if host_view::differences(&nic, info).is_some() => {
            record_as_host_shows(db, &nic, info).await?;
            format!("NIC {name} of VM {} is recorded as its host shows it", vm.name)
        }
        (true, Some(info), DriftChoice::Hotnic) if same_device(&nic, info) && info.link_active != nic.interface.linked => {
            crate::link::set_on_host(engine, &vm, Some(&host), &nic, nic.interface.linked, level).await?;
            format!("the link of NIC {name} of VM {} is {} again on its host", vm.name, if nic.interface.linked { "up" } else { "down" })
        }
        // Another MAC or model cannot change under a running guest: the
        // host's device is unplugged, and hotnic's plugged in its place.
        (true, Some(info), DriftChoice::Hotnic) if !same_device(&nic, info) => {
            level.map_err(EngineError::Conflict)?;
            let failed = format!("Failed to replace NIC {name} of VM {} on its host", vm.name);
            let mut theirs = nic_params(&nic, None, Vec::new())?;
            theirs.mac_addr = info.mac_addr.clone();
            theirs.nic_model = info.nic_model.clone();
            engine.hosts.hotunplug_nic(&target, &HotplugNicParams { vm_id, nic: theirs }).await.map_err(|e| host_error(&target, &failed, e))?;
            let ours = HotplugNicParams { vm_id, nic: nic_params(&nic, nic.address(), mirror_networks(&nic))? };
            let plugged = engine.hosts.hotplug_nic(&target, &ours).await.map_err(|e| host_error(&target, &failed, e))?;
            let address = plugged.nic.address.as_ref().and_then(crate::nic_wire::from_wire_address);
            crate::plug::store_plugged(db, &nic, true, address, Some(plugged.nic.alias)).await?;
            format!("NIC {name} of VM {} was replaced on its host by the one hotnic holds", vm.name)
        }
        (true, None, DriftChoice::Host) => {
            crate::plug::store_plugged(db, &nic, false, None, None).await?;
            format!("NIC {name} of VM {} is recorded unplugged, as its host shows it", vm.name)
        }
        (true, None, DriftChoice::Hotnic) => {
            level.map_err(EngineError::Conflict)?;
            crate::pci_slots::has_free_slot(&vm).map_err(EngineError::Conflict)?;
            let failed = format!("Failed to plug NIC {name} into VM {} again", vm.name);
            let params = HotplugNicParams { vm_id, nic: nic_params(&nic, nic.address(), mirror_networks(&nic))? };
            let plugged = engine.hosts.hotplug_nic(&target, &params).await.map_err(|e| host_error(&target, &failed, e))?;
            let address = plugged.nic.address.as_ref().and_then(crate::nic_wire::from_wire_address);
            crate::plug::store_plugged(db, &nic, true, address, Some(plugged.nic.alias)).await?;
            crate::pci_slots::record_slot_change(db, &vm, -1).await?;
            format!("NIC {name} was plugged into VM {} on its host again, as hotnic holds it", vm.name)
        }
        _ => format!("NIC {name} of VM {} no longer differs from its host", vm.name),
    };
    clear_drift(db, nic_id).await?;
    let subject = Subject { vm_id: Some(vm_id), nic_id: Some(nic_id), host_id: vm.host_id, ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "nic_drift_resolved", done, subject).await?;
    engine.changed(Some(vm_id));
    let vm = vms::find_vm(db, vm_id).await?;
    let mut facts = crate::allowed::VmFacts::read(engine, &vm).await?;
    facts.busy = false;
    Ok(stored_nic::with_actions(actor, &facts, stored_nic::find_nic(db, vm_id, nic_id).await?.view()))
}

/// Whether the host's NIC is the one hotnic holds, but for its link.
fn same_device(nic: &StoredNic, info: &NicInfo) -> bool {
    info.mac_addr.eq_ignore_ascii_case(&nic.interface.mac) && host_view::model_word(&info.nic_model) == nic.interface.model
}

/// Stores the host's MAC, model and link for the NIC.
async fn record_as_host_shows(db: &impl ConnectionTrait, nic: &StoredNic, info: &NicInfo) -> EngineResult<()> {
    let mac = crate::mac_pool::check_custom(db, &info.mac_addr, Some(nic.interface.id)).await?;
    let model: NicModel = host_view::model_word(&info.nic_model)
        .parse()
        .map_err(|_| EngineError::Conflict(format!("the host's model '{}' is not one hotnic manages (virtio, rtl8139, e1000)", hotnic_model::printable(&info.nic_model))))?;
    let mut row = nic.interface.clone().into_active_model();
    row.mac = Set(mac.to_string());
    row.model = Set(model.to_string());
    row.linked = Set(info.link_active);
    row.update(db).await?;
    Ok(())
}

async fn clear_drift(db: &impl ConnectionTrait, nic_id: Uuid) -> EngineResult<()> {
    let mut row = vm_device::ActiveModel { device_id: Set(nic_id), ..Default::default() };
    row.drift = Set(None);
    row.update(db).await?;
    Ok(())
}

/// A MAC as the caller wrote it, in hotnic's spelling (lower case).
fn parse_mac(text: &str) -> EngineResult<String> {
    let mac: hotnic_model::MacAddr = text.parse().map_err(|reason: String| EngineError::invalid("mac", reason))?;
    Ok(mac.to_string())
}

/// The host's NIC with `mac` that hotnic has no record of.
fn unknown_on_host<'a>(stored: &[StoredNic], on_host: &'a VmStats, mac: &str, vm: &vm::Model) -> EngineResult<&'a NicInfo> {
    let known = host_view::unknown_nics(stored, on_host);
    if !known.iter().any(|n| n.mac.eq_ignore_ascii_case(mac)) {
        return Err(EngineError::NotFound(format!("the host of VM {} has no NIC with MAC {mac} that hotnic does not know", vm.name)));
    }
    Ok(on_host.nics.iter().find(|n| n.mac_addr.eq_ignore_ascii_case(mac)).expect("listed as unknown"))
}

/// Makes a NIC the host has, and hotnic had no record of, one of the VM's
/// NICs, as it is: plugged, its MAC, model, bridge (a network of the
/// cluster), address and link. Nothing on the host changes.
pub async fn adopt_unknown_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, mac: String) -> EngineResult<Nic> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let mac = parse_mac(&mac)?;
    let (engine, actor) = (engine.clone(), actor.clone());
    crate::detached(async move { engine.locks.with_vm(vm_id, adopt_locked(&engine, &actor, vm_id, &mac)).await }).await
}

async fn adopt_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, mac: &str) -> EngineResult<Nic> {
    let OnHost { vm, stats: on_host, .. } = running_on_host(engine, vm_id).await?;
    let stored = stored_nic::stored_nics(engine.db(), vm_id).await?;
    let info = unknown_on_host(&stored, &on_host, mac, &vm)?;
    let model: NicModel = host_view::model_word(&info.nic_model)
        .parse()
        .map_err(|_| EngineError::Conflict(format!("the NIC's model '{}' is not one hotnic manages (virtio, rtl8139, e1000)", hotnic_model::printable(&info.nic_model))))?;
    let txn = engine.db().begin().await?;
    let network = match info.network.as_deref() {
        Some(bridge) => nics::resolve_network(&txn, &vm, Some(bridge)).await.map_err(|_| {
            EngineError::Conflict(format!(
                "the NIC is on bridge {}, which is no network of VM {}'s cluster; add that network to the cluster, then adopt it",
                hotnic_model::printable(bridge),
                vm.name
            ))
        })?,
        None => None,
    };
    let mac = crate::mac_pool::check_custom(&txn, &info.mac_addr, None).await?;
    let name = hotnic_model::next_free_nic_name(stored.iter().map(|s| s.interface.name.as_str()));
    nics::ensure_name_free(&txn, &vm, &name, None).await?;
    // A NIC another manager plugged with an id of its own keeps it, so
    // hotnic's alias for it is the one the host has.
    let taken = |id: Uuid| stored.iter().any(|n| n.interface.id == id);
    let id = info.device_id.filter(|id| !taken(*id)).unwrap_or_else(Uuid::new_v4);
    let address = info.address.as_ref().and_then(crate::nic_wire::from_wire_address);
    let interface = vm_interface::ActiveModel {
        id: Set(id),
        vm_id: Set(vm_id),
        name: Set(name.clone()),
        network_id: Set(network.as_ref().map(|n| n.id)),
        mac: Set(mac.to_string()),
        model: Set(model.to_string()),
        port_mirroring: Set(false),
        boot_order: Set(info.boot_order.map(|o| o as i32)),
        created_at: Set(chrono::Utc::now()),
        linked: Set(info.link_active),
    }
    .insert(&txn)
    .await?;
    let plugged_at = (address.map(host_view::address_text), info.alias.clone());
    let device = nics::device_row(id, vm_id, network.as_ref(), Some(plugged_at)).insert(&txn).await?;
    let rest: Vec<UnknownNic> = crate::drift::unknown_nics_of(&vm).into_iter().filter(|n| n.mac != mac.to_string()).collect();
    let mut row = vm.clone().into_active_model();
    set_unknown_nics(&mut row, &rest);
    row.update(&txn).await?;
    let message = format!("NIC {name} (MAC {mac}) of VM {} was adopted as its host runs it (alias {})", vm.name, info.alias);
    let subject = Subject { vm_id: Some(vm_id), nic_id: Some(id), host_id: vm.host_id, ..Default::default() };
    audit::record(&txn, &actor.audit_name(), Severity::Normal, "nic_adopted", message, subject).await?;
    txn.commit().await?;
    engine.changed(Some(vm_id));
    let mut facts = crate::allowed::VmFacts::read(engine, &vm).await?;
    facts.busy = false;
    Ok(stored_nic::with_actions(actor, &facts, StoredNic { interface, device, network }.view()))
}


/// Asks the host to unplug a NIC hotnic has no record of. The VM keeps no
/// trace of it.
pub async fn detach_unknown_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, mac: String) -> EngineResult<()> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let mac = parse_mac(&mac)?;
    let (engine, actor) = (engine.clone(), actor.clone());
    crate::detached(async move { engine.locks.with_vm(vm_id, detach_locked(&engine, &actor, vm_id, &mac)).await }).await
}

async fn detach_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, mac: &str) -> EngineResult<()> {
    let OnHost { vm, level, target, stats: on_host, .. } = running_on_host(engine, vm_id).await?;
    level.map_err(EngineError::Conflict)?;
    let stored = stored_nic::stored_nics(engine.db(), vm_id).await?;
    let info = unknown_on_host(&stored, &on_host, mac, &vm)?;
    // The agent finds it by alias (one another manager gave it) or, lacking
    // hotnic's alias, by its MAC among the NICs hotnic did not plug.
    let nic = NicParams {
        kind: "interface".into(),
        device: info.device.clone(),
        device_id: info.device_id.unwrap_or_else(Uuid::new_v4),
        network: info.network.clone(),
        address: None,
        mac_addr: info.mac_addr.clone(),
        boot_order: None,
        promisc: Vec::new(),
        spec_params: Default::default(),
        nic_model: info.nic_model.clone(),
        link_active: None,
    };
    let failed = format!("Failed to detach the NIC with MAC {} from VM {}", info.mac_addr, vm.name);
    engine.hosts.hotunplug_nic(&target, &HotplugNicParams { vm_id, nic }).await.map_err(|e| host_error(&target, &failed, e))?;
    let rest: Vec<UnknownNic> = unknown_nics_of(&vm).into_iter().filter(|n| !n.mac.eq_ignore_ascii_case(&info.mac_addr)).collect();
    let mut row = vm.clone().into_active_model();
    set_unknown_nics(&mut row, &rest);
    row.update(engine.db()).await?;
    crate::pci_slots::record_slot_change(engine.db(), &vm, 1).await?;
    let message = format!("the NIC with MAC {} (alias {}) was detached from VM {} on its host", info.mac_addr, info.alias, vm.name);
    let subject = Subject { vm_id: Some(vm_id), host_id: vm.host_id, ..Default::default() };
    audit::record(engine.db(), &actor.audit_name(), Severity::Normal, "nic_detached_from_host", message, subject).await?;
    engine.changed(Some(vm_id));
    Ok(())
}

//! Plug and unplug a NIC (the spec's plugUnplugNic). VM down: only the
//! database flag changes. VM up: the host (un)plugs the device first, and
//! the database follows only what the host did.

use crate::access::{Act, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{audit_log, host, vm, vm_device};
use crate::host_client::{host_error, HostTarget};
use crate::nic_wire::{from_wire_address, mirror_networks, nic_params};
use crate::stored_nic::{self, StoredNic};
use crate::state::NicChangePath;
use crate::write_batch::WriteBatch;
use crate::{host_view, vms, Engine, EngineError, EngineResult};
use hotnic_agent_api::HotplugNicParams;
use hotnic_model::{Nic, PciAddress};
use sea_orm::sea_query::{Expr, UpdateStatement};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryTrait, Set};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Plug,
    Unplug,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Plug => "plug",
            Action::Unplug => "unplug",
        }
    }
}

pub async fn plug_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<Nic> {
    set_plugged(engine, actor, vm_id, nic_id, Action::Plug).await
}

pub async fn unplug_nic(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<Nic> {
    set_plugged(engine, actor, vm_id, nic_id, Action::Unplug).await
}

async fn set_plugged(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, action: Action) -> EngineResult<Nic> {
    actor.may_act_on_vm(engine.db(), vm_id, Act::OperateVm).await?;
    // The flow runs to its end even when the caller goes away (a dropped
    // request, a client timeout): the host's answer is always recorded.
    let (engine, actor) = (engine.clone(), actor.clone());
    let flow = crate::detached(async move { set_plugged_to_the_end(&engine, &actor, vm_id, nic_id, action).await });
    crate::measure::flow(action.verb(), flow).await
}

/// A plug whose caller holds the VM's lock already (a bulk action).
pub(crate) async fn plug_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<Nic> {
    set_plugged_to_the_end_locked(engine, actor, vm_id, nic_id, Action::Plug).await
}

/// An unplug whose caller holds the VM's lock already (a bulk action).
pub(crate) async fn unplug_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid) -> EngineResult<Nic> {
    set_plugged_to_the_end_locked(engine, actor, vm_id, nic_id, Action::Unplug).await
}

async fn set_plugged_to_the_end(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, action: Action) -> EngineResult<Nic> {
    engine.locks.with_vm(vm_id, set_plugged_to_the_end_locked(engine, actor, vm_id, nic_id, action)).await
}

async fn set_plugged_to_the_end_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, action: Action) -> EngineResult<Nic> {
    let db = engine.db();
    // The intent goes out while the NIC is read (one round trip less
    // before the host is asked). It is written only on a NIC that has no
    // intent yet and is not already as wanted, so that when a check below
    // refuses the flow, clearing it undoes exactly this write.
    let (found, written) = read_and_record_intent(db, vm_id, nic_id, action).await?;
    let checked = found.and_then(|(placed, nic)| Ok((checks(placed, &nic, action)?, nic)));
    let (Checked { vm, host, level, path }, nic) = match checked {
        Ok(checked) => checked,
        Err(err) => {
            if written {
                clear_early_intent(db, nic_id).await?;
            }
            return Err(err);
        }
    };
    let wanted = action == Action::Plug;
    if path == NicChangePath::Host && !written {
        record_intent(db, &nic, action).await?;
    }
    let subject = Subject { vm_id: Some(vm_id), nic_id: Some(nic_id), host_id: vm.host_id, ..Default::default() };
    // Written with the NIC's new state, once there is one to write.
    let done = || {
        let how = if path == NicChangePath::Host { "running" } else { "stopped" };
        let done = if wanted { "plugged into" } else { "unplugged from" };
        let message = format!("NIC {} was {done} {how} VM {}", nic.interface.name, vm.name);
        let event = if wanted { "nic_plugged" } else { "nic_unplugged" };
        audit::event_row(&actor.audit_name(), Severity::Normal, event, message, subject.clone())
    };
    let result = match (path, action) {
        (NicChangePath::DatabaseOnly, _) => store_outcome(db, &nic, wanted, None, None, None, done()).await,
        // Boxed: a bulk action runs many of these in one task.
        (NicChangePath::Host, Action::Plug) => Box::pin(hotplug(engine, &vm, host.as_ref(), &nic, done)).await,
        (NicChangePath::Host, Action::Unplug) => Box::pin(hotunplug(engine, &vm, host.as_ref(), &nic, done)).await,
    };
    // The host said no: nothing happened there, the intent goes. When it
    // did not answer, what happened is unknown: monitoring resolves it. A
    // guest that did not release the NIC in time may still do so: the NIC
    // waits for its release, which monitoring records as an unplug (and
    // not as a NIC gone behind hotnic's back).
    match &result {
        Err(EngineError::HostFailed { kind: Some(hotnic_agent_api::FailureKind::GuestDidNotRelease), .. }) => {
            set_intent(db, nic_id, Some(host_view::AWAITING_RELEASE)).await?
        }
        Err(EngineError::HostFailed { .. } | EngineError::Conflict(_)) => set_intent(db, nic_id, None).await?,
        _ => {}
    }
    if let Err(err) = &result {
        let event = if wanted { "nic_plug_failed" } else { "nic_unplug_failed" };
        audit::record(db, &actor.audit_name(), Severity::Error, event, err.to_string(), subject).await?;
    }
    engine.changed(Some(vm_id));
    // The lock this flow holds ends as the answer goes out: not busy.
    let mut facts = crate::allowed::VmFacts::with_level(engine, &vm, level)?;
    facts.busy = false;
    Ok(stored_nic::with_actions(actor, &facts, result?))
}

/// What the checks before a plug or unplug found.
struct Checked {
    vm: vm::Model,
    host: Option<host::Model>,
    level: Result<(), String>,
    path: NicChangePath,
}

/// Whether the NIC may change as `action` asks, and how (database only, or
/// through the host).
fn checks(placed: stored_nic::NicPlacement, nic: &StoredNic, action: Action) -> EngineResult<Checked> {
    let (vm, cluster, host) = placed;
    let level = crate::allowed::level_of(&cluster)?;
    level.clone().map_err(EngineError::Conflict)?;
    let wanted = action == Action::Plug;
    if nic.device.is_plugged == wanted {
        return Err(EngineError::Conflict(format!(
            "NIC {} is already {}",
            nic.interface.name,
            if wanted { "plugged" } else { "unplugged" }
        )));
    }
    let path = crate::state::nic_change_path(vms::status_of(&vm)?, action.verb())?;
    if path == NicChangePath::Host && wanted {
        crate::pci_slots::has_free_slot(&vm).map_err(EngineError::Conflict)?;
    }
    Ok(Checked { vm, host, level, path })
}

/// Reads the NIC placed (its VM, cluster and host) and records the intent
/// early (see [`early_intent`]), in one round trip; the read, and whether
/// the intent was written. The flow reads nothing the intent changes.
async fn read_and_record_intent(
    db: &DatabaseConnection,
    vm_id: Uuid,
    nic_id: Uuid,
    action: Action,
) -> EngineResult<(EngineResult<(stored_nic::NicPlacement, StoredNic)>, bool)> {
    let intent = early_intent(vm_id, nic_id, action);
    let (found, written) = stored_nic::find_nic_placed_while(db, vm_id, nic_id, intent).await?;
    Ok((found, written == 1))
}

/// Records, before the host is asked, what it is asked to do: a crash
/// after the host acted and before the answer is stored leaves this for
/// monitoring to resolve against the host (`host_view::apply`). Early:
/// before the NIC is read, so only on a NIC of `vm_id` that has no intent
/// and is not already as `action` wants.
fn early_intent(vm_id: Uuid, nic_id: Uuid, action: Action) -> UpdateStatement {
    vm_device::Entity::update_many()
        .col_expr(vm_device::Column::Pending, Expr::value(action.verb()))
        .col_expr(vm_device::Column::PendingSince, Expr::value(chrono::Utc::now()))
        .filter(vm_device::Column::DeviceId.eq(nic_id))
        .filter(vm_device::Column::VmId.eq(vm_id))
        .filter(vm_device::Column::IsPlugged.eq(action == Action::Unplug))
        .filter(vm_device::Column::Pending.is_null())
        .into_query()
}

/// Undoes [`early_intent`] for a flow the checks refused.
async fn clear_early_intent(db: &impl ConnectionTrait, nic_id: Uuid) -> EngineResult<()> {
    vm_device::Entity::update_many()
        .col_expr(vm_device::Column::Pending, Expr::value(Option::<String>::None))
        .col_expr(vm_device::Column::PendingSince, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .filter(vm_device::Column::DeviceId.eq(nic_id))
        .exec(db)
        .await?;
    Ok(())
}

/// [`early_intent`] for a NIC that had an intent already (left by a
/// flow the host did not answer): this flow's replaces it.
async fn record_intent(db: &impl ConnectionTrait, nic: &StoredNic, action: Action) -> EngineResult<()> {
    let mut row = nic.device.clone().into_active_model();
    row.pending = Set(Some(action.verb().to_owned()));
    row.pending_since = Set(Some(chrono::Utc::now()));
    row.update(db).await?;
    Ok(())
}

/// Ends the flow's intent: cleared, or left as what the NIC now waits for.
async fn set_intent(db: &impl ConnectionTrait, nic_id: Uuid, waiting_for: Option<&str>) -> EngineResult<()> {
    if let Some(row) = vm_device::Entity::find_by_id(nic_id).one(db).await? {
        if row.pending.as_deref() != waiting_for {
            let mut row = row.into_active_model();
            row.pending = Set(waiting_for.map(str::to_owned));
            row.pending_since = Set(waiting_for.map(|_| chrono::Utc::now()));
            row.update(db).await?;
        }
    }
    Ok(())
}

/// Writes the plugged flag and what the host reported (and clears the
/// intent); unplugging always clears the address so the next plug gets a
/// fresh slot.
pub(crate) async fn store_plugged(
    db: &impl ConnectionTrait,
    nic: &StoredNic,
    plugged: bool,
    address: Option<PciAddress>,
    alias: Option<String>,
) -> EngineResult<Nic> {
    let device: vm_device::Model = plugged_change(nic, plugged, address, alias).update(db).await?;
    Ok(StoredNic { device, ..nic.clone() }.view())
}

/// [`store_plugged`], with the VM's slot count change and the flow's audit
/// event, in one step (`outcome`).
async fn store_outcome(
    db: &DatabaseConnection,
    nic: &StoredNic,
    plugged: bool,
    address: Option<PciAddress>,
    alias: Option<String>,
    slot_change: Option<UpdateStatement>,
    event: audit_log::ActiveModel,
) -> EngineResult<Nic> {
    let change = plugged_change(nic, plugged, address, alias);
    let device = Box::pin(crate::outcome::store_nic_change(db, nic.interface.id, change, slot_change, event)).await?;
    Ok(StoredNic { device, ..nic.clone() }.view())
}

fn plugged_change(nic: &StoredNic, plugged: bool, address: Option<PciAddress>, alias: Option<String>) -> vm_device::ActiveModel {
    let mut device = nic.device.clone().into_active_model();
    device.is_plugged = Set(plugged);
    device.pending = Set(None);
    device.pending_since = Set(None);
    if plugged {
        if address.is_some() {
            device.address = Set(address.map(host_view::address_text));
        }
        if alias.is_some() {
            device.alias = Set(alias);
        }
    } else {
        device.address = Set(None);
        device.alias = Set(None);
    }
    device
}

pub(crate) fn running_host<'a>(vm: &vm::Model, host: Option<&'a host::Model>) -> EngineResult<&'a host::Model> {
    host.ok_or_else(|| EngineError::Conflict(format!("VM {} is up but runs on no known host", vm.name)))
}

async fn hotplug(
    engine: &Engine,
    vm: &vm::Model,
    host: Option<&host::Model>,
    nic: &StoredNic,
    done: impl FnOnce() -> audit_log::ActiveModel,
) -> EngineResult<Nic> {
    let db = engine.db();
    let target = HostTarget::from(running_host(vm, host)?);
    let failed = format!("Failed to plug NIC {} into VM {}", nic.interface.name, vm.name);
    // One request: the host itself refuses a MAC any of its VMs holds and
    // a missing bridge, and picks another slot when the remembered one is
    // taken there (oVirt BZ1199782), all in one step. The database knows
    // what its other NICs hold.
    let mut address = nic.address();
    if let Some(wanted) = address {
        if held_by_another(db, vm, nic, wanted).await? {
            tracing::info!(nic = %nic.interface.id, %wanted, "stored PCI address is taken; letting the host choose");
            address = None;
        }
    }

    let params = HotplugNicParams { vm_id: vm.id, nic: nic_params(nic, address, mirror_networks(nic))? };
    let plugged = engine.hosts.hotplug_nic(&target, &params).await.map_err(|e| host_error(&target, &failed, e))?;
    // Tests stop the flow here, as a crash would: the host has the NIC,
    // the database only the intent.
    fail::fail_point!("plug-after-host");
    let reported = plugged.nic.address.as_ref().and_then(from_wire_address);
    let alias = plugged.nic.alias;
    let event = done();
    let slot_change = crate::pci_slots::slot_change(vm, -1);
    match store_outcome(db, nic, true, reported, Some(alias.clone()), slot_change, event.clone()).await {
        // Another NIC is recorded at the address the host gave: the unique
        // (vm_id, address) index refused the write, which changed nothing.
        // Checking first would cost every plug a statement.
        Err(err) if reported.is_some() && err.is_unique_violation() => {
            let stale: Vec<StoredNic> = stored_nic::stored_nics(db, vm.id)
                .await?
                .into_iter()
                .filter(|other| other.interface.id != nic.interface.id && other.address() == reported)
                .collect();
            let stored = store_after_collision(engine, &target, vm, nic, reported, alias, &stale).await?;
            crate::pci_slots::record_slot_change(db, vm, -1).await?;
            audit::insert_row(db, event).await?;
            Ok(stored)
        }
        stored => stored,
    }
}

/// Whether the database records another NIC of the VM at `address` (one
/// lookup on the unique (vm_id, address) index).
async fn held_by_another(db: &impl ConnectionTrait, vm: &vm::Model, nic: &StoredNic, address: PciAddress) -> EngineResult<bool> {
    Ok(vm_device::Entity::find()
        .filter(vm_device::Column::VmId.eq(vm.id))
        .filter(vm_device::Column::Address.eq(host_view::address_text(address)))
        .filter(vm_device::Column::DeviceId.ne(nic.interface.id))
        .one(db)
        .await?
        .is_some())
}

/// The host gave the NIC an address the database still records for another
/// NIC of the VM: that one left the slot (a late release monitoring has not
/// recorded yet). The whole VM is reconciled with the host before the plug
/// is stored; if the host cannot be asked, the stale addresses are cleared
/// (monitoring fills them in again).
async fn store_after_collision(
    engine: &Engine,
    target: &HostTarget,
    vm: &vm::Model,
    nic: &StoredNic,
    reported: Option<PciAddress>,
    alias: String,
    stale: &[StoredNic],
) -> EngineResult<Nic> {
    let db = engine.db();
    tracing::info!(vm = %vm.id, nic = %nic.interface.id, stale = stale.len(), "plugged at an address stored for another NIC; reconciling");
    if let Ok(stats) = engine.hosts.get_all_vm_stats(target).await {
        if let Some(on_host) = stats.stats_list.iter().find(|s| s.vm_id == vm.id) {
            if on_host.nics.iter().any(|n| n.device_id == Some(nic.interface.id)) {
                let stored = stored_nic::stored_nics(db, vm.id).await?;
                let mut writes = WriteBatch::new(db.get_database_backend());
                let applied = host_view::apply(&mut writes, &stored, on_host, &[nic.interface.id]);
                crate::monitoring::record_late_releases(&mut writes, vm, &applied);
                writes.send_alone(db).await?;
                return Ok(stored_nic::find_nic(db, vm.id, nic.interface.id).await?.view());
            }
        }
    }
    for other in stale {
        let mut row = other.device.clone().into_active_model();
        row.address = Set(None);
        row.update(db).await?;
    }
    store_plugged(db, nic, true, reported, Some(alias)).await
}

async fn hotunplug(
    engine: &Engine,
    vm: &vm::Model,
    host: Option<&host::Model>,
    nic: &StoredNic,
    done: impl FnOnce() -> audit_log::ActiveModel,
) -> EngineResult<Nic> {
    let target = HostTarget::from(running_host(vm, host)?);
    let failed = format!("Failed to unplug NIC {} from VM {}", nic.interface.name, vm.name);
    let params = HotplugNicParams { vm_id: vm.id, nic: nic_params(nic, nic.address(), mirror_networks(nic))? };
    engine.hosts.hotunplug_nic(&target, &params).await.map_err(|e| host_error(&target, &failed, e))?;
    fail::fail_point!("unplug-after-host");
    store_outcome(engine.db(), nic, false, None, None, crate::pci_slots::slot_change(vm, 1), done()).await
}

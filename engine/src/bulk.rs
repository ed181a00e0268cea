//! Bulk actions: plug, unplug or remove several NICs of one VM in one call,
//! in the order given, under one hold of the VM's lock (no other flow runs
//! between them). Each NIC goes through the same flow as alone and has its
//! own outcome: one failure does not undo or stop the others. The list is
//! refused whole, before anything happens, when it is empty, too long,
//! repeats an id or names a NIC the VM does not have.
//! Across VMs: plug or unplug the NIC of one name on each of several VMs,
//! in the order given, each VM under its own lock, each with its outcome.

use crate::access::{Act, Actor};
use crate::stored_nic::stored_nics;
use crate::{nics, plug, Engine, EngineError, EngineResult};
use crate::entities::vm_interface;
use hotnic_model::{NicOutcome, VmNicOutcome};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;
use uuid::Uuid;

/// At most this many NICs in one call.
pub const MAX_NICS: usize = 256;

/// At most this many VMs in one call.
pub const MAX_VMS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Plug,
    Unplug,
    Remove,
}

impl BulkAction {
    fn flow_name(self) -> &'static str {
        match self {
            BulkAction::Plug => "bulk_plug",
            BulkAction::Unplug => "bulk_unplug",
            BulkAction::Remove => "bulk_remove",
        }
    }
}

pub async fn act_on_nics(engine: &Engine, actor: &Actor, vm_id: Uuid, ids: Vec<Uuid>, action: BulkAction) -> EngineResult<Vec<NicOutcome>> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    check_list(engine, vm_id, &ids).await?;
    // As a single plug: the whole list runs to its end even when the
    // caller goes away.
    let (engine, actor) = (engine.clone(), actor.clone());
    let flow = crate::detached(async move {
        let each = async {
            let mut outcomes = Vec::with_capacity(ids.len());
            for id in ids {
                outcomes.push(act_on_one(&engine, &actor, vm_id, id, action).await);
            }
            Ok(outcomes)
        };
        engine.locks.with_vm(vm_id, each).await
    });
    crate::measure::flow(action.flow_name(), flow).await
}

async fn act_on_one(engine: &Engine, actor: &Actor, vm_id: Uuid, id: Uuid, action: BulkAction) -> NicOutcome {
    let result = match action {
        BulkAction::Plug => plug::plug_locked(engine, actor, vm_id, id).await.map(Some),
        BulkAction::Unplug => plug::unplug_locked(engine, actor, vm_id, id).await.map(Some),
        BulkAction::Remove => nics::remove_nic_locked(engine, actor, vm_id, id).await.map(|()| None),
    };
    match result {
        Ok(nic) => NicOutcome { id, status: if nic.is_some() { 200 } else { 204 }, nic, error: None },
        Err(err) => {
            let (status, error) = err.to_http();
            NicOutcome { id, status, nic: None, error: Some(error) }
        }
    }
}

/// The whole list or nothing: 1 to [`MAX_NICS`] ids, each once, each a NIC
/// of the VM.
async fn check_list(engine: &Engine, vm_id: Uuid, ids: &[Uuid]) -> EngineResult<()> {
    check_shape(ids, "ids", "NIC", MAX_NICS)?;
    let known: HashSet<Uuid> = stored_nics(engine.db(), vm_id).await?.into_iter().map(|n| n.interface.id).collect();
    let unknown: Vec<String> = ids.iter().filter(|id| !known.contains(id)).map(|id| id.to_string()).collect();
    if !unknown.is_empty() {
        return Err(EngineError::invalid("ids", format!("the VM has no NIC with id {}; nothing was done", unknown.join(", "))));
    }
    Ok(())
}

/// Plugs (or unplugs) the NIC named `nic_name` on each VM of `vm_ids`, in that
/// order. The list is refused whole, before anything happens, when it is
/// empty, too long, repeats a VM or names one the caller may not operate,
/// or when `nic_name` is no NIC name; a VM without a NIC by that name has its
/// own 404 outcome.
pub async fn act_on_vms(engine: &Engine, actor: &Actor, vm_ids: Vec<Uuid>, nic_name: String, action: BulkAction) -> EngineResult<Vec<VmNicOutcome>> {
    if action == BulkAction::Remove {
        return Err(EngineError::invalid("action", "only plug and unplug act across VMs"));
    }
    check_vms(engine, actor, &vm_ids).await?;
    let name = nics::parse_nic_name(&nic_name).map_err(|err| EngineError::invalid("nic_name", err.to_string()))?;
    let (engine, actor) = (engine.clone(), actor.clone());
    let flow = crate::detached(async move {
        let mut outcomes = Vec::with_capacity(vm_ids.len());
        for vm_id in vm_ids {
            outcomes.push(act_on_named(&engine, &actor, vm_id, &name, action).await);
        }
        Ok(outcomes)
    });
    crate::measure::flow(if action == BulkAction::Plug { "plug_across_vms" } else { "unplug_across_vms" }, flow).await
}

async fn act_on_named(engine: &Engine, actor: &Actor, vm_id: Uuid, name: &str, action: BulkAction) -> VmNicOutcome {
    let found = vm_interface::Entity::find()
        .filter(vm_interface::Column::VmId.eq(vm_id))
        .filter(vm_interface::Column::Name.eq(name))
        .one(engine.db())
        .await;
    let result = match found {
        Ok(Some(nic)) if action == BulkAction::Plug => plug::plug_nic(engine, actor, vm_id, nic.id).await,
        Ok(Some(nic)) => plug::unplug_nic(engine, actor, vm_id, nic.id).await,
        Ok(None) => Err(EngineError::NotFound(format!("the VM has no NIC named {name}"))),
        Err(err) => Err(err.into()),
    };
    match result {
        Ok(nic) => VmNicOutcome { vm_id, status: 200, nic: Some(nic), error: None },
        Err(err) => {
            let (status, error) = err.to_http();
            VmNicOutcome { vm_id, status, nic: None, error: Some(error) }
        }
    }
}

/// The whole list or nothing: 1 to [`MAX_VMS`] VMs, each once, each one the
/// caller may operate.
async fn check_vms(engine: &Engine, actor: &Actor, vm_ids: &[Uuid]) -> EngineResult<()> {
    check_shape(vm_ids, "vm_ids", "VM", MAX_VMS)?;
    for vm_id in vm_ids {
        actor.vm(engine.db(), *vm_id, Act::OperateVm).await?;
    }
    Ok(())
}

/// A bulk list's shape: 1 to `max` ids of `what`s, each once; else a 400 on
/// `field`.
fn check_shape(ids: &[Uuid], field: &'static str, what: &str, max: usize) -> EngineResult<()> {
    if ids.is_empty() {
        return Err(EngineError::invalid(field, format!("name at least one {what}")));
    }
    if ids.len() > max {
        return Err(EngineError::invalid(field, format!("at most {max} {what}s at once; the list has {}", ids.len())));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(EngineError::invalid(field, format!("{what} {twice} is named twice")));
    }
    Ok(())
}

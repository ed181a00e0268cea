//! Bulk actions: plug, unplug or remove several NICs of one VM in one call,
//! in the order given, under one hold of the VM's lock (no other flow runs
//! between them). Each NIC goes through the same flow as alone and has its
//! own outcome: one failure does not undo or stop the others. The list is
//! refused whole, before anything happens, when it is empty, too long,
//! repeats an id or names a NIC the VM does not have.

use crate::access::{Act, Actor};
use crate::stored_nic::stored_nics;
use crate::{nics, plug, Engine, EngineError, EngineResult};
use hotnic_model::NicOutcome;
use std::collections::HashSet;
use uuid::Uuid;

/// At most this many NICs in one call.
pub const MAX_NICS: usize = 256;

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
    if ids.is_empty() {
        return Err(EngineError::invalid("ids", "name at least one NIC"));
    }
    if ids.len() > MAX_NICS {
        return Err(EngineError::invalid("ids", format!("at most {MAX_NICS} NICs at once; the list has {}", ids.len())));
    }
    let mut seen = HashSet::new();
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(EngineError::invalid("ids", format!("NIC {twice} is named twice")));
    }
    let known: HashSet<Uuid> = stored_nics(engine.db(), vm_id).await?.into_iter().map(|n| n.interface.id).collect();
    let unknown: Vec<String> = ids.iter().filter(|id| !known.contains(id)).map(|id| id.to_string()).collect();
    if !unknown.is_empty() {
        return Err(EngineError::invalid("ids", format!("the VM has no NIC with id {}; nothing was done", unknown.join(", "))));
    }
    Ok(())
}

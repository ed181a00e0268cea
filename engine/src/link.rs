//! A NIC's link (cable) state, VDSM's updateDevice with `linkActive`: on a
//! NIC plugged into a running VM the host pulls or plugs back the cable
//! live, and the database follows what the host did; on any other NIC the
//! flag is only stored, and the next plug or start uses it. Setting the
//! state it already has changes nothing and asks no host.

use crate::access::{Act, Actor};
use crate::audit::{self, Severity, Subject};
use crate::host_client::{host_error, HostTarget};
use crate::nic_wire::{mirror_networks, nic_params};
use crate::stored_nic::{self, StoredNic};
use crate::entities::vm_interface;
use crate::{vms, Engine, EngineError, EngineResult};
use hotnic_agent_api::UpdateDeviceParams;
use hotnic_model::Nic;
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use uuid::Uuid;

pub async fn set_nic_link(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, linked: bool) -> EngineResult<Nic> {
    actor.may_act_on_vm(engine.db(), vm_id, Act::OperateVm).await?;
    // As a plug: the flow runs to its end even when the caller goes away.
    let (engine, actor) = (engine.clone(), actor.clone());
    let flow = crate::detached(async move {
        let locked = set_link_locked(&engine, &actor, vm_id, nic_id, linked);
        engine.locks.with_vm(vm_id, locked).await
    });
    crate::measure::flow("link", flow).await
}

async fn set_link_locked(engine: &Engine, actor: &Actor, vm_id: Uuid, nic_id: Uuid, linked: bool) -> EngineResult<Nic> {
    let db = engine.db();
    let ((vm, cluster, host), nic) = stored_nic::find_nic_placed(db, vm_id, nic_id).await?;
    let level = crate::allowed::level_of(&cluster)?;
    let live = nic.device.is_plugged && vms::status_of(&vm)?.is_running();
    let mut nic = nic;
    if nic.interface.linked != linked {
        let stored = match live {
            true => set_on_host(engine, &vm, host.as_ref(), &nic, linked, level.clone()).await,
            false => Ok(()),
        };
        let stored = match stored {
            Ok(()) => store_linked(db, &nic, linked).await,
            Err(err) => Err(err),
        };
        let subject = Subject { vm_id: Some(vm_id), nic_id: Some(nic_id), host_id: vm.host_id, ..Default::default() };
        let (severity, event, message) = match &stored {
            Ok(_) => {
                let how = if live { "on running VM" } else { "(stored) of VM" };
                let state = if linked { "up" } else { "down" };
                let event = if linked { "nic_link_up" } else { "nic_link_down" };
                (Severity::Normal, event, format!("Link of NIC {} {how} {} set {state}", nic.interface.name, vm.name))
            }
            Err(err) => (Severity::Error, "nic_link_failed", err.to_string()),
        };
        audit::record(db, &actor.audit_name(), severity, event, message, subject).await?;
        engine.changed(Some(vm_id));
        nic.interface = stored?;
    }
    let mut facts = crate::allowed::VmFacts::with_level(engine, &vm, level)?;
    facts.busy = false;
    Ok(stored_nic::with_actions(actor, &facts, nic.view()))
}

/// Asks the VM's host to set the link; refused below cluster level 3.1, as
/// every live NIC change.
pub(crate) async fn set_on_host(
    engine: &Engine,
    vm: &crate::entities::vm::Model,
    host: Option<&crate::entities::host::Model>,
    nic: &StoredNic,
    linked: bool,
    level: Result<(), String>,
) -> EngineResult<()> {
    level.map_err(EngineError::Conflict)?;
    let target = HostTarget::from(crate::plug::running_host(vm, host)?);
    let failed = format!("Failed to set the link of NIC {} of VM {}", nic.interface.name, vm.name);
    let mut dictionary = nic_params(nic, nic.address(), mirror_networks(nic))?;
    dictionary.link_active = Some(linked);
    let params = UpdateDeviceParams { vm_id: vm.id, nic: dictionary };
    engine.hosts.update_device(&target, &params).await.map_err(|e| host_error(&target, &failed, e))?;
    Ok(())
}

/// Writes the flag; returns the interface row as stored.
async fn store_linked(db: &impl sea_orm::ConnectionTrait, nic: &StoredNic, linked: bool) -> EngineResult<vm_interface::Model> {
    let mut row = nic.interface.clone().into_active_model();
    row.linked = Set(linked);
    Ok(row.update(db).await?)
}

//! Run and stop a VM. Run sends the host only the plugged NICs, with the
//! addresses stored for them.

use crate::access::{Act, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{host, vm};
use crate::host_client::{host_error, HostTarget};
use crate::stored_nic::{self, StoredNic};
use crate::nic_wire::{mirror_networks, nic_params};
use crate::state::{HostStatus, NetworkKind, VmStatus};
use crate::{host_view, vms, Engine, EngineError, EngineResult};
use hotnic_agent_api::{CreateParams, DriveParams};
use hotnic_model::Vm;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

pub async fn run_vm(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vm> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let (engine, actor) = (engine.clone(), actor.clone());
    crate::measure::flow("run", crate::detached(async move { run_to_the_end(&engine, &actor, vm_id).await })).await
}

async fn run_to_the_end(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vm> {
    // Read back after the lock is let go, so the answer's actions do not
    // call the VM busy.
    let row = engine.locks.with_vm(vm_id, run_to_the_end_locked(engine, actor, vm_id)).await?;
    vms::read_vm(engine, actor, row).await
}

async fn run_to_the_end_locked(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<vm::Model> {
    let db = engine.db();
    let vm = vms::find_vm(db, vm_id).await?;
    if vms::status_of(&vm)? != VmStatus::Down {
        return Err(EngineError::Conflict(format!("VM {} is {}; only a VM that is down can be run", vm.name, vm.status)));
    }
    let plugged: Vec<StoredNic> = stored_nic::stored_nics(db, vm_id).await?.into_iter().filter(|n| n.device.is_plugged).collect();
    let needed: Vec<String> = plugged
        .iter()
        .filter_map(|n| n.network.as_ref())
        .filter(|n| n.kind == NetworkKind::Bridge.as_str())
        .map(|n| n.name.clone())
        .collect();
    let images: Vec<String> = [&vm.kernel, &vm.initrd, &vm.disk].into_iter().flatten().cloned().collect();
    let host = choose_host(engine, &vm, &needed, &images).await?;
    let target = HostTarget::from(&host);
    let failed = format!("Failed to run VM {}", vm.name);

    // Two NICs recorded at one address would make the host refuse the VM:
    // the host chooses for those (oVirt BZ1199782), and the log says so.
    let (addresses, dropped) = host_view::addresses_for_run(&plugged);
    let mut nic_list = Vec::with_capacity(plugged.len());
    for (nic, address) in plugged.iter().zip(addresses) {
        nic_list.push(nic_params(nic, address, mirror_networks(nic))?);
    }
    if !dropped.is_empty() {
        let names: Vec<&str> = dropped.iter().map(|n| n.interface.name.as_str()).collect();
        let message = format!(
            "NICs {} of VM {} were recorded at the same PCI address; the host chooses new addresses for them",
            names.join(", "),
            vm.name
        );
        audit::record(db, &actor.audit_name(), Severity::Warning, "nic_addresses_dropped", message, Subject { vm_id: Some(vm_id), ..Default::default() })
            .await?;
    }
    let params = CreateParams {
        vm_id,
        vm_name: vm.name.clone(),
        mem_size: vm.memory_mib as u32,
        smp: vm.vcpus as u32,
        kernel: vm.kernel.clone(),
        initrd: vm.initrd.clone(),
        kernel_args: vm.cmdline.clone(),
        drives: vm
            .disk
            .iter()
            .map(|image| DriveParams { image: image.clone(), format: disk_format(image).into(), boot_order: None, readonly: false })
            .collect(),
        nics: nic_list,
        // The host writes it to its own console folder.
        serial_console: true,
    };
    let subject = Subject { vm_id: Some(vm_id), host_id: Some(host.id), ..Default::default() };
    // Intent before action: the VM is recorded powering up on the host
    // before the host is asked. A crash after the host started it leaves a
    // VM monitoring finds there; one before, a VM monitoring finds gone
    // (and records down).
    let mut intent = vm.clone().into_active_model();
    intent.status = Set(VmStatus::PoweringUp.to_string());
    intent.host_id = Set(Some(host.id));
    intent.update(db).await?;
    let created = engine.hosts.create(&target, &params).await;
    fail::fail_point!("run-after-host");
    let created = match created {
        Ok(created) => created,
        Err(err) => {
            let err = host_error(&target, &failed, err);
            if matches!(err, EngineError::HostFailed { .. }) {
                let mut back = vm.clone().into_active_model();
                back.status = Set(VmStatus::Down.to_string());
                back.host_id = Set(None);
                back.reset_all().update(db).await?;
            }
            audit::record(db, &actor.audit_name(), Severity::Error, "vm_start_failed", err.to_string(), subject).await?;
            return Err(err);
        }
    };
    let mut row = vms::find_vm(db, vm_id).await?;
    if crate::pci_slots::count_changed(&row, created.vm.pci_slots) {
        let mut counted = row.into_active_model();
        crate::pci_slots::set_count(&mut counted, created.vm.pci_slots);
        row = counted.update(db).await?;
    }
    let stored = stored_nic::stored_nics(db, vm_id).await?;
    host_view::apply_alone(db, &stored, &created.vm, &[]).await?;
    audit::record(db, &actor.audit_name(), Severity::Normal, "vm_started", format!("VM {} was started on host {}", vm.name, host.name), subject)
        .await?;
    engine.changed(Some(vm_id));
    Ok(row)
}

fn disk_format(path: &str) -> &'static str {
    if path.ends_with(".qcow2") { "qcow2" } else { "raw" }
}

/// The first up host of the VM's cluster that has every bridge and image
/// needed.
async fn choose_host(engine: &Engine, vm: &vm::Model, networks: &[String], images: &[String]) -> EngineResult<host::Model> {
    let candidates = host::Entity::find()
        .filter(host::Column::ClusterId.eq(vm.cluster_id))
        .filter(host::Column::Status.eq(HostStatus::Up.as_str()))
        .order_by_asc(host::Column::Name)
        .all(engine.db())
        .await?;
    if candidates.is_empty() {
        return Err(EngineError::Conflict(format!("VM {} cannot run: its cluster has no host that is up", vm.name)));
    }
    let mut reasons = Vec::new();
    for host in candidates {
        match engine.hosts.get_caps(&HostTarget::from(&host), &Default::default()).await {
            Ok(caps) => {
                let missing_image = images.iter().find(|i| !caps.images.iter().any(|have| &have.name == *i));
                match (networks.iter().find(|n| !caps.bridges.contains(n)), missing_image) {
                    (None, None) => return Ok(host),
                    (Some(missing), _) => reasons.push(format!("host {} lacks network {missing}", host.name)),
                    (None, Some(missing)) => reasons.push(format!("host {} has no image '{missing}'", host.name)),
                }
            }
            Err(err) => reasons.push(format!("host {} did not answer ({err})", host.name)),
        }
    }
    Err(EngineError::Conflict(format!("VM {} cannot run: {}", vm.name, reasons.join("; "))))
}

pub async fn stop_vm(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vm> {
    actor.vm(engine.db(), vm_id, Act::OperateVm).await?;
    let (engine, actor) = (engine.clone(), actor.clone());
    crate::measure::flow("stop", crate::detached(async move { stop_to_the_end(&engine, &actor, vm_id).await })).await
}

async fn stop_to_the_end(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<Vm> {
    // Read back after the lock is let go, so the answer's actions do not
    // call the VM busy.
    let row = engine.locks.with_vm(vm_id, stop_to_the_end_locked(engine, actor, vm_id)).await?;
    vms::read_vm(engine, actor, row).await
}

async fn stop_to_the_end_locked(engine: &Engine, actor: &Actor, vm_id: Uuid) -> EngineResult<vm::Model> {
    let db = engine.db();
    let vm = vms::find_vm(db, vm_id).await?;
    if vms::status_of(&vm)? == VmStatus::Down {
        return Err(EngineError::Conflict(format!("VM {} is already down", vm.name)));
    }
    if let Some(host_id) = vm.host_id {
        let host = crate::hosts::find_host(db, host_id).await?;
        let target = HostTarget::from(&host);
        let failed = format!("Failed to stop VM {}", vm.name);
        match engine.hosts.destroy(&target, vm_id).await {
            Ok(()) => {}
            // Already gone from the host: stopping is done.
            Err(hotnic_agent_api::client::ClientError::Agent(s)) if s.code == hotnic_agent_api::code::NO_VM => {}
            Err(err) => return Err(host_error(&target, &failed, err)),
        }
    }
    let mut row = vm.clone().into_active_model();
    row.status = Set(VmStatus::Down.to_string());
    row.host_id = Set(None);
    crate::pci_slots::set_count(&mut row, None);
    let row = row.update(db).await?;
    audit::record(
        db,
        &actor.audit_name(),
        Severity::Normal,
        "vm_stopped",
        format!("VM {} was stopped", vm.name),
        Subject { vm_id: Some(vm_id), host_id: vm.host_id, ..Default::default() },
    )
    .await?;
    engine.changed(Some(vm_id));
    Ok(row)
}

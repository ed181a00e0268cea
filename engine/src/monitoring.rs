//! Host monitoring: polls each host's getAllVmStats, updates VM status,
//! stores each NIC's PCI address (matched by alias ua-<nic id>), marks a
//! plugged NIC the host no longer has as unplugged (an unplug the guest
//! finished late), and marks a silent host non_responsive and its VMs
//! unknown. It writes only what changed and leaves a VM alone while a flow
//! holds it, or when a flow ran between the poll and the write.

use crate::audit::{self, Severity, Subject};
use crate::entities::{host, vm};
use crate::host_client::HostTarget;
use crate::nics::{self, StoredNic};
use crate::plug::{from_wire_address, store_plugged};
use crate::state::{HostStatus, VmStatus};
use crate::{vms, Engine, EngineResult};
use hotnic_agent_api::VmStats;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// Runs monitoring until the task is aborted.
pub fn spawn(engine: Engine) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(engine.config.monitoring_period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = refresh_all(&engine).await {
                tracing::warn!(error = %err, "monitoring pass failed");
            }
        }
    })
}

/// One pass over every host.
pub async fn refresh_all(engine: &Engine) -> EngineResult<()> {
    let hosts = host::Entity::find().all(engine.db()).await?;
    // Hosts are few: one after another, each bounded by the client timeout.
    for host in hosts.iter().filter(|h| h.status != HostStatus::Maintenance.as_str()) {
        refresh_host(engine, host).await?;
    }
    Ok(())
}

pub async fn refresh_host(engine: &Engine, host: &host::Model) -> EngineResult<()> {
    let db = engine.db();
    let resident = vm::Entity::find().filter(vm::Column::HostId.eq(host.id)).all(db).await?;
    let generations: HashMap<Uuid, u64> = resident.iter().map(|v| (v.id, engine.locks.generation(v.id))).collect();
    let stats = match engine.hosts.get_all_vm_stats(&HostTarget::from(host)).await {
        Ok(stats) => stats,
        Err(err) => return host_silent(engine, host, &resident, &err.to_string()).await,
    };
    if host.status == HostStatus::NonResponsive.as_str() {
        set_host_status(engine, host, HostStatus::Up, Severity::Normal, format!("Host {} answers again", host.name)).await?;
    }
    let reported: HashMap<Uuid, &VmStats> = stats.stats_list.iter().map(|s| (s.vm_id, s)).collect();
    for vm in resident {
        let stale = engine.locks.is_locked(vm.id) || engine.locks.generation(vm.id) != generations[&vm.id];
        if stale {
            continue;
        }
        let seen = reported.get(&vm.id).copied();
        reconcile_vm(engine, host, vm, seen).await?;
    }
    Ok(())
}

async fn host_silent(engine: &Engine, host: &host::Model, resident: &[vm::Model], error: &str) -> EngineResult<()> {
    if host.status != HostStatus::NonResponsive.as_str() {
        let message = format!("Host {} did not answer: {error}", host.name);
        set_host_status(engine, host, HostStatus::NonResponsive, Severity::Error, message).await?;
    }
    for vm in resident {
        if vm.status != VmStatus::Unknown.as_str() && vm.status != VmStatus::Down.as_str() && !engine.locks.is_locked(vm.id) {
            let mut row = vm.clone().into_active_model();
            row.status = Set(VmStatus::Unknown.to_string());
            row.update(engine.db()).await?;
            engine.changed(Some(vm.id));
        }
    }
    Ok(())
}

async fn set_host_status(engine: &Engine, host: &host::Model, status: HostStatus, severity: Severity, message: String) -> EngineResult<()> {
    let mut row = host.clone().into_active_model();
    row.status = Set(status.to_string());
    row.update(engine.db()).await?;
    let subject = Subject { host_id: Some(host.id), cluster_id: Some(host.cluster_id), ..Default::default() };
    audit::record(engine.db(), severity, "host_state_changed", message, subject).await?;
    engine.changed(None);
    Ok(())
}

/// VDSM's status words, as the agent reports them.
fn vm_status_from_host(word: &str) -> VmStatus {
    match word {
        "Up" => VmStatus::Up,
        "Powering up" => VmStatus::PoweringUp,
        "Paused" | "Suspended" => VmStatus::Paused,
        "Powering down" => VmStatus::PoweringDown,
        "Down" => VmStatus::Down,
        "Migration Source" | "Migration Destination" => VmStatus::Migrating,
        _ => VmStatus::Unknown,
    }
}

async fn reconcile_vm(engine: &Engine, host: &host::Model, vm: vm::Model, stats: Option<&VmStats>) -> EngineResult<()> {
    let db = engine.db();
    let mut changed = false;
    let status = stats.map(|s| vm_status_from_host(&s.status)).unwrap_or(VmStatus::Down);
    if vms::status_of(&vm)? != status {
        let mut row = vm.clone().into_active_model();
        row.status = Set(status.to_string());
        if status == VmStatus::Down {
            row.host_id = Set(None);
            let message = format!("VM {} is down (host {} no longer runs it)", vm.name, host.name);
            let subject = Subject { vm_id: Some(vm.id), host_id: Some(host.id), ..Default::default() };
            audit::record(db, Severity::Warning, "vm_down", message, subject).await?;
        }
        row.update(db).await?;
        changed = true;
    }
    if let Some(stats) = stats {
        for nic in nics::stored_nics(db, vm.id).await? {
            changed |= reconcile_nic(engine, &vm, &nic, stats).await?;
        }
    }
    if changed {
        engine.changed(Some(vm.id));
    }
    Ok(())
}

async fn reconcile_nic(engine: &Engine, vm: &vm::Model, nic: &StoredNic, stats: &VmStats) -> EngineResult<bool> {
    let seen = stats.nics.iter().find(|i| i.device_id == Some(nic.interface.id));
    match (nic.device.is_plugged, seen) {
        (true, Some(info)) => {
            let address = info.address.as_ref().and_then(from_wire_address);
            if address.is_some() && (address != nic.address() || nic.device.alias.as_deref() != Some(info.alias.as_str())) {
                store_plugged(engine.db(), nic, true, address, Some(info.alias.clone())).await?;
                return Ok(true);
            }
            Ok(false)
        }
        (true, None) => {
            store_plugged(engine.db(), nic, false, None, None).await?;
            let message = format!(
                "NIC {} is no longer in VM {}: the guest released it late; marked unplugged",
                nic.interface.name, vm.name
            );
            let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: vm.host_id, ..Default::default() };
            audit::record(engine.db(), Severity::Warning, "nic_unplug_completed", message, subject).await?;
            Ok(true)
        }
        (false, Some(_)) => {
            tracing::warn!(nic = %nic.interface.id, vm = %vm.id, "host still has a NIC the engine holds unplugged");
            Ok(false)
        }
        (false, None) => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::vm_status_from_host;
    use crate::state::VmStatus;

    #[test]
    fn maps_vdsm_status_words() {
        assert_eq!(vm_status_from_host("Up"), VmStatus::Up);
        assert_eq!(vm_status_from_host("Paused"), VmStatus::Paused);
        assert_eq!(vm_status_from_host("Powering down"), VmStatus::PoweringDown);
        assert_eq!(vm_status_from_host("Down"), VmStatus::Down);
        assert_eq!(vm_status_from_host("Something new"), VmStatus::Unknown);
    }
}

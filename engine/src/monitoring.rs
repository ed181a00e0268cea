//! Host monitoring: polls each host's getAllVmStats, updates VM status,
//! stores each NIC's PCI address (matched by alias ua-<nic id>), marks a
//! plugged NIC the host no longer has as unplugged (an unplug the guest
//! finished late), and marks a silent host non_responsive and its VMs
//! unknown. It writes only what changed, and a host's changes together:
//! one transaction, its statements sent to SQLite up to 16 per text
//! (`write_batch`): a first sweep over 40,000 NICs took a third of the time.
//!
//! Hosts are polled concurrently (at most [`CONCURRENT_HOSTS`] at once),
//! each poll bounded by `EngineConfig::host_timeout`: a slow or dead host
//! delays only itself, and an error on one host does not end the pass for
//! the others. A host still being polled when the next period starts is
//! not polled twice.
//!
//! A host's report is first compared with what the database held just
//! before the poll (its VM rows, and the NICs of those whose
//! `nics_version` moved since the last pass: see `monitored_nics`),
//! without any lock: a VM the report would not change
//! (most VMs, most of the time) is left alone, so a pass never holds up a
//! flow for nothing. A VM it would change is written only while monitoring
//! holds its lock, so no flow can commit between the sample and the write:
//! read again under the lock, it is written from the report if nothing
//! changed it since (every flow writes its intent before it acts on the
//! host), and polled again otherwise. A VM a flow holds is not skipped:
//! monitoring takes it the moment the flow ends (see `locks`), polls again
//! and writes, within the same pass. So a late release is recorded within
//! one monitoring period even while flows on the VM's other NICs keep
//! running. Unless the report differs from it only in what the flows under
//! way change (their NICs, and the free slots they move): those flows store
//! the host's answer themselves, and a burst of plugs costs no extra polls.

use crate::audit::{self, Severity, Subject};
use crate::entities::{audit_log, host, vm, vm_device};
use crate::host_client::HostTarget;
use crate::locks::VmGuard;
use crate::monitored_nics::Nics;
use crate::stored_nic;
use crate::write_batch::WriteBatch;
use crate::state::{HostStatus, VmStatus};
use crate::{host_view, servers, vms, Engine, EngineResult};
use hotnic_agent_api::client::ClientError;
use hotnic_agent_api::{VmList, VmStats};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QueryTrait, Set};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Hosts polled at once by one server: enough for hundreds of hosts at
/// a period of seconds, few enough to leave the database pool to flows.
pub const CONCURRENT_HOSTS: usize = 16;

/// Runs monitoring until the task is aborted: each period, every host this
/// server monitors and is not polling already gets a poll of its own.
pub fn spawn(engine: Engine) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENT_HOSTS));
        let polling = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::<Uuid>::new()));
        let mut tick = tokio::time::interval(engine.config.monitoring_period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = servers::beat(&engine).await {
                tracing::warn!(error = %err, "monitoring: cannot record that this server is alive");
            }
            let hosts = match servers::hosts_to_monitor(&engine).await {
                Ok(hosts) => hosts,
                Err(err) => {
                    tracing::warn!(error = %err, "monitoring: cannot read the hosts to poll");
                    continue;
                }
            };
            for host in hosts {
                if !polling.lock().expect("polling set").insert(host.id) {
                    continue; // its last poll has not ended: no second one
                }
                let (engine, slots, polling) = (engine.clone(), slots.clone(), polling.clone());
                tokio::spawn(async move {
                    let _slot = slots.acquire().await;
                    if let Err(err) = refresh_host(&engine, &host).await {
                        tracing::warn!(host = %host.name, error = %err, "monitoring a host failed; the next period tries again");
                    }
                    polling.lock().expect("polling set").remove(&host.id);
                });
            }
        }
    })
}

/// One pass over every host this server monitors (all of them, unless
/// several servers share the database: see `servers`), concurrently; waits
/// for all. It does not beat (the loop in [`spawn`] does, once per period):
/// a pass over hosts where nothing changed writes nothing. An error on one
/// host does not stop the others; the first is returned once all are done.
pub async fn refresh_all(engine: &Engine) -> EngineResult<()> {
    let hosts = servers::hosts_to_monitor(engine).await?;
    let slots = tokio::sync::Semaphore::new(CONCURRENT_HOSTS);
    let results = futures::future::join_all(hosts.iter().map(|host| async {
        let _slot = slots.acquire().await;
        let result = refresh_host(engine, host).await;
        if let Err(err) = &result {
            tracing::warn!(host = %host.name, error = %err, "monitoring a host failed");
        }
        result
    }))
    .await;
    results.into_iter().collect()
}

/// One host: the VMs nobody holds now, with one poll; then each VM a flow
/// held, as soon as its flow ends (waiting at most one period), with a poll
/// of its own.
pub async fn refresh_host(engine: &Engine, host: &host::Model) -> EngineResult<()> {
    let started = std::time::Instant::now();
    let result = refresh_host_unmeasured(engine, host).await;
    crate::measure::host_polled(&host.name, started);
    result
}

async fn refresh_host_unmeasured(engine: &Engine, host: &host::Model) -> EngineResult<()> {
    let db = engine.db();
    let resident = vm::Entity::find().filter(vm::Column::HostId.eq(host.id)).all(db).await?;
    let ids: Vec<Uuid> = resident.iter().map(|vm| vm.id).collect();
    let stored = engine.monitored_nics.of(db, host.id, &resident).await?;
    let stats = match poll(engine, host).await {
        Ok(stats) => stats,
        Err(silence) => return unreachable_host(engine, host, &ids, &silence).await,
    };
    if host.status == HostStatus::NonResponsive.as_str() {
        set_host_status(engine, host, HostStatus::Up, Severity::Normal, format!("Host {} answers again", host.name)).await?;
    }
    let seen = by_vm(&stats);
    let unsettled: Vec<Uuid> = resident
        .iter()
        .filter(|vm| !settled(vm, seen.get(&vm.id).copied(), stored.get(&vm.id).map(|nics| &nics[..]).unwrap_or_default()))
        .map(|vm| vm.id)
        .collect();
    if !unsettled.is_empty() {
        let (free, busy) = engine.locks.try_lock_for_monitoring(&unsettled).await?;
        let before: HashMap<Uuid, &vm::Model> = resident.iter().map(|vm| (vm.id, vm)).collect();
        let nics_of = |vm_id: &Uuid| stored.get(vm_id).map(|nics| &nics[..]).unwrap_or_default();
        // A held VM the report finds as the flows under way leave it
        // needs no poll of its own: under load, most VMs a pass finds
        // held are, and each poll would wait for its flow and ask the
        // host again.
        let busy: Vec<Uuid> = busy.into_iter().filter(|id| !settled_but_for_flows(before[id], seen.get(id).copied(), nics_of(id))).collect();
        let first = reconcile_unless_changed(engine, host, free, &before, &stored, &seen);
        let after_flows = futures::future::join_all(busy.into_iter().map(|vm_id| async move {
            match engine.locks.lock_for_monitoring_when_free(vm_id, engine.config.monitoring_period).await? {
                Some(guard) => poll_and_reconcile(engine, host, vec![guard]).await,
                None => Ok(()),
            }
        }));
        let (first, after_flows) = tokio::join!(first, after_flows);
        first?;
        after_flows.into_iter().collect::<EngineResult<()>>()?;
    }
    record_misplaced(engine, host, &stats, &ids).await
}

async fn poll(engine: &Engine, host: &host::Model) -> Result<VmList, Silence> {
    match tokio::time::timeout(engine.config.host_timeout, engine.hosts.get_all_vm_stats(&HostTarget::from(host))).await {
        Ok(answer) => answer.map_err(Silence::Answered),
        Err(_) => Err(Silence::TimedOut(engine.config.host_timeout)),
    }
}

/// A host's report by VM, indexed once: a host may run thousands.
/// A VM listed twice is read from its first entry.
fn by_vm(stats: &VmList) -> HashMap<Uuid, &VmStats> {
    let mut by_vm = HashMap::with_capacity(stats.stats_list.len());
    for s in &stats.stats_list {
        by_vm.entry(s.vm_id).or_insert(s);
    }
    by_vm
}

/// Whether the host's report (`stats`, None: the host does not run it)
/// would change nothing of the VM and its NICs, nor report anything.
fn settled(vm: &vm::Model, stats: Option<&VmStats>, nics: &[stored_nic::StoredNic]) -> bool {
    !RowReport::of(stats, nics).differs(vm) && stats.is_none_or(|s| host_view::agrees(nics, s))
}

/// Whether the report differs from the VM only in what the plugs and
/// unplugs under way change: their NICs, and so its free PCI slots.
fn settled_but_for_flows(vm: &vm::Model, stats: Option<&VmStats>, nics: &[stored_nic::StoredNic]) -> bool {
    let in_flight = nics.iter().filter(|nic| host_view::unfinished_intent(&nic.device).is_some()).count();
    let report = RowReport::of(stats, nics);
    !report.differs_but_for_slots(vm)
        && crate::pci_slots::count_explained_by_flows(vm, report.slots, in_flight)
        && stats.is_none_or(|s| host_view::agrees_but_for_intents(nics, s))
}

/// What a host's report (`stats`, None: the host does not run it) says of
/// the VM's own row: its status, free PCI slots and NICs hotnic does not know.
struct RowReport {
    status: VmStatus,
    slots: Option<hotnic_agent_api::PciSlotCount>,
    unknown: Vec<hotnic_model::UnknownNic>,
}

impl RowReport {
    fn of(stats: Option<&VmStats>, nics: &[stored_nic::StoredNic]) -> Self {
        RowReport {
            status: stats.map(|s| vm_status_from_host(&s.status)).unwrap_or(VmStatus::Down),
            slots: stats.and_then(|s| s.pci_slots),
            unknown: stats.map(|s| host_view::unknown_nics(nics, s)).unwrap_or_default(),
        }
    }

    /// Whether the row holds something else (a status word it cannot read
    /// differs from every status).
    fn differs(&self, vm: &vm::Model) -> bool {
        self.differs_but_for_slots(vm) || crate::pci_slots::count_changed(vm, self.slots)
    }

    fn differs_but_for_slots(&self, vm: &vm::Model) -> bool {
        vms::status_of(vm).ok() != Some(self.status) || self.unknown != crate::drift::unknown_nics_of(vm)
    }
}

/// The held VMs, read again: each one nothing changed since the poll
/// began (`before`) is written from the report (`seen`); the others are polled again.
async fn reconcile_unless_changed(
    engine: &Engine,
    host: &host::Model,
    held: Vec<VmGuard>,
    before: &HashMap<Uuid, &vm::Model>,
    nics_before: &HashMap<Uuid, Nics>,
    seen: &HashMap<Uuid, &VmStats>,
) -> EngineResult<()> {
    if held.is_empty() {
        return Ok(());
    }
    let db = engine.db();
    let ids: Vec<Uuid> = held.iter().map(VmGuard::vm_id).collect();
    let read = async {
        let vms = vm::Entity::find().filter(vm::Column::Id.is_in(ids.clone())).filter(vm::Column::HostId.eq(host.id)).all(db).await?;
        let nics = stored_nic::stored_nics_of(db, &ids).await?;
        EngineResult::Ok((vms, nics))
    };
    let (vms, mut nics) = match read.await {
        Ok(read) => read,
        Err(err) => {
            release_all(held).await;
            return Err(err);
        }
    };
    let mut changed: Vec<Uuid> = Vec::new();
    let mut unchanged = Vec::new();
    for vm in vms {
        let stored = nics.remove(&vm.id).unwrap_or_default();
        if before.get(&vm.id) != Some(&&vm) || nics_before.get(&vm.id).map(|nics| &nics[..]) != Some(&stored[..]) {
            changed.push(vm.id);
        } else {
            let on_host = seen.get(&vm.id).copied();
            unchanged.push((vm, on_host, stored));
        }
    }
    let result = reconcile_together(engine, host, unchanged).await;
    let (again, done): (Vec<VmGuard>, Vec<VmGuard>) = held.into_iter().partition(|guard| changed.contains(&guard.vm_id()));
    release_all(done).await;
    let polled_again = poll_and_reconcile(engine, host, again).await;
    result.and(polled_again)
}

/// Writes what the host's report makes of each VM (held by monitoring) in
/// one transaction, all or nothing: one commit for a host's changes instead
/// of one per row, and a crash leaves none of them half written (none when
/// nothing changed). Announced once committed. A VM whose stored status
/// cannot be read is an error, and left out so that the host's other VMs
/// are still written.
async fn reconcile_together(
    engine: &Engine,
    host: &host::Model,
    vms: Vec<(vm::Model, Option<&VmStats>, Vec<stored_nic::StoredNic>)>,
) -> EngineResult<()> {
    let (readable, unreadable): (Vec<_>, Vec<_>) = vms.into_iter().partition(|(vm, ..)| vms::status_of(vm).is_ok());
    let unreadable = unreadable.first().map_or(Ok(()), |(vm, ..)| vms::status_of(vm).map(drop));
    if readable.is_empty() {
        return unreadable;
    }
    let db = engine.db();
    let mut writes = WriteBatch::new(db.get_database_backend());
    let mut announce = Vec::new();
    for (vm, on_host, stored) in readable {
        let vm_id = vm.id;
        if reconcile_vm(db, &mut writes, host, vm, on_host, stored).await? {
            announce.push(vm_id);
        }
    }
    writes.send_alone(db).await?;
    for vm_id in announce {
        crate::measure::vm_changed_by_monitoring();
        engine.changed(Some(vm_id));
    }
    unreadable
}

async fn release_all(guards: Vec<VmGuard>) {
    for guard in guards {
        guard.release().await;
    }
}

/// The host did not answer usably: it is marked, and the VMs nobody holds
/// with it.
async fn unreachable_host(engine: &Engine, host: &host::Model, resident: &[Uuid], silence: &Silence) -> EngineResult<()> {
    let (held, _busy) = engine.locks.try_lock_for_monitoring(resident).await?;
    let ids: Vec<Uuid> = held.iter().map(VmGuard::vm_id).collect();
    let result = async {
        let vms = if ids.is_empty() {
            Vec::new()
        } else {
            vm::Entity::find().filter(vm::Column::Id.is_in(ids)).filter(vm::Column::HostId.eq(host.id)).all(engine.db()).await?
        };
        host_silent(engine, host, &vms, silence).await
    }
    .await;
    release_all(held).await;
    result
}

/// Polls the host again and reconciles the held VMs, read again now that
/// they are held (a flow may have changed them).
async fn poll_and_reconcile(engine: &Engine, host: &host::Model, held: Vec<VmGuard>) -> EngineResult<()> {
    if held.is_empty() {
        return Ok(());
    }
    let result = poll_and_reconcile_held(engine, host, &held).await;
    release_all(held).await;
    result
}

async fn poll_and_reconcile_held(engine: &Engine, host: &host::Model, held: &[VmGuard]) -> EngineResult<()> {
    let stats = match poll(engine, host).await {
        Ok(stats) => stats,
        Err(err) => {
            tracing::info!(host = %host.name, error = %err, "monitoring: second poll failed; the next pass retries");
            return Ok(());
        }
    };
    let db = engine.db();
    let ids: Vec<Uuid> = held.iter().map(VmGuard::vm_id).collect();
    let vms = vm::Entity::find().filter(vm::Column::Id.is_in(ids.clone())).filter(vm::Column::HostId.eq(host.id)).all(db).await?;
    let mut stored = stored_nic::stored_nics_of(db, &ids).await?;
    let seen = by_vm(&stats);
    let vms = vms
        .into_iter()
        .map(|vm| {
            let (nics, on_host) = (stored.remove(&vm.id).unwrap_or_default(), seen.get(&vm.id).copied());
            (vm, on_host, nics)
        })
        .collect();
    reconcile_together(engine, host, vms).await
}

/// A VM of hotnic's that the host runs while the database places it on
/// another host or none (started by hand, or moved behind hotnic's back)
/// is not adopted: one warning event says so. Read again after the poll,
/// so a run that placed it meanwhile is not taken for one. Domains that are
/// not hotnic's VMs belong to someone else and are left alone.
async fn record_misplaced(engine: &Engine, host: &host::Model, stats: &VmList, resident: &[Uuid]) -> EngineResult<()> {
    const EVENT: &str = "vm_unexpected_on_host";
    // A set: a host may list thousands of VMs.
    let resident: HashSet<&Uuid> = resident.iter().collect();
    let others: Vec<Uuid> = stats.stats_list.iter().map(|s| s.vm_id).filter(|id| !resident.contains(id)).collect();
    if others.is_empty() {
        return Ok(());
    }
    let db = engine.db();
    for vm in vm::Entity::find().filter(vm::Column::Id.is_in(others)).all(db).await? {
        if vm.host_id == Some(host.id) {
            continue;
        }
        let last = audit_log::Entity::find()
            .filter(audit_log::Column::VmId.eq(vm.id))
            .filter(audit_log::Column::HostId.eq(host.id))
            .order_by_desc(audit_log::Column::Id)
            .one(db)
            .await?;
        if last.is_some_and(|event| event.event == EVENT) {
            continue;
        }
        let placed = match vm.host_id {
            Some(other) => match host::Entity::find_by_id(other).one(db).await? {
                Some(other) => format!("on host {}", other.name),
                None => "on a host that no longer exists".to_owned(),
            },
            None => format!("nowhere (it is {})", vm.status),
        };
        let message = format!(
            "host {} runs VM {} although hotnic places it {placed}; hotnic does not adopt it: stop it on {}",
            host.name, vm.name, host.name
        );
        let subject = Subject { vm_id: Some(vm.id), host_id: Some(host.id), cluster_id: Some(vm.cluster_id), ..Default::default() };
        audit::record(db, audit::MONITORING, Severity::Warning, EVENT, message, subject).await?;
        engine.changed(Some(vm.id));
    }
    Ok(())
}

/// Why a host's poll brought nothing usable.
enum Silence {
    Answered(ClientError),
    TimedOut(std::time::Duration),
}

impl std::fmt::Display for Silence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Silence::Answered(err) => err.fmt(f),
            Silence::TimedOut(after) => write!(f, "no answer within {} s", after.as_secs_f32()),
        }
    }
}

async fn host_silent(engine: &Engine, host: &host::Model, held: &[vm::Model], error: &Silence) -> EngineResult<()> {
    // A new certificate is kept for an administrator to accept; it is not
    // trusted meanwhile.
    let presented = match error {
        Silence::Answered(ClientError::CertificateChanged { presented, .. }) => Some(presented.to_string()),
        _ => None,
    };
    // A host that answers what cannot be read is up but not understood:
    // it is reported, and nothing it said is written (its VMs keep the
    // state last known).
    let garbled = matches!(error, Silence::Answered(ClientError::Malformed { .. }));
    if presented.is_some() && presented != host.presented_fingerprint {
        let mut row = host.clone().into_active_model();
        row.presented_fingerprint = Set(presented.clone());
        row.update(engine.db()).await?;
    }
    // Maintenance is the operator's word for the host: monitoring keeps it.
    let unmarked = host.status == HostStatus::Up.as_str();
    if unmarked {
        let message = match &presented {
            Some(new) => format!(
                "Host {} presents another TLS certificate ({new}) than the one hotnic trusts; it is refused until an administrator accepts the new fingerprint",
                host.name
            ),
            None if garbled => format!("Host {} answered what hotnic cannot read; nothing it said is recorded: {error}", host.name),
            None => format!("Host {} did not answer: {error}", host.name),
        };
        set_host_status(engine, host, HostStatus::NonResponsive, Severity::Error, message).await?;
    }
    for vm in held.iter().filter(|_| !garbled) {
        if vm.status != VmStatus::Unknown.as_str() && vm.status != VmStatus::Down.as_str() {
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
    audit::record(engine.db(), audit::MONITORING, severity, "host_state_changed", message, subject).await?;
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

/// Brings one VM's rows in line with the host's report (read through `db`,
/// written into `writes`); whether anything changed.
async fn reconcile_vm(
    db: &impl ConnectionTrait,
    writes: &mut WriteBatch,
    host: &host::Model,
    vm: vm::Model,
    stats: Option<&VmStats>,
    stored: Vec<stored_nic::StoredNic>,
) -> EngineResult<bool> {
    let mut changed = false;
    let report = RowReport::of(stats, &stored);
    if report.differs(&vm) {
        let RowReport { status, slots, unknown } = report;
        let known_before = crate::drift::unknown_nics_of(&vm);
        let mut row = vm.clone().into_active_model();
        row.status = Set(status.to_string());
        crate::pci_slots::set_count(&mut row, slots);
        crate::drift::set_unknown_nics(&mut row, &unknown);
        if status == VmStatus::Down && vms::status_of(&vm)? != status {
            row.host_id = Set(None);
            // Intents of interrupted flows end with the VM: its NICs keep
            // the plugged flag they had, for the next run.
            let intents_end = vm_device::Entity::update_many()
                .col_expr(vm_device::Column::Pending, Expr::value(Option::<String>::None))
                .col_expr(vm_device::Column::Drift, Expr::value(Option::<String>::None))
                .filter(vm_device::Column::VmId.eq(vm.id));
            writes.push(&intents_end.into_query());
            let message = format!("VM {} is down (host {} no longer runs it)", vm.name, host.name);
            let subject = Subject { vm_id: Some(vm.id), host_id: Some(host.id), ..Default::default() };
            audit::record_in(writes, audit::MONITORING, Severity::Warning, "vm_down", message, subject);
        }
        writes.push(&vm::Entity::update_many().set(row).filter(vm::Column::Id.eq(vm.id)).into_query());
        changed = true;
        crate::drift::record_new_unknown(writes, host, &vm, &known_before, &unknown);
    }
    if let Some(stats) = stats {
        let applied = host_view::apply(writes, &stored, stats, &[]);
        record_late_releases(writes, &vm, &applied);
        record_resolved_intents(writes, &vm, &applied);
        record_unexpected(db, writes, host, &vm, &applied).await?;
        crate::drift::record_differences(writes, host, &vm, &applied);
        crate::drift::record_missing(writes, host, &vm, &applied);
        changed |= applied.changed;
    }
    Ok(changed)
}

/// A NIC the host has plugged while the database holds it unplugged (and
/// no intent explains it) is never silently adopted nor dropped: one
/// warning event says so, the first time a pass sees it.
async fn record_unexpected(db: &impl ConnectionTrait, writes: &mut WriteBatch, host: &host::Model, vm: &vm::Model, applied: &host_view::Applied) -> EngineResult<()> {
    const EVENT: &str = "nic_unexpected_on_host";
    for nic in &applied.unexpected {
        let last = audit_log::Entity::find()
            .filter(audit_log::Column::NicId.eq(nic.interface.id))
            .order_by_desc(audit_log::Column::Id)
            .one(db)
            .await?;
        if last.is_some_and(|event| event.event == EVENT) {
            continue;
        }
        let message = format!(
            "host {} has NIC {} plugged into VM {} although hotnic holds it unplugged; Plug adopts it as it is",
            host.name, nic.interface.name, vm.name
        );
        let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: Some(host.id), ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, EVENT, message, subject);
    }
    Ok(())
}

/// One event per intent of an interrupted flow, saying what the host had
/// done and so what the database now records.
fn record_resolved_intents(writes: &mut WriteBatch, vm: &vm::Model, applied: &host_view::Applied) {
    for (nic, asked, done) in &applied.resolved {
        let name = &nic.interface.name;
        let message = match (asked.as_str(), done) {
            ("plug", true) => format!("NIC {name} was plugged into VM {} before an interruption; recorded plugged", vm.name),
            ("plug", false) => format!("the interrupted plug of NIC {name} into VM {} did not happen; it stays unplugged", vm.name),
            (_, true) => format!("NIC {name} was unplugged from VM {} before an interruption; recorded unplugged", vm.name),
            (_, false) => format!("the interrupted unplug of NIC {name} from VM {} did not happen; it stays plugged", vm.name),
        };
        let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: vm.host_id, ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, "nic_intent_resolved", message, subject);
    }
}

/// One warning event per NIC the guest released after its unplug was
/// reported failed.
pub(crate) fn record_late_releases(writes: &mut WriteBatch, vm: &vm::Model, applied: &host_view::Applied) {
    for nic in &applied.released_late {
        let message = format!(
            "NIC {} is no longer in VM {}: the guest released it late; marked unplugged",
            nic.interface.name, vm.name
        );
        let subject = Subject { vm_id: Some(vm.id), nic_id: Some(nic.interface.id), host_id: vm.host_id, ..Default::default() };
        audit::record_in(writes, audit::MONITORING, Severity::Warning, "nic_unplug_completed", message, subject);
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

//! Monitoring and flows on one VM at once, on SQLite and PostgreSQL, with a
//! host in memory (`common/fake_host.rs`) whose calls take real time:
//! - a late release is recorded while flows on the VM's other NICs keep
//!   running (monitoring is never starved), and no flow is refused busy
//!   because monitoring looked;
//! - a plug the host answers with an address the database still holds for
//!   another NIC reconciles that NIC first: no two NICs share an address.
//! - a VM the host runs while the database places it nowhere is reported
//!   once, not adopted.
//! - a pass over a host where nothing changed writes nothing.
//! The same sequences on a real guest are in server/tests/booting.rs.

mod common;
#[path = "common/fake_host.rs"]
mod fake_host;

use common::admin;
use fake_host::{FakeHost, Slots};
use hotnic_engine::entities::{audit_log, vm, vm_device};
use hotnic_engine::{monitoring, nics, plug, run, vms, Database, Engine, EngineConfig};
use hotnic_model::{NewNic, NewVm, Nic};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PERIOD: Duration = Duration::from_millis(200);

struct Setup {
    engine: Engine,
    host: Arc<FakeHost>,
    vm: Uuid,
    nics: Vec<Nic>,
}

/// A running VM on the fake host with `count` NICs, all plugged.
async fn running_vm(database: &Database, slots: Slots, count: usize) -> Setup {
    running_vm_monitored_every(database, slots, count, PERIOD).await
}

async fn running_vm_monitored_every(database: &Database, slots: Slots, count: usize, period: Duration) -> Setup {
    let host = Arc::new(FakeHost::new(slots, Duration::from_millis(15)));
    let config = EngineConfig { monitoring_period: period, ..Default::default() };
    let engine = Engine::new(database.clone(), host.clone(), config);
    let cluster = fake_host::cluster_with_fake_host(&engine).await;
    let new_vm = NewVm { name: "vm".into(), cluster_id: cluster, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
    let vm = vms::create_vm(&engine, &admin(), new_vm).await.unwrap().id;
    run::run_vm(&engine, &admin(), vm).await.unwrap();
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(vms::get_vm(&engine, &admin(), vm).await.unwrap().status, "up");
    let mut added = Vec::new();
    for i in 0..count {
        let nic = nics::add_nic(&engine, &admin(), vm, new_nic(&format!("nic{i}"))).await.unwrap();
        added.push(plug::plug_nic(&engine, &admin(), vm, nic.id).await.unwrap());
    }
    Setup { engine, host, vm, nics: added }
}

fn new_nic(name: &str) -> NewNic {
    NewNic { name: name.into(), network: Some("ovirtmgmt".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None }
}

/// The database's plugged NICs as (id, slot), checked to share no slot.
async fn stored(engine: &Engine, vm: Uuid) -> Vec<(Uuid, u8)> {
    let mut plugged: Vec<(Uuid, u8)> = nics::list_nics(&engine, &admin(), vm)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.plugged)
        .map(|n| (n.id, n.address.expect("a plugged NIC of a running VM has its address").slot))
        .collect();
    plugged.sort();
    let slots: HashSet<u8> = plugged.iter().map(|(_, slot)| *slot).collect();
    assert_eq!(slots.len(), plugged.len(), "two NICs share a slot: {plugged:?}");
    plugged
}

async fn events(engine: &Engine, name: &str) -> usize {
    audit_log::Entity::find().filter(audit_log::Column::Event.eq(name)).all(engine.db()).await.unwrap().len()
}

async fn late_release_is_recorded_while_flows_run(database: &Database) {
    let Setup { engine, host, vm, nics } = running_vm(database, Slots::Fresh, 4).await;
    let (late, busy) = (nics[0].id, nics[1..].iter().map(|n| n.id).collect::<Vec<_>>());
    host.ignore_unplug(late);
    let err = plug::unplug_nic(&engine, &admin(), vm, late).await.unwrap_err();
    assert_eq!(err.to_http().0, 409, "{err}");
    assert!(nics::get_nic(&engine, &admin(), vm, late).await.unwrap().plugged, "still in the guest: still plugged");

    let monitor = monitoring::spawn(engine.clone());
    // Flows on the other NICs, back to back, for many monitoring periods.
    let rounds = 40;
    let flows = tokio::spawn({
        let engine = engine.clone();
        async move {
            for _ in 0..rounds {
                for nic in &busy {
                    plug::unplug_nic(&engine, &admin(), vm, *nic).await.expect("no flow is refused while monitoring looks");
                }
                for nic in &busy {
                    plug::plug_nic(&engine, &admin(), vm, *nic).await.expect("no flow is refused while monitoring looks");
                }
            }
        }
    });
    tokio::time::sleep(PERIOD * 2).await;
    host.release_late(late);
    let released = Instant::now();
    while nics::get_nic(&engine, &admin(), vm, late).await.unwrap().plugged {
        assert!(!flows.is_finished(), "the flows ended before monitoring recorded the late release");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let recorded_after = released.elapsed();
    assert!(!flows.is_finished(), "recorded while the flows still ran");
    println!("late release recorded {recorded_after:?} after it happened (period {PERIOD:?}) with flows running");
    flows.await.unwrap();
    monitor.abort();
    assert_eq!(events(&engine, "nic_unplug_completed").await, 1);
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm), "database and host agree");
}
on_both_databases!(late_release_db, late_release_is_recorded_while_flows_run);

async fn a_plug_into_a_slot_stored_for_another_nic_reconciles_it(database: &Database) {
    let Setup { engine, host, vm, nics } = running_vm(database, Slots::LowestFree, 2).await;
    let (late, other) = (nics[0].clone(), nics[1].clone());
    host.ignore_unplug(late.id);
    plug::unplug_nic(&engine, &admin(), vm, late.id).await.unwrap_err();
    host.release_late(late.id);
    // Monitoring has not run: the database still holds `late` at its slot,
    // which the host hands to the next plug.
    plug::unplug_nic(&engine, &admin(), vm, other.id).await.unwrap();
    let replugged = plug::plug_nic(&engine, &admin(), vm, other.id).await.unwrap();
    assert_eq!(replugged.address, late.address, "the host reused the freed slot");
    let late_now = nics::get_nic(&engine, &admin(), vm, late.id).await.unwrap();
    assert!(!late_now.plugged && late_now.address.is_none(), "reconciled with the host: {late_now:?}");
    assert_eq!(events(&engine, "nic_unplug_completed").await, 1);
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm));

    // Stop and run again: the VM starts, with the addresses it had.
    run::stop_vm(&engine, &admin(), vm).await.unwrap();
    run::run_vm(&engine, &admin(), vm).await.unwrap();
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm));
}
on_both_databases!(plug_collision_db, a_plug_into_a_slot_stored_for_another_nic_reconciles_it);

/// Monitoring reads the host, then a plug runs to its end before monitoring
/// has used what it read (which does not have the NIC yet): no lock is held
/// while the host answers, so the plug does not wait for the pass, and the
/// stale reading cannot undo it.
async fn monitoring_cannot_undo_a_concurrent_plug(database: &Database) {
    let Setup { engine, host, vm, .. } = running_vm(database, Slots::Fresh, 0).await;
    let nic = nics::add_nic(&engine, &admin(), vm, new_nic("late")).await.unwrap();
    let hold = host.hold_next_stats();
    let pass = tokio::spawn({
        let engine = engine.clone();
        async move { monitoring::refresh_all(&engine).await }
    });
    wait_until(|| host.stats_waiting(), "the pass never polled the host").await;
    assert_eq!(engine.locks.holder(vm), None, "the pass holds no VM while the host answers");
    let plugged = tokio::time::timeout(Duration::from_secs(5), plug::plug_nic(&engine, &admin(), vm, nic.id))
        .await
        .expect("the plug does not wait for the pass")
        .unwrap();
    assert!(plugged.plugged && plugged.address.is_some(), "{plugged:?}");
    hold.notify_one();
    pass.await.unwrap().unwrap();
    monitoring::refresh_all(&engine).await.unwrap();
    let now = nics::get_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    assert_eq!((now.plugged, now.address, now.drift.as_deref()), (true, plugged.address, None), "no pass undid the plug");
    assert_eq!(events(&engine, "nic_unplug_completed").await, 0);
}
on_both_databases!(monitoring_race_db, monitoring_cannot_undo_a_concurrent_plug);

/// The host's (late) answer differs from what the database held when the
/// pass began (a stored PCI slot count the host does not report), and a
/// plug ran to its end while the answer was on its way: the pass takes the
/// VM, sees that it changed, and polls again rather than write a reading
/// older than the plug (which would mark the plugged NIC missing).
async fn a_pass_polls_again_when_a_flow_changed_the_vm_meanwhile(database: &Database) {
    let Setup { engine, host, vm, .. } = running_vm(database, Slots::Fresh, 0).await;
    let nic = nics::add_nic(&engine, &admin(), vm, new_nic("meanwhile")).await.unwrap();
    let mut row = vm::Entity::find_by_id(vm).one(engine.db()).await.unwrap().unwrap().into_active_model();
    row.pci_slots_free = Set(Some(5));
    row.pci_slots_total = Set(Some(30));
    row.update(engine.db()).await.unwrap();
    let hold = host.hold_next_stats();
    let pass = tokio::spawn({
        let engine = engine.clone();
        async move { monitoring::refresh_all(&engine).await }
    });
    wait_until(|| host.stats_waiting(), "the pass never polled the host").await;
    let plugged = plug::plug_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    hold.notify_one();
    pass.await.unwrap().unwrap();
    let now = nics::get_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    assert_eq!((now.plugged, now.address, now.drift.as_deref()), (true, plugged.address, None), "{now:?}");
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm));
    let slots = vm::Entity::find_by_id(vm).one(engine.db()).await.unwrap().unwrap();
    assert_eq!((slots.pci_slots_free, slots.pci_slots_total), (None, None), "the second reading was written");
}
on_both_databases!(monitoring_polls_again_db, a_pass_polls_again_when_a_flow_changed_the_vm_meanwhile);

async fn wait_until(done: impl Fn() -> bool, why: &str) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{why}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
on_both_databases!(monitoring_cannot_undo_a_concurrent_plug_db, monitoring_cannot_undo_a_concurrent_plug);

/// A NIC the host has but the database holds unplugged (a write lost
/// before intents existed, or another manager's doing) is reported once
/// and marked on the NIC for the page, not adopted and not ignored; Plug
/// adopts it and the mark goes.
async fn a_nic_only_the_host_has_is_reported_once(database: &Database) {
    let Setup { engine, vm, nics: plugged, .. } = running_vm(database, Slots::Fresh, 1).await;
    let nic = &plugged[0];
    let row = vm_device::Entity::find_by_id(nic.id).one(engine.db()).await.unwrap().unwrap();
    let mut row = row.into_active_model();
    row.is_plugged = Set(false);
    row.address = Set(None);
    row.update(engine.db()).await.unwrap();
    for _ in 0..3 {
        monitoring::refresh_all(&engine).await.unwrap();
    }
    assert_eq!(events(&engine, "nic_unexpected_on_host").await, 1);
    let read = nics::get_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    assert!(!read.plugged, "not adopted behind the user's back");
    let drift = read.drift.expect("the NIC is marked for the page");
    assert!(drift.contains("plugged on the host") && drift.contains("Plug adopts it"), "{drift}");

    // Plug adopts it as it is; the mark goes.
    let adopted = plug::plug_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    assert!(adopted.plugged && adopted.address.is_some(), "{adopted:?}");
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(nics::get_nic(&engine, &admin(), vm, nic.id).await.unwrap().drift, None);
}
on_both_databases!(unexpected_nic_db, a_nic_only_the_host_has_is_reported_once);

async fn a_vm_started_behind_hotnics_back_is_reported_once_not_adopted(database: &Database) {
    let Setup { engine, host, vm, .. } = running_vm(database, Slots::Fresh, 0).await;
    let cluster = vms::get_vm(&engine, &admin(), vm).await.unwrap().cluster_id;
    let new_vm = NewVm { name: "by-hand".into(), cluster_id: cluster, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
    let other = vms::create_vm(&engine, &admin(), new_vm).await.unwrap().id;
    host.start_behind_hotnics_back(other);
    for _ in 0..3 {
        monitoring::refresh_all(&engine).await.unwrap();
    }
    assert_eq!(events(&engine, "vm_unexpected_on_host").await, 1, "once, not every pass");
    let read = vms::get_vm(&engine, &admin(), other).await.unwrap();
    assert_eq!((read.status.as_str(), read.host_id), ("down", None), "not adopted");
    assert_eq!(events(&engine, "vm_down").await, 0, "the VM hotnic placed there is left alone");
    let _ = vm;
}

on_both_databases!(a_vm_started_behind_hotnics_back_is_reported_once_not_adopted_on, a_vm_started_behind_hotnics_back_is_reported_once_not_adopted);

/// A plugged NIC that vanishes from the host although nobody asked (a
/// detach behind hotnic's back) is marked and reported once, never
/// recorded unplugged on its own; keeping the host's view records it
/// unplugged, keeping hotnic's plugs it again.
async fn a_nic_gone_from_the_host_unasked_is_marked_not_unplugged(database: &Database) {
    use hotnic_engine::drift;
    use hotnic_model::DriftChoice;
    let Setup { engine, host, vm, nics } = running_vm(database, Slots::Fresh, 2).await;
    for nic in &nics {
        host.release_late(nic.id);
    }
    for _ in 0..2 {
        monitoring::refresh_all(&engine).await.unwrap();
    }
    for nic in &nics {
        let marked = nics::get_nic(&engine, &admin(), vm, nic.id).await.unwrap();
        assert!(marked.plugged, "not recorded unplugged on its own");
        assert_eq!(marked.drift.as_deref(), Some("plugged here but missing on the host"));
        assert!(marked.actions.resolve_drift.ok);
    }
    assert_eq!(events(&engine, "nic_missing_on_host").await, 2, "once per NIC, not per pass");
    assert_eq!(events(&engine, "nic_unplug_completed").await, 0, "not taken for a late release");

    let kept = drift::resolve_nic_drift(&engine, &admin(), vm, nics[0].id, DriftChoice::Host).await.unwrap();
    assert_eq!((kept.plugged, kept.drift.as_deref(), kept.address), (false, None, None));
    let again = drift::resolve_nic_drift(&engine, &admin(), vm, nics[1].id, DriftChoice::Hotnic).await.unwrap();
    assert!(again.plugged && again.drift.is_none() && again.address.is_some(), "{again:?}");
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(stored(&engine, vm).await.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [nics[1].id], "monitoring agrees");
    assert_eq!(events(&engine, "nic_drift_resolved").await, 2);
}
on_both_databases!(gone_unasked_db, a_nic_gone_from_the_host_unasked_is_marked_not_unplugged);

/// Monitoring reads a VM's NICs again only when the VM's `nics_version`
/// moved; the database moves it on every write to the NIC rows, whoever
/// makes it. Here the address of a NIC is cleared by hand in the database
/// (no flow, nothing in the engine knows): the next pass still sees the
/// row as it is and writes the host's address back.
async fn a_nic_row_changed_behind_the_engine_is_read_again(database: &Database) {
    let Setup { engine, host, vm, nics } = running_vm(database, Slots::Fresh, 2).await;
    monitoring::refresh_all(&engine).await.unwrap();
    let version = |engine: Engine| async move { vm::Entity::find_by_id(vm).one(engine.db()).await.unwrap().unwrap().nics_version };
    let before = version(engine.clone()).await;
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(version(engine.clone()).await, before, "a pass that changes nothing writes no NIC row");

    let row = vm_device::Entity::find_by_id(nics[0].id).one(engine.db()).await.unwrap().unwrap();
    let mut cleared = row.into_active_model();
    cleared.address = Set(None);
    cleared.update(engine.db()).await.unwrap();
    assert!(version(engine.clone()).await > before, "the database raised the VM's number");

    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm), "the host's address is back");
}
on_both_databases!(nic_row_changed_behind_db, a_nic_row_changed_behind_the_engine_is_read_again);

/// A pass writes a host's changes together; a VM whose stored status it
/// cannot read is an error of its own and does not hold back the writes
/// for the host's other VMs.
async fn an_unreadable_vm_row_does_not_hold_back_the_hosts_others(database: &Database) {
    let Setup { engine, host, vm, nics } = running_vm(database, Slots::Fresh, 1).await;
    let cluster = vm::Entity::find_by_id(vm).one(engine.db()).await.unwrap().unwrap().cluster_id;
    let new_vm = NewVm { name: "other".into(), cluster_id: cluster, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
    let other = vms::create_vm(&engine, &admin(), new_vm).await.unwrap().id;
    run::run_vm(&engine, &admin(), other).await.unwrap();
    monitoring::refresh_all(&engine).await.unwrap();

    let mut garbled = vm::Entity::find_by_id(other).one(engine.db()).await.unwrap().unwrap().into_active_model();
    garbled.status = Set("garbled".into());
    garbled.update(engine.db()).await.unwrap();
    let mut cleared = vm_device::Entity::find_by_id(nics[0].id).one(engine.db()).await.unwrap().unwrap().into_active_model();
    cleared.address = Set(None);
    cleared.update(engine.db()).await.unwrap();

    let pass = monitoring::refresh_all(&engine).await;
    assert!(pass.is_err(), "the unreadable status is reported");
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm), "the other VM's address was written all the same");
}
on_both_databases!(unreadable_vm_row, an_unreadable_vm_row_does_not_hold_back_the_hosts_others);

/// A pass over a host where nothing changed sends reads only: no write,
/// not even one that changes no row (the server's heartbeat is the
/// monitoring loop's, once per period, not the pass's).
async fn a_pass_where_nothing_changed_writes_nothing(database: &Database) {
    let sent = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut counted = database.clone();
    let log = sent.clone();
    counted.conn.set_metric_callback(move |info| log.lock().unwrap().push(info.statement.sql.clone()));
    let Setup { engine, .. } = running_vm(&counted, Slots::Fresh, 2).await;
    monitoring::refresh_all(&engine).await.unwrap(); // the plugs' addresses are stored by now
    sent.lock().unwrap().clear();
    monitoring::refresh_all(&engine).await.unwrap();
    let sent = sent.lock().unwrap().clone();
    assert!(!sent.is_empty(), "the pass read the host's VMs");
    let writes: Vec<&String> = sent
        .iter()
        .filter(|sql| ["INSERT", "UPDATE", "DELETE"].iter().any(|verb| sql.trim_start().to_ascii_uppercase().starts_with(verb)))
        .collect();
    assert!(writes.is_empty(), "a quiet pass wrote: {writes:#?}");
}
on_both_databases!(quiet_pass_db, a_pass_where_nothing_changed_writes_nothing);

/// A pass that finds a VM held by a plug, the host differing from the
/// database only in that plug's NIC (attached, its answer on the way) and
/// so in a free slot, leaves the VM to the plug: it neither waits for the
/// flow (up to a monitoring period, long here) nor polls the host again.
/// The plug stores the host's answer itself.
async fn a_pass_leaves_a_vm_to_the_plug_that_holds_it(database: &Database) {
    let long = Duration::from_secs(30);
    let Setup { engine, host, vm, .. } = running_vm_monitored_every(database, Slots::Fresh, 1, long).await;
    monitoring::refresh_all(&engine).await.unwrap();
    let nic = nics::add_nic(&engine, &admin(), vm, new_nic("held")).await.unwrap();
    let hold = host.hold_next_plug();
    let flow = tokio::spawn({
        let engine = engine.clone();
        async move { plug::plug_nic(&engine, &admin(), vm, nic.id).await }
    });
    wait_until(|| host.plug_waiting(), "the plug never reached the host").await;
    let polls = host.stats_polls();
    tokio::time::timeout(long / 3, monitoring::refresh_all(&engine)).await.expect("the pass waited for the plug").unwrap();
    assert_eq!(host.stats_polls() - polls, 1, "one poll: none of its own for the held VM");
    hold.notify_one();
    let plugged = flow.await.unwrap().unwrap();
    assert!(plugged.plugged && plugged.address.is_some(), "{plugged:?}");
    monitoring::refresh_all(&engine).await.unwrap();
    assert_eq!(stored(&engine, vm).await, host.nics_of(vm), "database and host agree");
    assert_eq!(events(&engine, "nic_intent_resolved").await, 0, "no intent left for monitoring to resolve");
}
on_both_databases!(pass_leaves_held_vm_db, a_pass_leaves_a_vm_to_the_plug_that_holds_it);

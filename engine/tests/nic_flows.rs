//! The NIC flows that need no host (VM down, refusals), on SQLite and
//! PostgreSQL. Running-VM paths are tested against a real agent and guest in
//! server/tests/fullstack.rs.

mod common;

use common::admin;
use hotnic_engine::entities::{mac_pool, vm, vm_device};
use hotnic_engine::{audit, clusters, link, networks, nics, plug, run, vms, AgentHosts, Database, Engine, EngineError};
use hotnic_model::{NewCluster, NewNetwork, NewNic, NewVm, NicUpdate, PciAddress};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use std::time::Duration;
use uuid::Uuid;

/// An engine whose host client reaches nothing: these flows must not call
/// a host, and would fail with "did not answer" if they did.
fn engine(database: &Database) -> Engine {
    Engine::new(database.clone(), AgentHosts::new(Duration::from_secs(2)), Default::default())
}

async fn setup(engine: &Engine, level: &str) -> (Uuid, Uuid) {
    let db = engine.db();
    let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: format!("c{}", level.replace('.', "")), compatibility_version: level.into() })
        .await
        .unwrap();
    networks::create_network(db, &admin(), NewNetwork { name: "ovirtmgmt".into(), cluster_id: cluster.id, kind: "bridge".into() })
        .await
        .unwrap();
    let vm = vms::create_vm(engine, &admin(), new_vm(&format!("vm{}", level.replace('.', "")), cluster.id)).await.unwrap();
    (cluster.id, vm.id)
}

fn new_vm(name: &str, cluster_id: Uuid) -> NewVm {
    NewVm { name: name.into(), cluster_id, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None }
}

fn nic(name: &str) -> NewNic {
    NewNic {
        name: name.into(),
        network: Some("ovirtmgmt".into()),
        interface: "virtio".into(),
        mac: None,
        port_mirroring: false,
        boot_order: None,
    }
}

async fn set_vm_status(engine: &Engine, vm_id: Uuid, status: &str) {
    let row = vm::Entity::find_by_id(vm_id).one(engine.db()).await.unwrap().unwrap();
    let mut row = row.into_active_model();
    row.status = Set(status.into());
    row.update(engine.db()).await.unwrap();
}

async fn store_address(engine: &Engine, nic_id: Uuid, address: PciAddress) {
    let row = vm_device::Entity::find_by_id(nic_id).one(engine.db()).await.unwrap().unwrap();
    let mut row = row.into_active_model();
    row.address = Set(Some(serde_json::to_string(&address).unwrap()));
    row.update(engine.db()).await.unwrap();
}

async fn add_is_unplugged_with_pool_macs(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let first = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let second = nics::add_nic(&engine, &admin(), vm_id, nic("nic2")).await.unwrap();
    assert!(!first.plugged && first.address.is_none());
    assert_eq!(first.mac, "00:1a:4a:16:01:51");
    assert_eq!(second.mac, "00:1a:4a:16:01:52");
    assert_eq!(first.network.as_deref(), Some("ovirtmgmt"));
    assert_eq!(nics::list_nics(&engine, &admin(), vm_id).await.unwrap(), vec![first.clone(), second]);

    // Adding to a running VM does not plug it either.
    set_vm_status(&engine, vm_id, "up").await;
    let third = nics::add_nic(&engine, &admin(), vm_id, nic("nic3")).await.unwrap();
    assert!(!third.plugged && third.address.is_none());
    let events = audit::list_events(engine.db(), &admin(), Some(vm_id), 10).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.event == "nic_added").count(), 3);

    // The VM reads with its NIC count, alone and in the list (where a VM
    // without NICs counts zero).
    assert_eq!(vms::get_vm(&engine, &admin(), vm_id).await.unwrap().nic_count, 3);
    let cluster_id = vms::get_vm(&engine, &admin(), vm_id).await.unwrap().cluster_id;
    let lonely = vms::create_vm(&engine, &admin(), new_vm("lonely", cluster_id)).await.unwrap();
    assert_eq!(lonely.nic_count, 0);
    let counts: Vec<(String, u32)> =
        vms::list_vms(&engine, &admin()).await.unwrap().into_iter().map(|v| (v.name, v.nic_count)).collect();
    assert_eq!(counts, vec![("lonely".to_owned(), 0), ("vm47".to_owned(), 3)]);
}
on_both_databases!(add_is_unplugged_with_pool_macs_db, add_is_unplugged_with_pool_macs);

async fn add_refuses_bad_input_and_changes_nothing(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    // Each refusal names the input at fault, so a form can show it there.
    let cases: Vec<(NewNic, &str, &str)> = vec![
        (NewNic { name: "bad name".into(), ..nic("x") }, "may hold only letters", "name"),
        (NewNic { interface: "ne2k".into(), ..nic("x") }, "unknown interface model 'ne2k'", "interface"),
        (NewNic { network: Some("nowhere".into()), ..nic("x") }, "no network named 'nowhere'", "network"),
        (NewNic { mac: Some("01:00:5e:00:00:01".into()), ..nic("x") }, "multicast", "mac"),
        (NewNic { mac: Some("00:1a:4a:16:01".into()), ..nic("x") }, "is not a MAC address", "mac"),
        (NewNic { boot_order: Some(0), ..nic("x") }, "boot order must be between 1 and 255", "boot_order"),
        (NewNic { mac: Some("00:1a:4a:16:01:51".into()), ..nic("x") }, "already in use by NIC 'nic1'", "mac"),
        (nic("nic1"), "already has a NIC named 'nic1'", "name"),
    ];
    for (input, reason, field) in cases {
        let err = nics::add_nic(&engine, &admin(), vm_id, input.clone()).await.unwrap_err();
        assert!(err.to_string().contains(reason), "{input:?}: {err}");
        let (status, body) = err.to_http();
        assert!(matches!(status, 400 | 409), "{input:?}: {err:?}");
        assert_eq!(body.field.as_deref(), Some(field), "{input:?}: {err:?}");
    }
    assert_eq!(nics::list_nics(&engine, &admin(), vm_id).await.unwrap().len(), 1);
    let missing = nics::add_nic(&engine, &admin(), Uuid::new_v4(), nic("x")).await.unwrap_err();
    assert_eq!(missing.to_http().0, 404);
}
on_both_databases!(add_refuses_bad_input_db, add_refuses_bad_input_and_changes_nothing);

async fn pool_exhaustion_is_a_clear_error_and_remove_returns_the_mac(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let pool = mac_pool::Entity::find().one(engine.db()).await.unwrap().unwrap();
    let mut pool = pool.into_active_model();
    pool.range_end = Set("00:1a:4a:16:01:52".into());
    pool.update(engine.db()).await.unwrap();
    nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let second = nics::add_nic(&engine, &admin(), vm_id, nic("nic2")).await.unwrap();
    let err = nics::add_nic(&engine, &admin(), vm_id, nic("nic3")).await.unwrap_err();
    assert!(err.to_string().contains("is exhausted"), "{err}");
    nics::remove_nic(&engine, &admin(), vm_id, second.id).await.unwrap();
    let again = nics::add_nic(&engine, &admin(), vm_id, nic("nic3")).await.unwrap();
    assert_eq!(again.mac, second.mac, "the removed NIC's MAC went back to the pool");
}
on_both_databases!(pool_exhaustion_db, pool_exhaustion_is_a_clear_error_and_remove_returns_the_mac);

async fn plug_and_unplug_a_down_vm_only_flip_the_flag(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "3.1").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let plugged = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    assert!(plugged.plugged);
    assert_eq!(plugged.address, None);
    let err = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert_eq!(err.to_string(), "NIC nic1 is already plugged");

    // An address remembered from an earlier run is cleared by unplug.
    store_address(&engine, added.id, PciAddress { domain: 0, bus: 0, slot: 3, function: 0 }).await;
    let unplugged = plug::unplug_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    assert!(!unplugged.plugged);
    assert_eq!(unplugged.address, None);
    assert_eq!(nics::get_nic(&engine, &admin(), vm_id, added.id).await.unwrap(), unplugged);

    // PUT {"plugged": true} is the same flow.
    let via_edit = nics::edit_nic(&engine, &admin(), vm_id, added.id, NicUpdate { plugged: Some(true), ..Default::default() })
        .await
        .unwrap();
    assert!(via_edit.plugged);
    let events: Vec<String> =
        audit::list_events(engine.db(), &admin(), Some(vm_id), 10).await.unwrap().into_iter().map(|e| e.event).collect();
    assert_eq!(&events[..3], ["nic_plugged", "nic_unplugged", "nic_plugged"]);
}
on_both_databases!(plug_down_vm_db, plug_and_unplug_a_down_vm_only_flip_the_flag);

/// A system-wide admin's plug reads the VM only under its lock, in one
/// statement with the NIC: a missing VM, a missing NIC and another VM's NIC
/// are still told apart, as 404s, and change nothing.
async fn plug_names_what_is_missing(database: &Database) {
    let engine = engine(database);
    let (cluster_id, vm_id) = setup(&engine, "3.1").await;
    let other = vms::create_vm(&engine, &admin(), new_vm("other", cluster_id)).await.unwrap().id;
    let others_nic = nics::add_nic(&engine, &admin(), other, nic("nic1")).await.unwrap().id;
    let (missing_vm, missing_nic) = (Uuid::new_v4(), Uuid::new_v4());
    for (vm, nic, said) in [
        (missing_vm, others_nic, format!("no VM with id {missing_vm}")),
        (vm_id, missing_nic, format!("the VM has no NIC with id {missing_nic}")),
        (vm_id, others_nic, format!("the VM has no NIC with id {others_nic}")),
    ] {
        let err = plug::plug_nic(&engine, &admin(), vm, nic).await.unwrap_err();
        assert!(matches!(err, EngineError::NotFound(_)), "{err:?}");
        assert_eq!(err.to_string(), said);
    }
    assert!(!nics::get_nic(&engine, &admin(), other, others_nic).await.unwrap().plugged);
}
on_both_databases!(plug_names_what_is_missing_db, plug_names_what_is_missing);

async fn plug_is_refused_below_level_31_and_in_transient_states(database: &Database) {
    let engine = engine(database);
    let (_, old_vm) = setup(&engine, "3.0").await;
    let old_nic = nics::add_nic(&engine, &admin(), old_vm, nic("nic1")).await.unwrap();
    let err = plug::plug_nic(&engine, &admin(), old_vm, old_nic.id).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Plugging a NIC is only supported on clusters of compatibility version 3.1 and above; cluster c30 is 3.0"
    );
    assert_eq!(err.to_http().0, 409);
    assert!(!nics::get_nic(&engine, &admin(), old_vm, old_nic.id).await.unwrap().plugged);

    let (_, vm_id) = setup(&engine, "4.7").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    for status in ["paused", "migrating", "unknown", "powering_down"] {
        set_vm_status(&engine, vm_id, status).await;
        let err = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
        assert!(err.to_string().contains(&format!("while the VM is {}", status.replace('_', " "))), "{err}");
    }
    assert!(!nics::get_nic(&engine, &admin(), vm_id, added.id).await.unwrap().plugged);
}
on_both_databases!(plug_refusals_db, plug_is_refused_below_level_31_and_in_transient_states);

/// A flow the checks refuse leaves the NIC's intent as it found it: none
/// (the intent written while the NIC was read is taken back), or the one
/// an unanswered flow left for monitoring to resolve.
async fn a_refused_flow_leaves_the_intent_as_it_was(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let pending = || async { vm_device::Entity::find_by_id(added.id).one(engine.db()).await.unwrap().unwrap().pending };
    set_vm_status(&engine, vm_id, "paused").await;
    plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert_eq!(pending().await, None, "the early intent was taken back");

    let mut row = vm_device::Entity::find_by_id(added.id).one(engine.db()).await.unwrap().unwrap().into_active_model();
    row.pending = Set(Some("plug".into()));
    row.update(engine.db()).await.unwrap();
    plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    plug::unplug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert_eq!(pending().await.as_deref(), Some("plug"), "an unresolved intent stays for monitoring");

    set_vm_status(&engine, vm_id, "down").await;
    let plugged = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    assert!(plugged.plugged);
    assert_eq!(pending().await, None, "a stored outcome ends the intent");
}
on_both_databases!(refused_intent_db, a_refused_flow_leaves_the_intent_as_it_was);

/// The link state of a NIC that is not live (VM down, or NIC unplugged) is
/// only stored, at any level; the live change of a plugged NIC of a running
/// VM is refused below 3.1, before any host is asked; the current state
/// again is a no-op without an event.
async fn link_state_is_stored_unless_live_and_live_needs_31(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "3.0").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    assert!(added.linked && added.actions.link.ok);
    let pulled = link::set_nic_link(&engine, &admin(), vm_id, added.id, false).await.unwrap();
    assert!(!pulled.linked);
    assert!(!link::set_nic_link(&engine, &admin(), vm_id, added.id, false).await.unwrap().linked, "again: still down");
    let events = |engine: Engine| async move {
        audit::list_events(engine.db(), &admin(), Some(vm_id), 10).await.unwrap().into_iter().map(|e| e.event).collect::<Vec<_>>()
    };
    assert_eq!(events(engine.clone()).await[..2], ["nic_link_down", "nic_added"], "one event for the change, none for the no-op");

    // Plugged (flag only, on a down VM), then the VM runs: now live, and
    // 3.0 refuses it with the level's reason, stored state unchanged.
    set_vm_status(&engine, vm_id, "down").await;
    let mut row = vm_device::Entity::find_by_id(added.id).one(engine.db()).await.unwrap().unwrap().into_active_model();
    row.is_plugged = Set(true);
    row.update(engine.db()).await.unwrap();
    set_vm_status(&engine, vm_id, "up").await;
    let shown = nics::get_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    assert!(!shown.actions.link.ok, "the page disables it: {:?}", shown.actions.link);
    let err = nics::edit_nic(&engine, &admin(), vm_id, added.id, NicUpdate { linked: Some(true), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.to_http().0, 409);
    assert!(err.to_string().starts_with("Plugging a NIC is only supported on clusters of compatibility version 3.1"), "{err}");
    assert!(!nics::get_nic(&engine, &admin(), vm_id, added.id).await.unwrap().linked, "nothing stored");
    assert_eq!(events(engine.clone()).await[0], "nic_link_failed");
}
on_both_databases!(link_state_db, link_state_is_stored_unless_live_and_live_needs_31);

/// A bulk list is taken whole or refused whole: empty, too long, an id
/// twice, or a NIC the VM does not have (another VM's) are 400 naming
/// `ids`, and nothing changes. A good list acts in order, each NIC with
/// its own outcome: on a down VM plug flips the flags, and remove takes
/// the NICs it names.
async fn bulk_lists_are_taken_whole_or_refused_whole(database: &Database) {
    use hotnic_engine::bulk::{act_on_nics, BulkAction, MAX_NICS};
    let engine = engine(database);
    let (cluster, vm_id) = setup(&engine, "4.7").await;
    let other_vm = vms::create_vm(&engine, &admin(), new_vm("other", cluster)).await.unwrap().id;
    let foreign = nics::add_nic(&engine, &admin(), other_vm, nic("x")).await.unwrap().id;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(nics::add_nic(&engine, &admin(), vm_id, nic(&format!("nic{i}"))).await.unwrap().id);
    }
    let listed = || async { nics::list_nics(&engine, &admin(), vm_id).await.unwrap() };
    let before = listed().await;
    let too_many: Vec<Uuid> = (0..=MAX_NICS).map(|_| Uuid::new_v4()).collect();
    for (bad, says) in [
        (vec![], "at least one".to_owned()),
        (too_many, format!("at most {MAX_NICS}")),
        (vec![ids[0], ids[1], ids[0]], format!("NIC {} is named twice", ids[0])),
        (vec![ids[0], foreign], format!("no NIC with id {foreign}")),
    ] {
        let err = act_on_nics(&engine, &admin(), vm_id, bad, BulkAction::Plug).await.unwrap_err();
        let (status, body) = err.to_http();
        assert_eq!((status, body.field.as_deref()), (400, Some("ids")), "{body:?}");
        assert!(body.reason.contains(&says), "{} lacks {says}", body.reason);
        assert_eq!(listed().await, before, "a refused list changes nothing");
    }

    let outcomes = act_on_nics(&engine, &admin(), vm_id, vec![ids[2], ids[0]], BulkAction::Plug).await.unwrap();
    assert_eq!(outcomes.iter().map(|o| (o.id, o.status)).collect::<Vec<_>>(), [(ids[2], 200), (ids[0], 200)], "in the order given");
    assert!(outcomes.iter().all(|o| o.nic.as_ref().is_some_and(|n| n.plugged) && o.error.is_none()));
    // Already plugged: that NIC's own 409; the other still goes.
    let outcomes = act_on_nics(&engine, &admin(), vm_id, vec![ids[0], ids[1]], BulkAction::Plug).await.unwrap();
    assert_eq!((outcomes[0].status, outcomes[1].status), (409, 200));
    assert_eq!(outcomes[0].error.as_ref().unwrap().reason, "NIC nic0 is already plugged");
    let removed = act_on_nics(&engine, &admin(), vm_id, vec![ids[1], ids[2]], BulkAction::Remove).await.unwrap();
    assert!(removed.iter().all(|o| o.status == 204 && o.nic.is_none()), "{removed:?}");
    assert_eq!(listed().await.iter().map(|n| n.id).collect::<Vec<_>>(), [ids[0]]);
}
on_both_databases!(bulk_lists_db, bulk_lists_are_taken_whole_or_refused_whole);

async fn remove_and_edit_respect_a_running_plugged_nic(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    set_vm_status(&engine, vm_id, "up").await;

    let err = nics::remove_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert_eq!(err.to_string(), format!("NIC nic1 is plugged into running VM vm47; unplug it first"));
    let err = nics::edit_nic(&engine, &admin(), vm_id, added.id, NicUpdate { interface: Some("e1000".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("its model cannot change now; unplug, edit, plug back"), "{err}");
    let err = nics::edit_nic(
        &engine,
        &admin(),
        vm_id,
        added.id,
        NicUpdate { mac: Some("00:1a:4a:16:01:99".into()), ..Default::default() },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("its MAC cannot change now"), "{err}");
    let renamed = nics::edit_nic(
        &engine,
        &admin(),
        vm_id,
        added.id,
        NicUpdate { name: Some("lan".into()), boot_order: Some(Some(2)), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.boot_order, renamed.interface.as_str()), ("lan", Some(2), "virtio"));

    // Down again: model and MAC may change, and the NIC may go.
    set_vm_status(&engine, vm_id, "down").await;
    let edited = nics::edit_nic(
        &engine,
        &admin(),
        vm_id,
        added.id,
        NicUpdate { interface: Some("e1000".into()), mac: Some("00:1a:4a:16:01:99".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!((edited.interface.as_str(), edited.mac.as_str()), ("e1000", "00:1a:4a:16:01:99"));
    nics::remove_nic(&engine, &admin(), vm_id, added.id).await.unwrap();
    assert!(nics::list_nics(&engine, &admin(), vm_id).await.unwrap().is_empty());
}
on_both_databases!(remove_and_edit_db, remove_and_edit_respect_a_running_plugged_nic);

async fn a_busy_vm_refuses_a_second_flow(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let guard = engine.locks.lock(vm_id).await.unwrap();
    let err = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert!(matches!(err, EngineError::Busy));
    assert_eq!(err.to_http(), (409, hotnic_model::ApiError::new("VM is busy with another operation; try again when it finishes")));
    drop(guard);
    assert!(plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap().plugged);
}
on_both_databases!(busy_vm_db, a_busy_vm_refuses_a_second_flow);

async fn run_without_a_host_is_refused(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let err = run::run_vm(&engine, &admin(), vm_id).await.unwrap_err();
    assert_eq!(err.to_string(), "VM vm47 cannot run: its cluster has no host that is up");
    assert_eq!(vms::get_vm(&engine, &admin(), vm_id).await.unwrap().status, "down");
}
on_both_databases!(run_without_host_db, run_without_a_host_is_refused);

/// Adds at once never hand out one MAC twice: the loser of a race on the
/// unique index (or SQLite's writer lock) takes the next free one.
async fn concurrent_adds_get_distinct_macs(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let adds = (0..12).map(|i| {
        let engine = engine.clone();
        tokio::spawn(async move { nics::add_nic(&engine, &admin(), vm_id, nic(&format!("nic{i}"))).await })
    });
    let mut macs = Vec::new();
    for add in futures::future::join_all(adds).await {
        macs.push(add.unwrap().expect("every add succeeds").mac);
    }
    let distinct: std::collections::HashSet<&String> = macs.iter().collect();
    assert_eq!(distinct.len(), 12, "{macs:?}");
    assert_eq!(nics::list_nics(&engine, &admin(), vm_id).await.unwrap().len(), 12);
}
on_both_databases!(concurrent_adds_get_distinct_macs_db, concurrent_adds_get_distinct_macs);

/// A running VM whose host reported no free PCI slot: Plug is disabled
/// with the reason, and the plug is refused before any host is asked (this
/// engine reaches none) and before the intent is written; unplugged, the
/// same NIC's plug into a stopped VM is not limited.
async fn a_full_vm_refuses_a_plug_before_asking_the_host(database: &Database) {
    let engine = engine(database);
    let (_, vm_id) = setup(&engine, "4.7").await;
    let added = nics::add_nic(&engine, &admin(), vm_id, nic("nic1")).await.unwrap();
    let row = vm::Entity::find_by_id(vm_id).one(engine.db()).await.unwrap().unwrap();
    let mut row = row.into_active_model();
    row.status = Set("up".into());
    row.pci_slots_free = Set(Some(0));
    row.pci_slots_total = Set(Some(30));
    row.update(engine.db()).await.unwrap();

    let shown = vms::get_vm(&engine, &admin(), vm_id).await.unwrap();
    assert_eq!(shown.pci_slots, Some(hotnic_model::PciSlots { free: 0, total: 30 }));
    let why = "VM vm47 has no free PCI slot: all 30 hot-pluggable slots are in use. Unplug another NIC first, or plug this one while the VM is down";
    let plug_action = nics::get_nic(&engine, &admin(), vm_id, added.id).await.unwrap().actions.plug;
    assert_eq!(plug_action.why_not.as_deref(), Some(why));
    let err = plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap_err();
    assert_eq!((err.to_http().0, err.to_string()), (409, why.to_owned()));
    let device = vm_device::Entity::find_by_id(added.id).one(engine.db()).await.unwrap().unwrap();
    assert_eq!((device.is_plugged, device.pending), (false, None), "nothing changed");

    set_vm_status(&engine, vm_id, "down").await;
    assert!(plug::plug_nic(&engine, &admin(), vm_id, added.id).await.unwrap().plugged, "a stopped VM has no slot limit here");
}
on_both_databases!(full_vm_db, a_full_vm_refuses_a_plug_before_asking_the_host);

/// The NIC of one name on several VMs: each VM has its own outcome, in the
/// order given (a VM without that NIC a 404 that stops nothing); a bad list
/// or name is refused whole and changes nothing.
async fn a_nic_by_name_acts_across_vms(database: &Database) {
    use hotnic_engine::bulk::{self, BulkAction};
    let engine = engine(database);
    let (cluster, first) = setup(&engine, "4.7").await;
    let second = vms::create_vm(&engine, &admin(), new_vm("second", cluster)).await.unwrap().id;
    let bare = vms::create_vm(&engine, &admin(), new_vm("bare", cluster)).await.unwrap().id;
    for vm in [first, second] {
        nics::add_nic(&engine, &admin(), vm, nic("nic1")).await.unwrap();
    }
    let plugged = |vm| {
        let engine = engine.clone();
        async move { nics::list_nics(&engine, &admin(), vm).await.unwrap().iter().all(|n| n.plugged) }
    };
    for (ids, name, field) in [
        (vec![], "nic1", "vm_ids"),
        (vec![first, first], "nic1", "vm_ids"),
        (vec![first; 257], "nic1", "vm_ids"),
        (vec![first, second], "bad name!", "nic_name"),
    ] {
        let err = bulk::act_on_vms(&engine, &admin(), ids, name.into(), BulkAction::Plug).await.unwrap_err();
        assert!(matches!(err, EngineError::Invalid { field: Some(f), .. } if f == field), "{err:?}");
    }
    let err = bulk::act_on_vms(&engine, &admin(), vec![first, Uuid::new_v4()], "nic1".into(), BulkAction::Plug).await.unwrap_err();
    assert_eq!(err.to_http().0, 404);
    assert!(!plugged(first).await, "nothing happened");

    let outcomes = bulk::act_on_vms(&engine, &admin(), vec![second, bare, first], "nic1".into(), BulkAction::Plug).await.unwrap();
    let seen: Vec<(Uuid, u16)> = outcomes.iter().map(|o| (o.vm_id, o.status)).collect();
    assert_eq!(seen, [(second, 200), (bare, 404), (first, 200)]);
    assert_eq!(outcomes[1].error.as_ref().unwrap().reason, "the VM has no NIC named nic1");
    assert!(plugged(first).await && plugged(second).await);
    let outcomes = bulk::act_on_vms(&engine, &admin(), vec![first], "nic1".into(), BulkAction::Unplug).await.unwrap();
    assert_eq!(outcomes[0].nic.as_ref().map(|n| n.plugged), Some(false));
}
on_both_databases!(across_vms_db, a_nic_by_name_acts_across_vms);

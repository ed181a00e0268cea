//! Editing and removing the objects around NICs (issue 14), on both
//! databases: a network in use is not removed (the refusal names the VMs
//! and NICs) nor renamed under a running VM; a host is removed only from
//! maintenance and with no VM running, and monitoring keeps watching it in
//! maintenance; a cluster with VMs or hosts is not removed, and its level
//! drops only while none of its VMs runs. Renames keep ids.

mod common;

use common::admin;
use hotnic_engine::entities::{host, network, vm, vm_device};
use hotnic_engine::{clusters, hosts, networks, nics, servers, vms, AgentHosts, Database, Engine, EngineError};
use hotnic_model::{ClusterUpdate, HostUpdate, NetworkUpdate, NewCluster, NewNetwork, NewNic, NewVm};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use std::time::Duration;
use uuid::Uuid;

fn engine(database: &Database) -> Engine {
    Engine::new(database.clone(), AgentHosts::new(Duration::from_secs(2)), Default::default())
}

fn conflict(err: EngineError) -> String {
    match err {
        EngineError::Conflict(reason) => reason,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn set_status(engine: &Engine, vm_id: Uuid, status: &str, host_id: Option<Uuid>) {
    let mut row = vm::Entity::find_by_id(vm_id).one(engine.db()).await.unwrap().unwrap().into_active_model();
    row.status = Set(status.into());
    row.host_id = Set(host_id);
    row.update(engine.db()).await.unwrap();
}

/// A host row as registration leaves it (no agent is asked here).
async fn add_host(engine: &Engine, cluster_id: Uuid, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    host::ActiveModel {
        id: Set(id),
        name: Set(name.into()),
        cluster_id: Set(cluster_id),
        agent_url: Set("https://127.0.0.1:9".into()),
        token: Set("0123456789".into()),
        status: Set("up".into()),
        created_at: Set(chrono::Utc::now()),
        tls_fingerprint: Set("AB".into()),
        presented_fingerprint: Set(None),
        monitored_by: Set(None),
    }
    .insert(engine.db())
    .await
    .unwrap();
    id
}

async fn edit_and_remove_around_nics(database: &Database) {
    let engine = engine(database);
    let db = engine.db();
    let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: "c1".into(), compatibility_version: "4.7".into() }).await.unwrap();
    let blue = networks::create_network(db, &admin(), NewNetwork { name: "blue".into(), cluster_id: cluster.id, kind: "bridge".into() }).await.unwrap();
    let vm = vms::create_vm(&engine, &admin(), NewVm { name: "vm1".into(), cluster_id: cluster.id, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None })
        .await
        .unwrap();
    let new_nic = |name: &str| NewNic { name: name.into(), network: Some("blue".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None };
    let nic = nics::add_nic(&engine, &admin(), vm.id, new_nic("nic1")).await.unwrap();
    let host = add_host(&engine, cluster.id, "h1").await;

    // Networks: renamed with its id while no running VM has a NIC plugged on it.
    let renamed = networks::update_network(db, &admin(), blue.id, NetworkUpdate { name: Some("teal".into()) }).await.unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (blue.id, "teal"));
    let mut device = vm_device::Entity::find_by_id(nic.id).one(db).await.unwrap().unwrap().into_active_model();
    device.is_plugged = Set(true);
    device.update(db).await.unwrap();
    set_status(&engine, vm.id, "up", Some(host)).await;
    let why = conflict(networks::update_network(db, &admin(), blue.id, NetworkUpdate { name: Some("blue".into()) }).await.unwrap_err());
    assert!(why.contains("NICs plugged into running VMs (VM vm1: nic1)"), "{why}");
    let why = conflict(networks::delete_network(db, &admin(), blue.id).await.unwrap_err());
    assert_eq!(why, "network teal is used by NICs (VM vm1: nic1); move or remove them first");
    let err = networks::update_network(db, &admin(), blue.id, NetworkUpdate { name: Some("no spaces".into()) }).await.unwrap_err();
    assert!(matches!(err, EngineError::Invalid { field: Some("name"), .. }), "{err:?}");

    // Hosts: maintenance keeps monitoring; removal needs maintenance and no running VM.
    let why = conflict(hosts::delete_host(&engine, &admin(), host).await.unwrap_err());
    assert_eq!(why, "host h1 is up; put it into maintenance before removing it");
    let held = hosts::update_host(&engine, &admin(), host, HostUpdate { name: Some("h1b".into()), maintenance: Some(true) }).await.unwrap();
    assert_eq!((held.id, held.name.as_str(), held.status.as_str()), (host, "h1b", "maintenance"));
    let watched = servers::hosts_to_monitor(&engine).await.unwrap();
    assert!(watched.iter().any(|h| h.id == host), "monitoring keeps watching a host in maintenance");
    let why = conflict(hosts::delete_host(&engine, &admin(), host).await.unwrap_err());
    assert_eq!(why, "host h1b still runs VMs vm1; stop them before removing it");

    // Clusters: not removed with VMs or hosts; level drops only with no VM running.
    let why = conflict(clusters::delete_cluster(db, &admin(), cluster.id).await.unwrap_err());
    assert_eq!(why, "cluster c1 still has VMs vm1 and hosts h1b; remove them first");
    let drop = ClusterUpdate { name: None, compatibility_version: Some("3.0".into()) };
    let why = conflict(clusters::update_cluster(db, &admin(), cluster.id, drop.clone()).await.unwrap_err());
    assert!(why.starts_with("cluster c1's level cannot drop from 4.7 to 3.0 while its VMs run (vm1)"), "{why}");
    let raised = clusters::update_cluster(db, &admin(), cluster.id, ClusterUpdate { name: Some("c2".into()), compatibility_version: None }).await.unwrap();
    assert_eq!((raised.id, raised.name.as_str()), (cluster.id, "c2"));

    // Stopped: everything can go, in order.
    set_status(&engine, vm.id, "down", None).await;
    assert_eq!(clusters::update_cluster(db, &admin(), cluster.id, drop).await.unwrap().compatibility_version, "3.0");
    hosts::delete_host(&engine, &admin(), host).await.unwrap();
    nics::remove_nic(&engine, &admin(), vm.id, nic.id).await.unwrap();
    networks::delete_network(db, &admin(), blue.id).await.unwrap();
    vms::delete_vm(&engine, &admin(), vm.id).await.unwrap();
    networks::create_network(db, &admin(), NewNetwork { name: "left".into(), cluster_id: cluster.id, kind: "bridge".into() }).await.unwrap();
    clusters::delete_cluster(db, &admin(), cluster.id).await.unwrap();
    assert!(network::Entity::find().all(db).await.unwrap().is_empty(), "its networks went with it");
    assert!(clusters::list_clusters(db, &admin()).await.unwrap().is_empty());
}
on_both_databases!(edit_and_remove_db, edit_and_remove_around_nics);

/// Every write to a VM's NIC rows raises the VM's `nics_version` (monitoring
/// reads the NICs again only then), whoever makes it, and nothing else's:
/// added, changed by hand, its network renamed, removed. Saving a VM row read
/// earlier never puts an older number back.
async fn nic_writes_raise_the_vms_nics_version(database: &Database) {
    let engine = engine(database);
    let db = engine.db();
    let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: "c1".into(), compatibility_version: "4.7".into() }).await.unwrap();
    let blue = networks::create_network(db, &admin(), NewNetwork { name: "blue".into(), cluster_id: cluster.id, kind: "bridge".into() }).await.unwrap();
    let new_vm = |name: &str| NewVm { name: name.into(), cluster_id: cluster.id, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
    let vm = vms::create_vm(&engine, &admin(), new_vm("vm1")).await.unwrap().id;
    let other = vms::create_vm(&engine, &admin(), new_vm("vm2")).await.unwrap().id;
    let row = |id: Uuid| async move { vm::Entity::find_by_id(id).one(db).await.unwrap().unwrap() };
    let version = |id: Uuid| async move { row(id).await.nics_version };
    let (created, untouched) = (row(vm).await, version(other).await);

    let new_nic = NewNic { name: "nic1".into(), network: Some("blue".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None };
    let nic = nics::add_nic(&engine, &admin(), vm, new_nic).await.unwrap();
    let added = version(vm).await;
    assert!(added > created.nics_version, "adding a NIC: {added} after {}", created.nics_version);

    let mut device = vm_device::Entity::find_by_id(nic.id).one(db).await.unwrap().unwrap().into_active_model();
    device.is_plugged = Set(true);
    device.update(db).await.unwrap();
    let by_hand = version(vm).await;
    assert!(by_hand > added, "a device row changed: {by_hand} after {added}");

    networks::update_network(db, &admin(), blue.id, NetworkUpdate { name: Some("teal".into()) }).await.unwrap();
    let renamed = version(vm).await;
    assert!(renamed > by_hand, "its network renamed: {renamed} after {by_hand}");

    let mut stale = created.into_active_model();
    stale.status = Set("down".into());
    stale.reset_all().update(db).await.unwrap();
    assert_eq!(version(vm).await, renamed, "a VM row saved from an older read keeps the number");

    nics::remove_nic(&engine, &admin(), vm, nic.id).await.unwrap();
    let removed = version(vm).await;
    assert!(removed > renamed, "removing the NIC: {removed} after {renamed}");
    assert_eq!(version(other).await, untouched, "another VM's number stays");

    // A VM removed with its NICs: the rows go by cascade, their triggers
    // find no VM row to raise, and nothing fails.
    let new_nic = NewNic { name: "nic2".into(), network: Some("teal".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None };
    nics::add_nic(&engine, &admin(), vm, new_nic).await.unwrap();
    vms::delete_vm(&engine, &admin(), vm).await.unwrap();
    assert!(vm_device::Entity::find().all(db).await.unwrap().is_empty());
}
on_both_databases!(nics_version_db, nic_writes_raise_the_vms_nics_version);

//! Several servers on one PostgreSQL database, as two engines in one
//! process, each with its own connections (a server's whole link to the
//! others): a flow on one refuses the same VM's flow on the other and keeps
//! the other's monitoring out; a server that dies (its connection cut) lets
//! go of its locks at once; its hosts go to a live server; changes reach
//! the other server's page streams; servers starting together migrate once.
//! The same with real server processes and a real guest is in
//! server/tests/two_servers.rs.

mod common;
#[path = "common/fake_host.rs"]
mod fake_host;

use common::{admin, TestDb};
use fake_host::{FakeHost, Slots};
use hotnic_engine::entities::host;
use hotnic_engine::{change_feed, monitoring, nics, plug, run, servers, vms, Database, Engine, EngineConfig, EngineError};
use hotnic_migrations::{Migrator, MigratorTrait};
use hotnic_model::{NewNic, NewVm};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PERIOD: Duration = Duration::from_millis(200);

fn engine(database: Database, host: Arc<FakeHost>) -> Engine {
    Engine::new(database, host, EngineConfig { monitoring_period: PERIOD, ..Default::default() })
}

/// A running VM on the fake host with one unplugged NIC; returns (vm, nic).
async fn running_vm(engine: &Engine) -> (Uuid, Uuid) {
    let cluster = fake_host::cluster_with_fake_host(&engine).await;
    let new_vm = NewVm { name: "vm".into(), cluster_id: cluster, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
    let vm = vms::create_vm(engine, &admin(), new_vm).await.unwrap().id;
    run::run_vm(engine, &admin(), vm).await.unwrap();
    let new_nic = NewNic { name: "nic1".into(), network: Some("ovirtmgmt".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None };
    let nic = nics::add_nic(engine, &admin(), vm, new_nic).await.unwrap().id;
    (vm, nic)
}

async fn monitored_by(engine: &Engine) -> Option<Uuid> {
    host::Entity::find().one(engine.db()).await.unwrap().unwrap().monitored_by
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_postgres_share_locks_monitoring_and_changes() {
    let db = TestDb::postgres(true).await;
    let fake = Arc::new(FakeHost::new(Slots::Fresh, Duration::from_millis(30)));
    let a = engine(db.database.clone(), fake.clone());
    let b = engine(Database::open(&db.url).await.unwrap(), fake.clone());
    let (vm, nic) = running_vm(&a).await;

    // A flow holding the VM on one server: the other's flow is refused at
    // once, and its monitoring keeps out.
    let guard = a.locks.lock(vm).await.unwrap();
    let started = Instant::now();
    assert!(matches!(b.locks.lock(vm).await, Err(EngineError::Busy)));
    assert!(started.elapsed() < Duration::from_secs(2), "refused at once, not after a wait");
    let (held, busy) = b.locks.try_lock_for_monitoring(&[vm]).await.unwrap();
    assert!(held.is_empty() && busy == vec![vm], "monitoring does not take a VM another server's flow holds");
    guard.release().await;
    b.locks.lock(vm).await.expect("free once released").release().await;

    // Monitoring holding the VM on one server: the other's flow waits for
    // it instead of failing, and is refused once the wait runs out.
    let (held, _) = a.locks.try_lock_for_monitoring(&[vm]).await.unwrap();
    let waiting = tokio::spawn({
        let b = b.clone();
        async move { b.locks.lock(vm).await.map(|guard| (Instant::now(), guard)) }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let let_go = Instant::now();
    drop(held);
    let (got_at, guard) = waiting.await.unwrap().expect("the flow waited for monitoring");
    assert!(got_at >= let_go, "the flow got the VM only after monitoring let go");
    guard.release().await;
    let (held, _) = a.locks.try_lock_for_monitoring(&[vm]).await.unwrap();
    let started = Instant::now();
    assert!(matches!(b.locks.lock(vm).await, Err(EngineError::Busy)), "refused after the wait");
    assert!(started.elapsed() >= hotnic_engine::locks::MONITOR_WAIT - Duration::from_millis(100));
    drop(held);
    // The refused flow had the flow key while it waited: it let go of it.
    a.locks.lock(vm).await.expect("a flow refused after its wait keeps nothing").release().await;

    // A flow's guard dropped without its release (the flow's task went):
    // its locks go with its connection, within moments.
    drop(b.locks.lock(vm).await.unwrap());
    let dropped_at = Instant::now();
    loop {
        match a.locks.lock(vm).await {
            Ok(guard) => break guard.release().await,
            Err(EngineError::Busy) if dropped_at.elapsed() < Duration::from_secs(5) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(err) => panic!("a dropped flow's lock is still held after {:?}: {err}", dropped_at.elapsed()),
        }
    }
    println!("a dropped flow's lock was free again after {:?}", dropped_at.elapsed());

    // The same plug sent to both at once: one plugs, the other is refused.
    let admin = admin();
    for round in 0..5 {
        let (first, second) = if round % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let (x, y) = tokio::join!(plug::plug_nic(first, &admin, vm, nic), plug::plug_nic(second, &admin, vm, nic));
        let refused = [&x, &y].iter().filter(|r| matches!(r, Err(e) if e.to_http().0 == 409)).count();
        assert_eq!((x.is_ok() as u8 + y.is_ok() as u8, refused), (1, 1), "round {round}: {x:?} / {y:?}");
        assert_eq!(fake.nics_of(vm).len(), 1, "the host got one plug");
        let (x, y) = tokio::join!(plug::unplug_nic(second, &admin, vm, nic), plug::unplug_nic(first, &admin, vm, nic));
        assert_eq!(x.is_ok() as u8 + y.is_ok() as u8, 1, "round {round}: {x:?} / {y:?}");
        assert!(fake.nics_of(vm).is_empty());
    }

    // A server that dies holding a VM: its connection goes, and the lock with it.
    let orphan = a.locks.lock(vm).await.unwrap();
    assert!(matches!(b.locks.lock(vm).await, Err(EngineError::Busy)));
    let cut = "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()";
    b.db().execute_raw(Statement::from_string(b.db().get_database_backend(), cut)).await.unwrap();
    // pg_terminate_backend returns before the backend has exited; its
    // locks go when it has (within milliseconds).
    let cut_at = Instant::now();
    let freed = loop {
        match b.locks.lock(vm).await {
            Ok(guard) => break guard,
            Err(EngineError::Busy) if cut_at.elapsed() < Duration::from_secs(5) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(err) => panic!("the dead server's lock is still held after {:?}: {err}", cut_at.elapsed()),
        }
    };
    freed.release().await;
    drop(orphan);

    // Monitoring: the first server to pass takes the host; the other leaves
    // it alone while the first beats, and takes it once the first is silent.
    // Each beats before its pass, as its monitoring loop does every period.
    servers::beat(&a).await.unwrap();
    monitoring::refresh_all(&a).await.unwrap();
    assert_eq!(monitored_by(&a).await, Some(a.server_id));
    servers::beat(&b).await.unwrap();
    monitoring::refresh_all(&b).await.unwrap();
    assert_eq!(monitored_by(&a).await, Some(a.server_id), "a live server keeps its hosts");
    tokio::time::sleep(PERIOD * 2 + Duration::from_millis(100)).await;
    servers::beat(&b).await.unwrap();
    monitoring::refresh_all(&b).await.unwrap();
    assert_eq!(monitored_by(&a).await, Some(b.server_id), "a silent server's hosts move");
    servers::leave(&b).await.unwrap();
    assert_eq!(monitored_by(&a).await, None, "a server that stops hands its hosts back at once");

    // Changes made through one server reach the other's page streams.
    let _feeds = (change_feed::spawn(&a).unwrap(), change_feed::spawn(&b).unwrap());
    tokio::time::sleep(Duration::from_millis(300)).await; // both listening
    let mut on_b = b.subscribe();
    let started = Instant::now();
    plug::plug_nic(&a, &admin, vm, nic).await.unwrap();
    let change = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let change = on_b.recv().await.unwrap();
            if change.vm_id == Some(vm) {
                return change;
            }
        }
    })
    .await
    .expect("the change reached the other server within 1 s");
    assert!(change.from_peer);
    println!("change seen by the other server after {:?}", started.elapsed());
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_starting_together_migrate_once() {
    let db = TestDb::postgres(false).await;
    let opened = futures::future::join_all((0..4).map(|_| Database::open(&db.url))).await;
    for result in &opened {
        assert!(result.is_ok(), "{result:?}");
    }
    let applied = Migrator::get_applied_migrations(&db.database.conn).await.unwrap();
    assert_eq!(applied.len(), Migrator::migrations().len());
    db.finish().await;
}

//! Two real hotnic servers on one PostgreSQL database, one real agent and
//! guest: the same plug or unplug sent to both at once is done by exactly
//! one (200) and refused by the other (409), for 3 NICs × 10 rounds, and
//! host, guest and database agree after each; a change made through one
//! server reaches a page stream (SSE) of the other within 1 s; killing the
//! server that monitors the host moves its monitoring to the other.

mod procs;
mod stack;

use hotnic_engine::entities::host;
use procs::ServerProcess;
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use stack::{pci_text, Backend, Stack};
use std::time::{Duration, Instant};

const ROUNDS: usize = 10;

/// Sends the same request to both servers at once; returns both statuses
/// (sorted) and the successful answer.
async fn to_both(a: &ServerProcess, b: &ServerProcess, path: &str) -> (Vec<u16>, Value) {
    let (x, y) = tokio::join!(a.call("POST", path, None), b.call("POST", path, None));
    let (x, y) = (x.unwrap(), y.unwrap());
    let answer = if x.0 == 200 { x.1.clone() } else { y.1.clone() };
    let mut statuses = vec![x.0, y.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{path}: {x:?} / {y:?}");
    (statuses, answer)
}

/// The first SSE event on `stream` naming `vm`.
async fn next_change_for(stream: &mut reqwest::Response, vm: &str) {
    let mut seen = String::new();
    loop {
        let chunk = stream.chunk().await.unwrap().expect("the stream stays open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
        if seen.contains(&format!("data: {vm}")) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_share_one_database_without_stepping_on_each_other() {
    let stack = Stack::start_on(Backend::Postgres, "4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("two", true).await;
    stack.run(vm, true).await;
    let mut nics = Vec::new();
    for i in 1..=3 {
        nics.push(stack.add_nic(vm, &format!("nic{i}"), json!({})).await);
    }
    let a = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;
    let b = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;

    // A page on B sees a plug made through A.
    let mut stream = b.http.get(format!("{}/api/changes", b.base)).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let path = format!("/api/vms/{vm}/nics/{}", nics[0]["id"].as_str().unwrap());
    let plugged = a.ok("POST", &format!("{path}/plug"), None).await;
    tokio::time::timeout(Duration::from_secs(1), next_change_for(&mut stream, &vm.to_string()))
        .await
        .expect("B's page stream names the VM within 1 s of A's plug");
    println!("A's plug reached B's page stream {:?} after it was sent", started.elapsed());
    a.ok("POST", &format!("{path}/unplug"), None).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), false).await;

    // The OST sequence, each request to both servers at once.
    let monitor = monitored_by(&stack).await;
    for round in 0..ROUNDS {
        for nic in &nics {
            let path = format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap());
            let (_, plugged) = to_both(&a, &b, &format!("{path}/plug")).await;
            let address = pci_text(&plugged);
            stack.wait_guest_sees(vm, &address, true).await;
            assert_eq!(stack.host_nics(vm).await.len(), 1, "round {round}: the host got one plug");
            assert_eq!(b.ok("GET", &path, None).await["plugged"], true);
            to_both(&a, &b, &format!("{path}/unplug")).await;
            stack.wait_guest_sees(vm, &address, false).await;
            assert!(stack.host_nics(vm).await.is_empty(), "round {round}");
            assert_eq!(a.ok("GET", &path, None).await["address"], Value::Null);
        }
    }
    let listed = a.ok("GET", &format!("/api/vms/{vm}/nics"), None).await;
    assert!(listed.as_array().unwrap().iter().all(|n| n["plugged"] == false), "{listed}");

    // One of them monitors the host; kill it, and the other takes over: a
    // VM stopped behind hotnic's back is seen down through the survivor.
    assert_eq!(monitored_by(&stack).await, monitor, "a live server keeps monitoring its host");
    let (mut dead, survivor) = if server_id(&stack, &a).await == monitor { (a, b) } else { (b, a) };
    assert_eq!(server_id(&stack, &dead).await, monitor, "one of the two monitors the host");
    let survivor_id = server_id(&stack, &survivor).await;
    dead.kill();
    let started = Instant::now();
    stack.virsh(&["destroy", &vm.to_string()]);
    survivor.wait_for(&format!("/api/vms/{vm}"), Duration::from_secs(10), |v| v["status"] == "down").await;
    println!("the survivor recorded the VM down {:?} after the other server was killed", started.elapsed());
    assert_eq!(monitored_by(&stack).await, survivor_id, "the host moved to the survivor");
}

async fn monitored_by(stack: &Stack) -> uuid::Uuid {
    host::Entity::find().one(stack.engine.db()).await.unwrap().unwrap().monitored_by.expect("a server monitors the host")
}

/// The id a server process beats with, from its row (named by its pid).
async fn server_id(stack: &Stack, server: &ServerProcess) -> uuid::Uuid {
    use hotnic_engine::entities::server as row;
    let suffix = format!(" pid {}", server.pid());
    let rows = row::Entity::find().all(stack.engine.db()).await.unwrap();
    rows.iter().find(|r| r.name.ends_with(&suffix)).unwrap_or_else(|| panic!("no row for{suffix}: {rows:?}")).id
}

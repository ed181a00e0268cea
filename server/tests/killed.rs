//! Faults in the middle of a flow, on the real agent and guest: the
//! database ends as the host is, through the intent the flow wrote first
//! and monitoring. Failpoints hold a flow at the fault (the binaries built
//! for tests have them; release builds do not).
//! - The hotnic server killed (SIGKILL) right after the agent answered a
//!   plug, an unplug, a run, and started again (SQLite).
//! - The agent killed after plugging, before answering, and started again.
//! - PostgreSQL stopped while a plug is under way, then started again.

mod procs;
mod stack;

use procs::{AgentProcess, ServerProcess};
use serde_json::{json, Value};
use stack::{pci_text, Backend, Stack};
use std::time::Duration;

const SETTLE: Duration = Duration::from_secs(10);

/// Sends a request the server will never answer (it is killed first);
/// returns what the client got: an error, never a success.
fn send_and_forget(server: &ServerProcess, path: String) -> tokio::task::JoinHandle<Result<(u16, Value), reqwest::Error>> {
    let (http, url) = (server.http.clone(), format!("{}{path}", server.base));
    tokio::spawn(async move {
        let response = http.post(url).send().await?;
        Ok((response.status().as_u16(), response.json().await.unwrap_or(Value::Null)))
    })
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(30), "{what}: not within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_after_the_host_answered_loses_nothing() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("killed", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let nic_path = format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap());

    // Plug: the agent plugs, then the server dies before writing it down.
    let mut server = ServerProcess::start(&stack.database_url, &stack.admin_token, Some("plug-after-host=pause")).await;
    let request = send_and_forget(&server, format!("{nic_path}/plug"));
    wait_until("the host has the NIC", async || stack.host_nics(vm).await.len() == 1).await;
    server.kill();
    assert!(request.await.unwrap().is_err(), "the client never got an answer");
    let unrecorded = stack.nic(vm, &nic).await;
    assert_eq!(unrecorded["plugged"], false, "killed before the write: {unrecorded}");

    server.restart(Some("unplug-after-host=pause")).await;
    let plugged = server.wait_for(&nic_path, SETTLE, |n| n["plugged"] == true).await;
    let address = pci_text(&plugged);
    stack.wait_guest_sees(vm, &address, true).await;
    let on_host = stack.host_nics(vm).await;
    assert_eq!(on_host[0].address.as_ref().map(|a| a.slot.clone()), Some(format!("0x{:02x}", plugged["address"]["slot"].as_u64().unwrap())));
    let events = server.ok("GET", &format!("/api/events?vm_id={vm}&limit=10"), None).await;
    assert!(events.as_array().unwrap().iter().any(|e| e["event"] == "nic_intent_resolved"), "{events}");

    // Unplug: the guest lets go, then the server dies.
    let request = send_and_forget(&server, format!("{nic_path}/unplug"));
    stack.wait_guest_sees(vm, &address, false).await;
    wait_until("the host let the NIC go", async || stack.host_nics(vm).await.is_empty()).await;
    server.kill();
    assert!(request.await.unwrap().is_err());
    assert_eq!(stack.nic(vm, &nic).await["plugged"], true, "killed before the write");

    server.restart(Some("run-after-host=pause")).await;
    let unplugged = server.wait_for(&nic_path, SETTLE, |n| n["plugged"] == false).await;
    assert_eq!(unplugged["address"], Value::Null, "{unplugged}");

    // Run: the host starts the VM, then the server dies.
    server.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
    let request = send_and_forget(&server, format!("/api/vms/{vm}/start"));
    let agent = stack.agent_client();
    wait_until("the host runs the VM", async || agent.get_all_vm_stats().await.unwrap().stats_list.iter().any(|s| s.vm_id == vm)).await;
    server.kill();
    assert!(request.await.unwrap().is_err());
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}"), None).await["status"], "powering_up", "the intent: starting");

    server.restart(None).await;
    let running = server.wait_for(&format!("/api/vms/{vm}"), stack::BOOT_TIMEOUT, |v| v["status"] == "up").await;
    assert_eq!(running["host_id"], json!(stack.host_id), "{running}");
    stack.wait_console(vm, "HOTNIC-GUEST-READY", stack::BOOT_TIMEOUT).await;

    // And the NIC works as any other on the VM the crashed run started.
    let plugged = server.ok("POST", &format!("{nic_path}/plug"), None).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    server.ok("POST", &format!("{nic_path}/unplug"), None).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), false).await;
    server.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_killed_mid_plug_loses_nothing() {
    let mut stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("agentkill", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let nic_path = format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap());
    let mut agent = AgentProcess::replace(&mut stack, Some("agent-hotplug-before-answer=pause")).await;
    let server = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;

    let request = send_and_forget(&server, format!("{nic_path}/plug"));
    wait_until("the host has the NIC", async || stack.host_nics(vm).await.len() == 1).await;
    agent.kill();
    let (status, answer) = request.await.unwrap().expect("the server answers");
    assert_eq!(status, 502, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("did not answer"), "{answer}");
    assert_eq!(server.ok("GET", &nic_path, None).await["plugged"], false, "nobody told hotnic yet");
    server.wait_for("/api/hosts", SETTLE, |hosts| hosts[0]["status"] == "non_responsive").await;

    agent.restart(&stack, None).await;
    server.wait_for("/api/hosts", SETTLE, |hosts| hosts[0]["status"] == "up").await;
    let plugged = server.wait_for(&nic_path, SETTLE, |n| n["plugged"] == true).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    server.ok("POST", &format!("{nic_path}/unplug"), None).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), false).await;
}

/// Stops the test PostgreSQL; starts it again when dropped (also when the
/// test fails half way: the other tests need it).
struct PostgresStopped;

fn pg_ctl(action: &str) {
    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a local PostgreSQL cluster (make test starts one)")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .max_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)))
        .unwrap();
    let status = std::process::Command::new("pg_ctlcluster").args([&version, "main", action]).status().unwrap();
    assert!(status.success(), "pg_ctlcluster {version} main {action}");
}

impl PostgresStopped {
    fn now() -> Self {
        pg_ctl("stop");
        PostgresStopped
    }
}

impl Drop for PostgresStopped {
    fn drop(&mut self) {
        pg_ctl("start");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_down_during_a_plug_gives_a_clear_error_and_loses_nothing() {
    let stack = Stack::start_on(Backend::Postgres, "4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("pgdown", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let nic_path = format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap());
    // The flow pauses once after the host's answer, long enough for the
    // database to be stopped under it: 6 s, as guests booting in the other
    // tests can slow the look at the host and the stop to over 2 s (a clean
    // run once saw the plug stored before the database went down).
    let server = ServerProcess::start(&stack.database_url, &stack.admin_token, Some("plug-after-host=1*sleep(6000)")).await;

    let request = send_and_forget(&server, format!("{nic_path}/plug"));
    wait_until("the host has the NIC", async || stack.host_nics(vm).await.len() == 1).await;
    let stopped = PostgresStopped::now();
    let (status, answer) = request.await.unwrap().expect("the server answers");
    assert_eq!(status, 503, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("the database is unavailable"), "{answer}");
    let (status, answer) = server.call("GET", &nic_path, None).await.unwrap();
    assert_eq!(status, 503, "reads say so too: {answer}");
    drop(stopped);

    // Back: monitoring records the plug the host did, and flows work.
    let started = std::time::Instant::now();
    let plugged = loop {
        let (status, nic) = server.call("GET", &nic_path, None).await.unwrap();
        if status == 200 && nic["plugged"] == true {
            break nic;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not recorded after the database came back: {status} {nic}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    server.ok("POST", &format!("{nic_path}/unplug"), None).await;
    stack.wait_guest_sees(vm, &pci_text(&plugged), false).await;
    assert!(stack.host_nics(vm).await.is_empty());
}

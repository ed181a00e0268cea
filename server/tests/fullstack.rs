//! The whole product through its REST API: engine + real agent + real
//! libvirt guest. Each test shows in the guest what it claims.

mod stack;

use serde_json::json;
use stack::{pci_text, Backend, Stack};
use std::time::Duration;

const UNPLUG_TIMEOUT: Duration = Duration::from_secs(30);

/// The spec's four steps on a running VM: add, plug, unplug, remove; on
/// SQLite and on PostgreSQL.
#[tokio::test]
async fn add_plug_unplug_remove_on_a_running_vm() {
    four_steps(Backend::Sqlite).await;
}

#[tokio::test]
async fn add_plug_unplug_remove_on_a_running_vm_on_postgres() {
    four_steps(Backend::Postgres).await;
}

async fn four_steps(backend: Backend) {
    let stack = Stack::start_on(backend, "4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("seed", true).await;
    stack.run(vm, true).await;
    let before = stack.guest_pci(vm);

    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    assert_eq!((nic["plugged"].clone(), nic["address"].clone()), (json!(false), json!(null)));
    assert!(stack.host_nics(vm).await.is_empty(), "adding does not touch the host");
    assert_eq!(stack.guest_pci(vm), before);

    let (status, plugged) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200, "{plugged}");
    assert_eq!(plugged["plugged"], true);
    let address = pci_text(&plugged);
    stack.wait_guest_sees(vm, &address, true).await;
    stack.settle().await;
    assert_eq!(pci_text(&stack.nic(vm, &nic).await), address, "monitoring keeps the address the host reports");
    let on_host = stack.host_nics(vm).await;
    assert_eq!(on_host.len(), 1);
    assert_eq!(on_host[0].alias, format!("ua-{}", nic["id"].as_str().unwrap()));
    assert_eq!(on_host[0].mac_addr, nic["mac"].as_str().unwrap());

    let (status, answer) = stack.call("DELETE", &format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 409);
    assert_eq!(answer["reason"], format!("NIC nic1 is plugged into running VM seed-{}; unplug it first", stack.suffix));

    let (status, unplugged) = stack.action(vm, &nic, "unplug").await;
    assert_eq!(status, 200, "{unplugged}");
    assert_eq!((unplugged["plugged"].clone(), unplugged["address"].clone()), (json!(false), json!(null)));
    stack.wait_guest_sees(vm, &address, false).await;
    assert!(stack.host_nics(vm).await.is_empty());

    let (status, _) = stack.call("DELETE", &format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap()), None).await;
    assert_eq!(status, 204);
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await, json!([]));
    let events: Vec<String> = stack
        .ok("GET", &format!("/api/events?vm_id={vm}"), None)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(&events[..4], ["nic_removed", "nic_unplugged", "nic_plugged", "nic_added"]);
}

/// Plug on a down VM touches no host; run sends only plugged NICs, and the
/// addresses the host gives them are stored.
#[tokio::test]
async fn run_sends_only_plugged_nics() {
    let stack = Stack::start("3.1", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("down", true).await;
    let wanted = stack.add_nic(vm, "nic1", json!({})).await;
    let left_out = stack.add_nic(vm, "nic2", json!({"interface": "e1000"})).await;
    let (status, plugged) = stack.action(vm, &wanted, "plug").await;
    assert_eq!(status, 200, "{plugged}");
    assert_eq!((plugged["plugged"].clone(), plugged["address"].clone()), (json!(true), json!(null)));

    stack.run(vm, true).await;
    let on_host = stack.host_nics(vm).await;
    assert_eq!(on_host.len(), 1, "{on_host:?}");
    assert_eq!(on_host[0].mac_addr, wanted["mac"].as_str().unwrap());
    let stored = stack.nic(vm, &wanted).await;
    let address = pci_text(&stored);
    stack.wait_guest_sees(vm, &address, true).await;
    assert_eq!(stack.nic(vm, &left_out).await["address"], json!(null));
}

/// Clusters below 3.1 cannot plug, and nothing changes.
#[tokio::test]
async fn cluster_30_refuses_plug() {
    let stack = Stack::start("3.0", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("old", false).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let (status, answer) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 409);
    assert!(answer["reason"].as_str().unwrap().starts_with("Plugging a NIC is only supported on clusters of compatibility version 3.1 and above"));
    assert_eq!(stack.nic(vm, &nic).await["plugged"], false);
}

/// A MAC another VM on the host already uses is refused at plug.
#[tokio::test]
async fn mac_in_use_on_the_host_is_refused_at_plug() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("mac", false).await;
    let clash = stack.add_nic(vm, "nic1", json!({})).await;
    stack.run(vm, false).await;
    // A VM the engine does not manage holds the MAC on the host; the
    // engine's own NICs can never share one (the database forbids it).
    let client = stack.agent_client();
    let foreign = uuid::Uuid::new_v4();
    let mut params: hotnic_agent_api::CreateParams = serde_json::from_value(json!({
        "vmId": foreign, "vmName": format!("foreign-{}", stack.suffix), "memSize": 64, "smp": 1,
        "nics": [{"type": "interface", "device": "bridge", "deviceId": uuid::Uuid::new_v4(), "network": stack::BRIDGE,
                  "macAddr": "00:1a:4a:16:01:99", "nicModel": "pv"}]
    }))
    .unwrap();
    params.serial_console = false;
    client.create(&params).await.unwrap();
    let edited = stack
        .ok("PUT", &format!("/api/vms/{vm}/nics/{}", clash["id"].as_str().unwrap()), Some(json!({"mac": "00:1a:4a:16:01:99"})))
        .await;
    assert_eq!(edited["mac"], "00:1a:4a:16:01:99");
    let (status, answer) = stack.action(vm, &clash, "plug").await;
    client.destroy(foreign).await.unwrap();
    assert_eq!(status, 409, "{answer}");
    assert_eq!(
        answer["reason"],
        format!(
            "Failed to plug NIC nic1 into VM mac-{s}: MAC address 00:1a:4a:16:01:99 is already in use by a NIC of VM foreign-{s} on this host",
            s = stack.suffix
        )
    );
    assert_eq!(answer["host_failure"], "mac_in_use", "the kind, for scripts");
    assert_eq!(stack.nic(vm, &clash).await["plugged"], false);
    assert!(stack.host_nics(vm).await.is_empty());
}

/// oVirt BZ1199782: run, add+plug A, unplug A, plug B, stop, plug A,
/// start: no two devices share a PCI slot.
#[tokio::test]
async fn no_pci_slot_collision_after_unplug_and_restart() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("bz", true).await;
    stack.run(vm, true).await;
    let a = stack.add_nic(vm, "a", json!({})).await;
    let b = stack.add_nic(vm, "b", json!({})).await;
    assert_eq!(stack.action(vm, &a, "plug").await.0, 200);
    assert_eq!(stack.action(vm, &a, "unplug").await.0, 200);
    let (_, b_plugged) = stack.action(vm, &b, "plug").await;
    let b_address = pci_text(&b_plugged);
    stack.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
    assert_eq!(stack.action(vm, &a, "plug").await.0, 200);
    stack.run(vm, true).await;

    let a_now = pci_text(&stack.nic(vm, &a).await);
    let b_now = pci_text(&stack.nic(vm, &b).await);
    assert_eq!(b_now, b_address, "B keeps its stored slot across the restart");
    assert_ne!(a_now, b_now);
    let on_host: Vec<_> = stack.host_nics(vm).await.into_iter().map(|n| n.address).collect();
    assert_eq!(on_host.len(), 2);
    assert_ne!(on_host[0], on_host[1]);
    stack.wait_guest_sees(vm, &a_now, true).await;
    stack.wait_guest_sees(vm, &b_now, true).await;
}

/// A guest that never answers the unplug: the error is shown, the NIC stays
/// plugged. Then a guest paused through the unplug acks after the agent gave
/// up; monitoring repairs the database.
#[tokio::test]
async fn a_guest_that_ignores_unplug_then_acks_late() {
    let stack = Stack::start("4.7", Duration::from_secs(3)).await;
    let firmware = stack.create_vm("deaf", false).await;
    stack.run(firmware, false).await;
    let nic = stack.add_nic(firmware, "nic1", json!({})).await;
    assert_eq!(stack.action(firmware, &nic, "plug").await.0, 200);
    let (status, answer) = stack.action(firmware, &nic, "unplug").await;
    assert_eq!(status, 409, "{answer}");
    let reason = answer["reason"].as_str().unwrap();
    assert!(reason.starts_with(&format!("Failed to unplug NIC nic1 from VM deaf-{}: ", stack.suffix)), "{reason}");
    assert!(reason.contains("guest did not release the device"), "{reason}");
    assert!(reason.ends_with("The guest may still be booting or not support hot unplug; try again later"), "{reason}");
    assert_eq!(answer["host_failure"], "guest_did_not_release");
    assert_eq!(stack.nic(firmware, &nic).await["plugged"], true);
    assert_eq!(stack.host_nics(firmware).await.len(), 1);

    let vm = stack.create_vm("late", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let (_, plugged) = stack.action(vm, &nic, "plug").await;
    let address = pci_text(&plugged);
    stack.wait_guest_sees(vm, &address, true).await;
    stack.virsh(&["suspend", &vm.to_string()]);
    let (status, answer) = stack.action(vm, &nic, "unplug").await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(stack.nic(vm, &nic).await["plugged"], true, "a failed unplug changes nothing");
    stack.virsh(&["resume", &vm.to_string()]);
    stack.wait_guest_sees(vm, &address, false).await;
    // The host may need a moment to drop the device after the guest's eject.
    let start = std::time::Instant::now();
    loop {
        stack.settle().await;
        let now = stack.nic(vm, &nic).await;
        if now["plugged"] == false {
            assert_eq!(now["address"], json!(null));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "monitoring did not repair: {now}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let events = stack.ok("GET", &format!("/api/events?vm_id={vm}"), None).await;
    assert_eq!(events[0]["event"], "nic_unplug_completed");
}

/// 3 NICs × 10 rounds of unplug/plug, each request raced by a second one:
/// exactly one of each pair wins, and the database, the host and the guest
/// agree after every round.
#[tokio::test]
async fn rounds_of_parallel_unplug_and_plug_lose_nothing() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("rounds", true).await;
    let mut nics = Vec::new();
    for name in ["n1", "n2", "n3"] {
        let nic = stack.add_nic(vm, name, json!({"interface": "e1000"})).await;
        stack.action(vm, &nic, "plug").await;
        nics.push(nic);
    }
    stack.run(vm, true).await;
    for round in 0..10 {
        for action in ["unplug", "plug"] {
            for nic in &nics {
                let (first, second) = tokio::join!(stack.action(vm, nic, action), stack.action(vm, nic, action));
                let statuses = [first.0, second.0];
                assert!(statuses.contains(&200) && statuses.contains(&409), "round {round} {action}: {first:?} {second:?}");
                let now = stack.nic(vm, nic).await;
                assert_eq!(now["plugged"], action == "plug", "round {round}: {now}");
            }
            let on_host = stack.host_nics(vm).await;
            assert_eq!(on_host.len(), if action == "plug" { 3 } else { 0 }, "round {round} {action}");
        }
    }
    stack.settle().await;
    let mut guest_wants = Vec::new();
    for nic in &nics {
        let now = stack.nic(vm, nic).await;
        assert_eq!(now["plugged"], true);
        guest_wants.push(pci_text(&now));
    }
    for address in guest_wants {
        stack.wait_guest_sees(vm, &address, true).await;
    }
}

/// The agent is down during a plug: 502 naming the host, database unchanged.
#[tokio::test]
async fn agent_down_during_plug_is_a_502_and_changes_nothing() {
    let mut stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("down-agent", false).await;
    stack.run(vm, false).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    stack.agent.take().unwrap().stop().await.unwrap();
    let (status, answer) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(
        answer["reason"],
        format!("Host h-{s} did not answer. Failed to plug NIC nic1 into VM down-agent-{s}.", s = stack.suffix)
    );
    assert_eq!(stack.nic(vm, &nic).await, nic);
    stack.settle().await;
    let host = stack.ok("GET", "/api/hosts", None).await;
    assert_eq!(host[0]["status"], "non_responsive");
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}"), None).await["status"], "unknown");
}

/// The sample of `metric` whose labels hold all of `labels`, from the
/// Prometheus text; 0 when absent.
fn sample(text: &str, metric: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_a_plug_from_the_request_to_the_agent() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("metrics", false).await;
    stack.run(vm, false).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let scrape = || async {
        let response = stack.http.get(format!("{}/metrics", stack.base)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        response.text().await.unwrap()
    };
    let before = scrape().await;
    let (status, _) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200);
    let after = scrape().await;
    let moved = |metric: &str, labels: &[&str]| sample(&after, metric, labels) - sample(&before, metric, labels);
    assert!(moved("hotnic_flow_duration_seconds_count", &["flow=\"plug\"", "outcome=\"ok\""]) >= 1.0, "{after}");
    assert!(moved("hotnic_flow_duration_seconds_sum", &["flow=\"plug\""]) > 0.0);
    assert!(moved("hotnic_flow_duration_seconds_bucket", &["flow=\"plug\"", "le=\"+Inf\""]) >= 1.0, "a histogram, with buckets");
    assert!(moved("hotnic_agent_call_duration_seconds_count", &["verb=\"hotplugNic\"", "outcome=\"ok\""]) >= 1.0);
    let by_route = ["method=\"POST\"", "route=\"/api/vms/{vm}/nics/{nic}/plug\"", "status=\"200\""];
    let requests = moved("hotnic_http_requests_total", &by_route);
    assert!(requests >= 1.0, "requests by route and status: {}", after.lines().filter(|l| l.contains("hotnic_http_requests_total")).collect::<Vec<_>>().join("\n"));
    // The agent times the verb on its side (in this process, the same recorder).
    assert!(moved("hotnic_agent_verb_duration_seconds_count", &["verb=\"hotplugNic\""]) >= 1.0);
}

//! A flow interrupted between the host's answer and the database write
//! (its task stops there, as a crash of the server would stop it; a
//! failpoint puts the stop exactly there) leaves its intent in the
//! database, and one monitoring pass records what the host really did:
//! a plug the guest got is recorded plugged with its address and can be
//! unplugged; an unplug the guest did is recorded unplugged; a run the
//! host did is recorded running. On the real agent and guest.
//!
//! One test per file: failpoints are process-wide.

mod stack;

use serde_json::json;
use stack::{pci_text, Stack};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_plug_unplug_and_run_are_finished_by_monitoring() {
    let _failpoints = fail::FailScenario::setup();
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("crash", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let nic_id = nic["id"].as_str().unwrap().to_owned();

    // Plug: the host plugs, then the flow stops.
    fail::cfg("plug-after-host", "panic").unwrap();
    let (status, answer) = stack.action(vm, &nic, "plug").await;
    fail::remove("plug-after-host");
    assert_eq!(status, 503, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("interrupted"), "{answer}");
    assert_eq!(stack.host_nics(vm).await.len(), 1, "the host did plug it");
    assert_eq!(stack.nic(vm, &nic).await["plugged"], false, "not recorded yet");
    // Removing it now would leave the guest holding a device nobody knows.
    let (status, refused) = stack.call("DELETE", &format!("/api/vms/{vm}/nics/{nic_id}"), None).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["reason"].as_str().unwrap().contains("unfinished plug"), "{refused}");

    stack.settle().await;
    let recorded = stack.nic(vm, &nic).await;
    assert_eq!(recorded["plugged"], true, "{recorded}");
    let address = pci_text(&recorded);
    stack.wait_guest_sees(vm, &address, true).await;
    let events = stack.ok("GET", &format!("/api/events?vm_id={vm}&limit=5"), None).await;
    assert!(
        events.as_array().unwrap().iter().any(|e| e["event"] == "nic_intent_resolved" && e["user"] == "monitoring"),
        "{events}"
    );

    // Unplug: the guest releases it, then the flow stops.
    fail::cfg("unplug-after-host", "panic").unwrap();
    let (status, answer) = stack.action(vm, &nic, "unplug").await;
    fail::remove("unplug-after-host");
    assert_eq!(status, 503, "{answer}");
    stack.wait_guest_sees(vm, &address, false).await;
    assert_eq!(stack.nic(vm, &nic).await["plugged"], true, "not recorded yet");
    stack.settle().await;
    let recorded = stack.nic(vm, &nic).await;
    assert_eq!((recorded["plugged"].clone(), recorded["address"].clone()), (json!(false), json!(null)), "{recorded}");

    // And the NIC works as any other: plug, unplug.
    let (status, plugged) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200, "{plugged}");
    stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    let (status, _) = stack.action(vm, &nic, "unplug").await;
    assert_eq!(status, 200);

    // Run: the host starts the VM, then the flow stops.
    stack.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
    fail::cfg("run-after-host", "panic").unwrap();
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/start"), None).await;
    fail::remove("run-after-host");
    assert_eq!(status, 503, "{answer}");
    let on_host = stack.agent_client().get_all_vm_stats().await.unwrap();
    assert!(on_host.stats_list.iter().any(|s| s.vm_id == vm), "the host runs it");
    stack.settle().await;
    let read = stack.ok("GET", &format!("/api/vms/{vm}"), None).await;
    assert!(read["status"] == "powering_up" || read["status"] == "up", "{read}");
    assert_eq!(read["host_id"], json!(stack.host_id), "{read}");
    stack.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
}

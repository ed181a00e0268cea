//! PCI slot capacity on a real guest (issue 14): a running VM reports its
//! free hot-pluggable slots; filled to the last slot, the last NIC plugs
//! (the guest sees it) and the next is refused before the host is asked,
//! with the reason on the NIC's Plug action too. When the stored count is
//! behind the host (a NIC attached behind hotnic's back), the host itself
//! refuses, in the same words. Alone in its test binary: the metric deltas
//! it reads count only its own calls.

mod stack;

use serde_json::{json, Value};
use stack::Stack;
use std::time::Duration;

/// The sum of a metric's samples whose labels include all of `labels`.
fn sample(text: &str, metric: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(metric) && labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn hotplug_calls(stack: &Stack) -> f64 {
    let text = stack.http.get(format!("{}/metrics", stack.base)).send().await.unwrap().text().await.unwrap();
    sample(&text, "hotnic_agent_call_duration_seconds_count", &["verb=\"hotplugNic\""])
}

async fn slots(stack: &Stack, vm: uuid::Uuid) -> Value {
    stack.ok("GET", &format!("/api/vms/{vm}"), None).await["pci_slots"].clone()
}

#[tokio::test]
async fn the_last_slot_plugs_and_the_next_nic_is_refused_before_the_host_is_asked() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("slots", true).await;
    assert_eq!(slots(&stack, vm).await, Value::Null, "a VM that is down has no slots");
    let (status, answer) = stack.call("GET", &format!("/api/vms/{vm}/pci_slots"), None).await;
    assert_eq!(status, 409, "{answer}");
    stack.run(vm, true).await;

    let counted = slots(&stack, vm).await;
    assert_eq!(counted["total"], 30, "{counted}");
    let free = counted["free"].as_u64().unwrap() as usize;
    let map = stack.ok("GET", &format!("/api/vms/{vm}/pci_slots"), None).await;
    let map = map.as_array().unwrap();
    assert_eq!(map.len(), 30);
    assert_eq!(map.iter().filter(|s| s["holder"].is_null()).count(), free, "{map:?}");
    assert!(map.iter().any(|s| s["holder"]["kind"] == "controller"), "the guest agent channel's controller: {map:?}");

    let mut ids = Vec::new();
    for i in 0..=free {
        ids.push(stack.add_nic(vm, &format!("nic{i}"), json!({})).await["id"].as_str().unwrap().to_owned());
    }
    let (fill, extra) = ids.split_at(free);
    let extra = &extra[0];
    let outcomes = stack.ok("POST", &format!("/api/vms/{vm}/nics/plug"), Some(json!({"ids": fill}))).await;
    let outcomes = outcomes.as_array().unwrap();
    assert!(outcomes.iter().all(|o| o["status"] == 200), "{outcomes:?}");
    let last = stack::pci_text(&outcomes.last().unwrap()["nic"]);
    stack.wait_guest_sees(vm, &last, true).await;
    assert_eq!(slots(&stack, vm).await, json!({"free": 0, "total": 30}), "the plugs counted the slots they took");

    // Full: the page's Plug is disabled with the reason, and the flow
    // refuses with it before asking the host.
    let extra_nic = stack.ok("GET", &format!("/api/vms/{vm}/nics/{extra}"), None).await;
    let plug = &extra_nic["actions"]["plug"];
    assert_eq!(plug["ok"], false, "{extra_nic}");
    assert!(plug["why_not"].as_str().unwrap().contains("has no free PCI slot: all 30 hot-pluggable slots are in use"), "{plug}");
    let asked = hotplug_calls(&stack).await;
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/nics/{extra}/plug"), None).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("no free PCI slot"), "{answer}");
    assert_eq!(hotplug_calls(&stack).await, asked, "the host was not asked");
    assert_eq!(stack.host_nics(vm).await.len(), free, "the host has the NICs it had");
    let stored = stack.ok("GET", &format!("/api/vms/{vm}/nics/{extra}"), None).await;
    assert_eq!((stored["plugged"].clone(), stored["address"].clone()), (json!(false), Value::Null));
    let map = stack.ok("GET", &format!("/api/vms/{vm}/pci_slots"), None).await;
    let named: Vec<&str> = map.as_array().unwrap().iter().filter(|s| s["holder"]["kind"] == "nic").map(|s| s["holder"]["name"].as_str().unwrap()).collect();
    assert_eq!(named.len(), free, "{map}");
    assert!(named.contains(&"nic0"), "hotnic's NICs are named: {named:?}");

    // One unplug frees a slot at once (no monitoring pass needed)...
    stack.ok("POST", &format!("/api/vms/{vm}/nics/{}/unplug", fill[0]), None).await;
    assert_eq!(slots(&stack, vm).await["free"], 1);
    // ...which a NIC attached behind hotnic's back takes: the stored count
    // is behind, and the host refuses in the same words.
    let name = stack.ok("GET", &format!("/api/vms/{vm}"), None).await["name"].as_str().unwrap().to_owned();
    stack.virsh(&["attach-interface", &name, "bridge", stack::BRIDGE, "--model", "virtio", "--live"]);
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/nics/{extra}/plug"), None).await;
    assert!(status >= 400, "{answer}");
    assert_eq!(answer["host_failure"], "no_free_pci_slot", "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("no free PCI slot: all 30 hot-pluggable slots are in use. Unplug another NIC first"), "{answer}");
    stack.settle().await;
    assert_eq!(slots(&stack, vm).await["free"], 0, "monitoring stores the host's count");
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}/nics/{extra}"), None).await["plugged"], false);
}

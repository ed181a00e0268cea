//! Bulk plug and unplug through the REST API on a real guest: five NICs in
//! one call, one of them failing on purpose (its bridge is missing on the
//! host); the other four are plugged and seen by the guest, and each NIC
//! has its own outcome.

mod stack;

use serde_json::{json, Value};
use stack::Stack;
use std::time::Duration;

#[tokio::test]
async fn five_at_once_one_failing_the_other_four_plugged_and_seen() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("bulk", true).await;
    stack.run(vm, true).await;
    // A network of the cluster whose bridge this host does not have.
    stack.ok("POST", "/api/networks", Some(json!({"name": "hnmissing0", "cluster_id": stack.cluster_id, "kind": "bridge"}))).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let extra = if i == 2 { json!({"network": "hnmissing0"}) } else { json!({}) };
        ids.push(stack.add_nic(vm, &format!("nic{i}"), extra).await["id"].as_str().unwrap().to_owned());
    }
    let before = stack.guest_pci(vm);

    let outcomes = stack.ok("POST", &format!("/api/vms/{vm}/nics/plug"), Some(json!({"ids": ids}))).await;
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes.iter().map(|o| o["id"].as_str().unwrap()).collect::<Vec<_>>(), ids, "one outcome per NIC, in order");
    let failed = &outcomes[2];
    assert!(failed["status"].as_u64().unwrap() >= 400 && failed["nic"].is_null(), "{failed}");
    assert_eq!(failed["error"]["host_failure"], "network_missing", "{failed}");
    let plugged: Vec<&Value> = outcomes.iter().filter(|o| o["status"] == 200).collect();
    assert_eq!(plugged.len(), 4, "{outcomes:?}");
    let mut addresses = Vec::new();
    for outcome in &plugged {
        assert_eq!(outcome["nic"]["plugged"], true);
        let address = stack::pci_text(&outcome["nic"]);
        assert!(!before.contains(&address), "{address} is new to the guest");
        stack.wait_guest_sees(vm, &address, true).await;
        addresses.push(address);
    }
    assert_eq!(stack.host_nics(vm).await.len(), 4, "the host has the four, not the failed one");
    let failed_now = stack.ok("GET", &format!("/api/vms/{vm}/nics/{}", ids[2]), None).await;
    assert_eq!(failed_now["plugged"], false, "the failed NIC stays unplugged");

    // Bulk unplug of the four: the guest loses each.
    let four: Vec<&str> = plugged.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let outcomes = stack.ok("POST", &format!("/api/vms/{vm}/nics/unplug"), Some(json!({"ids": four}))).await;
    assert!(outcomes.as_array().unwrap().iter().all(|o| o["status"] == 200 && o["nic"]["plugged"] == false), "{outcomes}");
    for address in &addresses {
        stack.wait_guest_sees(vm, address, false).await;
    }
    assert!(stack.host_nics(vm).await.is_empty());

    // A bad list is refused whole: nothing is unplugged or plugged.
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/nics/plug"), Some(json!({"ids": [ids[0], ids[0]]}))).await;
    assert_eq!((status, answer["field"].clone()), (400, json!("ids")), "{answer}");
    assert!(stack.host_nics(vm).await.is_empty());
}

//! A NIC's link (cable) state through the REST API, seen from inside the
//! real guest, which prints each NIC's carrier by PCI address: pulled and
//! plugged back live; pulled while unplugged, then plugged without carrier;
//! the current state again asks no host; bad input changes nothing.

mod stack;

use serde_json::{json, Value};
use stack::{pci_text, Stack};
use std::time::Duration;

const UNPLUG_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn the_guest_sees_its_cable_pulled_and_plugged_back() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("link", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    assert_eq!(nic["linked"], true, "a new NIC is linked");
    let path = format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap());
    let (status, plugged) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200, "{plugged}");
    let address = pci_text(&plugged);
    stack.wait_guest_sees(vm, &address, true).await;
    stack.wait_carrier(vm, &address, "1").await;

    // Pulled live: the guest loses carrier, the host says so, one event.
    let down: Value = stack.ok("PUT", &path, Some(json!({"linked": false}))).await;
    assert_eq!((down["linked"].clone(), down["plugged"].clone()), (json!(false), json!(true)));
    stack.wait_carrier(vm, &address, "0").await;
    assert!(!stack.host_nics(vm).await[0].link_active, "the host has the link down");
    assert_eq!(stack.events(vm, "nic_link_down").await, 1);

    // The same again changes nothing and asks no host: no second event.
    let again = stack.ok("PUT", &path, Some(json!({"linked": false}))).await;
    assert_eq!(again["linked"], false);
    assert_eq!(stack.events(vm, "nic_link_down").await, 1);

    // Bad input: a 400 that names the field, and nothing changes.
    let (status, answer) = stack.call("PUT", &path, Some(json!({"linked": "yes"}))).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(stack.nic(vm, &nic).await["linked"], false);
    assert_eq!(stack.guest_carrier(vm, &address).as_deref(), Some("0"));

    // Plugged back live.
    let up = stack.ok("PUT", &path, Some(json!({"linked": true}))).await;
    assert_eq!(up["linked"], true);
    stack.wait_carrier(vm, &address, "1").await;
    assert!(stack.host_nics(vm).await[0].link_active);
    assert_eq!(stack.events(vm, "nic_link_up").await, 1);

    // Pulled while unplugged: only stored; the next plug comes up without
    // carrier (the plug sends the stored state).
    let (status, unplugged) = stack.action(vm, &nic, "unplug").await;
    assert_eq!(status, 200, "{unplugged}");
    stack.wait_guest_sees(vm, &address, false).await;
    let stored = stack.ok("PUT", &path, Some(json!({"linked": false}))).await;
    assert_eq!((stored["linked"].clone(), stored["plugged"].clone()), (json!(false), json!(false)));
    assert!(stack.host_nics(vm).await.is_empty(), "storing the flag touches no host");
    let (status, replugged) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200, "{replugged}");
    let address = pci_text(&replugged);
    stack.wait_guest_sees(vm, &address, true).await;
    stack.wait_carrier(vm, &address, "0").await;
    assert!(!stack.host_nics(vm).await[0].link_active);
}

/// A VM started with a NIC whose cable is pulled boots with that NIC
/// without carrier: run sends the stored state.
#[tokio::test]
async fn a_vm_starts_with_the_stored_link_state() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let vm = stack.create_vm("linkrun", true).await;
    let (up, down) = (stack.add_nic(vm, "nic1", json!({})).await, stack.add_nic(vm, "nic2", json!({})).await);
    let pulled = stack.ok("PUT", &format!("/api/vms/{vm}/nics/{}", down["id"].as_str().unwrap()), Some(json!({"linked": false, "plugged": true}))).await;
    assert_eq!((pulled["linked"].clone(), pulled["plugged"].clone()), (json!(false), json!(true)));
    assert_eq!(stack.action(vm, &up, "plug").await.0, 200);
    stack.run(vm, true).await;
    stack.settle().await;
    let address = |nic: &Value| {
        let nic = nic.clone();
        let stack = &stack;
        async move { stack::pci_text(&stack.nic(vm, &nic).await) }
    };
    let (up_at, down_at) = (address(&up).await, address(&down).await);
    stack.wait_carrier(vm, &up_at, "1").await;
    stack.wait_carrier(vm, &down_at, "0").await;
}

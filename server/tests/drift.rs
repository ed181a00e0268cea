//! Drift on a real guest (issue 14): where the host and hotnic disagree,
//! monitoring marks it, writes one event, and never overwrites either side;
//! an operator resolves it.
//! - A NIC attached with virsh behind hotnic's back is listed on the VM,
//!   adopted as it runs (then hotnic unplugs it like its own), or detached.
//! - A link pulled with virsh is marked on the NIC; hotnic's link is
//!   applied again (the guest gets its carrier back), or the host's kept.
//! - A NIC plugged on the host while hotnic holds it unplugged: hotnic's
//!   view is applied again (the guest loses it).
//! - A plugged NIC detached with virsh: marked, not recorded unplugged;
//!   hotnic's view is applied again (the guest sees it again).

mod stack;

use serde_json::{json, Value};
use stack::{pci_text, Stack};
use std::time::Duration;
use uuid::Uuid;

async fn unknown(stack: &Stack, vm: Uuid) -> Vec<Value> {
    let vm = stack.ok("GET", &format!("/api/vms/{vm}"), None).await;
    vm["unknown_nics"].as_array().cloned().unwrap_or_default()
}

async fn vm_name(stack: &Stack, vm: Uuid) -> String {
    stack.ok("GET", &format!("/api/vms/{vm}"), None).await["name"].as_str().unwrap().to_owned()
}

/// "0000:00:05.0" from an unknown NIC's address.
fn address_of(nic: &Value) -> String {
    pci_text(nic)
}

#[tokio::test]
async fn a_nic_attached_behind_hotnics_back_is_listed_adopted_and_detached() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("foreign", true).await;
    stack.run(vm, true).await;
    let name = vm_name(&stack, vm).await;
    assert!(unknown(&stack, vm).await.is_empty());

    stack.virsh(&["attach-interface", &name, "bridge", stack::BRIDGE, "--model", "virtio", "--live"]);
    stack.settle().await;
    stack.settle().await;
    let listed = unknown(&stack, vm).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let foreign = &listed[0];
    assert_eq!((foreign["interface"].clone(), foreign["network"].clone(), foreign["linked"].clone()), (json!("virtio"), json!(stack::BRIDGE), json!(true)));
    let address = address_of(foreign);
    stack.wait_guest_sees(vm, &address, true).await;
    assert_eq!(stack.events(vm, "nic_unknown_on_host").await, 1, "one event, not one per pass");
    assert!(stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await.as_array().unwrap().is_empty(), "nothing adopted silently");

    // Adopted: one of the VM's NICs, as the host runs it.
    let mac = foreign["mac"].as_str().unwrap().to_owned();
    let (status, adopted) = stack.call("POST", &format!("/api/vms/{vm}/unknown_nics/adopt"), Some(json!({"mac": mac.to_uppercase()}))).await;
    assert_eq!(status, 201, "{adopted}");
    assert_eq!((adopted["name"].clone(), adopted["mac"].clone(), adopted["plugged"].clone()), (json!("nic1"), json!(mac), json!(true)));
    assert_eq!(pci_text(&adopted), address);
    assert!(unknown(&stack, vm).await.is_empty());
    stack.settle().await;
    let nic = stack.ok("GET", &format!("/api/vms/{vm}/nics/{}", adopted["id"].as_str().unwrap()), None).await;
    assert_eq!((nic["plugged"].clone(), nic["drift"].clone()), (json!(true), Value::Null), "monitoring agrees: {nic}");
    assert!(unknown(&stack, vm).await.is_empty());
    assert_eq!(stack.events(vm, "nic_adopted").await, 1);

    // hotnic unplugs it like its own (the host finds it by its MAC).
    let (status, unplugged) = stack.action(vm, &adopted, "unplug").await;
    assert_eq!(status, 200, "{unplugged}");
    stack.wait_guest_sees(vm, &address, false).await;
    assert!(stack.host_nics(vm).await.is_empty());

    // A second one, detached: the guest loses it, hotnic keeps no record.
    stack.virsh(&["attach-interface", &name, "bridge", stack::BRIDGE, "--model", "e1000", "--live"]);
    stack.settle().await;
    let listed = unknown(&stack, vm).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["interface"], "e1000");
    let second = address_of(&listed[0]);
    stack.wait_guest_sees(vm, &second, true).await;
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/unknown_nics/detach"), Some(json!({"mac": "52:54:00:ff:ff:ff"}))).await;
    assert_eq!(status, 404, "an unknown MAC is refused: {answer}");
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/unknown_nics/detach"), Some(json!({"mac": listed[0]["mac"]}))).await;
    assert_eq!(status, 204, "{answer}");
    stack.wait_guest_sees(vm, &second, false).await;
    assert!(stack.host_nics(vm).await.is_empty());
    assert!(unknown(&stack, vm).await.is_empty());
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await.as_array().unwrap().len(), 1, "only the adopted one");
}

/// A running guest with NIC nic1 plugged through hotnic: the VM, its name,
/// the NIC as added and as plugged, and its address, seen by the guest.
struct Plugged {
    vm: Uuid,
    name: String,
    nic: Value,
    plugged: Value,
    address: String,
}

async fn plugged_nic(stack: &Stack, hint: &str) -> Plugged {
    let vm = stack.create_vm(hint, true).await;
    stack.run(vm, true).await;
    let name = vm_name(stack, vm).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let (status, plugged) = stack.action(vm, &nic, "plug").await;
    assert_eq!(status, 200, "{plugged}");
    let address = pci_text(&plugged);
    stack.wait_guest_sees(vm, &address, true).await;
    Plugged { vm, name, nic, plugged, address }
}

#[tokio::test]
async fn a_link_changed_on_the_host_is_marked_then_resolved_either_way() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let Plugged { vm, name, nic, plugged, address } = plugged_nic(&stack, "linkdrift").await;
    stack.wait_carrier(vm, &address, "1").await;
    let mac = plugged["mac"].as_str().unwrap().to_owned();
    let drift_path = format!("/api/vms/{vm}/nics/{}/drift", nic["id"].as_str().unwrap());

    // Nothing to resolve yet.
    let (status, answer) = stack.call("POST", &drift_path, Some(json!({"keep": "host"}))).await;
    assert_eq!(status, 409, "{answer}");
    let (status, answer) = stack.call("POST", &drift_path, Some(json!({"keep": "both"}))).await;
    assert_eq!(status, 400, "{answer}");

    stack.virsh(&["domif-setlink", &name, &mac, "down"]);
    stack.wait_carrier(vm, &address, "0").await;
    stack.settle().await;
    stack.settle().await;
    let marked = stack.nic(vm, &nic).await;
    assert_eq!(marked["drift"], "link is down on the host, up here", "{marked}");
    assert_eq!(marked["linked"], true, "hotnic's view is not overwritten");
    assert_eq!(stack.events(vm, "nic_differs_on_host").await, 1);

    // hotnic's view again: the guest gets its carrier back.
    let resolved = stack.ok("POST", &drift_path, Some(json!({"keep": "hotnic"}))).await;
    assert_eq!((resolved["drift"].clone(), resolved["linked"].clone()), (Value::Null, json!(true)), "{resolved}");
    stack.wait_carrier(vm, &address, "1").await;
    assert!(stack.host_nics(vm).await[0].link_active);

    // Pulled again, and this time the host's view is kept.
    stack.virsh(&["domif-setlink", &name, &mac, "down"]);
    stack.settle().await;
    assert!(stack.nic(vm, &nic).await["drift"].is_string());
    let resolved = stack.ok("POST", &drift_path, Some(json!({"keep": "host"}))).await;
    assert_eq!((resolved["drift"].clone(), resolved["linked"].clone()), (Value::Null, json!(false)), "{resolved}");
    stack.settle().await;
    assert_eq!(stack.nic(vm, &nic).await["drift"], Value::Null, "they agree now");
    stack.wait_carrier(vm, &address, "0").await;
    assert_eq!(stack.events(vm, "nic_drift_resolved").await, 2);
}

#[tokio::test]
async fn a_nic_plugged_on_the_host_only_is_unplugged_again_when_hotnic_is_kept() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("hostonly", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    // Plugged straight through the agent, as another manager would.
    let stored = hotnic_engine::stored_nic::find_nic(stack.engine.db(), vm, stack::id_of(&nic)).await.unwrap();
    let params = hotnic_agent_api::NicParams {
        kind: "interface".into(),
        device: "bridge".into(),
        device_id: stored.interface.id,
        network: Some(stack::BRIDGE.into()),
        address: None,
        mac_addr: stored.interface.mac.clone(),
        boot_order: None,
        promisc: vec![],
        spec_params: Default::default(),
        nic_model: "pv".into(),
        link_active: None,
    };
    let on_host = stack.agent_client().hotplug_nic(&hotnic_agent_api::HotplugNicParams { vm_id: vm, nic: params }).await.unwrap();
    let address = on_host.nic.address.unwrap().address().unwrap().to_string();
    stack.wait_guest_sees(vm, &address, true).await;
    stack.settle().await;
    let marked = stack.nic(vm, &nic).await;
    assert_eq!(marked["plugged"], false, "not adopted silently");
    assert!(marked["drift"].as_str().unwrap().starts_with("plugged on the host"), "{marked}");

    let path = format!("/api/vms/{vm}/nics/{}/drift", nic["id"].as_str().unwrap());
    let resolved = stack.ok("POST", &path, Some(json!({"keep": "hotnic"}))).await;
    assert_eq!((resolved["plugged"].clone(), resolved["drift"].clone()), (json!(false), Value::Null), "{resolved}");
    stack.wait_guest_sees(vm, &address, false).await;
    assert!(stack.host_nics(vm).await.is_empty());
}

#[tokio::test]
async fn a_nic_detached_behind_hotnics_back_is_marked_then_plugged_again() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let Plugged { vm, name, nic, plugged, address } = plugged_nic(&stack, "detached").await;

    stack.virsh(&["detach-interface", &name, "bridge", "--mac", plugged["mac"].as_str().unwrap(), "--live"]);
    stack.wait_guest_sees(vm, &address, false).await;
    // The guest may take a moment to finish; monitoring sees it gone.
    while !stack.host_nics(vm).await.is_empty() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stack.settle().await;
    stack.settle().await;
    let marked = stack.nic(vm, &nic).await;
    assert_eq!((marked["plugged"].clone(), marked["drift"].clone()), (json!(true), json!("plugged here but missing on the host")), "{marked}");
    assert_eq!(stack.events(vm, "nic_missing_on_host").await, 1);

    let path = format!("/api/vms/{vm}/nics/{}/drift", nic["id"].as_str().unwrap());
    let again = stack.ok("POST", &path, Some(json!({"keep": "hotnic"}))).await;
    assert_eq!((again["plugged"].clone(), again["drift"].clone()), (json!(true), Value::Null), "{again}");
    stack.wait_guest_sees(vm, &pci_text(&again), true).await;
    assert_eq!(stack.host_nics(vm).await.len(), 1);

    // Replaced behind hotnic's back by a device with hotnic's alias but
    // another MAC and model: marked; keeping hotnic's view puts its own back.
    let mac = again["mac"].as_str().unwrap().to_owned();
    stack.virsh(&["detach-interface", &name, "bridge", "--mac", &mac, "--live"]);
    stack.wait_guest_sees(vm, &pci_text(&again), false).await;
    while !stack.host_nics(vm).await.is_empty() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let impostor = format!(
        "<interface type='bridge'><mac address='52:54:00:aa:bb:cc'/><source bridge='{}'/><model type='e1000'/><alias name='ua-{}'/></interface>",
        stack::BRIDGE,
        nic["id"].as_str().unwrap()
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), impostor).unwrap();
    stack.virsh(&["attach-device", &name, file.path().to_str().unwrap(), "--live"]);
    stack.settle().await;
    let marked = stack.nic(vm, &nic).await;
    assert_eq!(
        marked["drift"],
        format!("MAC is 52:54:00:aa:bb:cc on the host, {mac} here; model is e1000 on the host, virtio here"),
        "{marked}"
    );
    let replaced = stack.ok("POST", &path, Some(json!({"keep": "hotnic"}))).await;
    assert_eq!(replaced["drift"], Value::Null, "{replaced}");
    let on_host = stack.host_nics(vm).await;
    assert_eq!((on_host.len(), on_host[0].mac_addr.as_str(), on_host[0].nic_model.as_str()), (1, mac.as_str(), "pv"));
    stack.wait_guest_sees(vm, &pci_text(&replaced), true).await;
}

//! Plug and unplug around a guest's boot, on real guests (issue 15):
//! - right after the API reports the VM up, at 0, 0.5, 1 and 2 s, every
//!   plug and unplug completes and the guest sees the device come and go;
//! - the BZ1199782 sequence: plug and unplug while the guest still boots,
//!   an unplug the guest answers late, a busy loop of flows on other NICs
//!   with monitoring running, more plugs, stop, start: the VM comes up, no
//!   two NICs share a slot, and database, host and guest agree.

mod stack;

use serde_json::{json, Value};
use stack::{pci_text, Backend, Stack, BOOT_TIMEOUT};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use uuid::Uuid;

#[tokio::test]
async fn plug_and_unplug_right_after_the_vm_is_up() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("early", true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let mut unplug_ms = Vec::new();
    for delay_ms in [0u64, 500, 1000, 2000] {
        stack.ok("POST", &format!("/api/vms/{vm}/start"), None).await;
        let went = stack.wait_status(vm, "up", BOOT_TIMEOUT).await;
        assert_eq!(went[0], "powering_up", "delay {delay_ms} ms: the booting guest is visible: {went:?}");
        assert!(
            stack.console(vm).contains("HOTNIC-GUEST-AGENT /dev/"),
            "up because the guest opened its agent port:\n{}",
            stack.console(vm)
        );
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;

        let (status, plugged) = stack.action(vm, &nic, "plug").await;
        assert_eq!(status, 200, "delay {delay_ms} ms: {plugged}");
        let address = pci_text(&plugged);
        stack.wait_guest_sees(vm, &address, true).await;
        let started = Instant::now();
        let (status, unplugged) = stack.action(vm, &nic, "unplug").await;
        assert_eq!(status, 200, "delay {delay_ms} ms: {unplugged}");
        unplug_ms.push((delay_ms, started.elapsed().as_millis()));
        stack.wait_guest_sees(vm, &address, false).await;
        assert!(stack.host_nics(vm).await.is_empty());
        stack.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
    }
    println!("unplug right after up (delay ms, unplug ms): {unplug_ms:?}");
}

#[tokio::test]
async fn booting_guest_late_release_and_busy_flows_then_restart() {
    booting_sequence(Backend::Sqlite).await;
}

#[tokio::test]
async fn booting_guest_late_release_and_busy_flows_then_restart_on_postgres() {
    booting_sequence(Backend::Postgres).await;
}

async fn booting_sequence(backend: Backend) {
    let stack = Stack::start_on(backend, "4.7", Duration::from_secs(15)).await;
    let vm = stack.create_vm("seq", true).await;
    let mut nics = Vec::new();
    for i in 0..6 {
        nics.push(stack.add_nic(vm, &format!("n{i}"), json!({})).await);
    }

    // Plug and unplug while the guest boots: the host plugs at once and
    // repeats the unplug request until the guest takes it.
    stack.ok("POST", &format!("/api/vms/{vm}/start"), None).await;
    assert_eq!(stack.ok("GET", &format!("/api/vms/{vm}"), None).await["status"], "powering_up");
    let (status, plugged) = stack.action(vm, &nics[0], "plug").await;
    assert_eq!(status, 200, "{plugged}");
    let early = pci_text(&plugged);
    let started = Instant::now();
    let (status, unplugged) = stack.action(vm, &nics[0], "unplug").await;
    assert_eq!(status, 200, "the unplug reaches the booting guest: {unplugged}");
    println!("unplug during boot took {:?}", started.elapsed());
    stack.wait_console(vm, "HOTNIC-GUEST-READY", BOOT_TIMEOUT).await;
    stack.wait_guest_sees(vm, &early, false).await;
    stack.wait_status(vm, "up", BOOT_TIMEOUT).await;

    for nic in &nics[1..5] {
        let (status, plugged) = stack.action(vm, nic, "plug").await;
        assert_eq!(status, 200, "{plugged}");
        stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    }
    // A paused guest cannot answer: the unplug of n1 fails, and the guest
    // releases n1 late, once resumed.
    stack.virsh(&["suspend", &vm.to_string()]);
    let (status, answer) = stack.action(vm, &nics[1], "unplug").await;
    assert_eq!(status, 409, "{answer}");
    stack.virsh(&["resume", &vm.to_string()]);

    // 3 NICs × 10 rounds of unplug/plug while monitoring runs: monitoring
    // never refuses a flow, and records n1's late release while they run.
    let monitor = hotnic_engine::monitoring::spawn(stack.engine.clone());
    let mut recorded_in_round = None;
    for round in 0..10 {
        for action in ["unplug", "plug"] {
            for nic in &nics[2..5] {
                let (status, answer) = stack.action(vm, nic, action).await;
                assert_eq!(status, 200, "round {round} {action}: {answer}");
            }
        }
        if recorded_in_round.is_none() && stack.nic(vm, &nics[1]).await["plugged"] == false {
            recorded_in_round = Some(round);
        }
    }
    let round = recorded_in_round.expect("n1's late release was recorded while flows ran");
    println!("late release recorded by round {round} of 10");

    // More plugs: n5 and n0 in, n5 out.
    for (nic, action) in [(&nics[5], "plug"), (&nics[0], "plug"), (&nics[5], "unplug")] {
        let (status, answer) = stack.action(vm, nic, action).await;
        assert_eq!(status, 200, "{action}: {answer}");
    }
    monitor.abort();
    stack.settle().await;
    let before = database_host_and_guest_agree(&stack, vm).await;
    assert_eq!(before.len(), 4, "n0, n2, n3, n4: {before:?}");

    stack.ok("POST", &format!("/api/vms/{vm}/stop"), None).await;
    stack.run(vm, true).await;
    let after = database_host_and_guest_agree(&stack, vm).await;
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "the same NICs run again");
}

/// The plugged NICs (id → PCI address) as the database and the host hold
/// them: equal, no address twice, and every one seen by the guest.
async fn database_host_and_guest_agree(stack: &Stack, vm: Uuid) -> BTreeMap<String, String> {
    let listed = stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await;
    let stored: BTreeMap<String, String> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["plugged"] == true)
        .map(|n: &Value| (n["id"].as_str().unwrap().to_owned(), pci_text(n)))
        .collect();
    let distinct: BTreeSet<&String> = stored.values().collect();
    assert_eq!(distinct.len(), stored.len(), "two NICs share an address: {stored:?}");
    let on_host: BTreeMap<String, String> = stack
        .host_nics(vm)
        .await
        .into_iter()
        .map(|n| {
            let a = n.address.expect("a host NIC has a PCI address");
            let number = |t: &str| u32::from_str_radix(t.trim_start_matches("0x"), 16).unwrap();
            let text = format!(
                "{:04x}:{:02x}:{:02x}.{:x}",
                number(&a.domain),
                number(&a.bus),
                number(&a.slot),
                number(&a.function)
            );
            (n.device_id.expect("hotnic's NIC").to_string(), text)
        })
        .collect();
    assert_eq!(stored, on_host, "database and host disagree");
    for address in stored.values() {
        stack.wait_guest_sees(vm, address, true).await;
    }
    stored
}

//! Hot plug and unplug through the agent's HTTP API, against real libvirt
//! and a real guest that reports its PCI devices on its serial console.
//! Cases 1–5 of issue 3, plus create with stored NICs.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hotnic_agent_api::{code, CreateParams, DriveParams, HotplugNicParams, NicParams};

fn plug(vm: &TestVm, nic: &NicParams) -> HotplugNicParams {
    HotplugNicParams {
        vm_id: vm.id,
        nic: nic.clone(),
    }
}

fn mirrors_of(filters: &str, nic: &NicParams) -> bool {
    filters.contains(&nic.device_id.simple().to_string())
}

/// Case 1: plug → in the live XML with a PCI address and listed by the
/// guest; unplug → gone from both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plug_then_unplug_shows_in_live_xml_and_in_the_guest() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "plug", vec![]).await;
    let nic = new_nic("bridge", Some(BRIDGE), "pv");

    let plugged = agent
        .client
        .hotplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotplugNic");
    assert_eq!(plugged.nic.alias, alias(&nic));
    assert_eq!(plugged.nic.device_id, Some(nic.device_id));
    assert_eq!(plugged.nic.mac_addr, nic.mac_addr);
    let address = plugged
        .nic
        .address
        .clone()
        .expect("the plugged NIC has a PCI address");

    let live = vm.live();
    let in_xml = live
        .nic_by_alias(&alias(&nic))
        .expect("NIC in the live XML");
    assert_eq!(in_xml.bridge.as_deref(), Some(BRIDGE));
    assert_eq!(in_xml.model.as_deref(), Some("virtio"));
    assert_eq!(in_xml.address.map(hotnic_agent_api::PciAddressDict::from), Some(address.clone()));
    let device = sysfs_name(&address);
    vm.wait_guest_pci(&device, true).await;

    let stats = agent.client.get_all_vm_stats().await.unwrap();
    let mine = stats
        .stats_list
        .iter()
        .find(|s| s.vm_id == vm.id)
        .expect("getAllVmStats lists the VM");
    assert_eq!(mine.status, "Up");
    assert_eq!(
        mine.nics.iter().map(|n| n.device_id).collect::<Vec<_>>(),
        [Some(nic.device_id)]
    );

    agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotunplugNic");
    assert!(
        vm.live().nic_by_alias(&alias(&nic)).is_none(),
        "NIC still in the live XML after a successful unplug"
    );
    vm.wait_guest_pci(&device, false).await;
    let stats = agent.client.get_all_vm_stats().await.unwrap();
    assert!(stats
        .stats_list
        .iter()
        .find(|s| s.vm_id == vm.id)
        .unwrap()
        .nics
        .is_empty());

    // Unplugging it again: there is nothing to unplug.
    let err = agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::HOTUNPLUG_NIC_FAILED), "{err}");
}

/// Case 2: a given PCI address is the one used (and getCaps stops offering it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plug_at_a_given_pci_slot_uses_that_slot() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "slot", vec![]).await;
    let caps = agent
        .client
        .get_caps(&hotnic_agent_api::GetCapsParams {
            free_pci_slots_for: vec![vm.id],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        caps.free_pci_slots[&vm.id].contains(&slot(0x0c).unwrap()),
        "{:?}",
        caps.free_pci_slots
    );

    let nic = NicParams {
        address: slot(0x0c),
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    let plugged = agent
        .client
        .hotplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotplugNic");
    assert_eq!(plugged.nic.address, slot(0x0c));
    assert_eq!(
        vm.live()
            .nic_by_alias(&alias(&nic))
            .unwrap()
            .address
            .unwrap()
            .slot,
        0x0c
    );
    vm.wait_guest_pci("0000:00:0c.0", true).await;
    let caps = agent
        .client
        .get_caps(&hotnic_agent_api::GetCapsParams {
            free_pci_slots_for: vec![vm.id],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!caps.free_pci_slots[&vm.id].contains(&slot(0x0c).unwrap()));

    // The slot is taken: a second NIC asking for it gets another one
    // (oVirt BZ1199782: a remembered slot may have been reused).
    let other = NicParams {
        address: slot(0x0c),
        ..new_nic("bridge", Some(BRIDGE), "e1000")
    };
    let moved = agent
        .client
        .hotplug_nic(&plug(&vm, &other))
        .await
        .expect("plugged elsewhere");
    assert_ne!(moved.nic.address, slot(0x0c));
    assert_eq!(vm.live().nics.len(), 2);
    agent
        .client
        .hotunplug_nic(&plug(&vm, &other))
        .await
        .expect("hotunplugNic");

    agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotunplugNic");
    vm.wait_guest_pci("0000:00:0c.0", false).await;
}

/// Case 3: every model, on a bridge and bridgeless (a bare tap).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_model_plugs_bridged_and_bridgeless() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "models", vec![]).await;
    let cases = [
        ("pv", "virtio", "bridge", 0x05),
        ("rtl8139", "rtl8139", "bridge", 0x06),
        ("e1000", "e1000", "bridge", 0x07),
        ("pv", "virtio", "bridgeless", 0x08),
        ("rtl8139", "rtl8139", "bridgeless", 0x09),
        ("e1000", "e1000", "bridgeless", 0x0a),
    ];
    let mut plugged = Vec::new();
    for (model, libvirt_model, device, at) in cases {
        let network = (device == "bridge").then_some(BRIDGE);
        let nic = NicParams {
            address: slot(at),
            ..new_nic(device, network, model)
        };
        let answer = agent
            .client
            .hotplug_nic(&plug(&vm, &nic))
            .await
            .unwrap_or_else(|e| panic!("{model}/{device}: {e}"));
        assert_eq!(
            (answer.nic.nic_model.as_str(), answer.nic.device.as_str()),
            (model, device)
        );
        let live = vm.live();
        let in_xml = live.nic_by_alias(&alias(&nic)).unwrap();
        let libvirt_kind = if device == "bridge" {
            "bridge"
        } else {
            "ethernet"
        };
        assert_eq!(
            (in_xml.kind.as_str(), in_xml.model.as_deref()),
            (libvirt_kind, Some(libvirt_model))
        );
        assert_eq!(in_xml.bridge.as_deref(), network);
        let tap = in_xml.tap.clone().unwrap();
        assert!(
            std::path::Path::new("/sys/class/net").join(&tap).exists(),
            "tap {tap} exists"
        );
        vm.wait_guest_pci(&format!("0000:00:{at:02x}.0"), true)
            .await;
        plugged.push((nic, at));
    }
    for (nic, at) in &plugged {
        agent
            .client
            .hotunplug_nic(&plug(&vm, nic))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", nic.nic_model));
        vm.wait_guest_pci(&format!("0000:00:{at:02x}.0"), false)
            .await;
    }
    assert!(vm.live().nics.is_empty());
}

/// Case 4: boot order and port mirroring appear with the NIC and disappear
/// with it; a plug whose mirroring fails is rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boot_order_and_port_mirroring_come_and_go() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    // libvirt takes per-device boot order only in a VM started with it (else
    // it adds <os><boot dev='hd'/>); as VDSM, the engine gives boot orders at
    // create. A VM without them refuses, with libvirt's own words.
    let plain = TestVm::firmware_only(&agent, "noboot").await;
    let refused = NicParams {
        boot_order: Some(3),
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    let err = agent
        .client
        .hotplug_nic(&plug(&plain, &refused))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::HOTPLUG_NIC_FAILED), "{err}");
    assert!(
        err.to_string().contains("per-device boot elements"),
        "{err}"
    );
    assert!(plain.live().nics.is_empty());

    let first = NicParams {
        boot_order: Some(1),
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    let vm = TestVm::linux(&agent, "mirror", vec![first]).await;
    let nic = NicParams {
        boot_order: Some(3),
        promisc: vec![MIRROR_BRIDGE.into()],
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };

    let plugged = agent
        .client
        .hotplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotplugNic");
    assert_eq!(plugged.nic.boot_order, Some(3));
    assert_eq!(plugged.nic.promisc, [MIRROR_BRIDGE]);
    let xml = vm.live_xml_text();
    assert!(xml.contains("<boot order='3'/>"), "{xml}");
    let tap = vm
        .live()
        .nic_by_alias(&alias(&nic))
        .unwrap()
        .tap
        .clone()
        .unwrap();
    for direction in ["ingress", "egress"] {
        let filters = tc_filters(MIRROR_BRIDGE, direction).await;
        assert!(mirrors_of(&filters, &nic), "{direction}: {filters}");
        assert!(
            filters.contains(&format!("\"to_dev\":\"{tap}\"")),
            "{direction}: {filters}"
        );
    }
    let stats = agent.client.get_all_vm_stats().await.unwrap();
    let mine = stats.stats_list.iter().find(|s| s.vm_id == vm.id).unwrap();
    let reported = mine
        .nics
        .iter()
        .find(|n| n.device_id == Some(nic.device_id))
        .unwrap();
    assert_eq!(reported.promisc, [MIRROR_BRIDGE]);

    agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotunplugNic");
    assert!(!vm.live_xml_text().contains("<boot order='3'/>"));
    for direction in ["ingress", "egress"] {
        let filters = tc_filters(MIRROR_BRIDGE, direction).await;
        assert!(
            !mirrors_of(&filters, &nic),
            "mirror left on {direction}: {filters}"
        );
    }

    // Mirroring from a bridge that does not exist fails after the attach:
    // the NIC is unplugged again and the answer says so.
    let doomed = NicParams {
        address: slot(0x0d),
        promisc: vec!["hntnosuch0".into()],
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    let err = agent
        .client
        .hotplug_nic(&plug(&vm, &doomed))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::HOTPLUG_NIC_FAILED), "{err}");
    assert!(err.to_string().contains("rolled back"), "{err}");
    assert!(
        vm.live().nic_by_alias(&alias(&doomed)).is_none(),
        "rolled-back NIC still in the live XML"
    );
    vm.wait_guest_pci("0000:00:0d.0", false).await;
}

/// Case 5: a guest that never answers ACPI keeps the NIC; the unplug says
/// so (code 50) within the timeout and the NIC is still reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firmware_only_guest_never_releases_the_nic() {
    let timeout = Duration::from_secs(3);
    let agent = Agent::start(timeout).await;
    let vm = TestVm::firmware_only(&agent, "fw").await;
    let nic = NicParams {
        address: slot(0x0c),
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    agent
        .client
        .hotplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotplugNic");

    let started = Instant::now();
    let err = agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(err.code(), Some(code::HOTUNPLUG_NIC_FAILED), "{err}");
    assert!(
        err.to_string().contains("guest did not release the device"),
        "{err}"
    );
    assert!(
        took >= timeout && took < timeout + Duration::from_secs(2),
        "answered after {took:?}"
    );
    assert!(
        vm.live().nic_by_alias(&alias(&nic)).is_some(),
        "the NIC must still be there"
    );
    let stats = agent.client.get_all_vm_stats().await.unwrap();
    let mine = stats.stats_list.iter().find(|s| s.vm_id == vm.id).unwrap();
    assert_eq!(
        mine.nics.iter().map(|n| n.device_id).collect::<Vec<_>>(),
        [Some(nic.device_id)]
    );
}

/// create with stored NICs keeps their addresses and boot order; destroy
/// removes the VM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_nics_keeps_addresses_and_boot_order() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let stored = NicParams {
        address: slot(0x0b),
        boot_order: Some(1),
        promisc: vec![MIRROR_BRIDGE.into()],
        ..new_nic("bridge", Some(BRIDGE), "e1000")
    };
    let bare = new_nic("bridgeless", None, "rtl8139");
    let vm = TestVm::new_unstarted("create");
    // A disk too: a sparse raw image of the library, second to boot.
    let image_name = format!("{}.img", vm.name);
    let image = agent.images.join(&image_name).display().to_string();
    std::fs::File::create(&image)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let params = CreateParams {
        drives: vec![DriveParams {
            image: image_name,
            format: "raw".into(),
            boot_order: Some(2),
            readonly: false,
        }],
        ..vm.linux_params(vec![stored.clone(), bare.clone()])
    };
    agent.client.create(&params).await.expect("create");
    vm.wait_ready().await;
    vm.wait_guest_pci("0000:00:0b.0", true).await;
    let xml = vm.live_xml_text();
    assert!(xml.contains(&format!("<source file='{image}'")), "{xml}");
    assert!(
        xml.contains("<target dev='vda' bus='virtio'/>") && xml.contains("<boot order='2'/>"),
        "{xml}"
    );
    let live = vm.live();
    let first = live.nic_by_alias(&alias(&stored)).unwrap();
    assert_eq!(
        (first.address.unwrap().slot, first.boot_order),
        (0x0b, Some(1))
    );
    assert_eq!(live.nic_by_alias(&alias(&bare)).unwrap().kind, "ethernet");
    assert!(mirrors_of(
        &tc_filters(MIRROR_BRIDGE, "ingress").await,
        &stored
    ));

    // The same id again is refused.
    let err = agent
        .client
        .create(&vm.linux_params(vec![]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::VM_EXISTS), "{err}");

    agent.client.destroy(vm.id).await.expect("destroy");
    assert!(
        libvirt()
            .lookup_domain_by_uuid_string(&vm.id.to_string())
            .is_err(),
        "VM still runs"
    );
    assert!(
        !mirrors_of(&tc_filters(MIRROR_BRIDGE, "ingress").await, &stored),
        "mirror left after destroy"
    );
    let stats = agent.client.get_all_vm_stats().await.unwrap();
    assert!(stats.stats_list.iter().all(|s| s.vm_id != vm.id));
    let err = agent.client.destroy(vm.id).await.unwrap_err();
    assert_eq!(err.code(), Some(code::NO_VM), "{err}");
    let _ = std::fs::remove_file(image);
}

#[test]
fn reads_pci_lines_and_skips_broken_ones() {
    let console = "boot\r\nPCI: 0000:00:00.0 0000:00:01.0\r\nPCI: 0000:00:00.0 0000:0[ 1.2] x\r\nPCI: 0000:00:00.0 0000:00:0c.0\r\nPCI: 0000:00:00.0 00";
    assert_eq!(
        pci_snapshots(console),
        [
            vec!["0000:00:00.0", "0000:00:01.0"],
            vec!["0000:00:00.0", "0000:00:0c.0"]
        ]
    );
}

/// Issue 15: plug and unplug the moment `create` returns, while the guest
/// still boots. Its kernel clears an eject request that comes before its
/// ACPI hot plug driver runs; the agent asks again until the guest takes
/// it, so the unplug completes and the guest shows the NIC gone. Meanwhile
/// the VM reads "Powering up", and "Up" once the guest opened its agent
/// port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plug_and_unplug_while_the_guest_boots() {
    let agent = Agent::start(Duration::from_secs(60)).await;
    let vm = TestVm::new_unstarted("boot");
    let created = agent
        .client
        .create(&vm.linux_params(vec![]))
        .await
        .expect("create");
    assert_eq!(created.vm.status, "Powering up");
    let nic = new_nic("bridge", Some(BRIDGE), "pv");
    let plugged = agent
        .client
        .hotplug_nic(&plug(&vm, &nic))
        .await
        .expect("hotplugNic while booting");
    let device = sysfs_name(&plugged.nic.address.clone().unwrap());
    let started = Instant::now();
    agent
        .client
        .hotunplug_nic(&plug(&vm, &nic))
        .await
        .expect("the unplug reaches the booting guest");
    println!("unplug during boot completed in {:?}", started.elapsed());
    assert!(vm.live().nic_by_alias(&alias(&nic)).is_none());
    vm.wait_ready().await;
    vm.wait_guest_pci(&device, false).await;

    let started = Instant::now();
    loop {
        let stats = agent.client.get_all_vm_stats().await.unwrap();
        let mine = stats.stats_list.iter().find(|s| s.vm_id == vm.id).unwrap();
        if mine.status == "Up" {
            break;
        }
        assert_eq!(mine.status, "Powering up");
        assert!(
            started.elapsed() < GUEST_TIMEOUT,
            "the guest opened its agent port but the VM is not Up:\n{}",
            console_text(&vm.console)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        console_text(&vm.console).contains("HOTNIC-GUEST-AGENT /dev/"),
        "{}",
        console_text(&vm.console)
    );
}

/// Issue 13: the checks a plug needs are made by the host, in the same step
/// as the attach: a MAC any VM on the host holds is refused (code 49, the
/// VM named); a requested slot another device holds is replaced by one
/// libvirt picks; the same NIC plugged again (a retry) is answered as
/// plugged, with its address, and nothing is attached twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_checks_mac_and_slot_in_the_plug_itself() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "checks", vec![]).await;
    let other = TestVm::linux(&agent, "holder", vec![]).await;
    let held = new_nic("bridge", Some(BRIDGE), "pv");
    agent.client.hotplug_nic(&plug(&other, &held)).await.expect("plug into the holder");

    let clash = NicParams {
        device_id: uuid::Uuid::new_v4(),
        ..held.clone()
    };
    let err = agent.client.hotplug_nic(&plug(&vm, &clash)).await.unwrap_err();
    assert_eq!(err.code(), Some(code::HOTPLUG_NIC_FAILED), "{err}");
    assert!(
        err.to_string().contains(&format!("is already in use by a NIC of VM {} on this host", other.name)),
        "{err}"
    );
    assert!(vm.live().nic_by_alias(&alias(&clash)).is_none(), "nothing attached");

    let first = NicParams {
        address: slot(0x0d),
        ..new_nic("bridge", Some(BRIDGE), "pv")
    };
    agent.client.hotplug_nic(&plug(&vm, &first)).await.expect("plug at 0x0d");
    let second = NicParams {
        address: slot(0x0d),
        ..new_nic("bridge", Some(BRIDGE), "e1000")
    };
    let moved = agent.client.hotplug_nic(&plug(&vm, &second)).await.expect("plug, slot taken");
    let moved_slot = moved.nic.address.clone().expect("an address");
    assert_ne!(Some(moved_slot.clone()), slot(0x0d), "libvirt picked another slot");
    vm.wait_guest_pci(&sysfs_name(&moved_slot), true).await;

    let again = agent.client.hotplug_nic(&plug(&vm, &first)).await.expect("a retried plug is success");
    assert_eq!(again.nic.address, slot(0x0d));
    let aliases: Vec<_> = vm.live().nics.into_iter().filter_map(|n| n.alias).collect();
    assert_eq!(aliases.iter().filter(|a| **a == alias(&first)).count(), 1, "{aliases:?}");
}

/// Issue 14: slot capacity. getCaps maps every hot-pluggable slot to its
/// holder and getAllVmStats counts the free ones; the last free slot takes
/// a NIC (the guest sees it), and the next NIC is refused by the agent
/// itself (code 49, kind `no_free_pci_slot`) without attaching anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vm_filled_to_its_last_slot_refuses_the_next_nic() {
    use hotnic_agent_api::{FailureKind, PciDeviceKind};
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "full", vec![]).await;
    let map_of = |caps: &hotnic_agent_api::Caps| caps.pci_slot_maps[&vm.id].clone();
    let asked = hotnic_agent_api::GetCapsParams { pci_slot_map_for: vec![vm.id], ..Default::default() };
    let before = map_of(&agent.client.get_caps(&asked).await.unwrap());
    assert_eq!(before.len(), 30, "slots 2 to 31 of bus 0");
    let free = before.iter().filter(|s| s.is_free()).count();
    assert!(free >= 20, "a fresh guest holds a few slots only: {before:?}");
    assert!(
        before.iter().any(|s| s.device == Some(PciDeviceKind::Controller) && s.alias.as_deref() == Some("virtio-serial0")),
        "the guest agent channel's controller holds a slot: {before:?}"
    );

    let nics: Vec<NicParams> = (0..free).map(|_| new_nic("bridge", Some(BRIDGE), "pv")).collect();
    let mut last = None;
    for nic in &nics {
        last = Some(agent.client.hotplug_nic(&plug(&vm, nic)).await.expect("a free slot takes the NIC"));
    }
    let last = last.expect("at least one free slot");
    vm.wait_guest_pci(&sysfs_name(&last.nic.address.clone().unwrap()), true).await;
    let stats = agent.client.get_all_vm_stats().await.unwrap();
    let counted = stats.stats_list.iter().find(|s| s.vm_id == vm.id).unwrap().pci_slots;
    assert_eq!(counted, Some(hotnic_agent_api::PciSlotCount { total: 30, free: 0 }));
    let full = map_of(&agent.client.get_caps(&asked).await.unwrap());
    for nic in &nics {
        assert!(full.iter().any(|s| s.device_id == Some(nic.device_id) && s.device == Some(PciDeviceKind::Nic)), "{full:?}");
    }

    let one_more = new_nic("bridge", Some(BRIDGE), "pv");
    let err = agent.client.hotplug_nic(&plug(&vm, &one_more)).await.unwrap_err();
    assert_eq!(err.code(), Some(code::HOTPLUG_NIC_FAILED), "{err}");
    assert_eq!(err.kind(), Some(FailureKind::NoFreePciSlot), "{err}");
    assert!(err.to_string().contains("no free PCI slot: all 30 hot-pluggable slots are in use"), "{err}");
    assert!(vm.live().nic_by_alias(&alias(&one_more)).is_none(), "nothing attached");
    assert_eq!(vm.live().nics.len(), free);
}

//! What the agent refuses, against real libvirt: unknown VMs (code 1),
//! invalid parameters (code 11, nothing attached), NIC kinds this host
//! cannot back (code 49), requests without the token (401). Cases 6 and 7
//! of issue 3, plus getCaps and the start-up bridge check.

mod common;

use std::time::Duration;

use common::*;
use hotnic_agent_api::{code, GetCapsParams, HotplugNicParams, Verb};
use serde_json::{json, Value};
use uuid::Uuid;

fn plug_json(vm: Uuid) -> Value {
    json!({
        "vmId": vm,
        "nic": {
            "type": "interface",
            "device": "bridge",
            "deviceId": Uuid::new_v4(),
            "network": BRIDGE,
            "address": {"type": "pci", "domain": "0x0000", "bus": "0x00", "slot": "0x0c", "function": "0x0"},
            "macAddr": "52:54:00:aa:bb:cc",
            "bootOrder": 2,
            "promisc": [],
            "specParams": {},
            "nicModel": "pv"
        }
    })
}

/// Case 6: an unknown VM is code 1 for every verb that names one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_vm_is_code_1() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let unknown = Uuid::new_v4();
    for verb in [Verb::HotplugNic, Verb::HotunplugNic, Verb::UpdateDevice] {
        let (http, body) = agent.post_json(verb, &plug_json(unknown)).await;
        assert_eq!(
            (http, body["status"]["code"].as_i64()),
            (404, Some(code::NO_VM.into())),
            "{verb:?}: {body}"
        );
    }
    let err = agent.client.destroy(unknown).await.unwrap_err();
    assert_eq!(err.code(), Some(code::NO_VM));
    let err = agent
        .client
        .get_caps(&GetCapsParams {
            free_pci_slots_for: vec![unknown],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::NO_VM));
    let err = agent
        .client
        .get_caps(&GetCapsParams { pci_slot_map_for: vec![unknown], ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(code::NO_VM));
}

/// Case 6: invalid parameters are code 11 and attach nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_params_are_code_11_and_attach_nothing() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::firmware_only(&agent, "invalid").await;
    let good = plug_json(vm.id);
    // The body with one field set (added when missing).
    let with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        body.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.into(), value);
        body
    };
    let without = |field: &str| {
        let mut body = good.clone();
        body["nic"].as_object_mut().unwrap().remove(field);
        body
    };
    let cases = [
        (
            "bad MAC",
            with("/nic/macAddr", json!("52:54:00:aa:bb")),
            "macAddr",
        ),
        (
            "multicast MAC",
            with("/nic/macAddr", json!("01:00:5e:00:00:01")),
            "macAddr",
        ),
        (
            "MAC with markup",
            with("/nic/macAddr", json!("52:54:00:aa:bb:cc'/><x")),
            "macAddr",
        ),
        (
            "slot out of range",
            with("/nic/address/slot", json!("0x20")),
            "slot",
        ),
        (
            "slot not a number",
            with("/nic/address/slot", json!("twelve")),
            "slot",
        ),
        ("PCI type", with("/nic/address/type", json!("usb")), "type"),
        (
            "PCI dict missing a field",
            with("/nic/address", json!({"type": "pci", "slot": "0x0c"})),
            "address",
        ),
        (
            "PCI dict with an extra field",
            with("/nic/address/controller", json!("0")),
            "controller",
        ),
        (
            "hostile network name",
            with("/nic/network", json!("x'/><hostdev")),
            "network",
        ),
        (
            "network with a space",
            with("/nic/network", json!("br 0")),
            "network",
        ),
        (
            "network too long",
            with("/nic/network", json!("abcdefghijklmnop")),
            "network",
        ),
        (
            "unknown model",
            with("/nic/nicModel", json!("ne2k_pci")),
            "nicModel",
        ),
        (
            "unknown device kind",
            with("/nic/device", json!("macvtap")),
            "device",
        ),
        (
            "hostile mirror bridge",
            with("/nic/promisc", json!(["red\"/>"])),
            "promisc",
        ),
        (
            "unknown specParams",
            with("/nic/specParams", json!({"inbound": {"average": 1}})),
            "specParams",
        ),
        (
            "boot order 0",
            with("/nic/bootOrder", json!(0)),
            "bootOrder",
        ),
        ("missing MAC", without("macAddr"), "macAddr"),
        ("unknown field", with("/force", json!(true)), "force"),
        (
            "unknown NIC field",
            with("/nic/portMirroring", json!(["blue"])),
            "portMirroring",
        ),
        ("vmId not a UUID", with("/vmId", json!("vm-1")), "vmId"),
        ("link state not a boolean", with("/nic/linkActive", json!("down")), "linkActive"),
        (
            "not an object",
            json!("hotplug please"),
            "invalid parameters",
        ),
    ];
    // updateDevice reads the same dictionary, by the same rules.
    for verb in [Verb::HotplugNic, Verb::UpdateDevice] {
        for (what, body, mentions) in &cases {
            let (http, answer) = agent.post_json(verb, body).await;
            assert_eq!(
                (http, answer["status"]["code"].as_i64()),
                (400, Some(code::INVALID_PARAMETER.into())),
                "{verb:?} {what}: {answer}"
            );
            let message = answer["status"]["message"].as_str().unwrap();
            assert!(
                message.contains(mentions),
                "{verb:?} {what}: message should mention {mentions}: {message}"
            );
            assert!(vm.live().nics.is_empty(), "{verb:?} {what}: a NIC was attached");
        }
    }
    let xml = vm.live_xml_text();
    assert!(
        !xml.contains("hostdev") && !xml.contains("<interface"),
        "{xml}"
    );
}

/// NIC kinds this host cannot back are refused with code 49 and a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_nic_kinds_are_code_49() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::firmware_only(&agent, "kinds").await;
    let cases = [
        (new_nic("sriov", None, "pv"), "SR-IOV"),
        (new_nic("vnlink", Some("eth0"), "pv"), "macvtap"),
        (new_nic("bridge", Some("hntnosuch0"), "pv"), "no bridge"),
    ];
    for (nic, reason) in cases {
        let err = agent
            .client
            .hotplug_nic(&HotplugNicParams {
                vm_id: vm.id,
                nic: nic.clone(),
            })
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Some(code::HOTPLUG_NIC_FAILED),
            "{}: {err}",
            nic.device
        );
        assert!(err.to_string().contains(reason), "{}: {err}", nic.device);
    }
    assert!(vm.live().nics.is_empty());
}

/// Case 7: no token, a wrong token or another scheme is 401 and nothing is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_wrong_token_is_401_and_does_nothing() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::firmware_only(&agent, "token").await;
    let body = plug_json(vm.id);
    let wrong = format!("{}x", agent.token);
    let cases: [(&str, Option<String>); 5] = [
        ("no header", None),
        ("wrong token", Some(format!("Bearer {wrong}"))),
        (
            "token prefix",
            Some(format!("Bearer {}", &agent.token[..agent.token.len() - 1])),
        ),
        ("empty bearer", Some("Bearer ".into())),
        ("basic scheme", Some(format!("Basic {}", agent.token))),
    ];
    for (what, header) in cases {
        for verb in Verb::ALL {
            let mut request = agent.http.post(agent.url(verb)).json(&body);
            if let Some(h) = &header {
                request = request.header("Authorization", h);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 401, "{what} {verb:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let answer: Value = response.json().await.unwrap();
            assert_eq!(answer["status"]["code"], code::UNAUTHORIZED, "{what}");
        }
    }
    assert!(
        vm.live().nics.is_empty(),
        "a NIC was attached without the token"
    );
    assert!(
        libvirt()
            .lookup_domain_by_uuid_string(&vm.id.to_string())
            .is_ok(),
        "destroyed without the token"
    );
    // The right token works.
    let (http, _) = agent.post_json(Verb::GetCaps, &json!({})).await;
    assert_eq!(http, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_caps_reports_the_host() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let caps = agent
        .client
        .get_caps(&GetCapsParams::default())
        .await
        .unwrap();
    assert_eq!(caps.api_version, hotnic_agent_api::API_VERSION);
    assert!(!caps.hostname.is_empty());
    assert!(
        caps.libvirt_version.split('.').count() == 3 && caps.qemu_version.split('.').count() == 3,
        "{caps:?}"
    );
    assert!(
        caps.bridges.iter().any(|b| b == BRIDGE) && caps.bridges.iter().any(|b| b == MIRROR_BRIDGE),
        "{caps:?}"
    );
    assert!(
        caps.nic_devices.contains(&"bridge".to_string())
            && caps.nic_devices.contains(&"bridgeless".to_string())
    );
    assert!(!caps.nic_devices.contains(&"sriov".to_string()));
    assert_eq!(caps.nic_models, ["pv", "rtl8139", "e1000"]);
    let images: Vec<&str> = caps.images.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(images, ["initrd.img", "vmlinuz"], "the library lists its regular files");
    assert!(caps.images.iter().all(|i| i.size_bytes > 0));
}

/// Issue 9: the agent hands a guest only regular files of its image
/// library. Host devices, host files, `..`, a symlink out of the library, a
/// FIFO and a folder are refused with code 11; no VM starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_takes_only_images_of_the_library() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    std::os::unix::fs::symlink("/etc/shadow", agent.images.join("shadow")).unwrap();
    std::os::unix::fs::symlink("/dev/vda", agent.images.join("vda")).unwrap();
    let fifo = agent.images.join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::fs::create_dir(agent.images.join("folder")).unwrap();
    let cases = [
        ("kernel", "/dev/vda", "is a path"),
        ("kernel", "/etc/shadow", "is a path"),
        ("initrd", "../initrd.img", "is a path"),
        ("kernel", "..", "not an image name"),
        ("kernel", "shadow", "outside the image library"),
        ("drive", "vda", "image library"),
        ("drive", "fifo", "not a regular file"),
        ("drive", "folder", "not a regular file"),
        ("drive", "/dev/vda", "is a path"),
    ];
    for (field, value, why) in cases {
        let vm = TestVm::new_unstarted("image");
        let mut body = serde_json::to_value(vm.linux_params(vec![])).unwrap();
        match field {
            "drive" => body["drives"] = json!([{"image": value, "format": "raw"}]),
            _ => body[field] = json!(value),
        }
        let (http, answer) = agent.post_json(Verb::Create, &body).await;
        assert_eq!(
            (http, answer["status"]["code"].as_i64()),
            (400, Some(code::INVALID_PARAMETER as i64)),
            "{field}={value}: {answer}"
        );
        let message = answer["status"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{field}={value}: {message}");
        assert!(
            libvirt().lookup_domain_by_uuid_string(&vm.id.to_string()).is_err(),
            "{field}={value}: a VM was started"
        );
    }
}

/// A network whose name belongs to a device that is not a bridge stops
/// the start: a missing bridge is an error, not a silent success.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_fails_when_a_network_cannot_have_its_bridge() {
    libvirt();
    let mut config = hotnic_agent::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        hotnic_agent::Token::parse(&"t".repeat(32)).unwrap(),
    );
    config.networks = vec![hotnic_agent::params::BridgeName::parse("lo").unwrap()];
    let err = hotnic_agent::start(config)
        .await
        .err()
        .expect("the start fails");
    assert!(err.to_string().contains("not a bridge"), "{err}");
}

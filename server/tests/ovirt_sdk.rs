//! The official oVirt Python SDK (ovirtsdk4 4.6.3, installed by
//! scripts/ovirt-sdk.sh; HOTNIC_OVIRT_PYTHON names its python) runs an
//! oVirt user's NIC hot plug script (`ovirt_sdk/workflow.py`) against
//! hotnic's oVirt API on the real stack: server, agent, guest. Then the same
//! workflow through hotnic's own REST API on a second VM leaves the same
//! database and host state. Also: every oVirt API path refuses a caller
//! without a token with an XML fault, and bad XML is a 400 that changes
//! nothing.

mod stack;

use hotnic_engine::access::{permissions, users, Actor, Scope};
use hotnic_model::{NewPermission, NewUser, PermissionObject, Role};
use serde_json::{json, Value};
use stack::{pci_text, Stack};
use std::time::Duration;
use uuid::Uuid;

const VIEWER_PASSWORD: &str = "viewer-password-1";

fn sdk_python() -> String {
    std::env::var("HOTNIC_OVIRT_PYTHON").expect("HOTNIC_OVIRT_PYTHON is not set: run `make test`, or scripts/ovirt-sdk.sh and export what it prints")
}

/// What a VM's NICs are, as both workflows should leave them: name,
/// plugged, interface, network, and whether it has an address.
async fn nic_state(stack: &Stack, vm: Uuid) -> Vec<Value> {
    let nics = stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await;
    let mut state: Vec<Value> = nics
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!({"name": n["name"], "plugged": n["plugged"], "interface": n["interface"], "network": n["network"], "has_address": n["address"].is_object()}))
        .collect();
    state.sort_by_key(|n| n["name"].as_str().unwrap().to_owned());
    state
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ovirt_sdk_script_runs_unchanged_against_hotnic() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let admin = Actor::with_grants(Uuid::nil(), "admin", vec![(Role::SuperUser, Scope::System)]);
    users::create_user(&stack.engine, &admin, NewUser { name: "viewer".into(), password: VIEWER_PASSWORD.into() }).await.unwrap();
    let grant = NewPermission { user: "viewer".into(), role: Role::ReadOnly, object: PermissionObject::System };
    permissions::grant(&stack.engine, &admin, grant).await.unwrap();
    let (by_sdk, by_rest) = (stack.create_vm("sdk", true).await, stack.create_vm("rest", true).await);
    tokio::join!(stack.run(by_sdk, true), stack.run(by_rest, true));
    // Monitoring keeps the database in step with the host while the script runs.
    let monitoring = hotnic_engine::monitoring::spawn(stack.engine.clone());

    let vm_name = stack.ok("GET", &format!("/api/vms/{by_sdk}"), None).await["name"].as_str().unwrap().to_owned();
    let console = stack.console_dir.path().join(format!("{by_sdk}.log"));
    let python = sdk_python();
    // Read when the test runs (cargo sets it), not baked in when it was
    // built: a test binary reused from a clone elsewhere must not run that
    // clone's copy.
    let script = format!("{}/tests/ovirt_sdk/workflow.py", std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test"));
    let started = std::time::Instant::now();
    let run = tokio::process::Command::new(&python)
        .arg(script)
        .env("OVIRT_URL", format!("{}/ovirt-engine/api", stack.base))
        .env("OVIRT_PASSWORD", stack::support::ADMIN_PASSWORD)
        .env("VIEWER_PASSWORD", VIEWER_PASSWORD)
        .env("VM_NAME", &vm_name)
        .env("NETWORK", stack::BRIDGE)
        .env("CONSOLE", &console)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    println!("the SDK workflow took {:?}", started.elapsed());
    let (out, err) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "the SDK script failed:\n{out}\n{err}");
    let reported: Value = serde_json::from_str(out.lines().find_map(|l| l.strip_prefix("STATE ")).expect("the script prints its state")).unwrap();
    assert_eq!(
        reported,
        json!([{"name": "a", "plugged": true, "interface": "virtio"}, {"name": "b", "plugged": false, "interface": "e1000"}])
    );

    // The same workflow through hotnic's REST API (oVirt's add-plugged is add + plug there).
    let nic = |name: &str, interface: &str| json!({"name": name, "network": stack::BRIDGE, "interface": interface});
    let a = stack.ok("POST", &format!("/api/vms/{by_rest}/nics"), Some(nic("a", "virtio"))).await;
    let plugged = stack.action(by_rest, &a, "plug").await.1;
    stack.wait_guest_sees(by_rest, &pci_text(&plugged), true).await;
    stack.ok("POST", &format!("/api/vms/{by_rest}/nics"), Some(nic("b", "e1000"))).await;
    let c = stack.ok("POST", &format!("/api/vms/{by_rest}/nics"), Some(nic("c", "virtio"))).await;
    let (_, unplugged) = stack.action(by_rest, &a, "unplug").await;
    assert_eq!(unplugged["plugged"], false);
    let again = stack.action(by_rest, &a, "plug").await.1;
    stack.wait_guest_sees(by_rest, &pci_text(&again), true).await;
    stack.ok("DELETE", &format!("/api/vms/{by_rest}/nics/{}", c["id"].as_str().unwrap()), None).await;

    stack.settle().await;
    let (sdk_state, rest_state) = (nic_state(&stack, by_sdk).await, nic_state(&stack, by_rest).await);
    assert_eq!(sdk_state, rest_state, "the SDK and the REST API leave the same NICs");
    assert_eq!(stack.host_nics(by_sdk).await.len(), 1, "the host holds the one plugged NIC");
    assert_eq!(stack.host_nics(by_rest).await.len(), 1);
    monitoring.abort();
}

#[tokio::test]
async fn the_ovirt_api_refuses_callers_without_a_token_and_bad_xml() {
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("noauth", false).await;
    let nic = stack.add_nic(vm, "n1", json!({})).await;
    let nic_id = nic["id"].as_str().unwrap();
    let anonymous = reqwest::Client::new();
    let paths = [
        ("GET", "/ovirt-engine/api".to_owned()),
        ("GET", "/ovirt-engine/api/vms".to_owned()),
        ("GET", format!("/ovirt-engine/api/vms/{vm}")),
        ("POST", format!("/ovirt-engine/api/vms/{vm}/start")),
        ("POST", format!("/ovirt-engine/api/vms/{vm}/stop")),
        ("GET", format!("/ovirt-engine/api/vms/{vm}/nics")),
        ("POST", format!("/ovirt-engine/api/vms/{vm}/nics")),
        ("GET", format!("/ovirt-engine/api/vms/{vm}/nics/{nic_id}")),
        ("PUT", format!("/ovirt-engine/api/vms/{vm}/nics/{nic_id}")),
        ("DELETE", format!("/ovirt-engine/api/vms/{vm}/nics/{nic_id}")),
        ("POST", format!("/ovirt-engine/api/vms/{vm}/nics/{nic_id}/activate")),
        ("POST", format!("/ovirt-engine/api/vms/{vm}/nics/{nic_id}/deactivate")),
        ("GET", "/ovirt-engine/api/networks".to_owned()),
        ("GET", "/ovirt-engine/api/vnicprofiles".to_owned()),
        ("GET", format!("/ovirt-engine/api/clusters/{}", stack.cluster_id)),
        ("GET", "/ovirt-engine/api/datacenters".to_owned()),
    ];
    for (method, path) in &paths {
        let response = anonymous.request(method.parse().unwrap(), format!("{}{path}", stack.base)).send().await.unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/xml"), "{method} {path}");
        assert!(response.text().await.unwrap().contains("<fault><reason>Operation Failed</reason>"), "{method} {path}");
    }
    let forged = reqwest::Client::new().get(format!("{}/ovirt-engine/api/vms", stack.base)).bearer_auth("not-a-session").send().await.unwrap();
    assert_eq!(forged.status(), 401);

    // Bad bodies: 400, nothing changes.
    let xml = |method: &str, path: String, body: &'static str| {
        stack.http.request(method.parse().unwrap(), format!("{}{path}", stack.base)).header("content-type", "application/xml").body(body).send()
    };
    let nics = format!("/ovirt-engine/api/vms/{vm}/nics");
    for body in ["<nic><name>x</name>", "not xml at all", "<nic><name>x</name><plugged>yes</plugged></nic>", "<nic><name>x</name><linked>maybe</linked></nic>", "<nic><name>bad name/</name></nic>"] {
        let response = xml("POST", nics.clone(), body).await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 400, "{body}: {text}");
        assert!(text.contains("<detail>["), "{text}");
    }
    let response = xml("PUT", format!("{nics}/{nic_id}"), "<nic><interface>ne2k</interface></nic>").await.unwrap();
    assert_eq!(response.status(), 400);
    let listed = stack.ok("GET", &format!("/api/vms/{vm}/nics"), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "nothing added: {listed}");
    assert_eq!(listed[0]["interface"], nic["interface"], "nothing changed");
    // A path that names nothing.
    let response = stack.http.get(format!("{}/ovirt-engine/api/vms/not-a-uuid", stack.base)).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

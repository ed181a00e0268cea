//! The server functions the pages call (/api/fn/*), through the router with
//! `tower::ServiceExt::oneshot`: each reaches its engine flow, errors carry
//! the REST status, `reason` and `field`; and /api/changes pushes changes.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::time::Duration;
use tower::ServiceExt;

struct Server {
    router: Router,
    engine: hotnic_engine::Engine,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fns.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let hosts = hotnic_engine::AgentHosts::new(Duration::from_secs(5));
    let engine = hotnic_engine::Engine::new(database, hosts, Default::default());
    Server { router: support::admin_router(engine.clone()).await, engine, _dir: dir }
}

impl Server {
    /// POSTs `args` to /api/fn/<name>; the status and the JSON answer.
    async fn call(&self, name: &str, args: Value) -> (StatusCode, Value) {
        let request = Request::post(format!("/api/fn/{name}"))
            .header("content-type", "application/json")
            .body(Body::from(args.to_string()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        (status, value)
    }

    async fn ok(&self, name: &str, args: Value) -> Value {
        let (status, answer) = self.call(name, args.clone()).await;
        assert_eq!(status, StatusCode::OK, "{name}({args}): {answer}");
        answer
    }

    /// A level 4.7 cluster with network hnbr0 and a VM that is down.
    async fn vm(&self) -> (Value, Value) {
        let cluster = self.ok("create_cluster", json!({"name": "c1", "compatibility_version": "4.7"})).await;
        let network = self.ok("create_network", json!({"name": "hnbr0", "cluster_id": cluster["id"], "kind": "bridge"})).await;
        assert_eq!(network["kind"], "bridge");
        let vm = self.ok("create_vm", json!({"vm": {"name": "vm1", "cluster_id": cluster["id"], "memory_mib": 128}})).await;
        (cluster, vm)
    }
}

#[tokio::test]
async fn add_plug_unplug_edit_remove_a_nic_on_a_down_vm() {
    let server = server().await;
    let (cluster, vm) = server.vm().await;
    assert_eq!(vm["status"], "down");
    assert_eq!(server.ok("get_vm", json!({"vm_id": vm["id"]})).await, vm);
    assert_eq!(server.ok("list_vms", json!({})).await, json!([vm]));
    let networks = server.ok("list_networks", json!({"cluster_id": cluster["id"]})).await;
    assert_eq!(networks.as_array().unwrap().len(), 1);
    assert_eq!(server.ok("list_networks", json!({})).await, networks, "cluster_id is optional");

    let nic = server.ok("add_nic", json!({"vm_id": vm["id"], "nic": {"name": "nic1", "network": "hnbr0"}})).await;
    assert_eq!((&nic["plugged"], &nic["address"], &nic["interface"]), (&json!(false), &json!(null), &json!("virtio")));
    assert_eq!(server.ok("list_nics", json!({"vm_id": vm["id"]})).await, json!([nic]));

    // Down VM: plugging only marks the NIC; no host is asked (there is none).
    let ids = json!({"vm_id": vm["id"], "nic_id": nic["id"]});
    let plugged = server.ok("plug_nic", ids.clone()).await;
    assert_eq!((&plugged["plugged"], &plugged["address"]), (&json!(true), &json!(null)));
    let (status, answer) = server.call("plug_nic", ids.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["reason"], "NIC nic1 is already plugged");
    let unplugged = server.ok("unplug_nic", ids.clone()).await;
    assert_eq!(unplugged["plugged"], false);

    let update = json!({"vm_id": vm["id"], "nic_id": nic["id"], "update": {"name": "uplink", "boot_order": 2, "interface": "e1000"}});
    let edited = server.ok("edit_nic", update).await;
    assert_eq!((&edited["name"], &edited["boot_order"], &edited["interface"]), (&json!("uplink"), &json!(2), &json!("e1000")));
    assert_eq!(edited["mac"], nic["mac"]);

    assert_eq!(server.ok("remove_nic", ids).await, Value::Null);
    assert_eq!(server.ok("list_nics", json!({"vm_id": vm["id"]})).await, json!([]));

    let events = server.ok("list_events", json!({"vm_id": vm["id"]})).await;
    let names: Vec<&str> = events.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["nic_removed", "nic_edited", "nic_unplugged", "nic_plugged", "nic_added", "vm_added"]);
    let limited = server.ok("list_events", json!({"vm_id": vm["id"], "limit": 2})).await;
    assert_eq!(limited.as_array().unwrap().len(), 2);

    assert_eq!(server.ok("delete_vm", json!({"vm_id": vm["id"]})).await, Value::Null);
    assert_eq!(server.ok("list_vms", json!({})).await, json!([]));
}

#[tokio::test]
async fn errors_carry_the_status_reason_and_field() {
    let server = server().await;
    let (cluster, vm) = server.vm().await;

    let (status, answer) = server
        .call("add_nic", json!({"vm_id": vm["id"], "nic": {"name": "nic1", "mac": "00:1a:4a:16:01"}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["field"], "mac");
    assert_eq!(answer["reason"], "'00:1a:4a:16:01' is not a MAC address like 00:1a:4a:16:01:51");
    assert_eq!(server.ok("list_nics", json!({"vm_id": vm["id"]})).await, json!([]), "nothing was created");

    let (status, answer) = server
        .call("create_vm", json!({"vm": {"name": "vm2", "cluster_id": cluster["id"], "memory_mib": 8}}))
        .await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("memory_mib")));
    assert_eq!(answer["reason"], "memory must be between 64 and 65536 MiB");

    let host = json!({"name": "h1", "cluster_id": cluster["id"], "agent_url": "http://127.0.0.1:1", "token": "short"});
    let (status, answer) = server.call("create_host", host).await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("token")));

    let missing = uuid::Uuid::new_v4();
    let (status, answer) = server.call("list_nics", json!({"vm_id": missing})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["reason"], format!("no VM with id {missing}"));
    assert!(answer.get("field").is_none(), "{answer}");

    // A running VM needs a host that is up: none is registered.
    let (status, answer) = server.call("run_vm", json!({"vm_id": vm["id"]})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["reason"], "VM vm1 cannot run: its cluster has no host that is up");
    let (status, _) = server.call("stop_vm", json!({"vm_id": vm["id"]})).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// The bulk functions and the link state through edit_nic, called as a
/// script would: outcomes per NIC; a bad list is a 400 naming `ids` and
/// changes nothing; a link that is not `true`/`false` is refused.
#[tokio::test]
async fn bulk_functions_and_link_state() {
    let server = server().await;
    let (_, vm) = server.vm().await;
    let mut ids = Vec::new();
    for name in ["nic1", "nic2"] {
        ids.push(server.ok("add_nic", json!({"vm_id": vm["id"], "nic": {"name": name, "network": "hnbr0"}})).await["id"].clone());
    }
    let (status, answer) = server.call("plug_nics", json!({"vm_id": vm["id"], "ids": [ids[0], ids[0]]})).await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("ids")), "{answer}");
    let (status, answer) = server.call("plug_nics", json!({"vm_id": vm["id"], "ids": "nic1"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let listed = server.ok("list_nics", json!({"vm_id": vm["id"]})).await;
    assert!(listed.as_array().unwrap().iter().all(|n| n["plugged"] == false), "nothing was plugged");

    let outcomes = server.ok("plug_nics", json!({"vm_id": vm["id"], "ids": ids})).await;
    assert_eq!(outcomes.as_array().unwrap().iter().map(|o| o["status"].as_u64().unwrap()).collect::<Vec<_>>(), [200, 200]);
    assert!(outcomes.as_array().unwrap().iter().all(|o| o["nic"]["plugged"] == true));
    let outcomes = server.ok("unplug_nics", json!({"vm_id": vm["id"], "ids": [ids[1]]})).await;
    assert_eq!(outcomes[0]["nic"]["plugged"], false);

    let pulled = server.ok("edit_nic", json!({"vm_id": vm["id"], "nic_id": ids[0], "update": {"linked": false}})).await;
    assert_eq!(pulled["linked"], false);
    let (status, answer) = server.call("edit_nic", json!({"vm_id": vm["id"], "nic_id": ids[0], "update": {"linked": "no"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(server.ok("list_nics", json!({"vm_id": vm["id"]})).await[0]["linked"], false, "unchanged");

    let outcomes = server.ok("remove_nics", json!({"vm_id": vm["id"], "ids": [ids[1], ids[0]]})).await;
    assert!(outcomes.as_array().unwrap().iter().all(|o| o["status"] == 204), "{outcomes}");
    assert_eq!(server.ok("list_nics", json!({"vm_id": vm["id"]})).await, json!([]));
}

/// The slot map and drift functions, called as a script would, on a VM
/// that is down: each refuses with the reason (409), a MAC that is not one
/// is a 400 naming `mac`, a `keep` that is neither side a 400 naming `keep`;
/// nothing changes. The running cases are in pci_slots.rs and drift.rs.
#[tokio::test]
async fn slot_map_and_drift_functions_refuse_what_cannot_be() {
    let server = server().await;
    let (_, vm) = server.vm().await;
    let nic = server.ok("add_nic", json!({"vm_id": vm["id"], "nic": {"name": "nic1", "network": "hnbr0"}})).await;
    let (status, answer) = server.call("vm_pci_slots", json!({"vm_id": vm["id"]})).await;
    assert_eq!((status, answer["reason"].as_str().unwrap()), (StatusCode::CONFLICT, "VM vm1 is down; only a running VM has PCI slots"));
    let (status, answer) = server.call("adopt_unknown_nic", json!({"vm_id": vm["id"], "mac": "00:1a:4a"})).await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("mac")), "{answer}");
    let (status, answer) = server.call("detach_unknown_nic", json!({"vm_id": vm["id"], "mac": "02:00:00:00:00:01"})).await;
    assert_eq!((status, answer["reason"].as_str().unwrap()), (StatusCode::CONFLICT, "VM vm1 is down; drift is between a running VM and its host"));
    let (status, answer) = server.call("resolve_nic_drift", json!({"vm_id": vm["id"], "nic_id": nic["id"], "keep": "both"})).await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("keep")), "{answer}");
    let (status, answer) = server.call("resolve_nic_drift", json!({"vm_id": vm["id"], "nic_id": nic["id"], "keep": "host"})).await;
    assert_eq!((status, answer["reason"].as_str().unwrap()), (StatusCode::CONFLICT, "NIC nic1 does not differ from its host: nothing to resolve"));
    let listed = server.ok("list_nics", json!({"vm_id": vm["id"]})).await;
    assert_eq!(listed[0]["actions"]["resolve_drift"]["ok"], false);
    assert_eq!(listed[0]["plugged"], false);
}

/// The NIC of one name across VMs, as a script calls it: each VM's outcome.
#[tokio::test]
async fn a_nic_by_name_is_plugged_across_vms() {
    let server = server().await;
    let (_, vm) = server.vm().await;
    server.ok("add_nic", json!({"vm_id": vm["id"], "nic": {"name": "nic1", "network": "hnbr0"}})).await;
    let outcomes = server.ok("plug_nic_on_vms", json!({"vm_ids": [vm["id"]], "nic_name": "nic1"})).await;
    assert_eq!((outcomes[0]["status"].clone(), outcomes[0]["nic"]["plugged"].clone()), (json!(200), json!(true)), "{outcomes}");
    let outcomes = server.ok("unplug_nic_on_vms", json!({"vm_ids": [vm["id"]], "nic_name": "nic2"})).await;
    assert_eq!(outcomes[0]["status"], 404, "{outcomes}");
    let (status, answer) = server.call("plug_nic_on_vms", json!({"vm_ids": [], "nic_name": "nic1"})).await;
    assert_eq!((status, &answer["field"]), (StatusCode::BAD_REQUEST, &json!("vm_ids")), "{answer}");
}

#[tokio::test]
async fn hosts_are_registered_and_listed() {
    // Registration reaches the agent: its certificate is pinned and the
    // token checked. A real agent, on libvirtd.
    let files = tempfile::tempdir().unwrap();
    let token = "long-enough-token-0123";
    let mut config = hotnic_agent::Config::new("127.0.0.1:0".parse().unwrap(), hotnic_agent::Token::parse(token).unwrap());
    config.images_dir = files.path().join("images");
    config.console_dir = files.path().join("consoles");
    config.tls_dir = files.path().join("tls");
    let agent = hotnic_agent::start(config).await.expect("agent starts (is libvirtd up?)");
    let server = server().await;
    let cluster = server.ok("create_cluster", json!({"name": "c1", "compatibility_version": "4.7"})).await;
    let url = format!("{}/", agent.base_url());
    let host = json!({"name": "h1", "cluster_id": cluster["id"], "agent_url": url, "token": token});
    let created = server.ok("create_host", host).await;
    assert_eq!((&created["agent_url"], &created["status"]), (&json!(agent.base_url()), &json!("up")));
    assert_eq!(created["fingerprint"], agent.fingerprint.as_str());
    assert!(created.get("token").is_none(), "the token is never read back");
    assert_eq!(server.ok("list_hosts", json!({})).await, json!([created]));
    let wrong_token = json!({"name": "h2", "cluster_id": cluster["id"], "agent_url": agent.base_url(), "token": "not-the-token-0123"});
    let (status, answer) = server.call("create_host", wrong_token).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("refused hotnic's token"), "{answer}");
    assert_eq!(server.ok("list_hosts", json!({})).await, json!([created]), "nothing registered");
}

/// A Server-Sent Events body read event by event.
struct Events {
    body: Body,
    text: String,
}

impl Events {
    async fn open(router: &Router) -> Events {
        let response = router.clone().oneshot(Request::get("/api/changes").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events { body: response.into_body(), text: String::new() }
    }

    /// The next event's name and data, within 5 s (keep-alive comments
    /// skipped).
    async fn next(&mut self) -> (String, String) {
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned());
                if let Some(data) = field("data:") {
                    return (field("event:").unwrap_or_default(), data);
                }
                continue;
            }
            let frame = tokio::time::timeout(Duration::from_secs(5), self.body.frame()).await.expect("an event within 5 s");
            let bytes = frame.expect("stream open").unwrap().into_data().unwrap();
            self.text.push_str(std::str::from_utf8(&bytes).unwrap());
        }
    }

    async fn next_change(&mut self) -> String {
        let (event, data) = self.next().await;
        assert_eq!(event, "change", "{data}");
        data
    }
}

#[tokio::test]
async fn changes_are_pushed_as_server_sent_events() {
    let server = server().await;
    let (_, vm) = server.vm().await;
    let mut events = Events::open(&server.router).await;
    // First where the feed stands, as a page rendered now would say.
    let opened_at = server.engine.feed_position();
    assert_eq!(events.next().await, ("position".to_owned(), opened_at.clone()));

    server.ok("add_nic", json!({"vm_id": vm["id"], "nic": {"name": "nic1"}})).await;
    assert_eq!(events.next_change().await, vm["id"].as_str().unwrap());
    // A page rendered before that change sees, when its stream opens, that
    // the feed has moved since.
    let (_, moved_to) = Events::open(&server.router).await.next().await;
    assert_ne!(moved_to, opened_at);
    assert_eq!(moved_to, server.engine.feed_position());
    // A VM created or deleted elsewhere shows in (or leaves) an open VMs list.
    let created = server.ok("create_vm", json!({"vm": {"name": "vm2", "cluster_id": vm["cluster_id"], "memory_mib": 128}})).await;
    assert_eq!(events.next_change().await, created["id"].as_str().unwrap());
    server.ok("delete_vm", json!({"vm_id": created["id"]})).await;
    assert_eq!(events.next_change().await, created["id"].as_str().unwrap());
}

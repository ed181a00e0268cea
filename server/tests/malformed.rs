//! Bad input to the server functions and the HTTP edge (issue 8's
//! hardening): every malformed server function call is a 400 naming the
//! argument (never a 5xx), a non-JSON call (a cross-site form or
//! `text/plain` fetch) is refused, an unknown `Host` is refused, a huge body
//! is refused; and none of it changes anything.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::time::Duration;
use tower::ServiceExt;

async fn router() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bad.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let engine = hotnic_engine::Engine::new(database, hotnic_engine::AgentHosts::new(Duration::from_secs(2)), Default::default());
    (support::admin_router(engine).await, dir)
}

async fn send(router: &Router, path: &str, content_type: Option<&str>, host: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let mut request = Request::post(path).header("host", host);
    if let Some(kind) = content_type {
        request = request.header("content-type", kind);
    }
    let response = router.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn call(router: &Router, function: &str, body: &str) -> (StatusCode, Value) {
    send(router, &format!("/api/fn/{function}"), Some("application/json"), "127.0.0.1:3000", body.as_bytes().to_vec()).await
}

/// What the database holds, as the API reads it.
async fn snapshot(router: &Router) -> Value {
    let mut all = Vec::new();
    for function in ["list_clusters", "list_hosts", "list_networks", "list_vms", "list_events", "list_users", "list_tokens"] {
        let (status, answer) = call(router, function, "{}").await;
        assert_eq!(status, StatusCode::OK, "{function}: {answer}");
        all.push(answer);
    }
    json!(all)
}

/// Every server function with its arguments: (name, argument, a good value).
fn functions(cluster: &str, vm: &str, nic: &str) -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let nil = "00000000-0000-0000-0000-000000000000";
    vec![
        ("list_clusters", vec![]),
        ("create_cluster", vec![("name", json!("c2")), ("compatibility_version", json!("4.7"))]),
        ("update_cluster", vec![("cluster_id", json!(cluster)), ("update", json!({"name": "c3"}))]),
        ("delete_cluster", vec![("cluster_id", json!(cluster))]),
        ("update_host", vec![("host_id", json!(nil)), ("update", json!({"maintenance": true}))]),
        ("delete_host", vec![("host_id", json!(nil))]),
        ("update_network", vec![("network_id", json!(nil)), ("update", json!({"name": "n3"}))]),
        ("delete_network", vec![("network_id", json!(nil))]),
        ("list_events", vec![("vm_id", json!(vm)), ("limit", json!(5))]),
        ("list_hosts", vec![]),
        ("create_host", vec![("name", json!("h")), ("cluster_id", json!(cluster)), ("agent_url", json!("https://127.0.0.1:9")), ("token", json!("0123456789"))]),
        ("accept_host_fingerprint", vec![("host_id", json!(nil)), ("fingerprint", json!("AB"))]),
        ("list_images", vec![("cluster_id", json!(cluster))]),
        ("list_networks", vec![("cluster_id", json!(cluster))]),
        ("create_network", vec![("name", json!("n2")), ("cluster_id", json!(cluster)), ("kind", json!("bridge"))]),
        ("list_nics", vec![("vm_id", json!(vm))]),
        ("add_nic", vec![("vm_id", json!(vm)), ("nic", json!({"name": "n9"}))]),
        ("edit_nic", vec![("vm_id", json!(vm)), ("nic_id", json!(nic)), ("update", json!({"name": "n8"}))]),
        ("remove_nic", vec![("vm_id", json!(vm)), ("nic_id", json!(nic))]),
        ("plug_nic", vec![("vm_id", json!(vm)), ("nic_id", json!(nic))]),
        ("unplug_nic", vec![("vm_id", json!(vm)), ("nic_id", json!(nic))]),
        ("plug_nics", vec![("vm_id", json!(vm)), ("ids", json!([nic]))]),
        ("unplug_nics", vec![("vm_id", json!(vm)), ("ids", json!([nic]))]),
        ("remove_nics", vec![("vm_id", json!(vm)), ("ids", json!([nic]))]),
        ("resolve_nic_drift", vec![("vm_id", json!(vm)), ("nic_id", json!(nic)), ("keep", json!("host"))]),
        ("adopt_unknown_nic", vec![("vm_id", json!(vm)), ("mac", json!("52:54:00:00:00:01"))]),
        ("detach_unknown_nic", vec![("vm_id", json!(vm)), ("mac", json!("52:54:00:00:00:01"))]),
        ("list_vms", vec![]),
        ("get_vm", vec![("vm_id", json!(vm))]),
        ("create_vm", vec![("vm", json!({"name": "v9", "cluster_id": cluster}))]),
        ("delete_vm", vec![("vm_id", json!(vm))]),
        ("run_vm", vec![("vm_id", json!(vm))]),
        ("stop_vm", vec![("vm_id", json!(vm))]),
        ("vm_pci_slots", vec![("vm_id", json!(vm))]),
        ("plug_nic_on_vms", vec![("vm_ids", json!([vm])), ("nic_name", json!("nic1"))]),
        ("unplug_nic_on_vms", vec![("vm_ids", json!([vm])), ("nic_name", json!("nic1"))]),
        ("sign_in", vec![("name", json!("admin")), ("password", json!("x"))]),
        ("sign_out", vec![]),
        ("whoami", vec![]),
        ("list_users", vec![]),
        ("create_user", vec![("name", json!("u9")), ("password", json!("password-123"))]),
        ("update_user", vec![("user_id", json!(nil)), ("enabled", json!(true)), ("password", json!("password-123"))]),
        ("list_tokens", vec![]),
        ("create_token", vec![("name", json!("t9"))]),
        ("revoke_token", vec![("token_id", json!(nil))]),
        ("list_permissions", vec![("object", json!({"kind": "vm", "id": vm}))]),
        ("grant_permission", vec![("user", json!("admin")), ("role", json!("ReadOnly")), ("object", json!({"kind": "system"}))]),
        ("revoke_permission", vec![("permission_id", json!(nil))]),
    ]
}

#[tokio::test]
async fn malformed_server_function_calls_are_400s_naming_the_argument_and_change_nothing() {
    let (router, _dir) = router().await;
    let (_, cluster) = call(&router, "create_cluster", r#"{"name":"c1","compatibility_version":"4.7"}"#).await;
    let cluster = cluster["id"].as_str().unwrap().to_owned();
    call(&router, "create_network", &json!({"name": "n1", "cluster_id": cluster, "kind": "bridge"}).to_string()).await;
    let (_, vm) = call(&router, "create_vm", &json!({"vm": {"name": "v1", "cluster_id": cluster}}).to_string()).await;
    let vm = vm["id"].as_str().unwrap().to_owned();
    let (_, nic) = call(&router, "add_nic", &json!({"vm_id": vm, "nic": {"name": "n1", "network": "n1"}}).to_string()).await;
    let nic = nic["id"].as_str().unwrap().to_owned();
    let before = snapshot(&router).await;

    // Every registered server function is in the list.
    let listed: Vec<String> = functions(&cluster, &vm, &nic).iter().map(|(name, _)| format!("/api/fn/{name}")).collect();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        assert!(listed.iter().any(|l| l == path), "{path} has no malformed calls here");
    }

    let mut calls = 0;
    for (function, args) in functions(&cluster, &vm, &nic) {
        let good: serde_json::Map<String, Value> = args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        // (body, the field the refusal must name)
        let mut cases: Vec<(String, Option<String>)> = vec![
            ("{".into(), None),
            ("[]".into(), None),
            ("null".into(), None),
            ("\"text\"".into(), None),
            (json!(Value::Object({ let mut m = good.clone(); m.insert("bogus".into(), json!(1)); m })).to_string(), Some("bogus".into())),
        ];
        for (name, _) in &args {
            let mut missing = good.clone();
            missing.remove(*name);
            // Optional arguments may be left out; the others are named.
            if !matches!((function, *name), ("list_events", _) | ("list_networks", _) | ("update_user", "enabled" | "password")) {
                cases.push((Value::Object(missing).to_string(), Some(name.to_string())));
            }
            for wrong in [json!("not-a-uuid-or-object"), json!([1, 2]), json!({"x": {}}), json!(-1), json!(true)] {
                let mut bad = good.clone();
                bad.insert(name.to_string(), wrong.clone());
                // A string is a fine name, token or fingerprint, checked by the flow.
                let takes_text =
                    matches!(*name, "name" | "nic_name" | "compatibility_version" | "agent_url" | "token" | "fingerprint" | "kind" | "password" | "user");
                if (takes_text && wrong.is_string()) || (*name == "enabled" && wrong.is_boolean()) {
                    continue;
                }
                cases.push((Value::Object(bad).to_string(), Some(name.to_string())));
            }
        }
        for (body, field) in cases {
            calls += 1;
            let (status, answer) = call(&router, function, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{function} {body}: {answer}");
            let reason = answer["reason"].as_str().unwrap_or_default();
            assert!(!reason.is_empty(), "{function} {body}: {answer}");
            if let Some(field) = field {
                let named = answer["field"].as_str().unwrap_or_default();
                let within = named.starts_with(&format!("{field}.")) || named.starts_with(&format!("{field}["));
                assert!(named == field || within, "{function} {body}: {answer}");
            }
        }
    }
    println!("{calls} malformed calls, each a 400");
    assert!(calls > 400, "{calls}");
    assert_eq!(snapshot(&router).await, before, "a refused call changed something");
}

#[tokio::test]
async fn the_http_edge_refuses_non_json_calls_foreign_hosts_and_huge_bodies() {
    let (router, _dir) = router().await;
    let (_, cluster) = call(&router, "create_cluster", r#"{"name":"c1","compatibility_version":"4.7"}"#).await;
    let before = snapshot(&router).await;
    let create = json!({"vm": {"name": "v1", "cluster_id": cluster["id"]}}).to_string().into_bytes();
    // What a cross-site form or a `text/plain` fetch (no preflight) sends.
    for kind in [None, Some("text/plain"), Some("application/x-www-form-urlencoded"), Some("multipart/form-data; boundary=x")] {
        let (status, answer) = send(&router, "/api/fn/create_vm", kind, "127.0.0.1:3000", create.clone()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{kind:?}: {answer}");
    }
    // DNS rebinding: a name that is not this server's.
    let (status, answer) = send(&router, "/api/fn/create_vm", Some("application/json"), "evil.example.com:3000", create.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains("HOTNIC_ALLOWED_HOSTS"));
    let page = Request::get("/vms").header("host", "evil.example.com").body(Body::empty()).unwrap();
    assert_eq!(router.clone().oneshot(page).await.unwrap().status(), StatusCode::FORBIDDEN);
    // Bodies past 64 KiB, to a server function and to REST.
    let huge = json!({"vm": {"name": "v2", "cluster_id": cluster["id"], "cmdline": "x".repeat(70_000)}}).to_string().into_bytes();
    let (status, _) = send(&router, "/api/fn/create_vm", Some("application/json"), "127.0.0.1:3000", huge.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = send(&router, "/api/vms", Some("application/json"), "127.0.0.1:3000", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(snapshot(&router).await, before, "a refused call changed something");
    // The same call, done right, works.
    let (status, answer) = send(&router, "/api/fn/create_vm", Some("application/json"), "localhost:3000", create).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// Answers are compressed when the client asks (the page's WASM is 1.1 MB
/// raw), but the change stream is not: a compressor would hold events back.
#[tokio::test]
async fn answers_are_compressed_when_asked_but_events_are_not() {
    let (router, _dir) = router().await;
    for i in 0..5 {
        call(&router, "create_cluster", &json!({"name": format!("cluster-{i}"), "compatibility_version": "4.7"}).to_string()).await;
    }
    let get = |path: &str, encoding: &str| {
        Request::get(path).header("host", "127.0.0.1:3000").header("accept-encoding", encoding).body(Body::empty()).unwrap()
    };
    let plain = router.clone().oneshot(get("/api/clusters", "identity")).await.unwrap();
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain_len = plain.into_body().collect().await.unwrap().to_bytes().len();
    let packed = router.clone().oneshot(get("/api/clusters", "br")).await.unwrap();
    assert_eq!(packed.headers().get("content-encoding").unwrap(), "br");
    let packed_len = packed.into_body().collect().await.unwrap().to_bytes().len();
    assert!(packed_len < plain_len, "{packed_len} < {plain_len}");
    let events = router.clone().oneshot(get("/api/changes", "gzip, br")).await.unwrap();
    assert_eq!(events.headers().get("content-type").unwrap(), "text/event-stream");
    assert_eq!(events.headers().get("content-encoding"), None, "events are sent as they happen");
}

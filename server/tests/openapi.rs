//! /api/openapi.json matches the router (every documented path answers,
//! every route is documented) and real answers fit its schemas.

mod support;

use axum::Router;
use hotnic_agent_api::openapi::check;
use serde_json::{json, Value};

async fn router() -> (Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("openapi.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let engine = hotnic_engine::Engine::new(
        database,
        hotnic_engine::AgentHosts::new(std::time::Duration::from_secs(2)),
        Default::default(),
    );
    (support::admin_router(engine).await, dir)
}

async fn call(router: &Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    support::call(router, None, method, uri, body).await
}

/// Checks an answer against the schema the document gives for it.
fn fits(doc: &Value, path: &str, method: &str, status: u16, value: &Value) {
    let content = &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"];
    let schema = if let Some(reference) = content["$ref"].as_str() {
        reference.rsplit('/').next().unwrap().to_owned()
    } else if let Some(reference) = content["items"]["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        for item in value.as_array().unwrap_or_else(|| panic!("{method} {path}: not an array: {value}")) {
            check(doc, name, item).unwrap_or_else(|e| panic!("{method} {path} {status}: {e:?}"));
        }
        return;
    } else {
        panic!("{method} {path}: no schema for {status}");
    };
    check(doc, &schema, value).unwrap_or_else(|e| panic!("{method} {path} {status}: {e:?} in {value}"));
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let (router, _dir) = router().await;
    let (status, doc) = call(&router, "GET", "/api/openapi.json", None).await;
    assert_eq!(status, 200);
    let nil = uuid::Uuid::nil();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = ["{vm}", "{nic}", "{cluster}", "{host}", "{user}", "{token}", "{permission}"].iter().fold(path.clone(), |uri, id| uri.replace(id, &nil.to_string()));
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let body = (method == "post" || method == "put").then(|| json!({}));
            let (status, answer) = call(&router, &method.to_uppercase(), &uri, body).await;
            assert_ne!(status, 405, "{method} {path} is documented but not routed");
            let unrouted = answer["reason"].as_str().is_some_and(|r| r.starts_with("no such API path"));
            assert!(!unrouted, "{method} {path} is documented but not routed");
            if status >= 400 {
                fits(&doc, path, method, status, &answer);
            }
        }
    }
    assert_eq!(operations, 52, "the REST API has 52 operations");
}

#[tokio::test]
async fn real_answers_fit_the_document() {
    let (router, _dir) = router().await;
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let r = &router;

    let (s, health) = call(r, "GET", "/api/health", None).await;
    assert_eq!(s, 200);
    fits(&doc, "/api/health", "get", s, &health);
    let (s, cluster) = call(r, "POST", "/api/clusters", Some(json!({"name": "c", "compatibility_version": "4.7"}))).await;
    assert_eq!(s, 201);
    fits(&doc, "/api/clusters", "post", s, &cluster);
    let body = json!({"name": "h", "cluster_id": cluster["id"], "agent_url": "http://127.0.0.1:9", "token": "0123456789"});
    let (s, host) = call(r, "POST", "/api/hosts", Some(body)).await;
    assert_eq!(s, 502, "no agent answers there: {host}");
    fits(&doc, "/api/hosts", "post", s, &host);
    let (s, network) = call(r, "POST", "/api/networks", Some(json!({"name": "blue", "cluster_id": cluster["id"]}))).await;
    assert_eq!(s, 201);
    fits(&doc, "/api/networks", "post", s, &network);
    let (s, vm) = call(r, "POST", "/api/vms", Some(json!({"name": "v", "cluster_id": cluster["id"]}))).await;
    assert_eq!(s, 201);
    fits(&doc, "/api/vms", "post", s, &vm);
    let vm_path = format!("/api/vms/{}", vm["id"].as_str().unwrap());
    let (s, nic) = call(r, "POST", &format!("{vm_path}/nics"), Some(json!({"name": "nic1", "network": "blue"}))).await;
    assert_eq!(s, 201);
    fits(&doc, "/api/vms/{vm}/nics", "post", s, &nic);
    let nic_path = format!("{vm_path}/nics/{}", nic["id"].as_str().unwrap());
    let (s, plugged) = call(r, "POST", &format!("{nic_path}/plug"), None).await;
    assert_eq!(s, 200);
    fits(&doc, "/api/vms/{vm}/nics/{nic}/plug", "post", s, &plugged);
    let (s, edited) = call(r, "PUT", &nic_path, Some(json!({"boot_order": 2, "plugged": false}))).await;
    assert_eq!(s, 200);
    fits(&doc, "/api/vms/{vm}/nics/{nic}", "put", s, &edited);
    assert_eq!((edited["boot_order"].clone(), edited["plugged"].clone()), (json!(2), json!(false)));

    for (path, uri) in [
        ("/api/clusters", "/api/clusters".to_owned()),
        ("/api/hosts", "/api/hosts".to_owned()),
        ("/api/networks", "/api/networks".to_owned()),
        ("/api/vms", "/api/vms".to_owned()),
        ("/api/vms/{vm}", vm_path.clone()),
        ("/api/vms/{vm}/nics", format!("{vm_path}/nics")),
        ("/api/vms/{vm}/nics/{nic}", nic_path.clone()),
        ("/api/events", "/api/events".to_owned()),
    ] {
        let (s, answer) = call(r, "GET", &uri, None).await;
        assert_eq!(s, 200, "{uri}: {answer}");
        fits(&doc, path, "get", s, &answer);
    }

    // A VM read back posts unchanged as a new VM (but for its name); the
    // new one has the same boot settings.
    let mut copy = vm.clone();
    copy["name"] = json!("v2");
    let (s, again) = call(r, "POST", "/api/vms", Some(copy)).await;
    assert_eq!(s, 201, "{again}");
    for field in ["cluster_id", "memory_mib", "vcpus", "kernel", "initrd", "cmdline", "disk"] {
        assert_eq!(again[field], vm[field], "{field}");
    }

    // Errors: the Error schema, with a status from the document.
    let (s, error) = call(r, "POST", "/api/clusters", Some(json!({"name": "c", "compatibility_version": "4.7"}))).await;
    assert_eq!(s, 409, "a duplicate name: {error}");
    fits(&doc, "/api/clusters", "post", s, &error);
    let (s, error) = call(r, "POST", &format!("{nic_path}/unplug"), None).await;
    assert_eq!((s, error["reason"].as_str().unwrap()), (409, "NIC nic1 is already unplugged"));
    fits(&doc, "/api/vms/{vm}/nics/{nic}/unplug", "post", s, &error);
}

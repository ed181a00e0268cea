//! The host boundary (issue 9), through the REST API with a real agent:
//! - a VM's kernel, initrd and disk are images of the cluster's library:
//!   host paths, `..`, a symlink out of the library, a FIFO and a folder
//!   are refused (400, nothing created);
//! - the engine talks to agents over HTTPS and pins each certificate: a
//!   replaced key is refused, with the new fingerprint shown, until an
//!   administrator accepts exactly that fingerprint;
//! - agent URLs are `https://host:port` only; an agent (or whatever the URL
//!   points to) that answers a redirect or a large error body has nothing
//!   of it followed or copied into answers and the audit log.

mod stack;

use axum::response::IntoResponse;
use hotnic_agent_api::{Caps, Envelope};
use serde_json::{json, Value};
use stack::Stack;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const UNPLUG_TIMEOUT: Duration = Duration::from_secs(30);

async fn vm_count(stack: &Stack) -> usize {
    stack.ok("GET", "/api/vms", None).await.as_array().unwrap().len()
}

#[tokio::test]
async fn vm_files_come_only_from_the_image_library() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let images = &stack.images;
    std::os::unix::fs::symlink("/etc/shadow", images.join("shadow-link")).unwrap();
    std::os::unix::fs::symlink("/dev/vda", images.join("vda-link")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(images.join("fifo")).status().unwrap().success());
    std::fs::create_dir(images.join("folder")).unwrap();

    let listed = stack.ok("GET", &format!("/api/clusters/{}/images", stack.cluster_id), None).await;
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["initrd.img", "vmlinuz"], "only the regular files of the library");

    let before = vm_count(&stack).await;
    for (field, value, why) in [
        ("disk", "/dev/vda", "is a path; send the name of an image"),
        ("kernel", "/etc/shadow", "is a path; send the name of an image"),
        ("initrd", "../initrd.img", "is a path"),
        ("kernel", "..", "is not an image name"),
        ("disk", "shadow-link", "no host of the cluster has an image 'shadow-link'"),
        ("disk", "vda-link", "no host of the cluster has an image"),
        ("disk", "fifo", "no host of the cluster has an image"),
        ("disk", "folder", "no host of the cluster has an image"),
    ] {
        let mut body = json!({"name": format!("bad-{}", stack.suffix), "cluster_id": stack.cluster_id, "kernel": "vmlinuz"});
        body[field] = json!(value);
        let (status, answer) = stack.call("POST", "/api/vms", Some(body)).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some(field)), "{field}={value}: {answer}");
        let reason = answer["reason"].as_str().unwrap();
        assert!(reason.contains(why), "{field}={value}: {reason}");
        assert_eq!(vm_count(&stack).await, before, "{field}={value}: nothing is created");
    }
    // The same through the server function.
    let body = json!({"vm": {"name": format!("fn-{}", stack.suffix), "cluster_id": stack.cluster_id, "kernel": "/etc/shadow"}});
    let (status, answer) = stack.call("POST", "/api/fn/create_vm", Some(body)).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("kernel")), "{answer}");

    // A named image boots.
    let vm = stack.create_vm("lib", true).await;
    stack.run(vm, true).await;
    assert_eq!(vm_count(&stack).await, before + 1);
}

#[tokio::test]
async fn a_replaced_agent_certificate_is_refused_until_accepted() {
    let mut stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let host_path = format!("/api/hosts/{}", stack.host_id);
    let hosts = stack.ok("GET", "/api/hosts", None).await;
    assert_eq!(hosts[0]["fingerprint"], stack.fingerprint.as_str(), "pinned at registration");
    assert_eq!(hosts[0]["presented_fingerprint"], Value::Null);

    // The host gets a new key: same address, new certificate.
    let old = stack.fingerprint.clone();
    let addr = stack.agent.take().unwrap().addr;
    std::fs::remove_dir_all(&stack.tls_dir).unwrap();
    let mut config = stack.agent_config.clone();
    config.listen = addr;
    let agent = hotnic_agent::start(config).await.expect("the agent starts again");
    let new = agent.fingerprint.clone();
    assert_ne!(new, old);
    stack.agent = Some(agent);

    stack.settle().await;
    let hosts = stack.ok("GET", "/api/hosts", None).await;
    assert_eq!(hosts[0]["status"], "non_responsive", "{hosts}");
    assert_eq!(hosts[0]["fingerprint"], old.as_str(), "the pin stays");
    assert_eq!(hosts[0]["presented_fingerprint"], new.as_str(), "the new one is shown");
    let events = stack.ok("GET", "/api/events", None).await;
    let message = events[0]["message"].as_str().unwrap();
    assert!(message.contains("presents another TLS certificate") && message.contains(new.as_str()), "{message}");
    let vm = stack.create_vm("pinned", false).await;
    let (status, answer) = stack.call("POST", &format!("/api/vms/{vm}/start"), None).await;
    assert_eq!(status, 409, "no flow reaches a host that is not trusted: {answer}");

    // Accepting another fingerprint than the one presented changes nothing.
    let accept = format!("{host_path}/accept_fingerprint");
    let (status, answer) = stack.call("POST", &accept, Some(json!({"fingerprint": old.as_str()}))).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["reason"].as_str().unwrap().contains(&format!("presents the certificate {new}")), "{answer}");
    let (status, answer) = stack.call("POST", &accept, Some(json!({"fingerprint": "not-a-fingerprint"}))).await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("fingerprint")), "{answer}");
    assert_eq!(stack.ok("GET", "/api/hosts", None).await[0]["fingerprint"], old.as_str());

    // The administrator accepts the new one (as a server function here).
    let body = json!({"host_id": stack.host_id, "fingerprint": new.as_str().to_lowercase()});
    let host = stack.ok("POST", "/api/fn/accept_host_fingerprint", Some(body)).await;
    assert_eq!((host["fingerprint"].as_str(), host["presented_fingerprint"].clone()), (Some(new.as_str()), Value::Null));
    stack.settle().await;
    assert_eq!(stack.ok("GET", "/api/hosts", None).await[0]["status"], "up");
    stack.ok("POST", &format!("/api/vms/{vm}/start"), None).await;
}

#[tokio::test]
async fn agent_urls_are_https_host_and_port_only() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let port = stack.agent_url.rsplit(':').next().unwrap().to_owned();
    let before = stack.ok("GET", "/api/hosts", None).await;
    for url in [
        format!("https://user:secret@127.0.0.1:{port}"),
        format!("https://127.0.0.1:{port}/api"),
        format!("https://127.0.0.1:{port}/?next=x"),
        format!("https://127.0.0.1:{port}/#frag"),
        "file:///etc/shadow".to_owned(),
        format!("ftp://127.0.0.1:{port}"),
        "https://127.0.0.1".to_owned(),
        "127.0.0.1:54321".to_owned(),
    ] {
        let body = json!({"name": format!("u-{}", stack.suffix), "cluster_id": stack.cluster_id, "agent_url": url, "token": stack.token});
        let (status, answer) = stack.call("POST", "/api/hosts", Some(body)).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some("agent_url")), "{url}: {answer}");
    }
    // A fingerprint given at registration must be the one presented.
    let wrong = "AB:".repeat(31) + "AB";
    let body = json!({"name": format!("w-{}", stack.suffix), "cluster_id": stack.cluster_id, "agent_url": stack.agent_url,
                      "token": stack.token, "fingerprint": wrong});
    let (status, answer) = stack.call("POST", "/api/hosts", Some(body)).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(stack.ok("GET", "/api/hosts", None).await, before, "nothing registered");
}

/// A TLS server that answers every verb with `misbehaviour` (but getCaps
/// like an agent when `caps_ok`); counts requests that follow its redirect.
async fn impostor(
    misbehaviour: axum::response::Response<axum::body::Body>,
    caps_ok: bool,
    followed: Arc<AtomicUsize>,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let dir = tempfile::tempdir().unwrap().keep();
    let identity = hotnic_agent::tls::load_or_create(&dir.join("tls")).unwrap();
    let caps = Caps {
        api_version: hotnic_agent_api::API_VERSION,
        hostname: "impostor".into(),
        libvirt_version: "9.0.0".into(),
        qemu_version: "7.2.0".into(),
        bridges: vec![],
        images: vec![],
        nic_devices: vec![],
        nic_models: vec![],
        free_pci_slots: Default::default(),
        pci_slot_maps: Default::default(),
    };
    let caps = serde_json::to_value(Envelope::done(caps)).unwrap();
    let (status, headers, body) = {
        let (parts, body) = misbehaviour.into_parts();
        (parts.status, parts.headers, axum::body::to_bytes(body, usize::MAX).await.unwrap())
    };
    let mut app = axum::Router::new();
    if caps_ok {
        app = app.route("/api/v1/getCaps", axum::routing::post(move || async move { axum::Json(caps) }));
    }
    let app = app
        .route(
            "/followed",
            axum::routing::any(move || async move {
                followed.fetch_add(1, Ordering::SeqCst);
                "followed"
            }),
        )
        .fallback(move || async move { (status, headers, body).into_response() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(hotnic_agent::tls::serve(listener, identity.config, app, rx));
    (url, tx)
}

#[tokio::test]
async fn redirects_and_error_bodies_are_neither_followed_nor_copied() {
    let stack = Stack::start("4.7", UNPLUG_TIMEOUT).await;
    let marker = "SECRET-MARKER-FROM-THE-ANSWER";
    let misbehaviours = || {
        [
            ("redirect", (axum::http::StatusCode::FOUND, [("location", "/followed")], marker.to_owned()).into_response()),
            ("big", (axum::http::StatusCode::INTERNAL_SERVER_ERROR, format!("{marker} {}", "x".repeat(1 << 20))).into_response()),
        ]
    };
    // Registering a URL that answers so: refused, nothing of it shown.
    for (hint, misbehaviour) in misbehaviours() {
        let followed = Arc::new(AtomicUsize::new(0));
        let (url, _stop) = impostor(misbehaviour, false, followed.clone()).await;
        let body = json!({"name": format!("r{hint}-{}", stack.suffix), "cluster_id": stack.cluster_id, "agent_url": url, "token": "impostor-token"});
        let (status, answer) = stack.call("POST", "/api/hosts", Some(body)).await;
        assert_eq!(status, 502, "{hint}: {answer}");
        assert!(answer["reason"].as_str().unwrap().starts_with(&format!("Host r{hint}-{} did not answer", stack.suffix)), "{answer}");
        assert!(!answer.to_string().contains(marker), "{hint}: the body reached the answer: {answer}");
        assert_eq!(followed.load(Ordering::SeqCst), 0, "{hint}: a redirect was followed");
    }
    // A registered host that starts answering so: marked non-responsive;
    // the audit log says why without the body.
    for (hint, misbehaviour) in misbehaviours() {
        let followed = Arc::new(AtomicUsize::new(0));
        let (url, _stop) = impostor(misbehaviour, true, followed.clone()).await;
        let body = json!({"name": format!("m{hint}-{}", stack.suffix), "cluster_id": stack.cluster_id, "agent_url": url, "token": "impostor-token"});
        let host = stack.ok("POST", "/api/hosts", Some(body)).await;
        stack.settle().await;
        let hosts = stack.ok("GET", "/api/hosts", None).await;
        let this = hosts.as_array().unwrap().iter().find(|h| h["id"] == host["id"]).unwrap();
        assert_eq!(this["status"], "non_responsive", "{hint}: {this}");
        let events = stack.ok("GET", "/api/events?limit=1000", None).await.to_string();
        // An answer that is no agent's is reported as unreadable, not as silence.
        assert!(events.contains(&format!("Host m{hint}-{} answered what hotnic cannot read", stack.suffix)), "{hint}: {events}");
        assert!(!events.contains(marker), "{hint}: the answer's body reached the audit log");
        assert_eq!(followed.load(Ordering::SeqCst), 0, "{hint}: a redirect was followed");
    }
}

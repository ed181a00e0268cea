//! Who may do what, through the REST API: every route × {no credentials,
//! ReadOnly, UserVmManager on another VM, UserVmManager on this VM,
//! ClusterAdmin, SuperUser} answers the right status, on SQLite and on
//! PostgreSQL, and nothing in the database changes after a refusal. Also:
//! lists show only what the caller may see, and the audit log names the
//! user and the token.

#[path = "../../engine/tests/common/mod.rs"]
mod common;
mod support;

use support::call;

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use hotnic_engine::access::{permissions, users, Actor};
use hotnic_engine::entities::{api_token, audit_log, cluster, network, permission, user, vm, vm_device, vm_interface};
use hotnic_engine::{Database, Engine};
use hotnic_model::{NewPermission, NewUser, PermissionObject, Role};
use http_body_util::BodyExt;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};
use tower::ServiceExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Nobody,
    ReadOnly,
    VmManagerOfAnother,
    VmManagerOfThis,
    ClusterAdmin,
    SuperUser,
}

const CALLERS: [Caller; 6] = [
    Caller::Nobody,
    Caller::ReadOnly,
    Caller::VmManagerOfAnother,
    Caller::VmManagerOfThis,
    Caller::ClusterAdmin,
    Caller::SuperUser,
];

/// What a route needs.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Any signed-in user (lists are filtered, not refused).
    SignedIn,
    /// To see the cluster (a role on it, on one of its VMs, or the system).
    SeeCluster,
    SeeVm,
    OperateVm,
    ManageCluster,
    SuperUser,
}

/// The status `caller` must get: `None` means "allowed": the route's own
/// answer for a permitted caller.
fn refusal(need: Need, caller: Caller) -> Option<u16> {
    use Caller::*;
    match (need, caller) {
        (_, Nobody) => Some(401),
        (_, SuperUser) => None,
        (Need::SignedIn | Need::SeeCluster, _) => None,
        (Need::SeeVm, VmManagerOfAnother) => Some(404),
        (Need::SeeVm, _) => None,
        (Need::OperateVm, ReadOnly) => Some(403),
        (Need::OperateVm, VmManagerOfAnother) => Some(404),
        (Need::OperateVm, _) => None,
        (Need::ManageCluster, ClusterAdmin) => None,
        (Need::ManageCluster | Need::SuperUser, _) => Some(403),
    }
}

struct World {
    engine: Engine,
    router: Router,
    tokens: Vec<(Caller, Option<String>)>,
    cluster: String,
    network: String,
    vm: String,
    other_vm: String,
    nic: String,
    spare_user: String,
}


impl World {
    async fn new(database: &Database) -> World {
        let engine = Engine::new(database.clone(), hotnic_engine::AgentHosts::new(std::time::Duration::from_secs(2)), Default::default());
        let admin_token = support::admin_token(&engine).await;
        let options = leptos::prelude::LeptosOptions::builder().output_name("hotnic").build();
        let router = hotnic::router(engine.clone(), options);
        let admin = |m, u, b| {
            let router = router.clone();
            let token = admin_token.clone();
            async move {
                let (status, answer) = call(&router, Some(&token), m, u, b).await;
                assert!(status < 300, "{m} {u}: {status} {answer}");
                answer
            }
        };
        let cluster = admin("POST", "/api/clusters", Some(json!({"name": "c1", "compatibility_version": "4.7"}))).await;
        let cluster = cluster["id"].as_str().unwrap().to_owned();
        let network = admin("POST", "/api/networks", Some(json!({"name": "hnbr0", "cluster_id": cluster, "kind": "bridge"}))).await;
        let network = network["id"].as_str().unwrap().to_owned();
        let vm = admin("POST", "/api/vms", Some(json!({"name": "vm1", "cluster_id": cluster}))).await["id"].as_str().unwrap().to_owned();
        let other_vm = admin("POST", "/api/vms", Some(json!({"name": "vm2", "cluster_id": cluster}))).await["id"].as_str().unwrap().to_owned();
        let nic = admin("POST", &format!("/api/vms/{vm}/nics"), Some(json!({"name": "nic1", "network": "hnbr0"}))).await;
        let nic = nic["id"].as_str().unwrap().to_owned();

        let superuser = admin_actor(&engine).await;
        let grant = |user: &'static str, role: Role, object: PermissionObject| {
            let engine = engine.clone();
            let superuser = superuser.clone();
            async move {
                users::create_user(&engine, &superuser, NewUser { name: user.into(), password: "password-123".into() }).await.unwrap();
                permissions::grant(&engine, &superuser, NewPermission { user: user.into(), role, object }).await.unwrap();
                support::token_for(&engine, user, None).await
            }
        };
        let uuid = |s: &str| s.parse::<uuid::Uuid>().unwrap();
        let tokens = vec![
            (Caller::Nobody, None),
            (Caller::ReadOnly, Some(grant("reader", Role::ReadOnly, PermissionObject::System).await)),
            (Caller::VmManagerOfAnother, Some(grant("otheruser", Role::UserVmManager, PermissionObject::Vm(uuid(&other_vm))).await)),
            (Caller::VmManagerOfThis, Some(grant("vmuser", Role::UserVmManager, PermissionObject::Vm(uuid(&vm))).await)),
            (Caller::ClusterAdmin, Some(grant("cadmin", Role::ClusterAdmin, PermissionObject::Cluster(uuid(&cluster))).await)),
            (Caller::SuperUser, Some(admin_token.clone())),
        ];
        assert_eq!(tokens.iter().map(|(caller, _)| *caller).collect::<Vec<_>>(), CALLERS, "one caller of each kind");
        users::create_user(&engine, &superuser, NewUser { name: "spare".into(), password: "password-123".into() }).await.unwrap();
        let spare_user = users::find_user_by_name(engine.db(), "spare").await.unwrap().unwrap().id.to_string();
        World { engine, router, tokens, cluster, network, vm, other_vm, nic, spare_user }
    }

    async fn admin(&self, method: &str, uri: &str, body: Option<Value>) -> Value {
        let token = self.tokens.last().unwrap().1.clone();
        let (status, answer) = call(&self.router, token.as_deref(), method, uri, body).await;
        assert!(status < 300, "{method} {uri}: {status} {answer}");
        answer
    }

    /// Every row that matters, as text (a token's last-use time aside).
    async fn snapshot(&self) -> String {
        let db = self.engine.db();
        let tokens: Vec<_> = api_token::Entity::find()
            .order_by_asc(api_token::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.user_id, t.name, t.secret_hash))
            .collect();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            cluster::Entity::find().order_by_asc(cluster::Column::Id).all(db).await.unwrap(),
            network::Entity::find().order_by_asc(network::Column::Id).all(db).await.unwrap(),
            vm::Entity::find().order_by_asc(vm::Column::Id).all(db).await.unwrap(),
            vm_interface::Entity::find().order_by_asc(vm_interface::Column::Id).all(db).await.unwrap(),
            vm_device::Entity::find().order_by_asc(vm_device::Column::DeviceId).all(db).await.unwrap(),
            audit_log::Entity::find().order_by_asc(audit_log::Column::Id).all(db).await.unwrap(),
            user::Entity::find().order_by_asc(user::Column::Id).all(db).await.unwrap(),
            permission::Entity::find().order_by_asc(permission::Column::Id).all(db).await.unwrap(),
            tokens,
        )
    }
}

async fn admin_actor(engine: &Engine) -> Actor {
    let row = users::find_user_by_name(engine.db(), users::ADMIN).await.unwrap().unwrap();
    Actor::load(engine.db(), row.id, row.name, None).await.unwrap()
}

/// One route: how to call it, what it needs, what a permitted caller gets,
/// and how to put things back after a permitted call.
struct Case {
    method: &'static str,
    uri: String,
    body: Option<Value>,
    need: Need,
    allowed: u16,
    before: Option<(&'static str, String)>,
    after: Option<(&'static str, String)>,
}

fn case(method: &'static str, uri: String, body: Option<Value>, need: Need, allowed: u16) -> Case {
    Case { method, uri, body, need, allowed, before: None, after: None }
}

fn cases(w: &World, n: usize) -> Vec<Case> {
    let (vm, nic, cluster) = (&w.vm, &w.nic, &w.cluster);
    let nic_path = format!("/api/vms/{vm}/nics/{nic}");
    let nil = uuid::Uuid::nil();
    vec![
        case("GET", "/api/session".into(), None, Need::SignedIn, 200),
        case("GET", "/api/vms".into(), None, Need::SignedIn, 200),
        case("GET", "/api/clusters".into(), None, Need::SignedIn, 200),
        case("GET", "/api/networks".into(), None, Need::SignedIn, 200),
        case("GET", "/api/hosts".into(), None, Need::SignedIn, 200),
        case("GET", "/api/events".into(), None, Need::SignedIn, 200),
        case("GET", "/api/tokens".into(), None, Need::SignedIn, 200),
        case("GET", "/api/changes".into(), None, Need::SignedIn, 200),
        case("GET", format!("/api/clusters/{cluster}/images"), None, Need::SeeCluster, 200),
        case("GET", format!("/api/clusters/{cluster}/permissions"), None, Need::SeeCluster, 200),
        case("GET", format!("/api/vms/{vm}"), None, Need::SeeVm, 200),
        case("GET", format!("/api/vms/{vm}/nics"), None, Need::SeeVm, 200),
        case("GET", nic_path.clone(), None, Need::SeeVm, 200),
        case("GET", format!("/api/events?vm_id={vm}"), None, Need::SeeVm, 200),
        case("GET", format!("/api/vms/{vm}/permissions"), None, Need::SeeVm, 200),
        Case { after: Some(("POST", format!("{nic_path}/unplug"))), ..case("POST", format!("{nic_path}/plug"), None, Need::OperateVm, 200) },
        Case {
            before: Some(("POST", format!("{nic_path}/plug"))),
            ..case("POST", format!("{nic_path}/unplug"), None, Need::OperateVm, 200)
        },
        case("PUT", nic_path.clone(), Some(json!({"boot_order": 3})), Need::OperateVm, 200),
        case("PUT", nic_path.clone(), Some(json!({"linked": false})), Need::OperateVm, 200),
        Case {
            after: Some(("POST", format!("{nic_path}/unplug"))),
            ..case("POST", format!("/api/vms/{vm}/nics/plug"), Some(json!({"ids": [nic]})), Need::OperateVm, 200)
        },
        case("POST", format!("/api/vms/{vm}/nics"), Some(json!({"name": format!("added{n}")})), Need::OperateVm, 201),
        // Permitted callers get past the permission to the VM's own rules:
        // no host to run on, and it is already down.
        case("POST", format!("/api/vms/{vm}/start"), None, Need::OperateVm, 409),
        case("POST", format!("/api/vms/{vm}/stop"), None, Need::OperateVm, 409),
        // A down VM has no PCI slots: past the permission, the VM's rule.
        case("GET", format!("/api/vms/{vm}/pci_slots"), None, Need::SeeVm, 409),
        // Across VMs: the VM has no NIC by that name (its own 404 outcome).
        case("POST", "/api/vms/plug_nic".into(), Some(json!({"vm_ids": [vm], "nic_name": "absent"})), Need::OperateVm, 200),
        case("POST", "/api/vms/unplug_nic".into(), Some(json!({"vm_ids": [vm], "nic_name": "absent"})), Need::OperateVm, 200),
        // Drift is between a running VM and its host; this one is down.
        case("POST", format!("{nic_path}/drift"), Some(json!({"keep": "host"})), Need::OperateVm, 409),
        case("POST", format!("/api/vms/{vm}/unknown_nics/adopt"), Some(json!({"mac": "52:54:00:00:00:01"})), Need::OperateVm, 409),
        case("POST", format!("/api/vms/{vm}/unknown_nics/detach"), Some(json!({"mac": "52:54:00:00:00:01"})), Need::OperateVm, 409),
        case("POST", "/api/vms".into(), Some(json!({"name": format!("new{n}"), "cluster_id": cluster})), Need::ManageCluster, 201),
        case(
            "POST",
            "/api/networks".into(),
            Some(json!({"name": format!("net{n}"), "cluster_id": cluster, "kind": "bridge"})),
            Need::ManageCluster,
            201,
        ),
        case("POST", "/api/clusters".into(), Some(json!({"name": format!("c{n}x"), "compatibility_version": "4.7"})), Need::SuperUser, 201),
        // Permitted, then the host cannot be reached.
        case(
            "POST",
            "/api/hosts".into(),
            Some(json!({"name": format!("h{n}"), "cluster_id": cluster, "agent_url": "https://127.0.0.1:9", "token": "0123456789"})),
            Need::SuperUser,
            502,
        ),
        case("POST", format!("/api/hosts/{nil}/accept_fingerprint"), Some(json!({"fingerprint": "AB"})), Need::SuperUser, 400),
        // Edit with nothing to change; remove what is still in use.
        case("PUT", format!("/api/clusters/{cluster}"), Some(json!({})), Need::SuperUser, 200),
        case("DELETE", format!("/api/clusters/{cluster}"), None, Need::SuperUser, 409),
        case("PUT", format!("/api/hosts/{nil}"), Some(json!({"maintenance": true})), Need::SuperUser, 404),
        case("DELETE", format!("/api/hosts/{nil}"), None, Need::SuperUser, 404),
        case("PUT", format!("/api/networks/{}", w.network), Some(json!({})), Need::ManageCluster, 200),
        case("DELETE", format!("/api/networks/{}", w.network), None, Need::ManageCluster, 409),
        case("GET", "/api/users".into(), None, Need::SuperUser, 200),
        case("POST", "/api/users".into(), Some(json!({"name": format!("nu{n}"), "password": "password-123"})), Need::SuperUser, 201),
        case("PUT", format!("/api/users/{}", w.spare_user), Some(json!({"enabled": true})), Need::SuperUser, 200),
        case("GET", "/api/permissions".into(), None, Need::SuperUser, 200),
        case(
            "POST",
            "/api/permissions".into(),
            Some(json!({"user": format!("u{n}"), "role": "ReadOnly", "object": {"kind": "vm", "id": vm}})),
            Need::SuperUser,
            201,
        ),
    ]
}

async fn matrix(database: &Database) {
    let world = World::new(database).await;
    let mut checked = 0;
    for (index, (caller, token)) in world.tokens.iter().enumerate() {
        // Users the permitted POST /api/permissions case grants to.
        world.admin("POST", "/api/users", Some(json!({"name": format!("u{index}"), "password": "password-123"}))).await;
        for case in cases(&world, index) {
            if let Some((method, uri)) = &case.before {
                world.admin(method, uri, None).await;
            }
            let before = world.snapshot().await;
            let (status, answer) = if case.uri == "/api/changes" {
                // An event stream never ends: read its status only.
                let mut request = Request::get("/api/changes");
                if let Some(token) = token {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                let response = world.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
                let status = response.status().as_u16();
                if status == 200 {
                    (status, Value::Null)
                } else {
                    let bytes = response.into_body().collect().await.unwrap().to_bytes();
                    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
                }
            } else {
                call(&world.router, token.as_deref(), case.method, &case.uri, case.body.clone()).await
            };
            let what = format!("{:?} {} {} ({:?})", caller, case.method, case.uri, case.need);
            match refusal(case.need, *caller) {
                Some(expected) => {
                    assert_eq!(status, expected, "{what}: {answer}");
                    assert!(answer["reason"].as_str().is_some_and(|r| !r.is_empty()), "{what}: a reason: {answer}");
                    if expected == 403 {
                        assert!(answer["reason"].as_str().unwrap().contains("role"), "{what}: names the role: {answer}");
                    }
                    assert_eq!(world.snapshot().await, before, "{what}: a refusal changed the database");
                    if let Some((method, uri)) = &case.before {
                        // Undo the set-up, so the next caller finds the same state.
                        let undo = if uri.ends_with("/plug") { uri.replace("/plug", "/unplug") } else { uri.clone() };
                        world.admin(method, &undo, None).await;
                    }
                }
                None => {
                    assert_eq!(status, case.allowed, "{what}: {answer}");
                    if let Some((method, uri)) = &case.after {
                        world.admin(method, uri, None).await;
                    }
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 6 * 45);

    // The audit log names the user and the token of a change.
    let vm_user = world.tokens[3].1.clone().unwrap();
    let plug = format!("/api/vms/{}/nics/{}/plug", world.vm, world.nic);
    let (status, _) = call(&world.router, Some(&vm_user), "POST", &plug, None).await;
    assert_eq!(status, 200);
    let events = world.admin("GET", &format!("/api/events?vm_id={}&limit=1", world.vm), None).await;
    let by = events[0]["user"].as_str().unwrap();
    assert!(by.starts_with("vmuser (token "), "{by}");
}
on_both_databases!(route_by_role_matrix, matrix);

async fn lists_show_only_what_the_caller_sees(database: &Database) {
    let world = World::new(database).await;
    let names = |list: &Value| -> Vec<String> { list.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_owned()).collect() };
    let token = |i: usize| world.tokens[i].1.clone();
    let (_, mine) = call(&world.router, token(3).as_deref(), "GET", "/api/vms", None).await;
    assert_eq!(names(&mine), ["vm1"], "a VM manager sees their VM only");
    let (_, theirs) = call(&world.router, token(2).as_deref(), "GET", "/api/vms", None).await;
    assert_eq!(names(&theirs), ["vm2"]);
    let (_, all) = call(&world.router, token(4).as_deref(), "GET", "/api/vms", None).await;
    assert_eq!(names(&all), ["vm1", "vm2"], "a cluster admin sees the cluster's VMs");
    let (_, clusters) = call(&world.router, token(3).as_deref(), "GET", "/api/clusters", None).await;
    assert_eq!(names(&clusters), ["c1"], "the VM's cluster, to pick its networks");
    assert_eq!(clusters[0]["actions"]["create_vm"]["ok"], false, "{clusters}");
    let (_, administered) = call(&world.router, token(4).as_deref(), "GET", "/api/clusters", None).await;
    assert_eq!(administered[0]["actions"]["create_vm"], json!({"ok": true}));
    assert!(administered[0]["actions"]["add_host"]["why_not"].as_str().unwrap().contains("SuperUser"));
    let (_, networks) = call(&world.router, token(3).as_deref(), "GET", "/api/networks", None).await;
    assert_eq!(names(&networks), ["hnbr0"]);
    let (_, hosts) = call(&world.router, token(3).as_deref(), "GET", "/api/hosts", None).await;
    assert_eq!(hosts, json!([]));
    // Events: the VM's own, never another VM's or the users'.
    let (_, events) = call(&world.router, token(3).as_deref(), "GET", "/api/events", None).await;
    let events = events.as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["vm_id"] == json!(world.vm)), "{events:?}");
    // What the caller may do comes with each VM and NIC.
    let (_, vm) = call(&world.router, token(1).as_deref(), "GET", &format!("/api/vms/{}", world.vm), None).await;
    assert_eq!(vm["actions"]["run"]["ok"], false);
    assert!(vm["actions"]["run"]["why_not"].as_str().unwrap().contains("UserVmManager"), "{vm}");
    let (_, nics) = call(&world.router, token(3).as_deref(), "GET", &format!("/api/vms/{}/nics", world.vm), None).await;
    assert_eq!(nics[0]["actions"]["plug"], json!({"ok": true}));
    assert_eq!(nics[0]["actions"]["unplug"]["why_not"], "NIC nic1 is already unplugged");
    let _ = &world.other_vm;
}
on_both_databases!(lists_are_filtered, lists_show_only_what_the_caller_sees);

/// No route forgets the check: every operation of the OpenAPI document and
/// every registered server function, without credentials, is 401 and
/// changes nothing; only health, the document itself and signing in answer.
#[tokio::test]
async fn every_route_and_server_function_needs_a_caller() {
    let db = common::TestDb::sqlite(true).await;
    let world = World::new(&db.database).await;
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let nil = uuid::Uuid::nil().to_string();
    let before = world.snapshot().await;
    let mut refused = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = ["{vm}", "{nic}", "{cluster}", "{host}", "{user}", "{token}", "{permission}"]
            .iter()
            .fold(path.clone(), |uri, id| uri.replace(id, &nil));
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let public = path == "/api/health" || (path == "/api/session" && method == "post");
            let body = (method == "post" || method == "put").then(|| json!({}));
            let (status, answer) = call(&world.router, None, &method.to_uppercase(), &uri, body).await;
            if public {
                assert_ne!(status, 401, "{method} {path}");
            } else {
                assert_eq!(status, 401, "{method} {path}: {answer}");
                assert!(answer["reason"].as_str().unwrap().contains("sign in"), "{answer}");
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 50, "every REST operation but health and sign-in");
    let (status, _) = call(&world.router, None, "GET", "/api/changes", None).await;
    assert_eq!(status, 401, "the change stream");

    let mut functions: Vec<&str> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).filter(|p| p.starts_with("/api/fn/")).collect();
    functions.sort_unstable();
    functions.dedup();
    assert!(functions.len() >= 48, "{functions:?}");
    for path in functions {
        let (status, answer) = call(&world.router, None, "POST", path, Some(json!({}))).await;
        if path == "/api/fn/sign_in" {
            assert_eq!(status, 400, "{path}: sign_in needs its arguments, not a session: {answer}");
        } else {
            assert_eq!(status, 401, "{path}: {answer}");
        }
    }
    // A bearer token that is not one is refused, whatever the route.
    let (status, answer) = call(&world.router, Some("hnt_0000"), "GET", "/api/health", None).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(world.snapshot().await, before, "nothing changed");
    db.finish().await;
}

/// Bad input to the sign-in, user, token and permission routes: a 400
/// with a reason, and nothing changes.
#[tokio::test]
async fn bad_input_to_the_access_routes_is_a_400_and_changes_nothing() {
    let db = common::TestDb::sqlite(true).await;
    let world = World::new(&db.database).await;
    let admin = world.tokens[5].1.clone();
    let before = world.snapshot().await;
    let spare = format!("/api/users/{}", world.spare_user);
    let routes = [("POST", "/api/session"), ("POST", "/api/users"), ("PUT", spare.as_str()), ("POST", "/api/tokens"), ("POST", "/api/permissions")];
    let bodies = [json!({}), json!({"bogus": 1}), json!([1]), json!({"name": 7, "password": 7, "user": 7, "role": 7, "object": 7, "enabled": "yes"})];
    for (method, uri) in routes {
        for body in &bodies {
            let (status, answer) = call(&world.router, admin.as_deref(), method, uri, Some(body.clone())).await;
            // PUT /api/users/{id} with {} changes nothing and answers the user.
            if method == "PUT" && *body == json!({}) {
                assert_eq!(status, 200, "{method} {uri} {body}: {answer}");
                continue;
            }
            assert_eq!(status, 400, "{method} {uri} {body}: {answer}");
            assert!(answer["reason"].as_str().is_some_and(|r| !r.is_empty()), "{answer}");
        }
    }
    let refusals = [
        ("POST", "/api/users", json!({"name": "x y/", "password": "password-123"}), "name"),
        ("POST", "/api/users", json!({"name": "eve", "password": "short"}), "password"),
        ("POST", "/api/tokens", json!({"name": ""}), "name"),
        ("POST", "/api/permissions", json!({"user": "nobody", "role": "ReadOnly", "object": {"kind": "system"}}), "user"),
        ("POST", "/api/permissions", json!({"user": "spare", "role": "SuperUser", "object": {"kind": "vm", "id": world.vm}}), "role"),
        ("POST", "/api/permissions", json!({"user": "spare", "role": "ReadOnly", "object": {"kind": "vm", "id": uuid::Uuid::nil()}}), "object"),
    ];
    for (method, uri, body, field) in refusals {
        let (status, answer) = call(&world.router, admin.as_deref(), method, uri, Some(body.clone())).await;
        assert_eq!((status, answer["field"].as_str()), (400, Some(field)), "{body}: {answer}");
    }
    assert_eq!(world.snapshot().await, before, "nothing changed");
    db.finish().await;
}

//! The server's HTTP surface through `tower::ServiceExt::oneshot`: the REST
//! API and the server functions, which must reach the same engine flow.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct TestServer {
    router: Router,
    engine: hotnic_engine::Engine,
    _dir: tempfile::TempDir,
}

async fn server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("api.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let hosts = hotnic_engine::AgentHosts::new(std::time::Duration::from_secs(5));
    let engine = hotnic_engine::Engine::new(database, hosts, Default::default());
    TestServer { router: support::admin_router(engine.clone()).await, engine, _dir: dir }
}

impl TestServer {
    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        let body = match body {
            Some(value) => {
                request = request.header("content-type", "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{method} {uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
        (status, value)
    }
}

#[tokio::test]
async fn health_reports_database_and_schema() {
    let server = server().await;
    let (status, body) = server.call("GET", "/api/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
    assert_eq!(body["schema_version"], "m20261207_000001_vm_nics_version");
    assert_eq!(body["migrations_applied"], 12);
}

#[tokio::test]
async fn rest_creates_and_lists_clusters() {
    let server = server().await;
    let (status, created) =
        server.call("POST", "/api/clusters", Some(json!({"name": "Default", "compatibility_version": "4.7"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["name"], "Default");
    assert_eq!(created["compatibility_version"], "4.7");
    assert!(created["id"].as_str().unwrap().parse::<uuid::Uuid>().is_ok());

    let (status, listed) = server.call("GET", "/api/clusters", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed, json!([created]));
}

#[tokio::test]
async fn rest_refuses_bad_input_with_a_reason_and_stores_nothing() {
    let server = server().await;
    let cases = [
        (json!({"name": "a b", "compatibility_version": "4.7"}), "may hold only letters"),
        (json!({"name": "ok", "compatibility_version": "9.9"}), "unknown compatibility version '9.9'"),
        (json!({"name": "ok"}), "missing field `compatibility_version`"),
        (json!({"name": "ok", "compatibility_version": "4.7", "colour": "red"}), "unknown field `colour`"),
    ];
    for (body, reason) in cases {
        let (status, answer) = server.call("POST", "/api/clusters", Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(answer["reason"].as_str().unwrap().contains(reason), "{body}: {answer}");
    }
    let (_, listed) = server.call("GET", "/api/clusters", None).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn rest_refuses_a_duplicate_with_409() {
    let server = server().await;
    let body = json!({"name": "Default", "compatibility_version": "4.7"});
    assert_eq!(server.call("POST", "/api/clusters", Some(body.clone())).await.0, StatusCode::CREATED);
    let (status, answer) = server.call("POST", "/api/clusters", Some(body)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["reason"], "a cluster named 'Default' already exists");
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let server = server().await;
    let (status, answer) = server.call("GET", "/api/nothing-here", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["reason"], "no such API path: /api/nothing-here");
}

#[tokio::test]
async fn server_functions_reach_the_same_flow_as_rest() {
    let server = server().await;
    let (status, created) = server
        .call("POST", "/api/fn/create_cluster", Some(json!({"name": "viafn", "compatibility_version": "3.1"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["name"], "viafn");

    let (status, listed) = server.call("POST", "/api/fn/list_clusters", Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed, json!([created]));
    let (_, rest_listed) = server.call("GET", "/api/clusters", None).await;
    assert_eq!(rest_listed, listed);
}

#[tokio::test]
async fn server_function_errors_carry_the_rest_status_and_reason() {
    let server = server().await;
    let (status, answer) = server
        .call("POST", "/api/fn/create_cluster", Some(json!({"name": "ok", "compatibility_version": "2.2"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["field"], "compatibility_version");
    assert!(answer["reason"].as_str().unwrap().starts_with("unknown compatibility version '2.2'"));

    server.call("POST", "/api/fn/create_cluster", Some(json!({"name": "d", "compatibility_version": "4.7"}))).await;
    let (status, answer) = server
        .call("POST", "/api/fn/create_cluster", Some(json!({"name": "d", "compatibility_version": "4.7"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["reason"], "a cluster named 'd' already exists");
}

#[tokio::test]
async fn a_nic_the_host_shows_otherwise_reads_with_its_drift() {
    use hotnic_engine::entities::vm_device;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let server = server().await;
    let (_, cluster) = server.call("POST", "/api/clusters", Some(json!({"name": "c", "compatibility_version": "4.7"}))).await;
    let (_, vm) = server.call("POST", "/api/vms", Some(json!({"name": "drifting", "cluster_id": cluster["id"]}))).await;
    let vm = vm["id"].as_str().unwrap().to_owned();
    let (status, nic) = server.call("POST", &format!("/api/vms/{vm}/nics"), Some(json!({"name": "nic1"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{nic}");
    assert_eq!(nic["drift"], Value::Null);
    // What monitoring writes when the host has it plugged (see monitoring_flows).
    let id: uuid::Uuid = nic["id"].as_str().unwrap().parse().unwrap();
    let mut row = vm_device::Entity::find_by_id(id).one(server.engine.db()).await.unwrap().unwrap().into_active_model();
    row.drift = Set(Some("plugged on the host at 0000:00:03.0 although unplugged here; Plug adopts it".into()));
    row.update(server.engine.db()).await.unwrap();

    let (_, read) = server.call("GET", &format!("/api/vms/{vm}/nics/{id}"), None).await;
    assert!(read["drift"].as_str().unwrap().starts_with("plugged on the host"), "{read}");
    // The row's marker (pages/vm/nics.rs) renders this text; the browser
    // suite shows it (end2end/tests/nics.spec.ts, test 6).
}

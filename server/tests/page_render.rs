//! A page rendered on the server with its data, through the whole router.
//!
//! Alone in its test binary on purpose: a Leptos page render in a process
//! where other tests run their own tokio runtimes in parallel sometimes
//! never finishes (seen 3 times in 8 runs of api.rs on a loaded machine;
//! never with one test at a time, nor in the server, which has one runtime).

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

#[tokio::test(flavor = "multi_thread")]
async fn the_clusters_page_is_server_rendered_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("render.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let engine = hotnic_engine::Engine::new(database, hotnic_engine::AgentHosts::new(Duration::from_secs(5)), Default::default());
    let router = support::admin_router(engine).await;
    let (status, _) = support::call(&router, None, "POST", "/api/clusters", Some(json!({"name": "rendered", "compatibility_version": "4.2"}))).await;
    assert_eq!(status, 201);

    // A render that hangs fails here instead of holding the whole run.
    let response = tokio::time::timeout(
        Duration::from_secs(60),
        router.clone().oneshot(Request::builder().uri("/clusters").body(Body::empty()).unwrap()),
    )
    .await
    .expect("the page rendered within 60 s")
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(html.contains("<td>rendered</td>"), "SSR lists the cluster: {html}");
    assert!(html.contains("/pkg/hotnic.js"), "hydration script is linked");
}

//! A page rendered on the server with its data, through the whole router,
//! and rendered whole even while other routers are being built.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::json;
use std::time::Duration;
use tower::ServiceExt;

async fn engine_with_a_cluster(dir: &tempfile::TempDir) -> (hotnic_engine::Engine, Router) {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("render.db").display());
    let database = hotnic_engine::Database::open(&url).await.unwrap();
    let engine = hotnic_engine::Engine::new(database, hotnic_engine::AgentHosts::new(Duration::from_secs(5)), Default::default());
    let router = support::admin_router(engine.clone()).await;
    let (status, _) = support::call(&router, None, "POST", "/api/clusters", Some(json!({"name": "rendered", "compatibility_version": "4.2"}))).await;
    assert_eq!(status, 201);
    (engine, router)
}

/// The whole page, its streamed body included: a render whose stream never
/// ends fails here instead of holding the whole run.
async fn render(router: &Router, uri: &str) -> String {
    let whole = async {
        let response = router.clone().oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.into_body().collect().await.unwrap().to_bytes().to_vec()
    };
    let body = tokio::time::timeout(Duration::from_secs(20), whole).await.unwrap_or_else(|_| panic!("{uri} was not rendered whole within 20 s"));
    String::from_utf8(body).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clusters_page_is_server_rendered_with_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (_, router) = engine_with_a_cluster(&dir).await;
    let html = render(&router, "/clusters").await;
    assert!(html.contains("<td>rendered</td>"), "SSR lists the cluster: {html}");
    assert!(html.contains("/pkg/hotnic.js"), "hydration script is linked");
}

/// Building a router lists the app's pages, and Leptos does that by
/// rendering the app with resource loading switched off for the whole
/// process. Routers built while another one serves (as test binaries do,
/// one per test) must not leave its pages waiting for data forever, as
/// they did when each router listed the pages itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_renders_whole_while_other_routers_are_built() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, router) = engine_with_a_cluster(&dir).await;
    let builder = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _inside = runtime.enter();
        let options = leptos::prelude::LeptosOptions::builder().output_name("hotnic").build();
        for _ in 0..300 {
            drop(hotnic::router(engine.clone(), options.clone()));
        }
    });
    let mut rendered = 0;
    while !builder.is_finished() || rendered < 20 {
        let html = render(&router, "/clusters").await;
        assert!(html.contains("<td>rendered</td>"), "render {rendered} lists the cluster: {html}");
        rendered += 1;
    }
    builder.join().unwrap();
    eprintln!("{rendered} pages rendered while 300 routers were built");
}

/// A page carries where the change feed stood when it was rendered, so its
/// change stream can tell on opening whether it missed anything.
#[tokio::test(flavor = "multi_thread")]
async fn a_page_carries_the_feed_position_it_was_rendered_at() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, router) = engine_with_a_cluster(&dir).await;
    let before = engine.feed_position();
    assert!(render(&router, "/clusters").await.contains(&before));

    // A change a page may show: a VM created.
    let (_, clusters) = support::call(&router, None, "GET", "/api/clusters", None).await;
    let vm = json!({"name": "vm1", "cluster_id": clusters[0]["id"], "memory_mib": 128});
    let (status, answer) = support::call(&router, None, "POST", "/api/vms", Some(vm)).await;
    assert_eq!(status, 201, "{answer}");
    let after = engine.feed_position();
    assert_ne!(after, before);
    let html = render(&router, "/clusters").await;
    assert!(html.contains(&after) && !html.contains(&before), "{html}");
}

/// The sign-in page is what a signed-out browser is sent to: it answers
/// 200 like any page (its sidebar's "who is signed in" finds nobody, and
/// that is no error of the page's), while pages behind it still redirect.
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_page_answers_200_to_the_signed_out() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = engine_with_a_cluster(&dir).await;
    let options = leptos::prelude::LeptosOptions::builder().output_name("hotnic").build();
    let signed_out = hotnic::router(engine, options);
    let html = render(&signed_out, "/signin").await;
    assert!(html.contains("<h1>Sign in</h1>"), "{html}");

    let response = signed_out.oneshot(Request::builder().uri("/clusters").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/signin?next=/clusters");
}

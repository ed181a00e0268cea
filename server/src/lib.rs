//! The hotnic server: one axum router carrying the Leptos pages, the server
//! functions (/api/fn/*) and the REST API (/api/*), all over one engine.

pub mod assets;
pub mod auth;
pub mod guard;
pub mod ovirt;
pub mod panics;
pub mod preload;
pub mod prometheus;
pub mod request_id;
pub mod push;
pub mod rest;

use axum::Router;
use hotnic_app::{shell, App};
use hotnic_engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// The longest a request may take: a host call waits at most 45 s (an
/// unplug the guest is slow to answer), the rest far less.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The app's page routes, listed once per process. Listing renders the app
/// with Leptos' resource loading switched off for the whole process (its
/// flag is a global, not per thread), so a page rendered anywhere meanwhile
/// never loads its data and its stream never ends. Listed once, before the
/// first router exists, no listing can overlap a render: not in the server,
/// nor in test binaries that build a router per test while others serve.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface of the server.
pub fn router(engine: Engine, leptos_options: LeptosOptions) -> Router {
    router_with(engine, leptos_options, auth::PublicOrigin::from_env())
}

/// [`router`] with the public origin given (tests).
pub fn router_with(engine: Engine, leptos_options: LeptosOptions, origin: auth::PublicOrigin) -> Router {
    let auth_state = auth::AuthState { engine: engine.clone(), origin };
    let routes = route_list();
    let context_engine = engine.clone();
    let metrics_access = prometheus::Access::from_env().unwrap_or(prometheus::Access::Loopback);
    // Installed before anything is counted.
    prometheus::handle();
    let assets = assets::Assets::new(std::path::Path::new(&*leptos_options.site_root).join(&*leptos_options.site_pkg_dir));
    if tokio::runtime::Handle::try_current().is_ok() {
        assets.warm();
    }
    let preload_links = preload::links(&leptos_options);
    Router::new()
        .route("/pkg/{file}", axum::routing::get(assets::serve).with_state(assets))
        .route("/metrics", axum::routing::get(move |request| prometheus::render(metrics_access, request)))
        .route("/api/changes", axum::routing::get(push::changes).with_state(engine.clone()))
        .nest("/api", rest::router(engine.clone()))
        .merge(ovirt::router(engine))
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(context_engine.clone()),
            {
                let leptos_options = leptos_options.clone();
                move || shell(leptos_options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
        .layer(axum::middleware::from_fn(prometheus::track))
        .layer(axum::middleware::from_fn_with_state(preload_links, preload::add))
        // Layers run bottom up: who calls (401 before any argument is
        // read), then the Host, body and argument checks.
        .layer(axum::middleware::from_fn_with_state(guard::AllowedHosts::from_env(), guard::guard))
        .layer(axum::middleware::from_fn_with_state(auth_state, auth::authenticate))
        // gzip or brotli when the client asks, for pages and API answers
        // (/pkg comes compressed already). The default predicate leaves SSE
        // (/api/changes) and small answers be.
        .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(5)))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // First of all: the request's id, for every log line after.
        .layer(axum::middleware::from_fn(request_id::assign))
}

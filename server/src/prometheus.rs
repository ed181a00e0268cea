//! `GET /metrics` in Prometheus' text format: what the engine records
//! (flows, agent calls, monitoring, lock conflicts) and what this layer
//! does (HTTP requests by route and status, page streams open).
//! HOTNIC_METRICS_ACCESS says who may read it: `loopback` (the default:
//! callers on this machine, no sign-in, for a local Prometheus or agent),
//! `open` (anyone who reaches the port), `off`.

use axum::extract::{ConnectInfo, MatchedPath, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

/// Duration buckets, in seconds: from a fast read to a slow guest's unplug.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder, installed on first use.
pub fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS);
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => Some(handle),
                Err(err) => {
                    tracing::warn!(error = %err, "metrics are off: cannot install the recorder");
                    None
                }
            }
        })
        .as_ref()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Loopback,
    Open,
    Off,
}

impl Access {
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("HOTNIC_METRICS_ACCESS").as_deref() {
            Err(_) | Ok("loopback") => Ok(Access::Loopback),
            Ok("open") => Ok(Access::Open),
            Ok("off") => Ok(Access::Off),
            Ok(other) => Err(format!("HOTNIC_METRICS_ACCESS={other}: use loopback, open or off")),
        }
    }
}

/// GET /metrics
pub async fn render(access: Access, request: Request) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let allowed = match access {
        Access::Open => true,
        Access::Off => false,
        Access::Loopback => peer.is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback()),
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, "metrics are not served to this address; see HOTNIC_METRICS_ACCESS").into_response();
    }
    match handle() {
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "metrics are off: see the server log").into_response(),
    }
}

/// Counts and times each request by its route (the pattern, never the
/// ids in it) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("hotnic_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("hotnic_http_request_duration_seconds", "method" => method, "route" => route).record(started.elapsed());
    response
}

/// Held by each open page stream: `hotnic_sse_clients`.
pub struct StreamOpen;

impl StreamOpen {
    pub fn new() -> Self {
        metrics::gauge!("hotnic_sse_clients").increment(1.0);
        StreamOpen
    }
}

impl Drop for StreamOpen {
    fn drop(&mut self) {
        metrics::gauge!("hotnic_sse_clients").decrement(1.0);
    }
}

//! The agent's own metrics, at `GET /metrics` (behind its token, like
//! every route): each verb's duration and outcome, which for
//! hotunplugNic is mostly the wait for the guest to release the device
//! (`hotnic_agent_verb_duration_seconds{verb, outcome}`), and the unplugs
//! whose guest never released the device
//! (`hotnic_agent_unplug_timeouts_total`).

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The process's recorder, installed on first use (None when another part
/// of the process installed one: an agent run inside a test's process).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .and_then(|b| b.install_recorder())
                .map_err(|err| tracing::info!(error = %err, "agent metrics go to the process's own recorder"))
                .ok()
        })
        .as_ref()
}

/// Installs the recorder now (the binary calls it at start).
pub fn install() {
    handle();
}

pub async fn render() -> Response {
    match handle() {
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => (StatusCode::SERVICE_UNAVAILABLE, "this agent's metrics are recorded by its host process").into_response(),
    }
}

/// Times each verb (the last segment of its path).
pub async fn track(request: Request, next: Next) -> Response {
    let verb = request.uri().path().rsplit('/').next().unwrap_or_default().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let outcome = if response.status().is_success() { "ok" } else { "error" };
    metrics::histogram!("hotnic_agent_verb_duration_seconds", "verb" => verb, "outcome" => outcome).record(started.elapsed());
    response
}

pub fn unplug_timed_out() {
    metrics::counter!("hotnic_agent_unplug_timeouts_total").increment(1);
}

//! What the engine counts and times, through the `metrics` facade (the
//! server exports it at /metrics for Prometheus). The names live here.

use crate::{EngineError, EngineResult};
use std::future::Future;
use std::time::Instant;

/// A short word for an outcome, as a label.
pub(crate) fn outcome<T>(result: &EngineResult<T>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(err) => match err {
            EngineError::Invalid { .. } => "invalid",
            EngineError::NotFound(_) => "not_found",
            EngineError::Conflict(_) | EngineError::InUse { .. } => "conflict",
            EngineError::Unauthenticated(_) | EngineError::Forbidden(_) | EngineError::TooManyAttempts { .. } => "refused",
            EngineError::Busy => "busy",
            EngineError::HostFailed { .. } => "host_failed",
            EngineError::HostUnreachable { .. } => "host_unreachable",
            EngineError::Database(_) => "database",
            EngineError::Interrupted => "interrupted",
        },
    }
}

/// Runs a flow, and records its duration and outcome:
/// `hotnic_flow_duration_seconds{flow, outcome}`.
pub(crate) async fn flow<T>(name: &'static str, work: impl Future<Output = EngineResult<T>>) -> EngineResult<T> {
    let started = Instant::now();
    let result = work.await;
    metrics::histogram!("hotnic_flow_duration_seconds", "flow" => name, "outcome" => outcome(&result)).record(started.elapsed());
    result
}

/// One call to a host's agent: `hotnic_agent_call_duration_seconds{verb, host, outcome}`.
pub(crate) async fn agent_call<T, E>(verb: &'static str, host: &str, work: impl Future<Output = Result<T, E>>) -> Result<T, E> {
    let started = Instant::now();
    let result = work.await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::histogram!("hotnic_agent_call_duration_seconds", "verb" => verb, "host" => host.to_owned(), "outcome" => outcome)
        .record(started.elapsed());
    result
}

/// A flow refused because another holds the VM.
pub(crate) fn lock_conflict() {
    metrics::counter!("hotnic_vm_lock_conflicts_total").increment(1);
}

/// One host's monitoring poll: `hotnic_monitoring_poll_duration_seconds{host}`.
pub(crate) fn host_polled(host: &str, started: Instant) {
    metrics::histogram!("hotnic_monitoring_poll_duration_seconds", "host" => host.to_owned()).record(started.elapsed());
}

/// Monitoring wrote a VM's changes: `hotnic_monitoring_vm_changes_total`.
pub(crate) fn vm_changed_by_monitoring() {
    metrics::counter!("hotnic_monitoring_vm_changes_total").increment(1);
}

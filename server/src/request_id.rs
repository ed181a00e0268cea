//! Gives every request an id (`x-request-id`: the caller's when sane,
//! else a new one), answers with it, and runs the request inside a span
//! and task-local carrying it: the server's log lines, the audit events
//! and the calls to agents (which log it too) all name it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use hotnic_agent_api::request_id::{accept, new_id, CURRENT, HEADER};
use tracing::Instrument;

pub async fn assign(request: Request, next: Next) -> Response {
    let id = request.headers().get(HEADER).and_then(|v| v.to_str().ok()).and_then(accept).unwrap_or_else(new_id);
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = CURRENT.scope(id.clone(), next.run(request)).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

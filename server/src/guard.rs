//! What every request passes before it reaches a page, the REST API or a
//! server function:
//! - its `Host` header names this server: an IP address, `localhost`, or a
//!   name in HOTNIC_ALLOWED_HOSTS, so a page on a DNS name an attacker
//!   points at 127.0.0.1 cannot talk to it (DNS rebinding);
//! - API bodies are at most [`MAX_BODY_BYTES`];
//! - a server function call is JSON (`Content-Type: application/json`, so a
//!   cross-site form or `text/plain` fetch cannot make one) and its
//!   arguments fit the function, else a 400 naming the argument.

use crate::rest::RestError;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hotnic_model::ApiError;
use std::sync::Arc;

/// Larger bodies are refused (413): no API input comes near it.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const FN_PREFIX: &str = "/api/fn/";

/// Host names this server answers to besides IP addresses and `localhost`.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Arc<Vec<String>>);

impl AllowedHosts {
    /// From HOTNIC_ALLOWED_HOSTS: names separated by commas.
    pub fn from_env() -> Self {
        let names = std::env::var("HOTNIC_ALLOWED_HOSTS").unwrap_or_default();
        AllowedHosts(Arc::new(names.split(',').map(|n| n.trim().to_ascii_lowercase()).filter(|n| !n.is_empty()).collect()))
    }

    /// Whether a `Host` header value (`name[:port]`) names this server.
    pub fn allows(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            Some(v6) => return v6.split(']').next().is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok()),
            None => host.rsplit_once(':').map_or(host, |(name, port)| if port.parse::<u16>().is_ok() { name } else { host }),
        };
        let name = name.to_ascii_lowercase();
        name.parse::<std::net::Ipv4Addr>().is_ok() || name == "localhost" || self.0.iter().any(|n| *n == name)
    }
}

fn refuse(status: StatusCode, reason: String, field: Option<String>) -> Response {
    RestError { status, body: ApiError { reason, detail: None, field, host_failure: None } }.into_response()
}

pub async fn guard(State(hosts): State<AllowedHosts>, request: Request, next: Next) -> Response {
    if let Some(host) = request.headers().get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !hosts.allows(host) {
            return refuse(
                StatusCode::FORBIDDEN,
                format!("this server does not answer to host '{host}'; an administrator adds it to HOTNIC_ALLOWED_HOSTS"),
                None,
            );
        }
    }
    let path = request.uri().path();
    if !path.starts_with("/api/") || path == "/api/changes" {
        return next.run(request).await;
    }
    let function = path.strip_prefix(FN_PREFIX).map(str::to_owned);
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if function.is_some() && request.method() == Method::POST && !is_json {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the arguments as a JSON object with 'Content-Type: application/json'".into(),
            None,
        );
    }
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than {MAX_BODY_BYTES} bytes"),
                None,
            )
        }
    };
    if let Some(function) = function.filter(|_| parts.method == Method::POST) {
        if let Some(Err(refusal)) = hotnic_app::server_fns::args::check(&function, &bytes) {
            return refuse(StatusCode::BAD_REQUEST, refusal.reason, refusal.field);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::AllowedHosts;
    use std::sync::Arc;

    #[test]
    fn answers_to_addresses_localhost_and_configured_names() {
        let hosts = AllowedHosts(Arc::new(vec!["hotnic.example.org".into()]));
        for good in ["127.0.0.1:3000", "10.1.2.3", "[::1]:3000", "localhost:3000", "LOCALHOST", "hotnic.example.org", "HOTNIC.example.org:443"] {
            assert!(hosts.allows(good), "{good}");
        }
        for bad in ["evil.example.com:3000", "127.0.0.1.evil.example.com", "hotnic.example.org.evil.com", "", "[zz]:1", "localhost.evil.com"] {
            assert!(!hosts.allows(bad), "{bad}");
        }
    }
}

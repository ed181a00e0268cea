//! Who is calling, checked on every request before it reaches a page, the
//! REST API or a server function:
//! - `Authorization: Bearer <API token>` (or a session's secret, as oVirt's
//!   SSO hands out), else the session cookie, names the caller (an
//!   [`Actor`] put in the request; flows check what it may do). A bearer
//!   token that is not valid is 401 even with a cookie.
//! - Without a caller: the API answers 401 (except health, the OpenAPI
//!   document and signing in; the oVirt API as an XML fault, except its
//!   SSO), a page redirects to /signin.
//! - A change (anything but GET/HEAD) signed by the cookie must come from
//!   hotnic's own pages: `Sec-Fetch-Site: same-origin` or an `Origin`
//!   equal to the public origin, and a JSON body type; otherwise 403 and
//!   nothing happens (CSRF). Bearer calls are exempt: no browser adds
//!   that header by itself.

use crate::rest::caller::SIGN_IN_FIRST;
use crate::rest::RestError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hotnic_app::server_fns::cookies::{session_secret, CookiePolicy};
use hotnic_engine::access::{sessions, tokens};
use hotnic_engine::Engine;

/// Where the browser reaches hotnic, from HOTNIC_PUBLIC_ORIGIN (e.g.
/// `https://hotnic.example.org`). Unset: the origin is the `Host` the
/// request names (already checked against the allowed hosts).
#[derive(Debug, Clone, Default)]
pub struct PublicOrigin(pub Option<String>);

impl PublicOrigin {
    pub fn from_env() -> Self {
        PublicOrigin(std::env::var("HOTNIC_PUBLIC_ORIGIN").ok().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase()).filter(|o| !o.is_empty()))
    }

    fn cookie_policy(&self) -> CookiePolicy {
        CookiePolicy { secure: self.0.as_deref().is_some_and(|o| o.starts_with("https://")) }
    }

    /// Whether `origin` (an `Origin` header) is hotnic's own.
    fn is_own(&self, origin: &str, headers: &HeaderMap) -> bool {
        let origin = origin.to_ascii_lowercase();
        match &self.0 {
            Some(public) => origin == *public,
            None => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
                !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
            }
        }
    }
}

#[derive(Clone)]
pub struct AuthState {
    pub engine: Engine,
    pub origin: PublicOrigin,
}

/// API paths anyone may call: load balancers' health checks, the API's
/// description, signing in.
fn is_public_api(method: &Method, path: &str) -> bool {
    matches!(path, "/api/health" | "/api/openapi.json" | "/api/fn/sign_in") || (path == "/api/session" && method == Method::POST)
}

/// The page that signs in, and the files every page loads.
fn is_public_page(path: &str) -> bool {
    path == "/signin" || path.starts_with("/pkg/") || path == "/favicon.ico"
}

fn refuse(status: StatusCode, reason: &str) -> Response {
    RestError::new(status, reason).into_response()
}

pub async fn authenticate(State(state): State<AuthState>, mut request: Request, next: Next) -> Response {
    let policy = state.origin.cookie_policy();
    request.extensions_mut().insert(policy);
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let cookie = session_secret(headers);
    let ovirt = request.uri().path().starts_with("/ovirt-engine/");
    let found = match (&bearer, &cookie) {
        (Some(token), _) => {
            let resolved = match token.starts_with(tokens::PREFIX) {
                true => tokens::resolve(&state.engine, token).await,
                false => sessions::resolve(&state.engine, token).await,
            };
            match resolved {
                Ok(Some(actor)) => Some(actor),
                Ok(None) if ovirt => return crate::ovirt::unauthorized("the token is not valid: expired, signed out, revoked or mistyped; sign in again"),
                Ok(None) => return refuse(StatusCode::UNAUTHORIZED, "the API token is not valid: revoked, mistyped, or its user is disabled"),
                Err(err) if ovirt => return crate::ovirt::fault::Fault::from(err).into_response(),
                Err(err) => return RestError::from(err).into_response(),
            }
        }
        (None, Some(secret)) => match sessions::resolve(&state.engine, secret).await {
            Ok(found) => found,
            Err(err) => return RestError::from(err).into_response(),
        },
        (None, None) => None,
    };
    let by_cookie = bearer.is_none() && cookie.is_some();
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = request.uri().path().to_owned();
    // Signing in changes nothing yet, but a foreign page must not sign a
    // browser in as someone else either: the same origin rule applies.
    let signs_in = path == "/api/fn/sign_in" || (path == "/api/session" && request.method() == Method::POST);
    if changes && (by_cookie || signs_in) {
        // A sign-in from a script (no Origin, no Sec-Fetch-Site) is no
        // browser being abused: let it through; a cookie change is not.
        if let Err(reason) = same_origin(&state.origin, request.headers(), by_cookie) {
            tracing::warn!(%path, reason, "refused a cross-site change");
            return refuse(StatusCode::FORBIDDEN, reason);
        }
    }
    match found {
        Some(actor) => {
            request.extensions_mut().insert(actor);
            next.run(request).await
        }
        None if ovirt => match crate::ovirt::is_public(&path) {
            true => next.run(request).await,
            false => crate::ovirt::unauthorized(SIGN_IN_FIRST),
        },
        None if path.starts_with("/api/") => {
            if is_public_api(request.method(), &path) {
                next.run(request).await
            } else {
                refuse(StatusCode::UNAUTHORIZED, SIGN_IN_FIRST)
            }
        }
        None if is_public_page(&path) || path == "/metrics" => next.run(request).await,
        None => {
            let wanted = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next_param: String = url_escape(wanted);
            Redirect::to(&format!("/signin?next={next_param}")).into_response()
        }
    }
}

/// The CSRF rule for cookie-signed changes.
fn same_origin(origin: &PublicOrigin, headers: &HeaderMap, needs_origin: bool) -> Result<(), &'static str> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| s != "same-origin") {
        return Err("refused: this change came from another site's page; hotnic's own pages, or an API token, may make it");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(sent) if origin.is_own(sent, headers) => {}
        Some(_) => return Err("refused: this change came from another origin; hotnic's own pages, or an API token, may make it"),
        None if site.is_none() && needs_origin => {
            return Err("refused: a change signed by the session cookie must say where it comes from (Origin); scripts use an API token")
        }
        None => {}
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json")));
    if !json {
        return Err("refused: a change signed by the session cookie must send 'Content-Type: application/json'");
    }
    Ok(())
}

/// Percent-encodes what is not unreserved, so `next` survives the query.
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn cookie_changes_must_come_from_our_own_origin_as_json() {
        let here = PublicOrigin(None);
        let json = ("content-type", "application/json");
        let host = ("host", "127.0.0.1:3000");
        assert!(same_origin(&here, &headers(&[host, json, ("origin", "http://127.0.0.1:3000")]), true).is_ok());
        assert!(same_origin(&here, &headers(&[host, json, ("sec-fetch-site", "same-origin")]), true).is_ok());
        for refused in [
            headers(&[host, json, ("origin", "http://127.0.0.1:3001")]),
            headers(&[host, json, ("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:3000")]),
            headers(&[host, json, ("sec-fetch-site", "cross-site")]),
            headers(&[host, json]),
            headers(&[host, ("content-type", "text/plain"), ("origin", "http://127.0.0.1:3000")]),
            headers(&[host, ("origin", "http://127.0.0.1:3000")]),
        ] {
            assert!(same_origin(&here, &refused, true).is_err(), "{refused:?}");
        }
        let public = PublicOrigin(Some("https://hotnic.example.org".into()));
        assert!(same_origin(&public, &headers(&[host, json, ("origin", "https://hotnic.example.org")]), true).is_ok());
        assert!(same_origin(&public, &headers(&[host, json, ("origin", "http://127.0.0.1:3000")]), true).is_err());
        // A script signing in sends neither header; a foreign page cannot hide its origin.
        assert!(same_origin(&here, &headers(&[host, json]), false).is_ok());
        assert!(same_origin(&here, &headers(&[host, json, ("origin", "http://127.0.0.1:3001")]), false).is_err());
        assert!(public.cookie_policy().secure && !here.cookie_policy().secure);
    }

    #[test]
    fn next_survives_the_query() {
        assert_eq!(url_escape("/vms/1?tab=a&b"), "/vms/1%3Ftab%3Da%26b");
    }
}

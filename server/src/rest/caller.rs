//! The signed-in caller of a REST handler. The server's authentication
//! layer (`crate::auth`) puts the [`Actor`] in the request; a handler that
//! takes a `Caller` cannot run without one, and answers 401.

use super::RestError;
use axum::http::request::Parts;
use axum::http::StatusCode;
use hotnic_engine::access::Actor;

pub struct Caller(pub Actor);

/// What a request without credentials is told.
pub const SIGN_IN_FIRST: &str =
    "sign in first: send 'Authorization: Bearer <API token>', or sign in at /signin for a session cookie";

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Actor>().cloned().map(Caller).ok_or_else(|| RestError::new(StatusCode::UNAUTHORIZED, SIGN_IN_FIRST))
    }
}

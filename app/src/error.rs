//! The error server functions return: the same `{reason, detail, field}`
//! body as the REST API, with the HTTP status set to match.

use hotnic_model::ApiError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
#[error("{0}")]
pub struct FnError(pub ApiError);

impl FromServerFnError for FnError {
    type Encoder = JsonEncoding;

    /// Failures of the server function machinery itself (bad request body,
    /// network down) read as a reason like any other.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        FnError(ApiError { reason: value.to_string(), detail: None, field: None, host_failure: None })
    }
}

impl FnError {
    pub fn reason(&self) -> &str {
        &self.0.reason
    }

    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }
}

/// Turns an engine error into the server function's error and sets the
/// response status the REST API would have used.
#[cfg(feature = "ssr")]
pub fn from_engine(err: hotnic_engine::EngineError) -> FnError {
    let (status, body) = err.to_http();
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    FnError(body)
}

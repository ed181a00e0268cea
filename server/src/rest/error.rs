//! How the REST API answers an error: the status chosen by the engine and
//! the `{reason, detail}` body.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hotnic_engine::EngineError;
use hotnic_model::ApiError;

#[derive(Debug)]
pub struct RestError {
    pub status: StatusCode,
    pub body: ApiError,
}

impl RestError {
    pub fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        RestError { status, body: ApiError::new(reason) }
    }
}

impl From<EngineError> for RestError {
    fn from(err: EngineError) -> Self {
        let (status, body) = err.to_http();
        RestError { status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// `nest` strips "/api" from the URI; the caller should see the path it sent.
pub async fn unknown_path(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> RestError {
    RestError::new(StatusCode::NOT_FOUND, format!("no such API path: {}", uri.path()))
}

//! Errors as oVirt answers them: the REST API's status, and a `<fault>`
//! whose reason is "Operation Failed" and whose detail is hotnic's own
//! message in the engine's list form (`[message]`), which the SDK shows as
//! `Fault reason is "Operation Failed". Fault detail is "[…]"`.

use super::xml::{El, Xml};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotnic_engine::EngineError;

#[derive(Debug)]
pub struct Fault {
    pub status: StatusCode,
    pub detail: String,
}

impl Fault {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Fault { status, detail: detail.into() }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Fault::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Fault::new(StatusCode::NOT_FOUND, detail)
    }
}

impl From<EngineError> for Fault {
    fn from(err: EngineError) -> Self {
        let (status, body) = err.to_http();
        Fault { status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), detail: body.reason }
    }
}

impl IntoResponse for Fault {
    fn into_response(self) -> Response {
        let fault = El::new("fault").child(El::leaf("reason", "Operation Failed")).child(El::leaf("detail", format!("[{}]", self.detail)));
        Xml(self.status, fault).into_response()
    }
}

pub type Answer = Result<Xml, Fault>;

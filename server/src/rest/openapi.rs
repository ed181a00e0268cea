//! GET /api/openapi.json: the checked-in description of this API (tests
//! compare it with the router and with real responses).

use axum::http::header;
use axum::response::IntoResponse;

pub const DOCUMENT: &str = include_str!("../../openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

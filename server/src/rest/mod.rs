//! The REST API under /api: one module per resource, each handler parses
//! the request and calls one engine flow.

mod clusters;
mod error;
mod health;
mod json;

use axum::routing::get;
use axum::Router;
use hotnic_engine::Database;

pub use error::RestError;

pub fn router<S>(database: Database) -> Router<S> {
    Router::new()
        .route("/health", get(health::health))
        .route("/clusters", get(clusters::list).post(clusters::create))
        .fallback(error::unknown_path)
        .with_state(database)
}

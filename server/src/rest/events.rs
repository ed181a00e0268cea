//! GET /api/events (?vm_id=, ?limit=, newest first)

use super::caller::Caller;
use super::RestError;
use axum::extract::{Query, State};
use axum::Json;
use hotnic_engine::{audit, Engine};
use hotnic_model::Event;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Filter {
    vm_id: Option<uuid::Uuid>,
    limit: Option<u64>,
}

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller, Query(filter): Query<Filter>) -> Result<Json<Vec<Event>>, RestError> {
    let limit = filter.limit.unwrap_or(100).min(1000);
    Ok(Json(audit::list_events(engine.db(), &actor, filter.vm_id, limit).await?))
}

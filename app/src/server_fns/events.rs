//! /api/fn/list_events.

use crate::error::FnError;
use hotnic_model::Event;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

/// The newest events first, of one VM or of all; `limit` defaults to 100.
#[server(prefix = "/api/fn", endpoint = "list_events", input = Json)]
pub async fn list_events(vm_id: Option<Uuid>, limit: Option<u64>) -> Result<Vec<Event>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::audit::list_events(engine.db(), &actor, vm_id, limit.unwrap_or(100).min(1000))
        .await
        .map_err(crate::error::from_engine)
}

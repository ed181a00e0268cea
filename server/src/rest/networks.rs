//! GET/POST /api/networks (GET takes an optional ?cluster_id=)

use super::caller::Caller;
use super::json::ApiJson;
use super::RestError;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{networks, Engine};
use hotnic_model::{Network, NewNetwork};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Filter {
    cluster_id: Option<uuid::Uuid>,
}

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller, Query(filter): Query<Filter>) -> Result<Json<Vec<Network>>, RestError> {
    Ok(Json(networks::list_networks(engine.db(), &actor, filter.cluster_id).await?))
}

pub async fn create(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewNetwork>,
) -> Result<(StatusCode, Json<Network>), RestError> {
    Ok((StatusCode::CREATED, Json(networks::create_network(engine.db(), &actor, new).await?)))
}

//! GET/POST /api/networks (GET takes an optional ?cluster_id=), PUT/DELETE
//! /api/networks/{network}

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{networks, Engine};
use hotnic_model::{Network, NetworkUpdate, NewNetwork};
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

pub async fn update(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(network): Ids<uuid::Uuid>,
    ApiJson(update): ApiJson<NetworkUpdate>,
) -> Result<Json<Network>, RestError> {
    Ok(Json(networks::update_network(engine.db(), &actor, network, update).await?))
}

pub async fn delete(State(engine): State<Engine>, Caller(actor): Caller, Ids(network): Ids<uuid::Uuid>) -> Result<StatusCode, RestError> {
    networks::delete_network(engine.db(), &actor, network).await?;
    Ok(StatusCode::NO_CONTENT)
}

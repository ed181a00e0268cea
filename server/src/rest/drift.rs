//! Where the host and hotnic disagree: POST /api/vms/{vm}/nics/{nic}/drift
//! resolves a NIC's drift; POST /api/vms/{vm}/unknown_nics/adopt and
//! /detach act on a NIC the host has and hotnic had no record of.

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{drift, Engine};
use hotnic_model::{Nic, ResolveDrift, UnknownNicMac};
use uuid::Uuid;

pub async fn resolve(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids((vm, nic)): Ids<(Uuid, Uuid)>,
    ApiJson(choice): ApiJson<ResolveDrift>,
) -> Result<Json<Nic>, RestError> {
    Ok(Json(drift::resolve_nic_drift(&engine, &actor, vm, nic, choice.keep).await?))
}

pub async fn adopt(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(vm): Ids<Uuid>,
    ApiJson(which): ApiJson<UnknownNicMac>,
) -> Result<(StatusCode, Json<Nic>), RestError> {
    Ok((StatusCode::CREATED, Json(drift::adopt_unknown_nic(&engine, &actor, vm, which.mac).await?)))
}

pub async fn detach(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>, ApiJson(which): ApiJson<UnknownNicMac>) -> Result<StatusCode, RestError> {
    drift::detach_unknown_nic(&engine, &actor, vm, which.mac).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! /api/vms/{vm}/nics and the plug/unplug actions.

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{nics, plug, Engine};
use hotnic_model::{NewNic, Nic, NicUpdate};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vec<Nic>>, RestError> {
    Ok(Json(nics::list_nics(&engine, &actor, vm).await?))
}

pub async fn add(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(vm): Ids<Uuid>,
    ApiJson(new): ApiJson<NewNic>,
) -> Result<(StatusCode, Json<Nic>), RestError> {
    Ok((StatusCode::CREATED, Json(nics::add_nic(&engine, &actor, vm, new).await?)))
}

pub async fn get(State(engine): State<Engine>, Caller(actor): Caller, Ids((vm, nic)): Ids<(Uuid, Uuid)>) -> Result<Json<Nic>, RestError> {
    Ok(Json(nics::get_nic(&engine, &actor, vm, nic).await?))
}

pub async fn edit(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids((vm, nic)): Ids<(Uuid, Uuid)>,
    ApiJson(update): ApiJson<NicUpdate>,
) -> Result<Json<Nic>, RestError> {
    Ok(Json(nics::edit_nic(&engine, &actor, vm, nic, update).await?))
}

pub async fn remove(State(engine): State<Engine>, Caller(actor): Caller, Ids((vm, nic)): Ids<(Uuid, Uuid)>) -> Result<StatusCode, RestError> {
    nics::remove_nic(&engine, &actor, vm, nic).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn plug(State(engine): State<Engine>, Caller(actor): Caller, Ids((vm, nic)): Ids<(Uuid, Uuid)>) -> Result<Json<Nic>, RestError> {
    Ok(Json(plug::plug_nic(&engine, &actor, vm, nic).await?))
}

pub async fn unplug(State(engine): State<Engine>, Caller(actor): Caller, Ids((vm, nic)): Ids<(Uuid, Uuid)>) -> Result<Json<Nic>, RestError> {
    Ok(Json(plug::unplug_nic(&engine, &actor, vm, nic).await?))
}

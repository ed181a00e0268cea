//! /api/vms/{vm}/nics and the plug/unplug actions.

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::bulk::{self, BulkAction};
use hotnic_engine::{nics, plug, Engine};
use hotnic_model::{NewNic, Nic, NicIds, NicOutcome, NicUpdate};
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

/// POST /api/vms/{vm}/nics/plug, /unplug, /remove with `{"ids": [...]}`:
/// each NIC in turn, each with its own outcome (200 even when some failed).
async fn bulk(engine: Engine, actor: hotnic_engine::access::Actor, vm: Uuid, ids: NicIds, action: BulkAction) -> Result<Json<Vec<NicOutcome>>, RestError> {
    Ok(Json(bulk::act_on_nics(&engine, &actor, vm, ids.ids, action).await?))
}

pub async fn plug_many(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>, ApiJson(ids): ApiJson<NicIds>) -> Result<Json<Vec<NicOutcome>>, RestError> {
    bulk(engine, actor, vm, ids, BulkAction::Plug).await
}

pub async fn unplug_many(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>, ApiJson(ids): ApiJson<NicIds>) -> Result<Json<Vec<NicOutcome>>, RestError> {
    bulk(engine, actor, vm, ids, BulkAction::Unplug).await
}

pub async fn remove_many(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>, ApiJson(ids): ApiJson<NicIds>) -> Result<Json<Vec<NicOutcome>>, RestError> {
    bulk(engine, actor, vm, ids, BulkAction::Remove).await
}

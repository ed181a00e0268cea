//! /api/vms, /api/vms/{vm}, /api/vms/{vm}/start, /api/vms/{vm}/stop

use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{run, vms, Engine};
use hotnic_model::{NewVm, Vm};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>) -> Result<Json<Vec<Vm>>, RestError> {
    Ok(Json(vms::list_vms(engine.db()).await?))
}

pub async fn create(State(engine): State<Engine>, ApiJson(new): ApiJson<NewVm>) -> Result<(StatusCode, Json<Vm>), RestError> {
    Ok((StatusCode::CREATED, Json(vms::create_vm(&engine, new).await?)))
}

pub async fn get(State(engine): State<Engine>, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(vms::get_vm(engine.db(), vm).await?))
}

pub async fn delete(State(engine): State<Engine>, Ids(vm): Ids<Uuid>) -> Result<StatusCode, RestError> {
    vms::delete_vm(&engine, vm).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn start(State(engine): State<Engine>, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(run::run_vm(&engine, vm).await?))
}

pub async fn stop(State(engine): State<Engine>, Ids(vm): Ids<Uuid>) -> Result<Json<Vm>, RestError> {
    Ok(Json(run::stop_vm(&engine, vm).await?))
}

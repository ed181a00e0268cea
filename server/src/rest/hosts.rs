//! GET/POST /api/hosts, PUT/DELETE /api/hosts/{host},
//! POST /api/hosts/{host}/accept_fingerprint

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{hosts, Engine};
use hotnic_model::{AcceptFingerprint, Host, HostUpdate, NewHost};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<Host>>, RestError> {
    Ok(Json(hosts::list_hosts(engine.db(), &actor).await?))
}

pub async fn create(State(engine): State<Engine>, Caller(actor): Caller, ApiJson(new): ApiJson<NewHost>) -> Result<(StatusCode, Json<Host>), RestError> {
    Ok((StatusCode::CREATED, Json(hosts::create_host(&engine, &actor, new).await?)))
}

pub async fn accept_fingerprint(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(host): Ids<Uuid>,
    ApiJson(accept): ApiJson<AcceptFingerprint>,
) -> Result<Json<Host>, RestError> {
    Ok(Json(hosts::accept_fingerprint(&engine, &actor, host, accept).await?))
}

pub async fn update(State(engine): State<Engine>, Caller(actor): Caller, Ids(host): Ids<Uuid>, ApiJson(update): ApiJson<HostUpdate>) -> Result<Json<Host>, RestError> {
    Ok(Json(hosts::update_host(&engine, &actor, host, update).await?))
}

pub async fn delete(State(engine): State<Engine>, Caller(actor): Caller, Ids(host): Ids<Uuid>) -> Result<StatusCode, RestError> {
    hosts::delete_host(&engine, &actor, host).await?;
    Ok(StatusCode::NO_CONTENT)
}

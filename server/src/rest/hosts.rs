//! GET/POST /api/hosts, POST /api/hosts/{host}/accept_fingerprint

use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{hosts, Engine};
use hotnic_model::{AcceptFingerprint, Host, NewHost};
use uuid::Uuid;

pub async fn list(State(engine): State<Engine>) -> Result<Json<Vec<Host>>, RestError> {
    Ok(Json(hosts::list_hosts(engine.db()).await?))
}

pub async fn create(State(engine): State<Engine>, ApiJson(new): ApiJson<NewHost>) -> Result<(StatusCode, Json<Host>), RestError> {
    Ok((StatusCode::CREATED, Json(hosts::create_host(&engine, new).await?)))
}

pub async fn accept_fingerprint(
    State(engine): State<Engine>,
    Ids(host): Ids<Uuid>,
    ApiJson(accept): ApiJson<AcceptFingerprint>,
) -> Result<Json<Host>, RestError> {
    Ok(Json(hosts::accept_fingerprint(&engine, host, accept).await?))
}

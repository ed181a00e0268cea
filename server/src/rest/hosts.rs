//! GET/POST /api/hosts

use super::json::ApiJson;
use super::RestError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use hotnic_engine::{hosts, Engine};
use hotnic_model::{Host, NewHost};

pub async fn list(State(engine): State<Engine>) -> Result<Json<Vec<Host>>, RestError> {
    Ok(Json(hosts::list_hosts(engine.db()).await?))
}

pub async fn create(State(engine): State<Engine>, ApiJson(new): ApiJson<NewHost>) -> Result<(StatusCode, Json<Host>), RestError> {
    Ok((StatusCode::CREATED, Json(hosts::create_host(engine.db(), new).await?)))
}

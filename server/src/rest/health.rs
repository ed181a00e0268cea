//! GET /api/health

use super::RestError;
use axum::extract::State;
use axum::Json;
use hotnic_engine::Engine;
use hotnic_model::Health;

pub async fn health(State(engine): State<Engine>) -> Result<Json<Health>, RestError> {
    Ok(Json(hotnic_engine::health::health(&engine.database).await?))
}

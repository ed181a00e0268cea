//! GET /api/health

use super::RestError;
use axum::extract::State;
use axum::Json;
use hotnic_engine::Database;
use hotnic_model::Health;

pub async fn health(State(database): State<Database>) -> Result<Json<Health>, RestError> {
    Ok(Json(hotnic_engine::health::health(&database).await?))
}

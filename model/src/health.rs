//! GET /api/health: is the server up, which database, which schema.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    /// "sqlite" or "postgres".
    pub database: String,
    /// Name of the newest applied migration.
    pub schema_version: String,
    pub migrations_applied: usize,
}

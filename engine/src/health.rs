//! What GET /api/health reports: the database kind and the schema version.

use crate::{Database, EngineResult};
use hotnic_migrations::{Migrator, MigratorTrait};
use hotnic_model::Health;

pub async fn health(database: &Database) -> EngineResult<Health> {
    let applied = Migrator::get_applied_migrations(&database.conn).await?;
    Ok(Health {
        status: "ok".into(),
        database: database.kind().into(),
        schema_version: applied.last().map(|m| m.name().to_owned()).unwrap_or_default(),
        migrations_applied: applied.len(),
    })
}

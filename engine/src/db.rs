//! Opening the database (SQLite file by default, PostgreSQL when the URL
//! says so) and bringing its schema up to date.

use hotnic_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, DatabaseConnection, DbBackend, DbErr};
use std::time::Duration;

/// Where the database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/hotnic.db?mode=rwc";

/// The engine's handle on its database: cheap to clone, shared by all flows.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
}

impl Database {
    /// Connects and applies every pending migration.
    pub async fn open(url: &str) -> Result<Self, DbErr> {
        let database = Self::connect(url).await?;
        Migrator::up(&database.conn, None).await?;
        Ok(database)
    }

    /// Connects without touching the schema (for migration tests).
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        if let Some(path) = sqlite_file(url) {
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbErr::Custom(format!("cannot create database folder {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(if url.starts_with("sqlite:") { 4 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            // WAL: monitoring's reads do not wait for a flow's write, and a
            // commit costs one fsync of the log instead of a rollback
            // journal's several. With NORMAL sync a power cut can lose the
            // last commits but never corrupts the file.
            .map_sqlx_sqlite_opts(|opts| opts.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal));
        let conn = sea_orm::Database::connect(options).await?;
        Ok(Database { conn })
    }

    /// "sqlite" or "postgres", as /api/health reports it.
    pub fn kind(&self) -> &'static str {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }
}

/// The file path in a `sqlite://path?query` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(sqlite_file("sqlite://data/hotnic.db?mode=rwc"), Some("data/hotnic.db"));
        assert_eq!(sqlite_file("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u:p@127.0.0.1/db"), None);
    }
}

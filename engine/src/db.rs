//! Opening the database (SQLite file by default, PostgreSQL when the URL
//! says so) and bringing its schema up to date.

use crate::locks::SharedLocks;
use hotnic_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::time::Duration;

/// Where the database lives when `DATABASE_URL` is not set.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/hotnic.db?mode=rwc";

/// Connections that hold VM locks for servers sharing a PostgreSQL
/// database (one per VM a flow or monitoring holds). Kept apart from the
/// query pool, so flows holding locks never starve their own queries.
const LOCK_CONNECTIONS: u32 = 24;
/// A pooled connection idle this long is pinged before use (it may have
/// been dropped by the server or a firewall); busier ones are not.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// A transaction that writes: on SQLite it takes the write lock at BEGIN
/// (waiting its turn like any write), so a read inside it cannot leave it
/// holding a snapshot that another writer's commit makes stale (SQLite
/// refuses such a transaction its first write at once, without waiting).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    db.begin_with_options(options).await
}

/// The engine's handle on its database: cheap to clone, shared by all flows.
#[derive(Clone, Debug)]
pub struct Database {
    pub conn: DatabaseConnection,
    /// On PostgreSQL: the VM locks every server sharing the database sees.
    pub(crate) shared_locks: Option<SharedLocks>,
}

impl Database {
    /// Connects and applies every pending migration. Servers starting
    /// together on one PostgreSQL migrate one at a time.
    pub async fn open(url: &str) -> Result<Self, DbErr> {
        let database = Self::connect(url).await?;
        match &database.shared_locks {
            Some(shared) => shared.one_at_a_time(Migrator::up(&database.conn, None)).await?,
            None => Migrator::up(&database.conn, None).await?,
        }
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
            // Pinging a connection at every checkout costs every statement a
            // second round trip (sqlx also pings at every return); only
            // connections idle long enough to have been dropped are pinged.
            .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
            .sqlx_logging(false)
            // WAL: monitoring's reads do not wait for a flow's write, and a
            // commit costs one fsync of the log instead of a rollback
            // journal's several. With NORMAL sync a power cut can lose the
            // last commits but never corrupts the file.
            .map_sqlx_sqlite_opts(|opts| opts.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal));
        let conn = sea_orm::Database::connect(options).await?;
        let shared_locks = match conn.get_database_backend() {
            DbBackend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(LOCK_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(2))
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= PING_IF_IDLE_FOR {
                                sea_orm::sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_lazy(url)
                    .map_err(|e| DbErr::Custom(format!("bad PostgreSQL URL: {e}")))?;
                Some(SharedLocks::new(pool))
            }
            _ => None,
        };
        Ok(Database { conn, shared_locks })
    }

    /// One server per SQLite file: the lock on `<file>.lock`, held as long
    /// as the returned file is open. None for PostgreSQL, where several
    /// servers may share the database. A second server on the same file
    /// gets an error saying so instead of two servers writing one file.
    pub fn claim_sole_server(url: &str) -> Result<Option<std::fs::File>, String> {
        let Some(path) = sqlite_file(url) else { return Ok(None) };
        let lock_path = format!("{path}.lock");
        if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create database folder {}: {e}", dir.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {lock_path}: {e}"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "another hotnic server already uses the SQLite database {path}; stop it first \
                 (several servers can share a PostgreSQL database, not a SQLite file)"
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {lock_path}: {e}")),
        }
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
    use super::{sqlite_file, Database};

    #[test]
    fn one_server_per_sqlite_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/h.db?mode=rwc", dir.path().display());
        let first = Database::claim_sole_server(&url).unwrap();
        assert!(first.is_some());
        let second = Database::claim_sole_server(&url).unwrap_err();
        assert!(second.contains("another hotnic server already uses"), "{second}");
        drop(first);
        assert!(Database::claim_sole_server(&url).unwrap().is_some(), "free again once the first is gone");
        assert!(Database::claim_sole_server("postgres://h/db").unwrap().is_none());
    }

    #[test]
    fn finds_the_file_of_a_sqlite_url() {
        assert_eq!(sqlite_file("sqlite://data/hotnic.db?mode=rwc"), Some("data/hotnic.db"));
        assert_eq!(sqlite_file("sqlite:/tmp/x.db"), Some("/tmp/x.db"));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://u:p@127.0.0.1/db"), None);
    }
}

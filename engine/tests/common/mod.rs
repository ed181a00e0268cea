//! Throw-away databases for flow tests: a SQLite file in a temp folder, or
//! a fresh PostgreSQL database created through HOTNIC_TEST_PG_URL (which
//! `make test` sets after starting a local PostgreSQL).

#![allow(dead_code)]

use hotnic_engine::Database;
use sea_orm::{ConnectionTrait, Statement};

pub struct TestDb {
    pub database: Database,
    /// Where it is, to open it again (as a second server would).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(unused)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A new empty SQLite database file; `migrate` applies the schema.
    pub async fn sqlite(migrate: bool) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let database = open(&url, migrate).await;
        TestDb { database, url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A new empty PostgreSQL database; fails loudly when none is reachable,
    /// so a run without PostgreSQL cannot pass by skipping.
    pub async fn postgres(migrate: bool) -> TestDb {
        let admin_url = std::env::var("HOTNIC_TEST_PG_URL").expect(
            "HOTNIC_TEST_PG_URL is not set: run `make test`, or scripts/postgres-up.sh and export what it prints",
        );
        let name = format!("hotnic_t_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        admin
            .conn
            .execute_raw(Statement::from_string(admin.conn.get_database_backend(), format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        admin.conn.close().await.ok();
        let url = replace_database(&admin_url, &name);
        let database = open(&url, migrate).await;
        TestDb { database, url, cleanup: Cleanup::Postgres { admin_url, name } }
    }

    /// Drops a PostgreSQL test database (SQLite's folder goes with the value).
    pub async fn finish(self) {
        self.database.conn.close().await.ok();
        if let Cleanup::Postgres { admin_url, name } = self.cleanup {
            let admin = Database::connect(&admin_url).await.expect("reconnect");
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            // FORCE cannot end a backend of another role (an autovacuum
            // worker that just started on the new database): wait for it
            // and try again. A database left behind is dropped by the next
            // run's clean-up (scripts/postgres-up.sh); it is not a failure
            // of the test.
            for attempt in 1..=5 {
                let statement = Statement::from_string(admin.conn.get_database_backend(), drop.clone());
                match admin.conn.execute_raw(statement).await {
                    Ok(_) => break,
                    Err(err) if attempt == 5 => eprintln!("test database {name} left behind: {err}"),
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await,
                }
            }
        }
    }
}

async fn open(url: &str, migrate: bool) -> Database {
    let result = if migrate { Database::open(url).await } else { Database::connect(url).await };
    result.unwrap_or_else(|e| panic!("cannot open {url}: {e}"))
}

fn replace_database(url: &str, name: &str) -> String {
    // Options after the database name (`?sslmode=…`) stay.
    let (base, rest) = url.rsplit_once('/').expect("URL with a database path");
    let options = rest.find('?').map_or("", |at| &rest[at..]);
    format!("{base}/{name}{options}")
}

/// Runs an async test body once on SQLite and once on PostgreSQL, each on
/// a fresh, migrated database: `on_both_databases!(test_name, body_fn);`
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite(true).await;
                super::$body(&db.database).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = $crate::common::TestDb::postgres(true).await;
                super::$body(&db.database).await;
                db.finish().await;
            }
        }
    };
}

/// A caller with the SuperUser role on the system: flow tests that are not
/// about permissions act as the first admin does.
pub fn admin() -> hotnic_engine::access::Actor {
    use hotnic_engine::access::{Actor, Scope};
    Actor::with_grants(uuid::Uuid::nil(), "admin", vec![(hotnic_model::Role::SuperUser, Scope::System)])
}

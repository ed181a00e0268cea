//! The VM locks in PostgreSQL, for servers that share the database: the
//! same rules as the in-process table, held as advisory locks by a
//! connection kept while the lock is held. A server that dies loses its
//! connections and so its locks, at once; nothing is left to expire.
//!
//! Monitoring holds transaction-scoped locks in a transaction left open.
//! A flow holds session-scoped ones, which need no BEGIN: one round trip
//! less on every plug. A session lock outlives an error and a dropped
//! guard, so a flow's connection goes back to the pool only after it let
//! go of both keys; otherwise it is closed, which lets go for it.
//!
//! Two keys per VM: the *flow* key, which a second flow tries and is
//! refused at once (409 busy, as on one server), and the *VM* key, which
//! flows and monitoring both take, so monitoring never writes between a
//! flow's host call and its database write. PostgreSQL queues waiters for
//! a key in order, so monitoring waiting for a flow gets the VM before the
//! next flow does.

use crate::{EngineError, EngineResult};
use sea_orm::sqlx::{self, pool::PoolConnection, postgres::PgPool, Postgres, Transaction};
use sea_orm::{DbErr, RuntimeErr};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub(crate) struct SharedLocks {
    pool: PgPool,
}

/// Locks held in the database until released or dropped.
pub(crate) enum Hold {
    /// Monitoring's: ends with the transaction (None once released).
    Transaction(Option<Transaction<'static, Postgres>>),
    /// A flow's: ends with `pg_advisory_unlock_all` or with the connection
    /// (None once released).
    Session(Option<PoolConnection<Postgres>>),
}

impl std::fmt::Debug for Hold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hold")
    }
}

#[derive(Clone, Copy)]
enum Key {
    Vm = 0,
    Flow = 1,
}

/// A 63-bit digest of the VM id, the low bit naming the key: two VMs share
/// a key with odds of one in 2^62.
fn key(vm_id: Uuid, kind: Key) -> i64 {
    let bits = vm_id.as_u128();
    let folded = (bits >> 64) as u64 ^ bits as u64;
    ((folded & !1) | kind as u64) as i64
}

/// The key that lets one server at a time migrate the schema.
pub(crate) const MIGRATIONS_KEY: i64 = 0x686f_746e_6963_6d69; // "hotnicmi"

impl SharedLocks {
    pub(crate) fn new(pool: PgPool) -> Self {
        SharedLocks { pool }
    }

    async fn begin(&self) -> EngineResult<Transaction<'static, Postgres>> {
        match self.pool.begin().await {
            Ok(txn) => Ok(txn),
            // Every lock connection is holding a VM: as busy as it gets.
            Err(sqlx::Error::PoolTimedOut) => Err(EngineError::Busy),
            Err(err) => Err(database(err)),
        }
    }

    /// A flow's locks: refused at once while another flow (on any server)
    /// holds the VM, waited for (up to `wait`) while monitoring does. One
    /// statement, the only round trip before the flow's own: CASE evaluates
    /// its branches in order and only as far as needed, so the VM key is
    /// waited for only once the flow key is held. The lock timeout is local
    /// to the statement's own transaction.
    pub(crate) async fn lock_for_flow(&self, vm_id: Uuid, wait: Duration) -> EngineResult<Hold> {
        let mut conn = match self.pool.acquire().await {
            Ok(conn) => conn,
            // Every lock connection is holding a VM: as busy as it gets.
            Err(sqlx::Error::PoolTimedOut) => return Err(EngineError::Busy),
            Err(err) => return Err(database(err)),
        };
        let got = sqlx::query_scalar(
            "SELECT CASE WHEN NOT pg_try_advisory_lock($1) THEN false \
                         WHEN set_config('lock_timeout', $2, true) IS NULL THEN false \
                         ELSE pg_advisory_lock($3)::text IS NOT NULL END",
        )
        .bind(key(vm_id, Key::Flow))
        .bind(timeout_setting(wait))
        .bind(key(vm_id, Key::Vm))
        .fetch_one(&mut *conn)
        .await;
        match got {
            Ok(true) => Ok(Hold::Session(Some(conn))),
            // Nothing was taken: the connection is clean.
            Ok(false) => Err(EngineError::Busy),
            // The flow key may be held: let go of it here, or else close.
            Err(err) => {
                Hold::Session(Some(conn)).release().await;
                if lock_timed_out(&err) {
                    Err(EngineError::Busy)
                } else {
                    Err(database(err))
                }
            }
        }
    }

    /// Monitoring's locks on those of `vm_ids` nobody holds now, in one
    /// statement; returns the ones it got.
    pub(crate) async fn try_lock_many(&self, vm_ids: &[Uuid]) -> EngineResult<(Hold, Vec<Uuid>)> {
        let mut txn = self.begin().await?;
        let keys: Vec<i64> = vm_ids.iter().map(|id| key(*id, Key::Vm)).collect();
        let got: Vec<i64> = sqlx::query_scalar("SELECT k FROM unnest($1::int8[]) AS k WHERE pg_try_advisory_xact_lock(k)")
            .bind(&keys)
            .fetch_all(&mut *txn)
            .await
            .map_err(database)?;
        let held = vm_ids.iter().copied().filter(|id| got.contains(&key(*id, Key::Vm))).collect();
        Ok((Hold::Transaction(Some(txn)), held))
    }

    /// Monitoring's lock on one VM as soon as its holder lets go, or None
    /// after `wait`.
    pub(crate) async fn lock_when_free(&self, vm_id: Uuid, wait: Duration) -> EngineResult<Option<Hold>> {
        let mut txn = self.begin().await?;
        Ok(wait_for(&mut txn, key(vm_id, Key::Vm), wait).await?.then_some(Hold::Transaction(Some(txn))))
    }

    /// Runs `work` while holding the migrations key, so servers started
    /// together migrate one after another (the later ones find nothing to do).
    pub(crate) async fn one_at_a_time<T>(&self, work: impl std::future::Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        use sqlx::Connection;
        // A connection of its own, closed afterwards: closing ends the
        // session and with it the lock, whatever happened in between.
        let mut conn = self.pool.acquire().await.map_err(db_err)?.detach();
        sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATIONS_KEY).execute(&mut conn).await.map_err(db_err)?;
        let result = work.await;
        let _ = conn.close().await;
        result
    }
}

/// Takes `key` for the transaction, waiting at most `wait`; false when the
/// wait ran out.
async fn wait_for(txn: &mut Transaction<'static, Postgres>, key: i64, wait: Duration) -> EngineResult<bool> {
    // CASE: the timeout is set before the wait starts.
    let taken = sqlx::query(
        "SELECT CASE WHEN set_config('lock_timeout', $1, true) IS NULL THEN false \
                     ELSE pg_advisory_xact_lock($2)::text IS NOT NULL END",
    )
        .bind(timeout_setting(wait))
        .bind(key)
        .execute(&mut **txn)
        .await;
    match taken {
        Ok(_) => Ok(true),
        Err(err) if lock_timed_out(&err) => Ok(false),
        Err(err) => Err(database(err)),
    }
}

/// `lock_timeout` for this transaction (set_config, unlike SET, takes a
/// parameter; `true`: local to the transaction).
fn timeout_setting(wait: Duration) -> String {
    format!("{}ms", wait.as_millis().max(1))
}

/// PostgreSQL's lock_not_available: the wait ran out.
fn lock_timed_out(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(err) if err.code().as_deref() == Some("55P03"))
}

impl Hold {
    /// Lets go now (dropping lets go too, a moment later).
    pub(crate) async fn release(mut self) {
        let released = match &mut self {
            Hold::Transaction(txn) => {
                let Some(txn) = txn.take() else { return };
                txn.commit().await
            }
            Hold::Session(conn) => {
                let Some(mut conn) = conn.take() else { return };
                let unlocked = sqlx::query("SELECT pg_advisory_unlock_all()").execute(&mut *conn).await.map(|_| ());
                if unlocked.is_err() {
                    conn.close_on_drop();
                }
                unlocked
            }
        };
        if let Err(err) = released {
            tracing::warn!(error = %err, "releasing VM locks: the connection went; PostgreSQL released them with it");
        }
    }
}

impl Drop for Hold {
    /// Not released: a session lock must not go back to the pool with its
    /// connection (a transaction rolls back on its own).
    fn drop(&mut self) {
        if let Hold::Session(Some(conn)) = self {
            conn.close_on_drop();
        }
    }
}

/// Releases the hold once the last guard sharing it is released.
pub(crate) async fn release_shared(hold: Arc<Hold>) {
    if let Ok(hold) = Arc::try_unwrap(hold) {
        hold.release().await;
    }
}

fn db_err(err: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err)))
}

fn database(err: sqlx::Error) -> EngineError {
    EngineError::Database(db_err(err))
}

#[cfg(test)]
mod tests {
    use super::{key, Key};
    use uuid::Uuid;

    #[test]
    fn each_vm_has_two_keys_and_vms_differ() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        assert_ne!(key(a, Key::Vm), key(a, Key::Flow));
        assert_eq!(key(a, Key::Vm) & 1, 0);
        assert_eq!(key(a, Key::Flow) & 1, 1);
        assert_ne!(key(a, Key::Vm), key(b, Key::Vm));
        assert_eq!(key(a, Key::Vm), key(a, Key::Vm), "stable");
    }
}

//! Servers sharing one database share monitoring, with no coordinator: each
//! server beats (its row in `servers`, once per monitoring period) and polls
//! the hosts that name it. A host that names no server, or one that has not
//! beaten for two monitoring periods (it died), is taken by the next pass
//! of any live server. Hosts do not move between live servers.
//!
//! Correctness does not rest on this: two servers polling one host (a slow
//! pass, clocks apart) take the same per-VM locks before writing. The
//! servers' clocks should agree (NTP) to well under a monitoring period.

use crate::entities::{host, server};
use crate::{Engine, EngineResult};
use chrono::Utc;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

/// How many periods without a beat before a server counts as gone.
const SILENT_PERIODS: u32 = 2;
/// A gone server's row is kept this many periods, for the operator, then dropped.
const FORGET_PERIODS: u32 = 100;

/// Takes the hosts no live server monitors, and returns the hosts this
/// server monitors now (those in maintenance too: VMs may still run there).
/// Writes only when there is a host to take: one read otherwise. It does
/// not beat: the monitoring loop beats once per period (see [`beat`]).
pub async fn hosts_to_monitor(engine: &Engine) -> EngineResult<Vec<host::Model>> {
    let db = engine.db();
    let mine = host::Column::MonitoredBy.eq(engine.server_id);
    let candidates = host::Entity::find().filter(Condition::any().add(mine.clone()).add(takeable(engine))).all(db).await?;
    if candidates.iter().all(|host| host.monitored_by == Some(engine.server_id)) {
        return Ok(candidates);
    }
    // The same condition again in the write: another server may have
    // taken some of them since the read.
    let taken = host::Entity::update_many()
        .col_expr(host::Column::MonitoredBy, Expr::value(engine.server_id))
        .filter(takeable(engine))
        .exec(db)
        .await?;
    if taken.rows_affected > 0 {
        tracing::info!(server = %engine.server_id, hosts = taken.rows_affected, "monitoring took over hosts no live server watched");
    }
    Ok(host::Entity::find().filter(mine).all(db).await?)
}

/// A host that names no server, or another one silent for
/// [`SILENT_PERIODS`]. Never this server's own: it monitors them whether
/// or not it has beaten yet.
fn takeable(engine: &Engine) -> Condition {
    let silent_since = Utc::now() - engine.config.monitoring_period * SILENT_PERIODS;
    let live = Query::select().column(server::Column::Id).from(server::Entity).and_where(server::Column::SeenAt.gt(silent_since)).to_owned();
    Condition::any().add(host::Column::MonitoredBy.is_null()).add(
        Condition::all().add(host::Column::MonitoredBy.ne(engine.server_id)).add(host::Column::MonitoredBy.not_in_subquery(live)),
    )
}

/// This server is alive: its row says so, now. The monitoring loop calls
/// it once per period, whether or not any host changed: the one write a
/// quiet period makes (a row per server, not per host or VM).
pub async fn beat(engine: &Engine) -> EngineResult<()> {
    let now = Utc::now();
    let row = server::ActiveModel { id: Set(engine.server_id), name: Set(engine.server_name.clone()), started_at: Set(now), seen_at: Set(now) };
    server::Entity::insert(row)
        .on_conflict(OnConflict::column(server::Column::Id).update_column(server::Column::SeenAt).to_owned())
        .exec_without_returning(engine.db())
        .await?;
    let forgotten = now - engine.config.monitoring_period * FORGET_PERIODS;
    server::Entity::delete_many().filter(server::Column::SeenAt.lt(forgotten)).exec(engine.db()).await?;
    Ok(())
}

/// A server stopping on purpose: its hosts go to the others at their next
/// pass instead of after the silence.
pub async fn leave(engine: &Engine) -> EngineResult<()> {
    host::Entity::update_many()
        .col_expr(host::Column::MonitoredBy, Expr::value(Option::<uuid::Uuid>::None))
        .filter(host::Column::MonitoredBy.eq(engine.server_id))
        .exec(engine.db())
        .await?;
    server::Entity::delete_by_id(engine.server_id).exec(engine.db()).await?;
    Ok(())
}

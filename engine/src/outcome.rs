//! The end of a NIC flow written in one step, all or nothing: the NIC's
//! new state, the VM's free-slot count and the audit event. On PostgreSQL
//! one statement (data-modifying WITH clauses): every plug and unplug ends
//! here, and with hundreds arriving at once each round trip to the database
//! counts (three separate writes cost a fifth of the throughput). On SQLite,
//! one transaction whose statements go to its worker thread together: each
//! hand-over costs a thread wake-up, and a plug's answer waits for them.

use crate::entities::{audit_log, vm_device};
use crate::{EngineError, EngineResult};
use sea_orm::sea_query::{Alias, CommonTableExpression, UpdateStatement, WithClause};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryTrait, Statement, TransactionTrait, TryIntoModel,
};
use uuid::Uuid;

/// Writes `device` (NIC `nic_id`'s changed columns), `slot_change` and
/// `event` together; returns the NIC's device row as stored.
pub(crate) async fn store_nic_change(
    db: &DatabaseConnection,
    nic_id: Uuid,
    device: vm_device::ActiveModel,
    slot_change: Option<UpdateStatement>,
    event: audit_log::ActiveModel,
) -> EngineResult<vm_device::Model> {
    // Every column of the row is known (the flow read it): what it becomes.
    let stored = device.clone().try_into_model()?;
    let mut update = vm_device::Entity::update_many().set(device).filter(vm_device::Column::DeviceId.eq(nic_id)).into_query();
    let insert = audit_log::Entity::insert(event).into_query();
    let gone = || EngineError::NotFound(format!("NIC {nic_id} is gone"));
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        // SQLite: the writes and a count of the NIC rows changed go to the
        // worker as one batch inside a transaction (three hand-overs
        // instead of five); any failure, a unique index's included, rolls
        // it all back. The NIC's row last, so `changes()` counts it alone.
        let mut parts = vec![backend.build(&insert)];
        parts.extend(slot_change.map(|change| backend.build(&change)));
        parts.push(backend.build(&update));
        parts.push(Statement::from_string(backend, "SELECT changes() AS changed"));
        let txn = db.begin().await?;
        let rows = txn.query_all_raw(crate::write_batch::joined(backend, parts)).await?;
        let changed: i64 = rows.last().map(|row| row.try_get("", "changed")).transpose()?.unwrap_or(0);
        if changed != 1 {
            return Err(gone());
        }
        txn.commit().await?;
        return Ok(stored);
    }
    let mut with = WithClause::new();
    if let Some(change) = slot_change {
        with.cte(CommonTableExpression::new().query(change).table_name(Alias::new("slot_change")).to_owned());
    }
    with.cte(CommonTableExpression::new().query(insert).table_name(Alias::new("audit_event")).to_owned());
    update.returning_all();
    let row = db.query_one(&update.with(with)).await?.ok_or_else(gone)?;
    Ok(vm_device::Model::from_query_result(&row, "")?)
}

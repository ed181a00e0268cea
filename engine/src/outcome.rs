//! The end of a NIC flow written in one step, all or nothing: the NIC's
//! new state, the VM's free-slot count and the audit event. On PostgreSQL
//! one statement (data-modifying WITH clauses): every plug and unplug ends
//! here, and with hundreds arriving at once each round trip to the database
//! counts (three separate writes cost a fifth of the throughput). On SQLite,
//! where a statement costs no round trip, one transaction.

use crate::entities::{audit_log, vm_device};
use crate::{EngineError, EngineResult};
use sea_orm::sea_query::{Alias, CommonTableExpression, UpdateStatement, WithClause};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryTrait, TransactionTrait,
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
    if db.get_database_backend() != DbBackend::Postgres {
        let txn = db.begin().await?;
        let stored = device.update(&txn).await?;
        if let Some(change) = slot_change {
            txn.execute(&change).await?;
        }
        audit_log::Entity::insert(event).exec_without_returning(&txn).await?;
        txn.commit().await?;
        return Ok(stored);
    }
    let mut with = WithClause::new();
    if let Some(change) = slot_change {
        with.cte(CommonTableExpression::new().query(change).table_name(Alias::new("slot_change")).to_owned());
    }
    let insert = audit_log::Entity::insert(event).into_query();
    with.cte(CommonTableExpression::new().query(insert).table_name(Alias::new("audit_event")).to_owned());
    let mut update = vm_device::Entity::update_many().set(device).filter(vm_device::Column::DeviceId.eq(nic_id)).into_query();
    update.returning_all();
    let row = db.query_one(&update.with(with)).await?;
    let row = row.ok_or_else(|| EngineError::NotFound(format!("NIC {nic_id} is gone")))?;
    Ok(vm_device::Model::from_query_result(&row, "")?)
}

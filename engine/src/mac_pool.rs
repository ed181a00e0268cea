//! MAC addresses for new NICs: the next free address of the pool, or a
//! custom one checked for format and use.

use crate::entities::{mac_pool, vm_interface};
use crate::{EngineError, EngineResult};
use hotnic_model::MacAddr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;

/// Takes the lowest free address of the default pool.
pub async fn allocate(db: &impl ConnectionTrait) -> EngineResult<MacAddr> {
    let pool = mac_pool::Entity::find()
        .one(db)
        .await?
        .ok_or_else(|| EngineError::Conflict("no MAC pool is defined".into()))?;
    let start: MacAddr = crate::state::stored(&pool.range_start)?;
    let end: MacAddr = crate::state::stored(&pool.range_end)?;
    let used: HashSet<String> = vm_interface::Entity::find()
        .select_only()
        .column(vm_interface::Column::Mac)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    (start.to_u64()..=end.to_u64())
        .map(MacAddr::from_u64)
        .find(|mac| !used.contains(&mac.to_string()))
        .ok_or_else(|| {
            EngineError::Conflict(format!(
                "the MAC pool '{}' ({} – {}) is exhausted; remove unused NICs or give a custom MAC",
                pool.name, pool.range_start, pool.range_end
            ))
        })
}

/// Checks a custom MAC: format, unicast, and not held by another NIC.
pub async fn check_custom(db: &impl ConnectionTrait, text: &str, except_nic: Option<uuid::Uuid>) -> EngineResult<MacAddr> {
    let mac: MacAddr = text.parse().map_err(|e: String| EngineError::invalid("mac", e))?;
    let mut holder = vm_interface::Entity::find().filter(vm_interface::Column::Mac.eq(mac.to_string()));
    if let Some(nic) = except_nic {
        holder = holder.filter(vm_interface::Column::Id.ne(nic));
    }
    if let Some(other) = holder.one(db).await? {
        return Err(EngineError::InUse {
            field: "mac",
            reason: format!("MAC address {mac} is already in use by NIC '{}'", other.name),
        });
    }
    Ok(mac)
}

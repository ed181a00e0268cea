//! The audit log: one event per flow outcome, success or failure.

use crate::entities::audit_log;
use crate::EngineResult;
use hotnic_model::Event;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

/// Who did it. hotnic has no login yet: every API caller acts as admin.
pub const DEFAULT_USER: &str = "admin@internal";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Normal,
    Warning,
    Error,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What happened, to what.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub cluster_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub vm_id: Option<Uuid>,
    pub nic_id: Option<Uuid>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    severity: Severity,
    event: &str,
    message: impl Into<String>,
    subject: Subject,
) -> EngineResult<()> {
    let message = message.into();
    tracing::info!(event, severity = severity.as_str(), "{message}");
    audit_log::ActiveModel {
        id: NotSet,
        created_at: Set(chrono::Utc::now()),
        severity: Set(severity.as_str().into()),
        event: Set(event.into()),
        message: Set(message),
        user_name: Set(DEFAULT_USER.into()),
        cluster_id: Set(subject.cluster_id),
        host_id: Set(subject.host_id),
        vm_id: Set(subject.vm_id),
        nic_id: Set(subject.nic_id),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest events first, optionally of one VM.
pub async fn list_events(db: &impl ConnectionTrait, vm_id: Option<Uuid>, limit: u64) -> EngineResult<Vec<Event>> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(limit);
    if let Some(vm_id) = vm_id {
        query = query.filter(audit_log::Column::VmId.eq(vm_id));
    }
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .map(|row| Event {
            id: row.id,
            time: row.created_at.to_rfc3339(),
            severity: row.severity,
            event: row.event,
            message: row.message,
            user: row.user_name,
            vm_id: row.vm_id,
            nic_id: row.nic_id,
            host_id: row.host_id,
        })
        .collect())
}

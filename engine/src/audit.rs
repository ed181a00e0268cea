//! The audit log: one event per flow outcome, success or failure.

use crate::access::{Act, Actor, Visible};
use crate::entities::{audit_log, vm};
use crate::EngineResult;
use hotnic_model::Event;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

/// How events that no user caused name their author.
pub const MONITORING: &str = "monitoring";

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

/// Writes one event; `by` names who caused it (`Actor::audit_name`, or
/// [`MONITORING`]).
pub async fn record(
    db: &impl ConnectionTrait,
    by: &str,
    severity: Severity,
    event: &str,
    message: impl Into<String>,
    subject: Subject,
) -> EngineResult<()> {
    insert_row(db, event_row(by, severity, event, message, subject)).await
}

/// [`record`] as part of `writes`, which the caller sends in its transaction.
pub(crate) fn record_in(
    writes: &mut crate::write_batch::WriteBatch,
    by: &str,
    severity: Severity,
    event: &str,
    message: impl Into<String>,
    subject: Subject,
) {
    writes.push(&audit_log::Entity::insert(event_row(by, severity, event, message, subject)).into_query());
}

/// Writes a row [`event_row`] made.
pub(crate) async fn insert_row(db: &impl ConnectionTrait, row: audit_log::ActiveModel) -> EngineResult<()> {
    // Nothing is read back: one statement on every backend.
    audit_log::Entity::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// The row [`record`] writes, for a caller that writes it together with
/// other changes (`outcome`); logged now, so made only once it happened.
pub(crate) fn event_row(by: &str, severity: Severity, event: &str, message: impl Into<String>, subject: Subject) -> audit_log::ActiveModel {
    let message = message.into();
    tracing::info!(event, severity = severity.as_str(), "{message}");
    audit_log::ActiveModel {
        id: NotSet,
        created_at: Set(chrono::Utc::now()),
        severity: Set(severity.as_str().into()),
        event: Set(event.into()),
        message: Set(message),
        user_name: Set(by.into()),
        cluster_id: Set(subject.cluster_id),
        host_id: Set(subject.host_id),
        vm_id: Set(subject.vm_id),
        nic_id: Set(subject.nic_id),
        request_id: Set(hotnic_agent_api::request_id::current()),
    }
}

/// The newest events the caller may see, optionally of one VM: those of
/// VMs and clusters they see; events of neither (users, sign-ins) only
/// with a role on the system.
pub async fn list_events(db: &impl ConnectionTrait, actor: &Actor, vm_id: Option<Uuid>, limit: u64) -> EngineResult<Vec<Event>> {
    let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id).limit(limit);
    if let Some(vm_id) = vm_id {
        actor.vm(db, vm_id, Act::View).await?;
        query = query.filter(audit_log::Column::VmId.eq(vm_id));
    } else if let Visible::Some { clusters, vms, .. } = actor.visible() {
        let in_clusters = vm::Entity::find()
            .select_only()
            .column(vm::Column::Id)
            .filter(vm::Column::ClusterId.is_in(clusters.clone()))
            .into_query();
        query = query.filter(
            Condition::any()
                .add(audit_log::Column::VmId.is_in(vms))
                .add(audit_log::Column::VmId.in_subquery(in_clusters))
                .add(audit_log::Column::ClusterId.is_in(clusters)),
        );
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
            request_id: row.request_id,
        })
        .collect())
}

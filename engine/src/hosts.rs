//! Hosts: register one by its agent's URL and token, list them.

use crate::audit::{self, Severity, Subject};
use crate::entities::host;
use crate::state::HostStatus;
use crate::{EngineError, EngineResult};
use hotnic_model::{EntityName, Host, NewHost};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

impl From<host::Model> for Host {
    fn from(row: host::Model) -> Self {
        Host { id: row.id, name: row.name, cluster_id: row.cluster_id, agent_url: row.agent_url, status: row.status }
    }
}

pub async fn list_hosts(db: &impl ConnectionTrait) -> EngineResult<Vec<Host>> {
    let rows = host::Entity::find().order_by_asc(host::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(Host::from).collect())
}

pub async fn find_host(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<host::Model> {
    host::Entity::find_by_id(id).one(db).await?.ok_or_else(|| EngineError::NotFound(format!("no host with id {id}")))
}

/// Registers a host. Its status starts `up`; monitoring corrects it at its
/// first poll if the agent does not answer.
pub async fn create_host(db: &impl ConnectionTrait, new: NewHost) -> EngineResult<Host> {
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("host {e}")))?;
    let url = new.agent_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
        return Err(EngineError::invalid("agent_url", format!("'{url}' is not an http:// or https:// URL")));
    }
    if new.token.trim().len() < 8 {
        return Err(EngineError::invalid("token", "the agent token must have at least 8 characters"));
    }
    crate::clusters::require_cluster(db, new.cluster_id).await?;
    if host::Entity::find().filter(host::Column::Name.eq(name.as_str())).one(db).await?.is_some() {
        return Err(EngineError::Conflict(format!("a host named '{name}' already exists")));
    }
    let row = host::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_string()),
        cluster_id: Set(new.cluster_id),
        agent_url: Set(url.trim_end_matches('/').to_owned()),
        token: Set(new.token.trim().to_owned()),
        status: Set(HostStatus::Up.to_string()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Severity::Normal,
        "host_added",
        format!("Host {} was added to the cluster", row.name),
        Subject { cluster_id: Some(row.cluster_id), host_id: Some(row.id), ..Default::default() },
    )
    .await?;
    Ok(row.into())
}

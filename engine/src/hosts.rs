//! Hosts: register one by its agent's URL and token, list them.

use crate::access::{Act, Actor, Visible};
use crate::audit::{self, Severity, Subject};
use crate::entities::host;
use crate::host_client::{host_error, HostTarget};
use crate::state::HostStatus;
use crate::{Engine, EngineError, EngineResult};
use hotnic_agent_api::Fingerprint;
use hotnic_model::{parse_agent_url, AcceptFingerprint, EntityName, Host, NewHost};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

impl From<host::Model> for Host {
    fn from(row: host::Model) -> Self {
        Host {
            id: row.id,
            name: row.name,
            cluster_id: row.cluster_id,
            agent_url: row.agent_url,
            status: row.status,
            fingerprint: row.tls_fingerprint,
            presented_fingerprint: row.presented_fingerprint,
        }
    }
}

fn parse_fingerprint(text: &str) -> EngineResult<Fingerprint> {
    Fingerprint::parse(text).map_err(|e| EngineError::invalid("fingerprint", e))
}

/// The hosts the caller sees: those of clusters they have a role on.
pub async fn list_hosts(db: &impl ConnectionTrait, actor: &Actor) -> EngineResult<Vec<Host>> {
    let mut query = host::Entity::find().order_by_asc(host::Column::Name);
    if let Visible::Some { clusters, .. } = actor.visible() {
        query = query.filter(host::Column::ClusterId.is_in(clusters));
    }
    let rows = query.all(db).await?;
    Ok(rows.into_iter().map(Host::from).collect())
}

pub async fn find_host(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<host::Model> {
    host::Entity::find_by_id(id).one(db).await?.ok_or_else(|| EngineError::NotFound(format!("no host with id {id}")))
}

/// Registers a host: checks its URL, pins the fingerprint of the TLS
/// certificate its agent presents (or requires the one given), and checks
/// that the agent takes the token. Its status starts `up`.
pub async fn create_host(engine: &Engine, actor: &Actor, new: NewHost) -> EngineResult<Host> {
    actor.require_super_user()?;
    let db = engine.db();
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("host {e}")))?;
    let url = parse_agent_url(&new.agent_url).map_err(|e| EngineError::invalid("agent_url", e))?;
    if new.token.trim().len() < 8 {
        return Err(EngineError::invalid("token", "the agent token must have at least 8 characters"));
    }
    let expected = new.fingerprint.as_deref().map(parse_fingerprint).transpose()?;
    actor.cluster_in_input(db, new.cluster_id, Act::ManageSystem).await?;
    if host::Entity::find().filter(host::Column::Name.eq(name.as_str())).one(db).await?.is_some() {
        return Err(EngineError::Conflict(format!("a host named '{name}' already exists")));
    }
    let failed = format!("Cannot register host {name}");
    let unpinned = HostTarget { name: name.to_string(), agent_url: url.clone(), token: new.token.trim().to_owned(), fingerprint: Fingerprint::of_der(b"") };
    let presented = engine.hosts.probe_fingerprint(&url).await.map_err(|e| host_error(&unpinned, &failed, e))?;
    if let Some(expected) = expected.filter(|e| *e != presented) {
        return Err(EngineError::Conflict(format!(
            "{failed}: its agent presents the certificate {presented}, not {expected}"
        )));
    }
    let target = HostTarget { fingerprint: presented.clone(), ..unpinned };
    engine.hosts.get_caps(&target, &Default::default()).await.map_err(|e| host_error(&target, &failed, e))?;
    let row = host::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_string()),
        cluster_id: Set(new.cluster_id),
        agent_url: Set(url),
        token: Set(target.token.clone()),
        status: Set(HostStatus::Up.to_string()),
        created_at: Set(chrono::Utc::now()),
        tls_fingerprint: Set(presented.to_string()),
        presented_fingerprint: Set(None),
        monitored_by: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        &actor.audit_name(),
        Severity::Normal,
        "host_added",
        format!("Host {} was added to the cluster; its certificate fingerprint is {presented}", row.name),
        Subject { cluster_id: Some(row.cluster_id), host_id: Some(row.id), ..Default::default() },
    )
    .await?;
    engine.changed(None);
    Ok(row.into())
}

/// Trusts the certificate a host presents now, after its key was replaced:
/// the administrator names the fingerprint they checked on the host, and it
/// must be the one the agent presents.
pub async fn accept_fingerprint(engine: &Engine, actor: &Actor, host_id: Uuid, accept: AcceptFingerprint) -> EngineResult<Host> {
    actor.require_super_user()?;
    let db = engine.db();
    let wanted = parse_fingerprint(&accept.fingerprint)?;
    let row = find_host(db, host_id).await?;
    let target = HostTarget::from(&row);
    let failed = format!("Cannot check the certificate of host {}", row.name);
    let presented = engine.hosts.probe_fingerprint(&row.agent_url).await.map_err(|e| host_error(&target, &failed, e))?;
    if presented != wanted {
        return Err(EngineError::Conflict(format!(
            "host {} presents the certificate {presented}, not {wanted}; nothing was changed",
            row.name
        )));
    }
    let mut update = row.clone().into_active_model();
    update.tls_fingerprint = Set(wanted.to_string());
    update.presented_fingerprint = Set(None);
    let row = update.update(db).await?;
    audit::record(
        db,
        &actor.audit_name(),
        Severity::Warning,
        "host_fingerprint_accepted",
        format!("The new certificate of host {} was accepted: {wanted}", row.name),
        Subject { cluster_id: Some(row.cluster_id), host_id: Some(row.id), ..Default::default() },
    )
    .await?;
    engine.changed(None);
    Ok(row.into())
}

/// The images of a cluster's library: what its up hosts list, by name.
pub async fn cluster_images(engine: &Engine, actor: &Actor, cluster_id: Uuid) -> EngineResult<Vec<hotnic_model::Image>> {
    let db = engine.db();
    actor.cluster(db, cluster_id, Act::View).await?;
    let hosts = host::Entity::find()
        .filter(host::Column::ClusterId.eq(cluster_id))
        .filter(host::Column::Status.eq(HostStatus::Up.as_str()))
        .all(db)
        .await?;
    let answers = futures::future::join_all(hosts.iter().map(|h| {
        let target = HostTarget::from(h);
        async move { engine.hosts.get_caps(&target, &Default::default()).await }
    }))
    .await;
    let mut images = std::collections::BTreeMap::new();
    for caps in answers.into_iter().flatten() {
        for image in caps.images {
            images.entry(image.name.clone()).or_insert(hotnic_model::Image { name: image.name, size_bytes: image.size_bytes });
        }
    }
    Ok(images.into_values().collect())
}

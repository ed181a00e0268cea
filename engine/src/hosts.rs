//! Hosts: register one by its agent's URL and token, list them, rename,
//! maintenance, remove.

use crate::access::{Act, Actor, Visible};
use crate::audit::{self, Severity, Subject};
use crate::entities::{host, vm};
use crate::host_client::{host_error, HostTarget};
use crate::state::HostStatus;
use crate::{Engine, EngineError, EngineResult};
use hotnic_agent_api::Fingerprint;
use hotnic_model::{parse_agent_url, AcceptFingerprint, EntityName, Host, HostUpdate, NewHost};
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

/// Renames a host (its id kept) and puts it into maintenance or back: in
/// maintenance no VM starts there and monitoring keeps watching what runs.
pub async fn update_host(engine: &Engine, actor: &Actor, host_id: Uuid, update: HostUpdate) -> EngineResult<Host> {
    actor.require_super_user()?;
    let db = engine.db();
    let row = find_host(db, host_id).await?;
    let mut changed = row.clone().into_active_model();
    let mut said = Vec::new();
    if let Some(name) = &update.name {
        let name = EntityName::parse(name).map_err(|e| EngineError::invalid("name", format!("host {e}")))?;
        if name.as_str() != row.name {
            if host::Entity::find().filter(host::Column::Name.eq(name.as_str())).one(db).await?.is_some() {
                return Err(EngineError::Conflict(format!("a host named '{name}' already exists")));
            }
            said.push(format!("Host {} was renamed {name}", row.name));
            changed.name = Set(name.to_string());
        }
    }
    let in_maintenance = row.status == HostStatus::Maintenance.as_str();
    match update.maintenance {
        Some(true) if !in_maintenance => {
            let running = crate::in_use::running(&vm::Entity::find().filter(vm::Column::HostId.eq(host_id)).all(db).await?);
            said.push(format!(
                "Host {} is in maintenance: no VM starts there; monitoring keeps watching the {} VMs it runs",
                row.name,
                running.len()
            ));
            changed.status = Set(HostStatus::Maintenance.to_string());
        }
        // Back: up until monitoring finds otherwise.
        Some(false) if in_maintenance => {
            said.push(format!("Host {} is active again", row.name));
            changed.status = Set(HostStatus::Up.to_string());
        }
        _ => {}
    }
    if said.is_empty() {
        return Ok(row.into());
    }
    let row = changed.update(db).await?;
    let subject = Subject { cluster_id: Some(row.cluster_id), host_id: Some(row.id), ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "host_updated", said.join("; "), subject).await?;
    engine.changed(None);
    Ok(row.into())
}

/// Removes a host that is in maintenance and runs no VM.
pub async fn delete_host(engine: &Engine, actor: &Actor, host_id: Uuid) -> EngineResult<()> {
    actor.require_super_user()?;
    let db = engine.db();
    let row = find_host(db, host_id).await?;
    if row.status != HostStatus::Maintenance.as_str() {
        return Err(EngineError::Conflict(format!("host {} is {}; put it into maintenance before removing it", row.name, row.status)));
    }
    let running = crate::in_use::running(&vm::Entity::find().filter(vm::Column::HostId.eq(host_id)).all(db).await?);
    if !running.is_empty() {
        return Err(EngineError::Conflict(format!(
            "host {} still runs VMs {}; stop them before removing it",
            row.name,
            crate::in_use::listed(&running)
        )));
    }
    // VMs that ran there and are down keep no tie to it.
    vm::Entity::update_many()
        .col_expr(vm::Column::HostId, sea_orm::sea_query::Expr::value(Option::<Uuid>::None))
        .filter(vm::Column::HostId.eq(host_id))
        .exec(db)
        .await?;
    host::Entity::delete_by_id(host_id).exec(db).await?;
    let subject = Subject { cluster_id: Some(row.cluster_id), ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "host_removed", format!("Host {} was removed", row.name), subject).await?;
    engine.changed(None);
    Ok(())
}

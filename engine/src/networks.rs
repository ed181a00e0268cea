//! Networks of a cluster: what NICs attach to. A `bridge` network is a
//! Linux bridge of the same name on each host.

use crate::access::{Act, Actor, Visible};
use crate::audit::{self, Severity, Subject};
use crate::entities::network;
use crate::state::NetworkKind;
use crate::{EngineError, EngineResult};
use hotnic_model::{Network, NetworkUpdate, NewNetwork};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// Linux limits interface names to 15 characters; a bridge is named after
/// its network, so the network name obeys the same rule.
const MAX_NETWORK_NAME: usize = 15;

impl From<network::Model> for Network {
    fn from(row: network::Model) -> Self {
        Network { id: row.id, name: row.name, cluster_id: row.cluster_id, kind: row.kind }
    }
}

/// The networks the caller sees: those of clusters they see.
pub async fn list_networks(db: &impl ConnectionTrait, actor: &Actor, cluster_id: Option<Uuid>) -> EngineResult<Vec<Network>> {
    let mut query = network::Entity::find().order_by_asc(network::Column::Name);
    if let Visible::Some { mut clusters, vm_clusters, .. } = actor.visible() {
        clusters.extend(vm_clusters);
        query = query.filter(network::Column::ClusterId.is_in(clusters));
    }
    if let Some(cluster_id) = cluster_id {
        query = query.filter(network::Column::ClusterId.eq(cluster_id));
    }
    Ok(query.all(db).await?.into_iter().map(Network::from).collect())
}

/// Parses a network name: what may become a Linux bridge name.
pub fn parse_network_name(text: &str) -> EngineResult<String> {
    let text = text.trim();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if text.is_empty() || text.len() > MAX_NETWORK_NAME || !text.chars().all(ok_char) {
        return Err(EngineError::invalid(
            "network",
            format!(
                "'{text}' is not a valid network name: 1 to {MAX_NETWORK_NAME} letters, digits, '-' or '_' (it names the host's bridge)"
            ),
        ));
    }
    Ok(text.to_owned())
}

/// A network name given as the `name` field (create, rename).
fn parse_name_field(text: &str) -> EngineResult<String> {
    parse_network_name(text).map_err(|e| match e {
        EngineError::Invalid { reason, .. } => EngineError::invalid("name", reason),
        other => other,
    })
}

async fn ensure_name_free(db: &impl ConnectionTrait, cluster_id: Uuid, name: &str) -> EngineResult<()> {
    let taken = network::Entity::find()
        .filter(network::Column::ClusterId.eq(cluster_id))
        .filter(network::Column::Name.eq(name))
        .one(db)
        .await?;
    match taken {
        Some(_) => Err(EngineError::Conflict(format!("the cluster already has a network named '{name}'"))),
        None => Ok(()),
    }
}

pub async fn create_network(db: &impl ConnectionTrait, actor: &Actor, new: NewNetwork) -> EngineResult<Network> {
    actor.cluster_in_input(db, new.cluster_id, Act::ManageCluster).await?;
    let name = parse_name_field(&new.name)?;
    let kind: NetworkKind = new.kind.parse().map_err(|e: String| EngineError::invalid("kind", e))?;
    ensure_name_free(db, new.cluster_id, &name).await?;
    let row = network::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        cluster_id: Set(new.cluster_id),
        kind: Set(kind.to_string()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(row.into())
}

/// The cluster's network of that name.
pub async fn find_in_cluster(db: &impl ConnectionTrait, cluster_id: Uuid, name: &str) -> EngineResult<network::Model> {
    network::Entity::find()
        .filter(network::Column::ClusterId.eq(cluster_id))
        .filter(network::Column::Name.eq(name.trim()))
        .one(db)
        .await?
        .ok_or_else(|| EngineError::invalid("network", format!("the VM's cluster has no network named '{}'", name.trim())))
}

/// The network and, checked, the caller's right to manage its cluster.
async fn managed(db: &impl ConnectionTrait, actor: &Actor, network_id: Uuid) -> EngineResult<network::Model> {
    let row = network::Entity::find_by_id(network_id)
        .one(db)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("no network with id {network_id}")))?;
    actor.cluster(db, row.cluster_id, Act::ManageCluster).await?;
    Ok(row)
}

/// Renames a network, its id kept. It names the bridge NICs attach to on
/// each host, so it is refused while a running VM has a NIC plugged on it.
pub async fn update_network(db: &impl ConnectionTrait, actor: &Actor, network_id: Uuid, update: NetworkUpdate) -> EngineResult<Network> {
    let row = managed(db, actor, network_id).await?;
    let Some(name) = update.name.as_deref() else { return Ok(row.into()) };
    let name = parse_name_field(name)?;
    if name == row.name {
        return Ok(row.into());
    }
    ensure_name_free(db, row.cluster_id, &name).await?;
    let live = crate::in_use::nics_on_network(db, network_id, true).await?;
    if !live.is_empty() {
        return Err(EngineError::Conflict(format!(
            "network {} names the bridge of NICs plugged into running VMs ({}); unplug them or stop the VMs before renaming it",
            row.name,
            crate::in_use::listed(&live)
        )));
    }
    let old = row.name.clone();
    let mut changed = row.into_active_model();
    changed.name = Set(name.clone());
    let row = changed.update(db).await?;
    let subject = Subject { cluster_id: Some(row.cluster_id), ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "network_updated", format!("Network {old} was renamed {name}"), subject).await?;
    Ok(row.into())
}

/// Removes a network no NIC uses; the refusal names the VMs and NICs that do.
pub async fn delete_network(db: &impl ConnectionTrait, actor: &Actor, network_id: Uuid) -> EngineResult<()> {
    let row = managed(db, actor, network_id).await?;
    let users = crate::in_use::nics_on_network(db, network_id, false).await?;
    if !users.is_empty() {
        return Err(EngineError::Conflict(format!(
            "network {} is used by NICs ({}); move or remove them first",
            row.name,
            crate::in_use::listed(&users)
        )));
    }
    network::Entity::delete_by_id(network_id).exec(db).await?;
    let subject = Subject { cluster_id: Some(row.cluster_id), ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "network_removed", format!("Network {} was removed", row.name), subject).await?;
    Ok(())
}

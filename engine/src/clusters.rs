//! Clusters: list, create, rename, change level, remove.

use crate::access::{Act, Actor, Target, Visible};
use crate::audit::{self, Severity, Subject};
use crate::entities::{cluster, host, network, vm};
use crate::{EngineError, EngineResult};
use hotnic_model::{Allowed, Cluster, ClusterActions, ClusterUpdate, CompatibilityVersion, EntityName, NewCluster, PermissionObject};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// A cluster as `actor` sees it, with what they may do in it.
fn cluster_view(actor: &Actor, row: cluster::Model) -> Cluster {
    let what = format!("cluster {}", row.name);
    let permit = |act, on| match actor.may(act, on, &what) {
        Ok(()) => Allowed::yes(),
        Err(why) => Allowed::no(why),
    };
    let actions = ClusterActions {
        create_vm: permit(Act::ManageCluster, Target::Cluster(row.id)),
        create_network: permit(Act::ManageCluster, Target::Cluster(row.id)),
        add_host: permit(Act::ManageSystem, Target::System),
    };
    Cluster { id: row.id, name: row.name, compatibility_version: row.compatibility_version, actions }
}

/// The clusters the caller sees (by a role on it, on one of its VMs, or on the system).
pub async fn list_clusters(db: &impl ConnectionTrait, actor: &Actor) -> EngineResult<Vec<Cluster>> {
    let mut query = cluster::Entity::find().order_by_asc(cluster::Column::Name);
    if let Visible::Some { mut clusters, vm_clusters, .. } = actor.visible() {
        clusters.extend(vm_clusters);
        query = query.filter(cluster::Column::Id.is_in(clusters));
    }
    let rows = query.all(db).await?;
    Ok(rows.into_iter().map(|row| cluster_view(actor, row)).collect())
}

pub async fn create_cluster(db: &impl ConnectionTrait, actor: &Actor, new: NewCluster) -> EngineResult<Cluster> {
    actor.require_super_user()?;
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("cluster {e}")))?;
    let version: CompatibilityVersion = new
        .compatibility_version
        .parse()
        .map_err(|e: String| EngineError::invalid("compatibility_version", e))?;
    let taken = cluster::Entity::find()
        .filter(cluster::Column::Name.eq(name.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(EngineError::Conflict(format!("a cluster named '{name}' already exists")));
    }
    let row = cluster::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_string()),
        compatibility_version: Set(version.to_string()),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(cluster_view(actor, row))
}

async fn find_cluster(db: &impl ConnectionTrait, cluster_id: Uuid) -> EngineResult<cluster::Model> {
    cluster::Entity::find_by_id(cluster_id).one(db).await?.ok_or_else(|| EngineError::NotFound(format!("no cluster with id {cluster_id}")))
}

/// Renames a cluster (its id kept) and changes its level: up at any time,
/// down only while none of its VMs runs (they started with what the higher
/// level allows, NIC hot plug among it).
pub async fn update_cluster(db: &impl ConnectionTrait, actor: &Actor, cluster_id: Uuid, update: ClusterUpdate) -> EngineResult<Cluster> {
    actor.require_super_user()?;
    let row = find_cluster(db, cluster_id).await?;
    let mut changed = row.clone().into_active_model();
    let mut said = Vec::new();
    if let Some(name) = &update.name {
        let name = EntityName::parse(name).map_err(|e| EngineError::invalid("name", format!("cluster {e}")))?;
        if name.as_str() != row.name {
            if cluster::Entity::find().filter(cluster::Column::Name.eq(name.as_str())).one(db).await?.is_some() {
                return Err(EngineError::Conflict(format!("a cluster named '{name}' already exists")));
            }
            said.push(format!("Cluster {} was renamed {name}", row.name));
            changed.name = Set(name.to_string());
        }
    }
    if let Some(level) = &update.compatibility_version {
        let wanted: CompatibilityVersion = level.parse().map_err(|e: String| EngineError::invalid("compatibility_version", e))?;
        let now: CompatibilityVersion = crate::state::stored(&row.compatibility_version)?;
        if wanted < now {
            let running = crate::in_use::running(&vm::Entity::find().filter(vm::Column::ClusterId.eq(cluster_id)).all(db).await?);
            if !running.is_empty() {
                return Err(EngineError::Conflict(format!(
                    "cluster {}'s level cannot drop from {now} to {wanted} while its VMs run ({}); stop them first",
                    row.name,
                    crate::in_use::listed(&running)
                )));
            }
        }
        if wanted != now {
            said.push(format!("Cluster {} went from level {now} to {wanted}", row.name));
            changed.compatibility_version = Set(wanted.to_string());
        }
    }
    if said.is_empty() {
        return Ok(cluster_view(actor, row));
    }
    let row = changed.update(db).await?;
    let subject = Subject { cluster_id: Some(cluster_id), ..Default::default() };
    audit::record(db, &actor.audit_name(), Severity::Normal, "cluster_updated", said.join("; "), subject).await?;
    Ok(cluster_view(actor, row))
}

/// Removes a cluster without VMs or hosts, with its networks and the
/// permissions granted on it.
pub async fn delete_cluster(db: &impl ConnectionTrait, actor: &Actor, cluster_id: Uuid) -> EngineResult<()> {
    actor.require_super_user()?;
    let row = find_cluster(db, cluster_id).await?;
    let vms: Vec<String> = vm::Entity::find().filter(vm::Column::ClusterId.eq(cluster_id)).all(db).await?.into_iter().map(|v| v.name).collect();
    let hosts: Vec<String> = host::Entity::find().filter(host::Column::ClusterId.eq(cluster_id)).all(db).await?.into_iter().map(|h| h.name).collect();
    let mut holds = Vec::new();
    if !vms.is_empty() {
        holds.push(format!("VMs {}", crate::in_use::listed(&vms)));
    }
    if !hosts.is_empty() {
        holds.push(format!("hosts {}", crate::in_use::listed(&hosts)));
    }
    if !holds.is_empty() {
        return Err(EngineError::Conflict(format!("cluster {} still has {}; remove them first", row.name, holds.join(" and "))));
    }
    network::Entity::delete_many().filter(network::Column::ClusterId.eq(cluster_id)).exec(db).await?;
    crate::access::permissions::forget_object(db, PermissionObject::Cluster(cluster_id)).await?;
    cluster::Entity::delete_by_id(cluster_id).exec(db).await?;
    audit::record(db, &actor.audit_name(), Severity::Normal, "cluster_removed", format!("Cluster {} was removed", row.name), Subject::default()).await?;
    Ok(())
}

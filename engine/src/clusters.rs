//! Clusters: list and create.

use crate::access::{Act, Actor, Target, Visible};
use crate::entities::cluster;
use crate::{EngineError, EngineResult};
use hotnic_model::{Allowed, Cluster, ClusterActions, CompatibilityVersion, EntityName, NewCluster};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
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

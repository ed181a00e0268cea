//! Clusters: list and create.

use crate::access::{Actor, Visible};
use crate::entities::cluster;
use crate::{EngineError, EngineResult};
use hotnic_model::{Cluster, CompatibilityVersion, EntityName, NewCluster};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

impl From<cluster::Model> for Cluster {
    fn from(row: cluster::Model) -> Self {
        Cluster { id: row.id, name: row.name, compatibility_version: row.compatibility_version }
    }
}

/// The clusters the caller sees (by a role on it, on one of its VMs, or on the system).
pub async fn list_clusters(db: &impl ConnectionTrait, actor: &Actor) -> EngineResult<Vec<Cluster>> {
    let mut query = cluster::Entity::find().order_by_asc(cluster::Column::Name);
    if let Visible::Some { mut clusters, vm_clusters, .. } = actor.visible() {
        clusters.extend(vm_clusters);
        query = query.filter(cluster::Column::Id.is_in(clusters));
    }
    let rows = query.all(db).await?;
    Ok(rows.into_iter().map(Cluster::from).collect())
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
    Ok(row.into())
}

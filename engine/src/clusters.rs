//! Clusters: list and create.

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

pub async fn list_clusters(db: &impl ConnectionTrait) -> EngineResult<Vec<Cluster>> {
    let rows = cluster::Entity::find().order_by_asc(cluster::Column::Name).all(db).await?;
    Ok(rows.into_iter().map(Cluster::from).collect())
}

pub async fn create_cluster(db: &impl ConnectionTrait, new: NewCluster) -> EngineResult<Cluster> {
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

/// The cluster a new host, network or VM names; a wrong id is the caller's
/// input error on `cluster_id`.
pub async fn require_cluster(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<cluster::Model> {
    cluster::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| EngineError::invalid("cluster_id", format!("no cluster with id {id}")))
}

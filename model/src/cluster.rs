//! A cluster: hosts of one compatibility level and the networks they share.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub id: Uuid,
    pub name: String,
    /// e.g. "3.0", "3.1", "4.7"; NIC plug/unplug needs 3.1 or later.
    pub compatibility_version: String,
    /// What the caller may do in it now, and why not (read-only).
    #[serde(default)]
    pub actions: crate::ClusterActions,
}

/// What creating a cluster takes (POST /api/clusters, /api/fn/create_cluster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCluster {
    pub name: String,
    pub compatibility_version: String,
}

/// Editing a cluster (PUT /api/clusters/{cluster}): either field, each
/// optional. A rename keeps the id; the level may rise at any time and drop
/// only while none of its VMs runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub compatibility_version: Option<String>,
}

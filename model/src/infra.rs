//! Hosts and networks: where VMs run and what their NICs attach to.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub id: Uuid,
    pub name: String,
    pub cluster_id: Uuid,
    pub agent_url: String,
    /// up | non_responsive | maintenance
    pub status: String,
}

/// Registering a host: where its agent listens and the token it expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHost {
    pub name: String,
    pub cluster_id: Uuid,
    pub agent_url: String,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub id: Uuid,
    pub name: String,
    pub cluster_id: Uuid,
    /// bridge | bridgeless | vnlink | sriov
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNetwork {
    pub name: String,
    pub cluster_id: Uuid,
    #[serde(default = "default_network_kind")]
    pub kind: String,
}

fn default_network_kind() -> String {
    "bridge".into()
}

//! The audit log as the API reads it.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    /// RFC 3339.
    pub time: String,
    /// normal | warning | error
    pub severity: String,
    /// e.g. nic_plugged, nic_plug_failed, vm_started
    pub event: String,
    pub message: String,
    pub user: String,
    pub vm_id: Option<Uuid>,
    pub nic_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    /// The `x-request-id` of the request that caused it (in the server's
    /// and the agent's logs too); None for monitoring's events.
    #[serde(default)]
    pub request_id: Option<String>,
}

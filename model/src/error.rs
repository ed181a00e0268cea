//! The error body every API answers with: a reason a person understands and
//! optional detail. The HTTP status travels beside it, not inside.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{reason}")]
pub struct ApiError {
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Which input field the reason is about, when it is about one; lets a
    /// form show the message beside that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// When a host refused: what kind of failure, as one word a script can
    /// match (the agent's kind, e.g. `mac_in_use`, `network_missing`,
    /// `guest_did_not_release`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_failure: Option<String>,
}

impl ApiError {
    pub fn new(reason: impl Into<String>) -> Self {
        ApiError { reason: reason.into(), detail: None, field: None, host_failure: None }
    }
}

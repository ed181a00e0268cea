//! Who may do what: users, their sign-in, API tokens, roles granted on the
//! system, a cluster or a VM, and the actions a caller may take now on a
//! VM or NIC (with why not), as the engine decides them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// oVirt's roles, simplified. A role granted on a cluster holds for its VMs;
/// one granted on the system holds everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Everything, including hosts, clusters, users and permissions.
    SuperUser,
    /// A cluster: its networks, VMs and NICs.
    ClusterAdmin,
    /// A VM: run, stop, and its NICs (add, edit, plug, unplug, remove).
    UserVmManager,
    /// Sees, changes nothing.
    ReadOnly,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::SuperUser, Role::ClusterAdmin, Role::UserVmManager, Role::ReadOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SuperUser => "SuperUser",
            Role::ClusterAdmin => "ClusterAdmin",
            Role::UserVmManager => "UserVmManager",
            Role::ReadOnly => "ReadOnly",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role '{s}'; use one of: SuperUser, ClusterAdmin, UserVmManager, ReadOnly"))
    }
}

/// What a permission is granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum PermissionObject {
    System,
    Cluster(Uuid),
    Vm(Uuid),
}

/// A local user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub password: String,
}

/// Disable or enable a user, or reset their password; each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// The signed-in caller: who, through what, with which permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: User,
    /// The API token's name when the caller came with one.
    pub token: Option<String>,
    pub permissions: Vec<Permission>,
}

impl Me {
    pub fn is_super_user(&self) -> bool {
        self.permissions.iter().any(|p| p.role == Role::SuperUser && p.object == PermissionObject::System)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_name: String,
    pub role: Role,
    pub object: PermissionObject,
}

/// Granting `role` on `object` to the user named `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPermission {
    pub user: String,
    pub role: Role,
    pub object: PermissionObject,
}

/// An API token as listed (the secret is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    pub name: String,
}

/// A token just created: `secret` goes in `Authorization: Bearer`, and is
/// never shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Whether the caller may take an action now; when not, why.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Allowed {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

impl Allowed {
    pub fn yes() -> Self {
        Allowed { ok: true, why_not: None }
    }

    pub fn no(why: impl Into<String>) -> Self {
        Allowed { ok: false, why_not: Some(why.into()) }
    }

    /// The first refusal wins.
    pub fn and(self, then: impl FnOnce() -> Allowed) -> Allowed {
        if self.ok {
            then()
        } else {
            self
        }
    }
}

/// What the caller may do with one NIC now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NicActions {
    pub edit: Allowed,
    pub plug: Allowed,
    pub unplug: Allowed,
    pub remove: Allowed,
    /// Pulling or plugging back its cable (the link state).
    #[serde(default)]
    pub link: Allowed,
    /// Resolving its drift (keeping the host's view or hotnic's).
    #[serde(default)]
    pub resolve_drift: Allowed,
}

/// What the caller may do in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClusterActions {
    pub create_vm: Allowed,
    pub create_network: Allowed,
    pub add_host: Allowed,
}

/// What the caller may do with one VM now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VmActions {
    pub run: Allowed,
    pub stop: Allowed,
    pub add_nic: Allowed,
    pub delete: Allowed,
}

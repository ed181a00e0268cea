//! The caller and the one function that decides what they may do.

use crate::entities::{cluster, permission, user, vm};
use crate::{EngineError, EngineResult};
use hotnic_model::{PermissionObject, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// What a permission covers, with a VM's cluster resolved (a VM inherits
/// its cluster's permissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    System,
    Cluster(Uuid),
    Vm { vm: Uuid, cluster: Uuid },
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    System,
    Cluster(Uuid),
    Vm { vm: Uuid, cluster: Uuid },
}

impl Target {
    pub fn of_vm(row: &vm::Model) -> Target {
        Target::Vm { vm: row.id, cluster: row.cluster_id }
    }
}

/// The kinds of action, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Read an object.
    View,
    /// Run and stop a VM; add, edit, plug, unplug and remove its NICs.
    OperateVm,
    /// Create and delete VMs and networks in a cluster.
    ManageCluster,
    /// Clusters, hosts, users and permissions.
    ManageSystem,
}

fn role_allows(role: Role, act: Act) -> bool {
    match role {
        Role::SuperUser => true,
        Role::ClusterAdmin => act != Act::ManageSystem,
        Role::UserVmManager => matches!(act, Act::View | Act::OperateVm),
        Role::ReadOnly => act == Act::View,
    }
}

/// Who the caller is: a signed-in user (or one of their API tokens) with
/// the permissions they held when the request came in. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub name: String,
    /// The API token's name when the caller came with one.
    pub token: Option<String>,
    grants: Arc<Vec<(Role, Scope)>>,
}

/// What a list may show the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    Some {
        /// Clusters with a role on the cluster itself: all their VMs, hosts, networks.
        clusters: Vec<Uuid>,
        /// VMs with a role on the VM only.
        vms: Vec<Uuid>,
        /// Clusters the caller sees because of a VM in it (its name, networks, images).
        vm_clusters: Vec<Uuid>,
    },
}

impl Actor {
    /// Loads the user's permissions (one query, plus one for the clusters
    /// of VM permissions). A permission on a VM that is gone is dropped.
    pub async fn load(db: &impl ConnectionTrait, user_id: Uuid, name: String, token: Option<String>) -> EngineResult<Actor> {
        let rows = permission::Entity::find().filter(permission::Column::UserId.eq(user_id)).all(db).await?;
        Self::with_permissions(db, user_id, name, token, rows).await
    }

    /// [`Actor::load`] with the user's permission rows already read (a
    /// request's sign-in reads them joined to its token or session).
    pub(crate) async fn with_permissions(
        db: &impl ConnectionTrait,
        user_id: Uuid,
        name: String,
        token: Option<String>,
        rows: Vec<permission::Model>,
    ) -> EngineResult<Actor> {
        let vm_ids: Vec<Uuid> = rows.iter().filter(|p| p.object_kind == "vm").map(|p| p.object_id).collect();
        let vm_clusters: HashMap<Uuid, Uuid> = if vm_ids.is_empty() {
            HashMap::new()
        } else {
            vm::Entity::find()
                .filter(vm::Column::Id.is_in(vm_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|row| (row.id, row.cluster_id))
                .collect()
        };
        let grants = rows
            .into_iter()
            .filter_map(|row| {
                let role: Role = row.role.parse().ok()?;
                let scope = match row.object_kind.as_str() {
                    "system" => Scope::System,
                    "cluster" => Scope::Cluster(row.object_id),
                    "vm" => Scope::Vm { vm: row.object_id, cluster: *vm_clusters.get(&row.object_id)? },
                    _ => return None,
                };
                Some((role, scope))
            })
            .collect();
        Ok(Actor { user_id, name, token, grants: Arc::new(grants) })
    }

    /// The caller of one joined read of a token or session, its user and
    /// the user's permissions (a row per permission, at least one row):
    /// the credential, the user and the permissions; None without a user.
    pub(crate) fn signed_in<C>(rows: Vec<(C, Option<user::Model>, Option<permission::Model>)>) -> Option<(C, user::Model, Vec<permission::Model>)> {
        let mut rows = rows.into_iter();
        let (credential, user, first) = rows.next()?;
        let permissions = first.into_iter().chain(rows.filter_map(|(_, _, p)| p)).collect();
        Some((credential, user?, permissions))
    }

    /// An actor with exactly these grants (tests, and the first admin).
    pub fn with_grants(user_id: Uuid, name: &str, grants: Vec<(Role, Scope)>) -> Actor {
        Actor { user_id, name: name.to_owned(), token: None, grants: Arc::new(grants) }
    }

    /// How the audit log names the caller: the user, and the token if any.
    pub fn audit_name(&self) -> String {
        match &self.token {
            Some(token) => format!("{} (token {token})", self.name),
            None => self.name.clone(),
        }
    }

    pub fn is_super_user(&self) -> bool {
        self.grants.iter().any(|(role, scope)| *role == Role::SuperUser && *scope == Scope::System)
    }

    /// The roles that hold on `target`.
    fn roles_on(&self, target: Target) -> Vec<Role> {
        self.grants
            .iter()
            .filter(|(_, scope)| match (*scope, target) {
                (Scope::System, _) => true,
                (Scope::Cluster(c), Target::Cluster(t)) => c == t,
                (Scope::Cluster(c), Target::Vm { cluster, .. }) => c == cluster,
                (Scope::Vm { vm, .. }, Target::Vm { vm: t, .. }) => vm == t,
                _ => false,
            })
            .map(|(role, _)| *role)
            .collect()
    }

    /// Whether the caller sees `target` at all. A cluster is seen also by
    /// whoever has a role on one of its VMs (to pick its networks).
    pub fn sees(&self, target: Target) -> bool {
        !self.roles_on(target).is_empty()
            || matches!(target, Target::Cluster(c)
                if self.grants.iter().any(|(_, scope)| matches!(scope, Scope::Vm { cluster, .. } if *cluster == c)))
    }

    /// The one permission check. `what` names the object for messages
    /// ("VM vm1"); `not_found` is the 404 text for an object the caller
    /// may not see (the same as for one that does not exist).
    pub fn check(&self, act: Act, target: Target, what: &str, not_found: impl FnOnce() -> String) -> EngineResult<()> {
        if target != Target::System && !self.sees(target) {
            return Err(EngineError::NotFound(not_found()));
        }
        let roles = self.roles_on(target);
        if (act == Act::View && target != Target::System) || roles.iter().any(|role| role_allows(*role, act)) {
            return Ok(());
        }
        let needed = match (act, target) {
            (Act::View, _) => "any role".to_owned(),
            (Act::OperateVm, Target::Vm { .. }) => format!("the UserVmManager role on {what} (or ClusterAdmin on its cluster)"),
            (Act::OperateVm | Act::ManageCluster, _) => format!("the ClusterAdmin role on {what}"),
            (Act::ManageSystem, _) => "the SuperUser role".to_owned(),
        };
        let mut held: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        held.sort_unstable();
        held.dedup();
        let have = if held.is_empty() { "you have no role there".to_owned() } else { format!("you have {}", held.join(", ")) };
        Err(EngineError::Forbidden(format!("this needs {needed}; {have}")))
    }

    /// Like [`Actor::check`], answering whether and why not instead of failing.
    pub fn may(&self, act: Act, target: Target, what: &str) -> Result<(), String> {
        self.check(act, target, what, String::new).map_err(|e| e.to_string())
    }

    pub fn visible(&self) -> Visible {
        if self.grants.iter().any(|(_, scope)| *scope == Scope::System) {
            return Visible::All;
        }
        let mut clusters = Vec::new();
        let mut vms = Vec::new();
        let mut vm_clusters = Vec::new();
        for (_, scope) in self.grants.iter() {
            match *scope {
                Scope::Cluster(c) => clusters.push(c),
                Scope::Vm { vm, cluster } => {
                    vms.push(vm);
                    vm_clusters.push(cluster);
                }
                Scope::System => {}
            }
        }
        Visible::Some { clusters, vms, vm_clusters }
    }

    /// The VM `vm_id` if the caller may `act` on it: 404 when they may not
    /// see it (or it does not exist), 403 when they may see but not act.
    pub async fn vm(&self, db: &impl ConnectionTrait, vm_id: Uuid, act: Act) -> EngineResult<vm::Model> {
        let not_found = || format!("no VM with id {vm_id}");
        let row = vm::Entity::find_by_id(vm_id).one(db).await?.ok_or_else(|| EngineError::NotFound(not_found()))?;
        self.check(act, Target::of_vm(&row), &format!("VM {}", row.name), not_found)?;
        Ok(row)
    }

    /// [`Actor::vm`] for a flow that reads the VM itself, under its lock: a
    /// caller whose system-wide role allows `act` on every VM is not made to
    /// read the row first (the flow answers 404 in the same words). Others
    /// are checked before the flow takes the VM's lock, so nobody can keep
    /// a VM they may not touch busy.
    pub async fn may_act_on_vm(&self, db: &impl ConnectionTrait, vm_id: Uuid, act: Act) -> EngineResult<()> {
        let system_wide = self.check(act, Target::System, "every VM", String::new).is_ok();
        if !system_wide {
            self.vm(db, vm_id, act).await?;
        }
        Ok(())
    }

    /// The cluster `cluster_id` if the caller may `act` on it: 404 when
    /// they may not see it (or it does not exist), 403 when they may not act.
    pub async fn cluster(&self, db: &impl ConnectionTrait, cluster_id: Uuid, act: Act) -> EngineResult<cluster::Model> {
        let not_found = || format!("no cluster with id {cluster_id}");
        let row = cluster::Entity::find_by_id(cluster_id).one(db).await?.ok_or_else(|| EngineError::NotFound(not_found()))?;
        self.check(act, Target::Cluster(cluster_id), &format!("cluster {}", row.name), not_found)?;
        Ok(row)
    }

    /// [`Actor::cluster`] for a cluster a request body names: an unknown
    /// or unseen one is the caller's input error on `cluster_id` (400).
    pub async fn cluster_in_input(&self, db: &impl ConnectionTrait, cluster_id: Uuid, act: Act) -> EngineResult<cluster::Model> {
        self.cluster(db, cluster_id, act).await.map_err(|e| match e {
            EngineError::NotFound(reason) => EngineError::invalid("cluster_id", reason),
            other => other,
        })
    }

    /// Only a SuperUser may: hosts, clusters, users, permissions.
    pub fn require_super_user(&self) -> EngineResult<()> {
        self.check(Act::ManageSystem, Target::System, "the system", String::new)
    }

    /// The permission objects this actor's grants name (for `Me`).
    pub fn objects(&self) -> Vec<(Role, PermissionObject)> {
        self.grants
            .iter()
            .map(|(role, scope)| {
                let object = match *scope {
                    Scope::System => PermissionObject::System,
                    Scope::Cluster(c) => PermissionObject::Cluster(c),
                    Scope::Vm { vm, .. } => PermissionObject::Vm(vm),
                };
                (*role, object)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
        (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4())
    }

    #[test]
    fn a_vm_inherits_its_clusters_and_the_systems_roles() {
        let (c1, c2, v1, v2) = ids();
        let vm1 = Target::Vm { vm: v1, cluster: c1 };
        let vm2 = Target::Vm { vm: v2, cluster: c2 };
        let admin = Actor::with_grants(Uuid::new_v4(), "a", vec![(Role::ClusterAdmin, Scope::Cluster(c1))]);
        assert!(admin.check(Act::OperateVm, vm1, "VM v1", String::new).is_ok());
        assert!(admin.check(Act::ManageCluster, Target::Cluster(c1), "cluster c1", String::new).is_ok());
        assert!(matches!(admin.check(Act::View, vm2, "VM v2", || "gone".into()), Err(EngineError::NotFound(m)) if m == "gone"));
        assert!(matches!(admin.require_super_user(), Err(EngineError::Forbidden(_))));

        let reader = Actor::with_grants(Uuid::new_v4(), "r", vec![(Role::ReadOnly, Scope::System)]);
        assert!(reader.check(Act::View, vm2, "VM v2", String::new).is_ok());
        let err = reader.check(Act::OperateVm, vm2, "VM v2", String::new).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this needs the UserVmManager role on VM v2 (or ClusterAdmin on its cluster); you have ReadOnly"
        );
        assert_eq!(reader.visible(), Visible::All);
    }

    #[test]
    fn a_vm_manager_sees_the_vm_and_its_cluster_but_manages_only_the_vm() {
        let (c1, _, v1, v_other) = ids();
        let user = Actor::with_grants(Uuid::new_v4(), "u", vec![(Role::UserVmManager, Scope::Vm { vm: v1, cluster: c1 })]);
        assert!(user.check(Act::OperateVm, Target::Vm { vm: v1, cluster: c1 }, "VM v1", String::new).is_ok());
        assert!(matches!(
            user.check(Act::OperateVm, Target::Vm { vm: v_other, cluster: c1 }, "VM other", String::new),
            Err(EngineError::NotFound(_))
        ));
        assert!(user.sees(Target::Cluster(c1)));
        assert!(matches!(
            user.check(Act::ManageCluster, Target::Cluster(c1), "cluster c1", String::new),
            Err(EngineError::Forbidden(m)) if m == "this needs the ClusterAdmin role on cluster c1; you have no role there"
        ));
        assert_eq!(user.visible(), Visible::Some { clusters: vec![], vms: vec![v1], vm_clusters: vec![c1] });
    }

    #[test]
    fn nobody_without_a_grant_sees_anything() {
        let (c1, _, v1, _) = ids();
        let nobody = Actor::with_grants(Uuid::new_v4(), "n", vec![]);
        assert!(!nobody.sees(Target::Cluster(c1)));
        assert!(!nobody.sees(Target::Vm { vm: v1, cluster: c1 }));
        assert!(matches!(nobody.require_super_user(), Err(EngineError::Forbidden(_))));
    }
}

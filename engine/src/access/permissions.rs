//! Granting and revoking roles. Only a SuperUser does either; anyone who
//! sees an object may list its permissions.

use super::{Act, Actor, Target};
use crate::audit::{self, Severity, Subject};
use crate::entities::{cluster, permission, user, vm};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{NewPermission, Permission, PermissionObject, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;
use uuid::Uuid;

fn kind_and_id(object: PermissionObject) -> (&'static str, Uuid) {
    match object {
        PermissionObject::System => ("system", Uuid::nil()),
        PermissionObject::Cluster(id) => ("cluster", id),
        PermissionObject::Vm(id) => ("vm", id),
    }
}

fn object_of(row: &permission::Model) -> PermissionObject {
    match row.object_kind.as_str() {
        "cluster" => PermissionObject::Cluster(row.object_id),
        "vm" => PermissionObject::Vm(row.object_id),
        _ => PermissionObject::System,
    }
}

pub(crate) async fn insert(db: &impl ConnectionTrait, user_id: Uuid, role: Role, object: PermissionObject) -> EngineResult<permission::Model> {
    let (kind, id) = kind_and_id(object);
    Ok(permission::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        role: Set(role.to_string()),
        object_kind: Set(kind.into()),
        object_id: Set(id),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?)
}

/// The object as a permission target, checked to exist (and to be seen).
async fn target_of(db: &impl ConnectionTrait, actor: &Actor, object: PermissionObject) -> EngineResult<(Target, String)> {
    Ok(match object {
        PermissionObject::System => (Target::System, "the system".to_owned()),
        PermissionObject::Cluster(id) => {
            let row = actor.cluster(db, id, Act::View).await?;
            (Target::Cluster(id), format!("cluster {}", row.name))
        }
        PermissionObject::Vm(id) => {
            let row = actor.vm(db, id, Act::View).await?;
            (Target::of_vm(&row), format!("VM {}", row.name))
        }
    })
}

/// The permissions granted on `object` itself (not those inherited).
pub async fn list_permissions(engine: &Engine, actor: &Actor, object: PermissionObject) -> EngineResult<Vec<Permission>> {
    let db = engine.db();
    if object == PermissionObject::System {
        actor.require_super_user()?;
    } else {
        target_of(db, actor, object).await?;
    }
    let (kind, id) = kind_and_id(object);
    let rows = permission::Entity::find()
        .filter(permission::Column::ObjectKind.eq(kind))
        .filter(permission::Column::ObjectId.eq(id))
        .order_by_asc(permission::Column::CreatedAt)
        .all(db)
        .await?;
    let user_ids: Vec<Uuid> = rows.iter().map(|r| r.user_id).collect();
    let names: HashMap<Uuid, String> =
        user::Entity::find().filter(user::Column::Id.is_in(user_ids)).all(db).await?.into_iter().map(|u| (u.id, u.name)).collect();
    Ok(rows
        .into_iter()
        .map(|row| Permission {
            id: row.id,
            user_id: row.user_id,
            user_name: names.get(&row.user_id).cloned().unwrap_or_default(),
            role: row.role.parse().unwrap_or(Role::ReadOnly),
            object: object_of(&row),
        })
        .collect())
}

pub async fn grant(engine: &Engine, actor: &Actor, new: NewPermission) -> EngineResult<Permission> {
    actor.require_super_user()?;
    let db = engine.db();
    let user = crate::access::users::find_user_by_name(db, new.user.trim())
        .await?
        .ok_or_else(|| EngineError::invalid("user", format!("no user named '{}'", new.user.trim())))?;
    match (new.role, new.object) {
        (Role::SuperUser, PermissionObject::Cluster(_) | PermissionObject::Vm(_)) => {
            return Err(EngineError::invalid("role", "SuperUser is granted on the system only"))
        }
        (Role::ClusterAdmin, PermissionObject::Vm(_)) => {
            return Err(EngineError::invalid("role", "ClusterAdmin is granted on a cluster or the system, not on a VM"))
        }
        _ => {}
    }
    let (_, what) = target_of(db, actor, new.object).await.map_err(|e| match e {
        EngineError::NotFound(reason) => EngineError::invalid("object", reason),
        other => other,
    })?;
    let (kind, id) = kind_and_id(new.object);
    let taken = permission::Entity::find()
        .filter(permission::Column::UserId.eq(user.id))
        .filter(permission::Column::Role.eq(new.role.as_str()))
        .filter(permission::Column::ObjectKind.eq(kind))
        .filter(permission::Column::ObjectId.eq(id))
        .count(db)
        .await?;
    if taken > 0 {
        return Err(EngineError::Conflict(format!("{} already has {} on {what}", user.name, new.role)));
    }
    let row = insert(db, user.id, new.role, new.object).await?;
    engine.access_changed();
    let message = format!("{} was granted {} on {what}", user.name, new.role);
    audit::record(db, &actor.audit_name(), Severity::Normal, "permission_granted", message, subject(new.object)).await?;
    Ok(Permission { id: row.id, user_id: user.id, user_name: user.name, role: new.role, object: new.object })
}

fn subject(object: PermissionObject) -> Subject {
    match object {
        PermissionObject::System => Subject::default(),
        PermissionObject::Cluster(id) => Subject { cluster_id: Some(id), ..Default::default() },
        PermissionObject::Vm(id) => Subject { vm_id: Some(id), ..Default::default() },
    }
}

/// Revokes a permission; the last SuperUser on the system stays, so
/// hotnic always has an administrator.
pub async fn revoke(engine: &Engine, actor: &Actor, id: Uuid) -> EngineResult<()> {
    actor.require_super_user()?;
    let db = engine.db();
    let row = permission::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| EngineError::NotFound(format!("no permission with id {id}")))?;
    if row.role == Role::SuperUser.as_str() && row.object_kind == "system" {
        let super_users = permission::Entity::find()
            .filter(permission::Column::Role.eq(Role::SuperUser.as_str()))
            .filter(permission::Column::ObjectKind.eq("system"))
            .count(db)
            .await?;
        if super_users <= 1 {
            return Err(EngineError::Conflict("this is the last SuperUser; grant SuperUser to someone else first".into()));
        }
    }
    permission::Entity::delete_by_id(id).exec(db).await?;
    engine.access_changed();
    let name = user::Entity::find_by_id(row.user_id).one(db).await?.map(|u| u.name).unwrap_or_default();
    let what = match object_of(&row) {
        PermissionObject::System => "the system".to_owned(),
        PermissionObject::Cluster(c) => {
            let cluster = cluster::Entity::find_by_id(c).one(db).await?;
            format!("cluster {}", cluster.map(|c| c.name).unwrap_or_else(|| c.to_string()))
        }
        PermissionObject::Vm(v) => {
            let vm = vm::Entity::find_by_id(v).one(db).await?;
            format!("VM {}", vm.map(|v| v.name).unwrap_or_else(|| v.to_string()))
        }
    };
    let message = format!("{name} lost {} on {what}", row.role);
    audit::record(db, &actor.audit_name(), Severity::Normal, "permission_revoked", message, subject(object_of(&row))).await?;
    Ok(())
}

/// Drops the permissions on an object that is being deleted.
pub(crate) async fn forget_object(db: &impl ConnectionTrait, object: PermissionObject) -> EngineResult<()> {
    let (kind, id) = kind_and_id(object);
    permission::Entity::delete_many()
        .filter(permission::Column::ObjectKind.eq(kind))
        .filter(permission::Column::ObjectId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The caller as the API shows them: user, token, permissions.
pub async fn me(engine: &Engine, actor: &Actor) -> EngineResult<hotnic_model::Me> {
    let db = engine.db();
    let user = crate::access::users::find_user(db, actor.user_id).await?;
    let rows = permission::Entity::find()
        .filter(permission::Column::UserId.eq(actor.user_id))
        .order_by_asc(permission::Column::CreatedAt)
        .all(db)
        .await?;
    let permissions = rows
        .iter()
        .filter_map(|row| {
            Some(Permission {
                id: row.id,
                user_id: row.user_id,
                user_name: user.name.clone(),
                role: row.role.parse().ok()?,
                object: object_of(row),
            })
        })
        .collect();
    Ok(hotnic_model::Me { user: user.into(), token: actor.token.clone(), permissions })
}

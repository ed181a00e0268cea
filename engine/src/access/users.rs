//! Local users: create, list, disable, reset a password; the first admin.

use super::{permissions, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{session, user};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{EntityName, NewUser, PermissionObject, Role, User, UserUpdate};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// The first user's name.
pub const ADMIN: &str = "admin";
const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_BYTES: usize = 1024;

impl From<user::Model> for User {
    fn from(row: user::Model) -> Self {
        User { id: row.id, name: row.name, enabled: row.enabled }
    }
}

fn check_password(password: &str) -> EngineResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(EngineError::invalid("password", format!("a password has at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(EngineError::invalid("password", format!("a password has at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

/// argon2id, off the async threads: it takes tens of milliseconds on purpose.
pub(crate) async fn hash_password(password: String) -> String {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password)).await.expect("hashing does not panic")
}

/// Whether `password` matches `hash` (a PHC string), off the async
/// threads. Without a hash (no such user) it is checked against a decoy
/// that nothing matches, so a wrong name takes as long as a wrong password.
pub(crate) async fn verify_password(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let matches = password_auth::verify_password(password, hash.as_deref().unwrap_or_else(|| decoy_hash()));
        matches.is_ok() && hash.is_some()
    })
    .await
    .unwrap_or(false)
}

fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| password_auth::generate_hash(super::secrets::new_secret("")))
}

pub async fn list_users(engine: &Engine, actor: &Actor) -> EngineResult<Vec<User>> {
    actor.require_super_user()?;
    let rows = user::Entity::find().order_by_asc(user::Column::Name).all(engine.db()).await?;
    Ok(rows.into_iter().map(User::from).collect())
}

pub async fn find_user(db: &impl ConnectionTrait, id: Uuid) -> EngineResult<user::Model> {
    user::Entity::find_by_id(id).one(db).await?.ok_or_else(|| EngineError::NotFound(format!("no user with id {id}")))
}

pub async fn find_user_by_name(db: &impl ConnectionTrait, name: &str) -> EngineResult<Option<user::Model>> {
    Ok(user::Entity::find().filter(user::Column::Name.eq(name)).one(db).await?)
}

async fn insert_user(db: &impl ConnectionTrait, name: &EntityName, password: String) -> EngineResult<user::Model> {
    if find_user_by_name(db, name.as_str()).await?.is_some() {
        return Err(EngineError::InUse { field: "name", reason: format!("a user named '{name}' already exists") });
    }
    let password_hash = hash_password(password).await;
    Ok(user::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_string()),
        password_hash: Set(password_hash),
        enabled: Set(true),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(db)
    .await?)
}

/// A new local user, enabled, with no permission yet.
pub async fn create_user(engine: &Engine, actor: &Actor, new: NewUser) -> EngineResult<User> {
    actor.require_super_user()?;
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("user {e}")))?;
    check_password(&new.password)?;
    let row = insert_user(engine.db(), &name, new.password).await?;
    audit::record(engine.db(), &actor.audit_name(), Severity::Normal, "user_added", format!("user {name} was created"), Subject::default())
        .await?;
    Ok(row.into())
}

/// Disables or enables a user, or resets their password. Either ends the
/// user's browser sessions; a disabled user's tokens stop working too.
pub async fn update_user(engine: &Engine, actor: &Actor, id: Uuid, update: UserUpdate) -> EngineResult<User> {
    actor.require_super_user()?;
    let db = engine.db();
    if let Some(password) = &update.password {
        check_password(password)?;
    }
    let row = find_user(db, id).await?;
    if update.enabled == Some(false) && row.id == actor.user_id {
        return Err(EngineError::Conflict("you cannot disable yourself; another SuperUser can".into()));
    }
    let name = row.name.clone();
    let mut active = row.into_active_model();
    let mut done = Vec::new();
    if let Some(enabled) = update.enabled {
        active.enabled = Set(enabled);
        done.push(if enabled { "enabled" } else { "disabled" });
    }
    if let Some(password) = update.password {
        active.password_hash = Set(hash_password(password).await);
        done.push("given a new password");
    }
    let row = active.update(db).await?;
    engine.access_changed();
    if !done.is_empty() {
        session::Entity::delete_many().filter(session::Column::UserId.eq(id)).exec(db).await?;
        let message = format!("user {name} was {}", done.join(" and "));
        audit::record(db, &actor.audit_name(), Severity::Normal, "user_changed", message, Subject::default()).await?;
    }
    Ok(row.into())
}

/// On a database with no user: creates `admin` as SuperUser with
/// `password`, or with a random one it returns (to be shown once).
/// Returns None when users exist already.
pub async fn bootstrap_admin(db: &impl ConnectionTrait, password: Option<String>) -> EngineResult<Option<String>> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let password = match password {
        Some(password) => {
            check_password(&password)?;
            password
        }
        None => super::secrets::new_secret("")[..24].to_owned(),
    };
    let name = EntityName::parse(ADMIN).expect("a valid name");
    let row = insert_user(db, &name, password.clone()).await?;
    permissions::insert(db, row.id, Role::SuperUser, PermissionObject::System).await?;
    audit::record(db, "system", Severity::Normal, "user_added", "user admin was created as SuperUser", Subject::default())
        .await?;
    Ok(Some(password))
}

//! API tokens for scripts: a user names one, gets its secret once, sends it
//! as `Authorization: Bearer`; only its SHA-256 is stored. A token acts as
//! its user (with the user's permissions at each request) until revoked or
//! the user is disabled. The audit log names the user and the token.

use super::{secrets, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{api_token, permission, user};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::{ApiToken, CreatedApiToken, EntityName, NewApiToken};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// Every token starts so, which lets secret scanners find leaked ones.
pub const PREFIX: &str = "hnt_";
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl From<api_token::Model> for ApiToken {
    fn from(row: api_token::Model) -> Self {
        ApiToken {
            id: row.id,
            name: row.name,
            created_at: row.created_at.to_rfc3339(),
            last_used_at: row.last_used_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The caller's own tokens.
pub async fn list_tokens(engine: &Engine, actor: &Actor) -> EngineResult<Vec<ApiToken>> {
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(actor.user_id))
        .order_by_asc(api_token::Column::Name)
        .all(engine.db())
        .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// A new token for the caller; the secret is in the answer and nowhere else.
pub async fn create_token(engine: &Engine, actor: &Actor, new: NewApiToken) -> EngineResult<CreatedApiToken> {
    let db = engine.db();
    let name = EntityName::parse(&new.name).map_err(|e| EngineError::invalid("name", format!("token {e}")))?;
    let taken = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(actor.user_id))
        .filter(api_token::Column::Name.eq(name.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(EngineError::InUse { field: "name", reason: format!("you already have a token named '{name}'") });
    }
    let secret = secrets::new_secret(PREFIX);
    let row = api_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(actor.user_id),
        name: Set(name.to_string()),
        secret_hash: Set(secrets::hash(&secret)),
        created_at: Set(chrono::Utc::now()),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    let message = format!("{} created API token {name}", actor.name);
    audit::record(db, &actor.audit_name(), Severity::Normal, "token_added", message, Subject::default()).await?;
    Ok(CreatedApiToken { token: row.into(), secret })
}

/// Revokes one of the caller's tokens.
pub async fn revoke_token(engine: &Engine, actor: &Actor, id: Uuid) -> EngineResult<()> {
    let db = engine.db();
    let row = api_token::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|t| t.user_id == actor.user_id)
        .ok_or_else(|| EngineError::NotFound(format!("you have no token with id {id}")))?;
    api_token::Entity::delete_by_id(id).exec(db).await?;
    engine.access_changed();
    let message = format!("{} revoked API token {}", actor.name, row.name);
    audit::record(db, &actor.audit_name(), Severity::Normal, "token_revoked", message, Subject::default()).await?;
    Ok(())
}

/// The user a bearer token acts for, if the token exists and the user is
/// enabled.
pub async fn resolve(engine: &Engine, secret: &str) -> EngineResult<Option<Actor>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let hash = secrets::hash(secret);
    if let Some(actor) = engine.signed_in.recent(&hash) {
        return Ok(Some(actor));
    }
    let generation = engine.signed_in.generation();
    let db = engine.db();
    // Every API request comes here: token, user and permissions in one read.
    let rows = api_token::Entity::find()
        .filter(api_token::Column::SecretHash.eq(hash.clone()))
        .find_also_related(user::Entity)
        .and_also_related(permission::Entity)
        .all(db)
        .await?;
    let Some((token, user, permissions)) = Actor::signed_in(rows) else { return Ok(None) };
    if !user.enabled {
        return Ok(None);
    }
    let now = chrono::Utc::now();
    let name = token.name.clone();
    if token.last_used_at.is_none_or(|t| now - t > TOUCH_EVERY) {
        let mut active = token.into_active_model();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    let actor = Actor::with_permissions(db, user.id, user.name, Some(name), permissions).await?;
    engine.signed_in.keep(generation, hash, &actor);
    Ok(Some(actor))
}

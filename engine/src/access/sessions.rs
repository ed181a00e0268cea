//! Sign-in by password, browser sessions kept in the database (a restart
//! keeps them; they end after [`crate::EngineConfig::session_idle`] without
//! a request), and sign-out.

use super::{secrets, users, Actor};
use crate::audit::{self, Severity, Subject};
use crate::entities::{permission, session, user};
use crate::{Engine, EngineError, EngineResult};
use hotnic_model::SignIn;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use std::net::IpAddr;

/// The one answer to a wrong name or password: it must not tell which.
pub const WRONG_CREDENTIALS: &str = "wrong user name or password";

/// A session's last-seen time is written at most this often.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Checks the password and opens a session: the cookie's secret and who
/// signed in. A wrong name or password is 401 with one message; after
/// repeated failures from one address, 429 until the back-off passes.
pub async fn sign_in(engine: &Engine, credentials: SignIn, address: Option<IpAddr>) -> EngineResult<(String, Actor)> {
    let name = credentials.name.trim().to_owned();
    if let Some(wait) = engine.sign_in_throttle.wait_left(&name, address) {
        return Err(EngineError::TooManyAttempts { retry_after_secs: wait.as_secs().max(1) });
    }
    let db = engine.db();
    let row = users::find_user_by_name(db, &name).await?;
    let matches = users::verify_password(credentials.password, row.as_ref().map(|r| r.password_hash.clone())).await;
    let Some(row) = row.filter(|_| matches) else {
        engine.sign_in_throttle.failed(&name, address);
        tracing::warn!(user = %name, address = ?address, "failed sign-in");
        return Err(EngineError::Unauthenticated(WRONG_CREDENTIALS.into()));
    };
    engine.sign_in_throttle.succeeded(&name, address);
    if !row.enabled {
        return Err(EngineError::Unauthenticated("this user is disabled; ask an administrator".into()));
    }
    let secret = secrets::new_secret("");
    let now = chrono::Utc::now();
    session::ActiveModel {
        secret_hash: Set(secrets::hash(&secret)),
        user_id: Set(row.id),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(db)
    .await?;
    let actor = Actor::load(db, row.id, row.name, None).await?;
    audit::record(db, &actor.audit_name(), Severity::Normal, "user_signed_in", format!("{} signed in", actor.name), Subject::default())
        .await?;
    Ok((secret, actor))
}

/// The user a session cookie belongs to, if the session is open, not idle
/// too long, and the user enabled.
pub async fn resolve(engine: &Engine, secret: &str) -> EngineResult<Option<Actor>> {
    let db = engine.db();
    // Every page request comes here: session, user and permissions in one read.
    let rows = session::Entity::find_by_id(secrets::hash(secret))
        .find_also_related(user::Entity)
        .and_also_related(permission::Entity)
        .all(db)
        .await?;
    let Some((found, user, permissions)) = Actor::signed_in(rows) else { return Ok(None) };
    let now = chrono::Utc::now();
    let idle = chrono::TimeDelta::from_std(engine.config.session_idle).unwrap_or(chrono::TimeDelta::hours(8));
    if now - found.last_seen_at > idle {
        session::Entity::delete_by_id(found.secret_hash).exec(db).await?;
        return Ok(None);
    }
    if !user.enabled {
        return Ok(None);
    }
    if now - found.last_seen_at > TOUCH_EVERY {
        let mut active = found.into_active_model();
        active.last_seen_at = Set(now);
        active.update(db).await?;
    }
    Ok(Some(Actor::with_permissions(db, user.id, user.name, None, permissions).await?))
}

/// Ends the session of this cookie secret (nothing when there is none).
pub async fn sign_out(engine: &Engine, secret: &str) -> EngineResult<()> {
    let db = engine.db();
    let Some(found) = session::Entity::find_by_id(secrets::hash(secret)).one(db).await? else { return Ok(()) };
    session::Entity::delete_by_id(found.secret_hash).exec(db).await?;
    if let Some(user) = user::Entity::find_by_id(found.user_id).one(db).await? {
        audit::record(db, &user.name, Severity::Normal, "user_signed_out", format!("{} signed out", user.name), Subject::default())
            .await?;
    }
    Ok(())
}

/// Drops sessions idle longer than the limit (monitoring calls it).
pub async fn forget_idle(engine: &Engine) -> EngineResult<()> {
    let idle = chrono::TimeDelta::from_std(engine.config.session_idle).unwrap_or(chrono::TimeDelta::hours(8));
    session::Entity::delete_many()
        .filter(session::Column::LastSeenAt.lt(chrono::Utc::now() - idle))
        .exec(engine.db())
        .await?;
    Ok(())
}

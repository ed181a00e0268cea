//! /api/fn/{sign_in,sign_out,whoami,list_users,create_user,update_user,
//! list_tokens,create_token,revoke_token,list_permissions,grant_permission,
//! revoke_permission}: the same flows as /api/session, /api/users,
//! /api/tokens and /api/permissions.

use crate::error::FnError;
use hotnic_model::{ApiToken, CreatedApiToken, Me, Permission, PermissionObject, Role, User};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

/// Signs in with a password; the answer sets the session cookie.
#[server(prefix = "/api/fn", endpoint = "sign_in", input = Json)]
pub async fn sign_in(name: String, password: String) -> Result<Me, FnError> {
    use super::cookies::CookiePolicy;
    let engine = super::engine()?;
    let parts = use_context::<http::request::Parts>();
    let address = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
        .map(|c| c.0.ip());
    let policy = parts.as_ref().and_then(|p| p.extensions.get::<CookiePolicy>().copied()).unwrap_or_default();
    let credentials = hotnic_model::SignIn { name, password };
    let (secret, actor) =
        hotnic_engine::access::sessions::sign_in(&engine, credentials, address).await.map_err(crate::error::from_engine)?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(&policy.session(&secret)) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
    hotnic_engine::access::permissions::me(&engine, &actor).await.map_err(crate::error::from_engine)
}

/// Ends this browser's session and clears its cookie.
#[server(prefix = "/api/fn", endpoint = "sign_out", input = Json)]
pub async fn sign_out() -> Result<(), FnError> {
    use super::cookies::{session_secret, CookiePolicy};
    let (engine, _actor) = super::caller()?;
    let parts = use_context::<http::request::Parts>();
    if let Some(secret) = parts.as_ref().and_then(|p| session_secret(&p.headers)) {
        hotnic_engine::access::sessions::sign_out(&engine, &secret).await.map_err(crate::error::from_engine)?;
    }
    let policy = parts.as_ref().and_then(|p| p.extensions.get::<CookiePolicy>().copied()).unwrap_or_default();
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(&policy.cleared()) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
    Ok(())
}

/// Who is signed in, with which permissions.
#[server(prefix = "/api/fn", endpoint = "whoami", input = Json)]
pub async fn whoami() -> Result<Me, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::permissions::me(&engine, &actor).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "list_users", input = Json)]
pub async fn list_users() -> Result<Vec<User>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::users::list_users(&engine, &actor).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "create_user", input = Json)]
pub async fn create_user(name: String, password: String) -> Result<User, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewUser { name, password };
    hotnic_engine::access::users::create_user(&engine, &actor, new).await.map_err(crate::error::from_engine)
}

/// Disables or enables a user, or resets their password.
#[server(prefix = "/api/fn", endpoint = "update_user", input = Json)]
pub async fn update_user(
    user_id: Uuid,
    #[server(default)] enabled: Option<bool>,
    #[server(default)] password: Option<String>,
) -> Result<User, FnError> {
    let (engine, actor) = super::caller()?;
    let update = hotnic_model::UserUpdate { enabled, password };
    hotnic_engine::access::users::update_user(&engine, &actor, user_id, update).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "list_tokens", input = Json)]
pub async fn list_tokens() -> Result<Vec<ApiToken>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::tokens::list_tokens(&engine, &actor).await.map_err(crate::error::from_engine)
}

/// A new API token; its secret is in this answer only.
#[server(prefix = "/api/fn", endpoint = "create_token", input = Json)]
pub async fn create_token(name: String) -> Result<CreatedApiToken, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewApiToken { name };
    hotnic_engine::access::tokens::create_token(&engine, &actor, new).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "revoke_token", input = Json)]
pub async fn revoke_token(token_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::tokens::revoke_token(&engine, &actor, token_id).await.map_err(crate::error::from_engine)
}

/// The permissions granted on `object`: `{"kind":"system"}`,
/// `{"kind":"cluster","id":…}` or `{"kind":"vm","id":…}`.
#[server(prefix = "/api/fn", endpoint = "list_permissions", input = Json)]
pub async fn list_permissions(object: PermissionObject) -> Result<Vec<Permission>, FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::permissions::list_permissions(&engine, &actor, object).await.map_err(crate::error::from_engine)
}

/// Grants `role` on `object` to the user named `user`.
#[server(prefix = "/api/fn", endpoint = "grant_permission", input = Json)]
pub async fn grant_permission(user: String, role: Role, object: PermissionObject) -> Result<Permission, FnError> {
    let (engine, actor) = super::caller()?;
    let new = hotnic_model::NewPermission { user, role, object };
    hotnic_engine::access::permissions::grant(&engine, &actor, new).await.map_err(crate::error::from_engine)
}

#[server(prefix = "/api/fn", endpoint = "revoke_permission", input = Json)]
pub async fn revoke_permission(permission_id: Uuid) -> Result<(), FnError> {
    let (engine, actor) = super::caller()?;
    hotnic_engine::access::permissions::revoke(&engine, &actor, permission_id).await.map_err(crate::error::from_engine)
}

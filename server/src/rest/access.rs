//! Sign-in and who may do what:
//! - /api/session: POST signs in (a session cookie), GET says who you are,
//!   DELETE signs out;
//! - /api/users (SuperUser): list, create; PUT /api/users/{user} disables,
//!   enables or resets the password;
//! - /api/tokens: your API tokens: list, create (the secret is shown
//!   once), DELETE /api/tokens/{token} revokes;
//! - permissions: GET /api/permissions (on the system),
//!   /api/clusters/{cluster}/permissions, /api/vms/{vm}/permissions;
//!   POST /api/permissions grants, DELETE /api/permissions/{id} revokes.

use super::caller::Caller;
use super::json::{ApiJson, Ids};
use super::RestError;
use axum::extract::{ConnectInfo, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::{Extension, Json};
use hotnic_app::server_fns::cookies::{session_secret, CookiePolicy};
use hotnic_engine::access::{permissions, sessions, tokens, users};
use hotnic_engine::Engine;
use hotnic_model::{ApiToken, CreatedApiToken, Me, NewApiToken, NewPermission, NewUser, Permission, PermissionObject, SignIn, User, UserUpdate};
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

pub async fn sign_in(
    State(engine): State<Engine>,
    Extension(policy): Extension<CookiePolicy>,
    ClientAddress(address): ClientAddress,
    ApiJson(credentials): ApiJson<SignIn>,
) -> Result<impl IntoResponse, RestError> {
    let (secret, actor) = sessions::sign_in(&engine, credentials, address).await?;
    let me = permissions::me(&engine, &actor).await?;
    Ok((AppendHeaders([(header::SET_COOKIE, policy.session(&secret))]), Json(me)))
}

pub async fn whoami(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Me>, RestError> {
    Ok(Json(permissions::me(&engine, &actor).await?))
}

pub async fn sign_out(
    State(engine): State<Engine>,
    Extension(policy): Extension<CookiePolicy>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, RestError> {
    if let Some(secret) = session_secret(&headers) {
        sessions::sign_out(&engine, &secret).await?;
    }
    Ok((StatusCode::NO_CONTENT, AppendHeaders([(header::SET_COOKIE, policy.cleared())])))
}

pub async fn list_users(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<User>>, RestError> {
    Ok(Json(users::list_users(&engine, &actor).await?))
}

pub async fn create_user(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), RestError> {
    Ok((StatusCode::CREATED, Json(users::create_user(&engine, &actor, new).await?)))
}

pub async fn update_user(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(user): Ids<Uuid>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> Result<Json<User>, RestError> {
    Ok(Json(users::update_user(&engine, &actor, user, update).await?))
}

pub async fn list_tokens(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<ApiToken>>, RestError> {
    Ok(Json(tokens::list_tokens(&engine, &actor).await?))
}

pub async fn create_token(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewApiToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>), RestError> {
    Ok((StatusCode::CREATED, Json(tokens::create_token(&engine, &actor, new).await?)))
}

pub async fn revoke_token(State(engine): State<Engine>, Caller(actor): Caller, Ids(token): Ids<Uuid>) -> Result<StatusCode, RestError> {
    tokens::revoke_token(&engine, &actor, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn system_permissions(State(engine): State<Engine>, Caller(actor): Caller) -> Result<Json<Vec<Permission>>, RestError> {
    Ok(Json(permissions::list_permissions(&engine, &actor, PermissionObject::System).await?))
}

pub async fn cluster_permissions(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    Ids(cluster): Ids<Uuid>,
) -> Result<Json<Vec<Permission>>, RestError> {
    Ok(Json(permissions::list_permissions(&engine, &actor, PermissionObject::Cluster(cluster)).await?))
}

pub async fn vm_permissions(State(engine): State<Engine>, Caller(actor): Caller, Ids(vm): Ids<Uuid>) -> Result<Json<Vec<Permission>>, RestError> {
    Ok(Json(permissions::list_permissions(&engine, &actor, PermissionObject::Vm(vm)).await?))
}

pub async fn grant(
    State(engine): State<Engine>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewPermission>,
) -> Result<(StatusCode, Json<Permission>), RestError> {
    Ok((StatusCode::CREATED, Json(permissions::grant(&engine, &actor, new).await?)))
}

pub async fn revoke(State(engine): State<Engine>, Caller(actor): Caller, Ids(permission): Ids<Uuid>) -> Result<StatusCode, RestError> {
    permissions::revoke(&engine, &actor, permission).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's IP address when the server knows it (sign-in back-off).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

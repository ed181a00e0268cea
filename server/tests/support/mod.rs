//! Signing tests in: the first admin and an API token for them, and a
//! router that sends that token with every request that has no
//! `Authorization` of its own (tests about sign-in send their own).

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::Request;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use axum::http::header::AUTHORIZATION;
use axum::Router;
use hotnic_engine::access::{tokens, users, Actor};
use hotnic_engine::Engine;

pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// Creates `admin` (SuperUser) on an empty database and a token for them.
pub async fn admin_token(engine: &Engine) -> String {
    token_for(engine, users::ADMIN, Some(ADMIN_PASSWORD)).await
}

/// A new API token of the user `name` (the first admin when `password`
/// is given and the database has no user yet).
pub async fn token_for(engine: &Engine, name: &str, password: Option<&str>) -> String {
    let db = engine.db();
    if let Some(password) = password {
        users::bootstrap_admin(db, Some(password.into())).await.unwrap();
    }
    let user = users::find_user_by_name(db, name).await.unwrap().unwrap_or_else(|| panic!("no user {name}"));
    let actor = Actor::load(db, user.id, user.name, None).await.unwrap();
    let token_name = format!("t{}", uuid::Uuid::new_v4().simple());
    tokens::create_token(engine, &actor, hotnic_model::NewApiToken { name: token_name[..12].into() }).await.unwrap().secret
}

/// `router`, with `Authorization: Bearer <token>` added where missing.
pub fn signed_in(router: Router, token: String) -> Router {
    let value: axum::http::HeaderValue = format!("Bearer {token}").parse().unwrap();
    router.layer(axum::middleware::map_request(move |mut request: Request| {
        let value = value.clone();
        async move {
            if !request.headers().contains_key(AUTHORIZATION) {
                request.headers_mut().insert(AUTHORIZATION, value);
            }
            request
        }
    }))
}

/// A router over `engine` signed in as the first admin.
pub async fn admin_router(engine: hotnic_engine::Engine) -> Router {
    let token = admin_token(&engine).await;
    let options = leptos::prelude::LeptosOptions::builder().output_name("hotnic").build();
    signed_in(hotnic::router(engine, options), token)
}

/// One request through `router`, signed with `token` when given; the
/// status and the JSON answer (null when empty or not JSON).
pub async fn call(router: &Router, token: Option<&str>, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = axum::http::Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty);
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

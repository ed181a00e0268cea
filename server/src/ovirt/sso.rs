//! oVirt's SSO endpoints, over hotnic's own users: the password grant
//! signs in (`name@internal` is the local user `name`) and hands out the
//! session's secret as the bearer token; logout ends that session. They
//! answer JSON, as oVirt's do; the SDK reads `access_token`, or `error`.

use crate::rest::access::ClientAddress;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use hotnic_engine::access::sessions;
use hotnic_engine::{Engine, EngineError};
use hotnic_model::SignIn;
use serde::Deserialize;
use serde_json::json;

/// The only profile hotnic has: its own users.
const PROFILE: &str = "internal";

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    scope: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

fn denied(code: &str, error: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error_code": code, "error": error }))).into_response()
}

/// POST /ovirt-engine/sso/oauth/token
pub async fn token(State(engine): State<Engine>, ClientAddress(address): ClientAddress, form: Result<Form<TokenRequest>, FormRejection>) -> Response {
    let Ok(Form(form)) = form else {
        return denied("invalid_request", "send grant_type, username and password as a form (application/x-www-form-urlencoded)".into());
    };
    if form.grant_type.as_deref() != Some("password") {
        return denied("unsupported_grant_type", "hotnic supports the password grant only (grant_type=password)".into());
    }
    let (Some(username), Some(password)) = (form.username, form.password) else {
        return denied("invalid_request", "username and password are required".into());
    };
    let name = match username.rsplit_once('@') {
        None => username.clone(),
        Some((name, profile)) if profile.eq_ignore_ascii_case(PROFILE) => name.to_owned(),
        Some((_, profile)) => {
            return denied("access_denied", format!("Cannot authenticate user '{username}': hotnic has no profile '{profile}'; sign in as name@{PROFILE}"))
        }
    };
    match sessions::sign_in(&engine, SignIn { name, password }, address).await {
        Ok((secret, _)) => {
            let expires = chrono::Utc::now() + engine.config.session_idle;
            Json(json!({
                "access_token": secret,
                "scope": form.scope.unwrap_or_else(|| "ovirt-app-api".into()),
                "exp": expires.timestamp_millis().to_string(),
                "token_type": "bearer",
            }))
            .into_response()
        }
        Err(EngineError::Unauthenticated(reason)) if reason == sessions::WRONG_CREDENTIALS => {
            denied("access_denied", format!("Cannot authenticate user '{username}': The username or password is incorrect."))
        }
        Err(err) => denied("access_denied", format!("Cannot authenticate user '{username}': {}", err.to_http().1.reason)),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutRequest {
    token: Option<String>,
}

/// POST /ovirt-engine/services/sso-logout: ends the token's session.
pub async fn logout(State(engine): State<Engine>, form: Result<Form<LogoutRequest>, FormRejection>) -> Response {
    if let Ok(Form(LogoutRequest { token: Some(token) })) = form {
        if let Err(err) = sessions::sign_out(&engine, &token).await {
            tracing::warn!(error = %err, "oVirt SSO logout failed");
        }
    }
    Json(json!({})).into_response()
}

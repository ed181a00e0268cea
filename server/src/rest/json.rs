//! A JSON body extractor whose rejections read like every other API error.

use super::RestError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = RestError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(RestError::new(StatusCode::BAD_REQUEST, rejection_reason(&rejection))),
        }
    }
}

fn rejection_reason(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => "send the body as JSON with 'Content-Type: application/json'".into(),
        JsonRejection::JsonSyntaxError(_) => format!("the body is not valid JSON: {}", rejection.body_text()),
        JsonRejection::JsonDataError(_) => format!("the body does not fit: {}", rejection.body_text()),
        _ => rejection.body_text(),
    }
}

/// A path of UUIDs (`/vms/{vm}/nics/{nic}`) whose rejection is a JSON 400.
pub struct Ids<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for Ids<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = RestError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Ids(value)),
            Err(rejection) => Err(RestError::new(
                StatusCode::BAD_REQUEST,
                format!("the path holds an id that is not a UUID: {}", rejection.body_text()),
            )),
        }
    }
}

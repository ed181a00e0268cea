//! oVirt's REST API (`/ovirt-engine/api`, XML, as the official SDK and the
//! tools built on it speak it) for the part hotnic has: VMs, their NICs,
//! networks, vNIC profiles, clusters and data centers, and SSO. It only
//! translates: every call goes to the same engine flow as hotnic's own
//! REST API, with the caller's permissions. Wire notes: shared/ovirt-api/WIRE.md.

pub mod fault;
mod infra;
mod nics;
mod search;
pub mod sso;
mod vms;
mod xml;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hotnic_engine::Engine;

/// Paths anyone may call: getting a token and giving it back.
pub fn is_public(path: &str) -> bool {
    matches!(path, "/ovirt-engine/sso/oauth/token" | "/ovirt-engine/services/sso-logout")
}

/// 401 as the SDK reads it (it then asks for a new token, once).
pub fn unauthorized(reason: &str) -> Response {
    fault::Fault::new(StatusCode::UNAUTHORIZED, reason).into_response()
}

/// Everything under /ovirt-engine.
pub fn router<S: Clone + Send + Sync + 'static>(engine: Engine) -> Router<S> {
    let api = Router::<Engine>::new()
        .route("/", get(vms::api_root))
        .route("/vms", get(vms::list))
        .route("/vms/{vm}", get(vms::get))
        .route("/vms/{vm}/start", post(vms::start))
        .route("/vms/{vm}/stop", post(vms::stop))
        .route("/vms/{vm}/shutdown", post(vms::stop))
        .route("/vms/{vm}/nics", get(nics::list).post(nics::add))
        .route("/vms/{vm}/nics/{nic}", get(nics::get).put(nics::update).delete(nics::remove))
        .route("/vms/{vm}/nics/{nic}/activate", post(nics::activate))
        .route("/vms/{vm}/nics/{nic}/deactivate", post(nics::deactivate))
        .route("/vms/{vm}/nics/{nic}/networkfilterparameters", get(nics::network_filter_parameters))
        .route("/networks", get(infra::networks))
        .route("/networks/{id}", get(infra::network))
        .route("/networks/{id}/vnicprofiles", get(infra::network_profiles))
        .route("/vnicprofiles", get(infra::profiles))
        .route("/vnicprofiles/{id}", get(infra::profile))
        .route("/clusters", get(infra::clusters))
        .route("/clusters/{id}", get(infra::cluster))
        .route("/clusters/{id}/networks", get(infra::cluster_networks))
        .route("/datacenters", get(infra::data_centers))
        .route("/datacenters/{id}", get(infra::data_center))
        .route("/datacenters/{id}/clusters", get(infra::data_center_clusters))
        .route("/datacenters/{id}/networks", get(infra::cluster_networks))
        .fallback(|| async { fault::Fault::not_found("hotnic's oVirt API has no such path; see the README for what it serves") });
    Router::new()
        .route("/ovirt-engine/sso/oauth/token", post(sso::token))
        .route("/ovirt-engine/services/sso-logout", post(sso::logout))
        .nest("/ovirt-engine/api", api)
        .layer(DefaultBodyLimit::max(crate::guard::MAX_BODY_BYTES))
        .with_state(engine)
}

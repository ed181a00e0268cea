//! The REST API under /api: one module per resource, each handler parses
//! the request and calls one engine flow.

pub mod access;
pub mod caller;
mod clusters;
mod drift;
mod error;
mod events;
mod health;
mod hosts;
mod json;
mod networks;
mod nics;
mod openapi;
mod vms;

use axum::routing::{delete, get, post, put};
use axum::Router;
use hotnic_engine::Engine;

pub use error::RestError;

pub fn router<S>(engine: Engine) -> Router<S> {
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::document))
        .route("/clusters", get(clusters::list).post(clusters::create))
        .route("/clusters/{cluster}", put(clusters::update).delete(clusters::delete))
        .route("/session", get(access::whoami).post(access::sign_in).delete(access::sign_out))
        .route("/users", get(access::list_users).post(access::create_user))
        .route("/users/{user}", put(access::update_user))
        .route("/tokens", get(access::list_tokens).post(access::create_token))
        .route("/tokens/{token}", delete(access::revoke_token))
        .route("/permissions", get(access::system_permissions).post(access::grant))
        .route("/permissions/{permission}", delete(access::revoke))
        .route("/clusters/{cluster}/permissions", get(access::cluster_permissions))
        .route("/vms/{vm}/permissions", get(access::vm_permissions))
        .route("/clusters/{cluster}/images", get(clusters::images))
        .route("/hosts", get(hosts::list).post(hosts::create))
        .route("/hosts/{host}", put(hosts::update).delete(hosts::delete))
        .route("/hosts/{host}/accept_fingerprint", post(hosts::accept_fingerprint))
        .route("/networks", get(networks::list).post(networks::create))
        .route("/networks/{network}", put(networks::update).delete(networks::delete))
        .route("/vms", get(vms::list).post(vms::create))
        .route("/vms/plug_nic", post(vms::plug_nic_on_each))
        .route("/vms/unplug_nic", post(vms::unplug_nic_on_each))
        .route("/vms/{vm}", get(vms::get).delete(vms::delete))
        .route("/vms/{vm}/start", post(vms::start))
        .route("/vms/{vm}/stop", post(vms::stop))
        .route("/vms/{vm}/pci_slots", get(vms::pci_slots))
        .route("/vms/{vm}/nics", get(nics::list).post(nics::add))
        .route("/vms/{vm}/nics/plug", post(nics::plug_many))
        .route("/vms/{vm}/nics/unplug", post(nics::unplug_many))
        .route("/vms/{vm}/nics/remove", post(nics::remove_many))
        .route("/vms/{vm}/nics/{nic}", get(nics::get).put(nics::edit).delete(nics::remove))
        .route("/vms/{vm}/nics/{nic}/plug", post(nics::plug))
        .route("/vms/{vm}/nics/{nic}/unplug", post(nics::unplug))
        .route("/vms/{vm}/nics/{nic}/drift", post(drift::resolve))
        .route("/vms/{vm}/unknown_nics/adopt", post(drift::adopt))
        .route("/vms/{vm}/unknown_nics/detach", post(drift::detach))
        .route("/events", get(events::list))
        .fallback(error::unknown_path)
        .with_state(engine)
}

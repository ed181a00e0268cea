//! Server functions: each a thin shell that takes the engine from context
//! and calls one engine flow. Paths are stable: `/api/fn/<name>`, JSON in
//! and out, listed in the README.

#[cfg(feature = "ssr")]
pub mod args;
pub mod clusters;
pub mod events;
pub mod hosts;
pub mod networks;
pub mod nics;
pub mod vms;

#[cfg(feature = "ssr")]
pub(crate) fn engine() -> Result<hotnic_engine::Engine, crate::error::FnError> {
    leptos::prelude::use_context::<hotnic_engine::Engine>()
        .ok_or_else(|| crate::error::FnError(hotnic_model::ApiError::new("the server has no engine in context")))
}

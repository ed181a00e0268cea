//! Server functions: each a thin shell that takes the engine from context
//! and calls one engine flow. Paths are stable: `/api/fn/<name>`, JSON in
//! and out, listed in the README.

#[cfg(feature = "ssr")]
pub mod args;
pub mod access;
pub mod clusters;
#[cfg(feature = "ssr")]
pub mod cookies;
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

/// The engine and the signed-in caller (put in the request by the
/// server's authentication layer); without one, the 401 error.
///
/// It leaves the response's status alone: the authentication layer has
/// already answered 401 to every server function call without a caller,
/// so the only request that gets here without one is a page anyone may
/// see, the sign-in page, whose sidebar asks who is signed in. That page
/// is a 200 all the same.
#[cfg(feature = "ssr")]
pub(crate) fn caller() -> Result<(hotnic_engine::Engine, hotnic_engine::access::Actor), crate::error::FnError> {
    let engine = engine()?;
    let actor = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<hotnic_engine::access::Actor>().cloned())
        .ok_or_else(|| {
            let signed_out = hotnic_engine::EngineError::Unauthenticated(
                "sign in first: send 'Authorization: Bearer <API token>', or sign in at /signin".into(),
            );
            crate::error::FnError(signed_out.to_http().1)
        })?;
    Ok((engine, actor))
}

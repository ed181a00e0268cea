//! The pages loaded on demand. Built with `cargo leptos --split`, each one's
//! code is a WASM chunk of its own, fetched the first time its route shows
//! (the server preloads it with a page it renders), so the main WASM holds
//! only the shell and the VM page with its Network Interfaces tab: what an
//! administrator opens most, and what has to be interactive first.
//!
//! The pages still start their own data loads when they run, after their
//! chunk arrived: these are the less visited pages, and a chunk is a few
//! kilobytes.

use crate::pages;
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident => $page:path;)+) => {$(
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                crate::mark_hydrated();
                $page().into_any()
            }
        }
    )+};
}

lazy_pages! {
    /// `/` and `/clusters`.
    Clusters => pages::clusters::ClustersPage;
    /// `/clusters/:id/permissions`.
    ClusterPermissions => pages::clusters::ClusterPermissionsPage;
    /// `/signin`.
    SignIn => pages::signin::SignInPage;
    /// `/users`.
    Users => pages::users::UsersPage;
    /// `/tokens`.
    Tokens => pages::tokens::TokensPage;
    /// `/hosts`.
    Hosts => pages::hosts::HostsPage;
    /// `/networks`.
    Networks => pages::networks::NetworksPage;
    /// `/vms`.
    Vms => pages::vms::VmsPage;
    /// `/events`.
    Events => pages::events::EventsPage;
    /// The VM's General tab.
    VmGeneral => pages::vm::general::GeneralTab;
    /// The VM's Events tab.
    VmEvents => pages::vm::events::EventsTab;
    /// The VM's Permissions tab.
    VmPermissions => pages::vm::PermissionsTab;
}

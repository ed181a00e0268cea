//! The hotnic web UI: the page shell, routes and pages, plus the server
//! functions the pages call. Server functions are also a public API for
//! scripts, under stable paths `/api/fn/<name>`.

#![recursion_limit = "256"]

pub mod error;
pub mod json_resource;
pub mod lazy_pages;
pub mod pages;
pub mod push;
pub mod server_fns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes, A};
use leptos_router::{path, Lazy, SsrMode};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    push::provide_changes();
    // Pages wait for their data on the server (SsrMode::Async), so the HTML
    // holds the tables and reads fine before (or without) WASM.
    let ssr = SsrMode::Async;
    view! {
        <Stylesheet id="leptos" href="/pkg/hotnic.css"/>
        <Title text="hotnic"/>
        <Router>
            <div class="layout">
                <nav class="sidebar" aria-label="Main">
                    <div class="brand">"hotnic"</div>
                    <A href="/clusters">"Clusters"</A>
                    <A href="/hosts">"Hosts"</A>
                    <A href="/networks">"Networks"</A>
                    <A href="/vms">"VMs"</A>
                    <A href="/events">"Events"</A>
                    <pages::signin::AccountLinks/>
                </nav>
                <main class="content">
                    <Routes fallback=|| {
                        mark_hydrated();
                        view! { <p>"Page not found."</p> }
                    }>
                        <Route path=path!("/") view={Lazy::<lazy_pages::Clusters>::new()}/>
                        <Route path=path!("/clusters") view={Lazy::<lazy_pages::Clusters>::new()}/>
                        <Route path=path!("/clusters/:id/permissions") view={Lazy::<lazy_pages::ClusterPermissions>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/signin") view={Lazy::<lazy_pages::SignIn>::new()}/>
                        <Route path=path!("/users") view={Lazy::<lazy_pages::Users>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/tokens") view={Lazy::<lazy_pages::Tokens>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/hosts") view={Lazy::<lazy_pages::Hosts>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/networks") view={Lazy::<lazy_pages::Networks>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/vms") view={Lazy::<lazy_pages::Vms>::new()} ssr=ssr.clone()/>
                        <Route path=path!("/events") view={Lazy::<lazy_pages::Events>::new()} ssr=ssr.clone()/>
                        // The VM page and its NIC tab stay in the main WASM.
                        <ParentRoute path=path!("/vms/:id") view=pages::vm::VmPage ssr=ssr.clone()>
                            <Route path=path!("") view={Lazy::<lazy_pages::VmGeneral>::new()} ssr=ssr.clone()/>
                            <Route path=path!("nics") view=pages::vm::nics::NicsTab ssr=ssr.clone()/>
                            <Route path=path!("events") view={Lazy::<lazy_pages::VmEvents>::new()} ssr=ssr.clone()/>
                            <Route path=path!("permissions") view={Lazy::<lazy_pages::VmPermissions>::new()} ssr=ssr/>
                        </ParentRoute>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

/// Effects run only in the browser, so this attribute appears once the
/// page has hydrated; end-to-end tests wait for it before clicking or
/// typing. Called by each leaf route's view (the lazy pages through their
/// wrapper), not by the shell: a lazy page hydrates only once its chunk
/// has arrived, after the shell, and hydrating an input sets its value, so
/// text typed into it before that is lost. The change stream connects then
/// too.
pub fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        #[cfg(feature = "hydrate")]
        push::connect_once_hydrated();
    });
}

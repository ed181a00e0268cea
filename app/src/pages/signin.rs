//! /signin: the sign-in form, and the signed-in user's corner of the
//! sidebar (name, API tokens, Users for a SuperUser, Sign out).

use crate::json_resource::page_resource;
use super::common::ErrorLine;
use crate::server_fns::access::{sign_in, sign_out, whoami};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// Only a path of this site: `next` must not send the browser elsewhere.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).unwrap_or_else(|| "/vms".into())
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match sign_in(name.get_untracked(), password.get_untracked()).await {
                Ok(_) => {
                    // A full load, so the next page is rendered for this user.
                    let _ = window().location().set_href(&safe_next(query.get_untracked().get("next")));
                }
                Err(e) => {
                    error.set(Some(e.reason().to_owned()));
                    password.set(String::new());
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <h1>"Sign in"</h1>
        <form class="stack-form signin" on:submit=submit aria-label="Sign in">
            <div class="form-row">
                <label>
                    "User name"
                    <input name="name" autocomplete="username" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
            </div>
            <div class="form-row">
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="current-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
            </div>
            <button type="submit" disabled=move || busy.get()>"Sign in"</button>
        </form>
        <ErrorLine message=error/>
        <p class="hint">"The first user is admin; make run prints its password. Scripts use an API token instead."</p>
    }
}

/// The sidebar's account links: who is signed in, and the way out.
#[component]
pub fn AccountLinks() -> impl IntoView {
    let me = page_resource(|| (), |_| whoami());
    let leave = move |_| {
        spawn_local(async move {
            let _ = sign_out().await;
            let _ = window().location().set_href("/signin");
        });
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match me.await {
                    Err(_) => view! { <A href="/signin">"Sign in"</A> }.into_any(),
                    Ok(me) => {
                        let admin = me.is_super_user();
                        view! {
                            <div class="account">
                                <span class="who">"Signed in as "<strong>{me.user.name.clone()}</strong></span>
                                <A href="/tokens">"API tokens"</A>
                                {admin.then(|| view! { <A href="/users">"Users"</A> })}
                                <button type="button" class="secondary" on:click=leave>"Sign out"</button>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next(Some("/vms/1/nics".into())), "/vms/1/nics");
        for away in ["//evil.example", "https://evil.example", "/\\evil.example", "vms"] {
            assert_eq!(super::safe_next(Some(away.into())), "/vms", "{away}");
        }
        assert_eq!(super::safe_next(None), "/vms");
    }
}

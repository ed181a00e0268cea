//! /tokens: the signed-in user's API tokens. A new token's secret is shown
//! once, with how to use it; tokens can be revoked.

use crate::json_resource::page_resource;
use super::common::{list_view, ErrorLine};
use crate::server_fns::access::{create_token, list_tokens, revoke_token};
use hotnic_model::ApiToken;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn TokensPage() -> impl IntoView {
    let version = RwSignal::new(0u64);
    let tokens = page_resource(move || version.get(), |_| list_tokens());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let fresh = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match create_token(name.get_untracked()).await {
                Ok(created) => {
                    fresh.set(Some(created.secret));
                    name.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };
    view! {
        <h1>"API tokens"</h1>
        <p class="hint">"A token acts as you, with your roles, from scripts: send it as 'Authorization: Bearer <token>'."</p>
        <form class="inline-form" on:submit=submit aria-label="New API token">
            <label>"Token name"<input name="name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <button type="submit">"Create token"</button>
        </form>
        <ErrorLine message=error/>
        {move || fresh.get().map(|secret| view! {
            <div class="toast ok" role="status">
                <span>"Copy it now, it is not shown again: "<code class="secret">{secret}</code></span>
            </div>
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                list_view(tokens.await, "No tokens yet.", |list| view! { <TokenTable list version error/> }.into_any())
            })}
        </Transition>
    }
}

#[component]
fn TokenTable(list: Vec<ApiToken>, version: RwSignal<u64>, error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <table class="grid" aria-label="API tokens">
            <thead><tr><th>"Name"</th><th>"Created"</th><th>"Last used"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|token| {
                    let id = token.id;
                    let revoke = move |_| spawn_local(async move {
                        match revoke_token(id).await {
                            Ok(()) => version.update(|v| *v += 1),
                            Err(e) => error.set(Some(e.reason().to_owned())),
                        }
                    });
                    view! {
                        <tr>
                            <td>{token.name.clone()}</td>
                            <td class="nowrap">{token.created_at.clone()}</td>
                            <td class="nowrap">{token.last_used_at.clone().unwrap_or_else(|| "never".into())}</td>
                            <td><button type="button" class="danger-outline" on:click=revoke>"Revoke"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

//! /users (SuperUser): the local users, a form that creates one, and per
//! user Disable/Enable and Reset password; below, the roles granted on the
//! whole system.

use crate::json_resource::page_resource;
use super::common::{list_view, ErrorLine};
use super::permissions::PermissionsPanel;
use crate::server_fns::access::{create_user, list_users, update_user};
use hotnic_model::{PermissionObject, User};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn UsersPage() -> impl IntoView {
    let version = RwSignal::new(0u64);
    let users = page_resource(move || version.get(), |_| list_users());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match create_user(name.get_untracked(), password.get_untracked()).await {
                Ok(_) => {
                    name.set(String::new());
                    password.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };
    view! {
        <h1>"Users"</h1>
        <form class="inline-form" on:submit=submit aria-label="New user">
            <label>"User name"<input name="name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <label>"Password"<input name="password" type="password" autocomplete="new-password" required minlength="8"
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/></label>
            <button type="submit">"Create user"</button>
        </form>
        <ErrorLine message=error/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                list_view(users.await, "No users.", |list| view! { <UserTable list version error/> }.into_any())
            })}
        </Transition>
        <h2>"Roles on the whole system"</h2>
        <PermissionsPanel object=PermissionObject::System/>
    }
}

#[component]
fn UserTable(list: Vec<User>, version: RwSignal<u64>, error: RwSignal<Option<String>>) -> impl IntoView {
    let change = move |id, enabled: Option<bool>, password: Option<String>| {
        error.set(None);
        spawn_local(async move {
            match update_user(id, enabled, password).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };
    view! {
        <table class="grid" aria-label="Users">
            <thead><tr><th>"Name"</th><th>"State"</th><th>"Actions"</th></tr></thead>
            <tbody>
                {list.into_iter().map(|user| {
                    let id = user.id;
                    let new_password = RwSignal::new(String::new());
                    let label = format!("New password for {}", user.name);
                    view! {
                        <tr data-user=user.name.clone()>
                            <td>{user.name.clone()}</td>
                            <td>{if user.enabled { "enabled" } else { "disabled" }}</td>
                            <td class="row-actions">
                                <button type="button" class="secondary"
                                    on:click=move |_| change(id, Some(!user.enabled), None)>
                                    {if user.enabled { "Disable" } else { "Enable" }}
                                </button>
                                <input type="password" aria-label=label autocomplete="new-password"
                                    prop:value=new_password on:input=move |ev| new_password.set(event_target_value(&ev))/>
                                <button type="button" class="secondary"
                                    on:click=move |_| change(id, None, Some(new_password.get_untracked()))>"Reset password"</button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

//! Who holds which role on an object (the system, a cluster, a VM), and,
//! for a SuperUser, Grant and Revoke. Shown on the Users page, a cluster's
//! permissions page and a VM's Permissions tab.

use crate::json_resource::page_resource;
use super::common::{list_view, ErrorLine};
use crate::server_fns::access::{grant_permission, list_permissions, revoke_permission, whoami};
use hotnic_model::{Permission, PermissionObject, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PermissionsPanel(object: PermissionObject) -> impl IntoView {
    let version = RwSignal::new(0u64);
    let list = page_resource(move || version.get(), move |_| list_permissions(object));
    let me = page_resource(|| (), |_| whoami());
    let user = RwSignal::new(String::new());
    let role = RwSignal::new(Role::UserVmManager);
    let error = RwSignal::new(None::<String>);
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| match object {
            PermissionObject::System => true,
            PermissionObject::Cluster(_) => *r != Role::SuperUser,
            PermissionObject::Vm(_) => matches!(r, Role::UserVmManager | Role::ReadOnly),
        })
        .collect();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        spawn_local(async move {
            match grant_permission(user.get_untracked(), role.get_untracked(), object).await {
                Ok(_) => {
                    user.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };
    let revoke = move |id| {
        error.set(None);
        spawn_local(async move {
            match revoke_permission(id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let roles = roles.clone();
                Suspend::new(async move {
                let admin = me.await.map(|m| m.is_super_user()).unwrap_or(false);
                let why = if admin { String::new() } else { "Only a SuperUser grants or revokes roles".to_owned() };
                let table = list_view(list.await, "No role is granted here.", |rows: Vec<Permission>| view! {
                    <table class="grid" aria-label="Permissions">
                        <thead><tr><th>"User"</th><th>"Role"</th><th>"Actions"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|p| {
                                let id = p.id;
                                let why = why.clone();
                                view! {
                                    <tr data-user=p.user_name.clone()>
                                        <td>{p.user_name.clone()}</td>
                                        <td>{p.role.as_str()}</td>
                                        <td><button type="button" class="danger-outline" disabled=!admin title=why
                                            on:click=move |_| revoke(id)>"Revoke"</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any());
                view! {
                    {table}
                    <form class="inline-form" on:submit=submit aria-label="Grant a role">
                        <label>"User name"<input name="user" required disabled=!admin prop:value=user
                            on:input=move |ev| user.set(event_target_value(&ev))/></label>
                        <label>"Role"
                            <select name="role" aria-label="Role" disabled=!admin
                                on:change=move |ev| if let Ok(r) = event_target_value(&ev).parse() { role.set(r) }>
                                {roles.iter().map(|r| view! {
                                    <option value=r.as_str() selected=*r == role.get_untracked()>{r.as_str()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" disabled=!admin title=why.clone()>"Grant"</button>
                    </form>
                }.into_any()
            })}}
        </Transition>
        <ErrorLine message=error/>
    }
}

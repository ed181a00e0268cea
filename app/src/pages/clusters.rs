//! The Clusters page: the list, and a form that creates one; each cluster's
//! level can change (down only while none of its VMs runs), and it can be
//! renamed and, with no VMs or hosts left, removed.

use crate::json_resource::page_resource;
use super::common::{reason, ErrorLine};
use super::row_edit::RenameRemove;
use crate::server_fns::clusters::{list_clusters, CreateCluster, DeleteCluster, UpdateCluster};
use hotnic_model::ClusterUpdate;
use leptos::prelude::*;

const DEFAULT_VERSION: &str = "4.7";
const VERSIONS: &[&str] = &[
    "4.7", "4.6", "4.5", "4.4", "4.3", "4.2", "4.1", "4.0", "3.6", "3.5", "3.4", "3.3", "3.2", "3.1", "3.0",
];

#[component]
pub fn ClustersPage() -> impl IntoView {
    let create = ServerAction::<CreateCluster>::new();
    let me = page_resource(|| (), |_| crate::server_fns::access::whoami());
    let update = ServerAction::<UpdateCluster>::new();
    let delete = ServerAction::<DeleteCluster>::new();
    let clusters = page_resource(move || (create.version().get(), update.version().get(), delete.version().get()), |_| list_clusters());
    let name = RwSignal::new(String::new());
    let version = RwSignal::new(DEFAULT_VERSION.to_owned());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateCluster { name: name.get_untracked(), compatibility_version: version.get_untracked() });
    };
    // Clear the form once a cluster was created.
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });
    let error = move || create.value().get().and_then(|r| r.err()).map(|e| e.reason().to_owned());

    view! {
        <h1>"Clusters"</h1>
        <form class="inline-form" on:submit=submit aria-label="New cluster">
            <label>
                "Name"
                <input name="name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <label>
                "Compatibility version"
                <select name="compatibility_version" on:change=move |ev| version.set(event_target_value(&ev))>
                    {VERSIONS
                        .iter()
                        .map(|v| view! { <option value=*v selected=*v == DEFAULT_VERSION>{*v}</option> })
                        .collect_view()}
                </select>
            </label>
            <Transition fallback=|| view! { <button type="submit" disabled=true>"Create cluster"</button> }>
                {move || Suspend::new(async move {
                    let allowed = me.await.is_ok_and(|m| m.is_super_user());
                    let why = if allowed { "" } else { "only a SuperUser creates clusters" };
                    view! {
                        <button type="submit" disabled=move || create.pending().get() || !allowed title=why>"Create cluster"</button>
                    }
                })}
            </Transition>
        </form>
        <Show when=move || error().is_some()>
            <p class="error" role="alert">{error}</p>
        </Show>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                clusters
                    .get()
                    .map(|result| match result {
                        Err(e) => view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                        Ok(list) => view! { <ClusterTable clusters=list update delete/> }.into_any(),
                    })
            }}
        </Transition>
        <ErrorLine message=Signal::derive(move || reason(&update.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&delete.value().get()))/>
    }
}

#[component]
fn ClusterTable(clusters: Vec<hotnic_model::Cluster>, update: ServerAction<UpdateCluster>, delete: ServerAction<DeleteCluster>) -> impl IntoView {
    let busy = Signal::derive(move || update.pending().get() || delete.pending().get());
    if clusters.is_empty() {
        return view! { <p class="empty">"No clusters yet."</p> }.into_any();
    }
    view! {
        <table class="grid" aria-label="Clusters">
            <thead>
                <tr>
                    <th>"Name"</th>
                    <th>"Compatibility version"</th>
                    <th>"Permissions"</th>
                    <th>"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {clusters
                    .into_iter()
                    .map(|c| {
                        let id = c.id;
                        let set = move |change: ClusterUpdate| { update.dispatch(UpdateCluster { cluster_id: id, update: change }); };
                        let rename = Callback::new(move |name: String| set(ClusterUpdate { name: Some(name), compatibility_version: None }));
                        let remove = Callback::new(move |()| { delete.dispatch(DeleteCluster { cluster_id: id }); });
                        let level = c.compatibility_version.clone();
                        view! {
                            <tr data-cluster=c.name.clone()>
                                <td>{c.name.clone()}</td>
                                <td>
                                    <select aria-label=format!("Compatibility version of cluster {}", c.name) disabled=busy
                                        on:change=move |ev| set(ClusterUpdate { name: None, compatibility_version: Some(event_target_value(&ev)) })>
                                        {VERSIONS.iter().map(|v| view! { <option value=*v selected=*v == level>{*v}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td><a href=format!("/clusters/{}/permissions", c.id)>"Permissions"</a></td>
                                <td><RenameRemove what="cluster" name=c.name.clone() busy on_rename=rename on_remove=remove/></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// /clusters/:id/permissions: who holds which role on one cluster (and so
/// on all its VMs).
#[component]
pub fn ClusterPermissionsPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<uuid::Uuid>().ok()));
    view! {
        <h1><span class="crumb"><a href="/clusters">"Clusters"</a>" / "</span>"Permissions"</h1>
        {move || match id() {
            Some(id) => view! { <super::permissions::PermissionsPanel object=hotnic_model::PermissionObject::Cluster(id)/> }.into_any(),
            None => view! { <p class="error" role="alert">"that is not a cluster id"</p> }.into_any(),
        }}
    }
}

//! The Networks page: define a cluster's networks (a `bridge` network is a
//! Linux bridge of the same name on each host), rename and remove them.

use crate::json_resource::page_resource;
use super::common::{cluster_permit, form_needing_cluster, list_view, name_of, reason, ClusterSelect, ErrorLine};
use crate::server_fns::clusters::list_clusters;
use super::row_edit::RenameRemove;
use crate::server_fns::networks::{list_networks, CreateNetwork, DeleteNetwork, UpdateNetwork};
use hotnic_model::NetworkUpdate;
use hotnic_model::words::{NetworkKind, VariantArray};
use leptos::prelude::*;

const KINDS: &[NetworkKind] = NetworkKind::VARIANTS;

#[component]
pub fn NetworksPage() -> impl IntoView {
    let create = ServerAction::<CreateNetwork>::new();
    let update = ServerAction::<UpdateNetwork>::new();
    let delete = ServerAction::<DeleteNetwork>::new();
    let networks = page_resource(move || (create.version().get(), update.version().get(), delete.version().get()), |_| list_networks(None));
    let busy = Signal::derive(move || update.pending().get() || delete.pending().get());
    let clusters = page_resource(|| (), |_| list_clusters());
    let name = RwSignal::new(String::new());
    let cluster = RwSignal::new(None);
    let kind = RwSignal::new(KINDS[0].as_str().to_owned());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cluster_id) = cluster.get_untracked() else { return };
        create.dispatch(CreateNetwork { name: name.get_untracked(), cluster_id, kind: kind.get_untracked() });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });

    view! {
        <h1>"Networks"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let clusters = clusters.await.unwrap_or_default();
                let networks = networks.await;
                let form = form_needing_cluster(&clusters, || {
                    view! {
                        <form class="inline-form" on:submit=submit aria-label="New network">
                            <label>"Name"
                                <input name="name" required maxlength="15" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                            </label>
                            <label>"Cluster" <ClusterSelect clusters=clusters.clone() selected=cluster/></label>
                            <label>"Kind"
                                <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                                    {KINDS.iter().map(|k| view! { <option value=k.as_str() selected=move || kind.get() == k.as_str()>{k.as_str()}</option> }).collect_view()}
                                </select>
                            </label>
                            <button type="submit"
                                disabled={ let c = clusters.clone(); move || create.pending().get() || !cluster_permit(&c, cluster.get(), |a| &a.create_network).ok }
                                title={ let c = clusters.clone(); move || cluster_permit(&c, cluster.get(), |a| &a.create_network).why_not.unwrap_or_default() }>
                                "Create network"
                            </button>
                        </form>
                    }.into_any()
                });
                let table = list_view(networks, "No networks yet.", |list| view! {
                        <table class="grid" aria-label="Networks">
                            <thead><tr><th>"Name"</th><th>"Cluster"</th><th>"Kind"</th><th>"Actions"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|n| {
                                    let cluster = name_of(&clusters, Some(n.cluster_id), |c| (c.id, &c.name));
                                    let id = n.id;
                                    let rename = Callback::new(move |name: String| { update.dispatch(UpdateNetwork { network_id: id, update: NetworkUpdate { name: Some(name) } }); });
                                    let remove = Callback::new(move |()| { delete.dispatch(DeleteNetwork { network_id: id }); });
                                    view! {
                                        <tr data-network=n.name.clone()>
                                            <td>{n.name.clone()}</td><td>{cluster}</td><td>{n.kind}</td>
                                            <td><RenameRemove what="network" name=n.name.clone() busy on_rename=rename on_remove=remove/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any());
                view! { {form} {table} }
            })}
        </Transition>
        <ErrorLine message=Signal::derive(move || reason(&create.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&update.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&delete.value().get()))/>
    }
}

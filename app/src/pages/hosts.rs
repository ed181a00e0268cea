//! The Hosts page: register a host by its agent's URL and token; the list
//! with each host's status and the fingerprint of the certificate hotnic
//! trusts. A host whose agent presents another certificate is refused; the
//! page shows the new fingerprint and a button to accept it. Each host can
//! be renamed, put into maintenance (no VM starts there) and back, and
//! removed from maintenance.

use crate::json_resource::page_resource;
use super::common::{cluster_permit, form_needing_cluster, list_view, name_of, reason, ClusterSelect, ErrorLine};
use crate::push::refresh_on_change;
use crate::server_fns::clusters::list_clusters;
use super::row_edit::RenameRemove;
use crate::server_fns::hosts::{list_hosts, AcceptHostFingerprint, CreateHost, DeleteHost, UpdateHost};
use hotnic_model::HostUpdate;
use leptos::prelude::*;

#[component]
pub fn HostsPage() -> impl IntoView {
    let create = ServerAction::<CreateHost>::new();
    let accept = ServerAction::<AcceptHostFingerprint>::new();
    let changed = refresh_on_change(|| None);
    let update = ServerAction::<UpdateHost>::new();
    let delete = ServerAction::<DeleteHost>::new();
    let hosts = page_resource(
        move || (create.version().get(), accept.version().get(), update.version().get(), delete.version().get(), changed.get()),
        |_| list_hosts(),
    );
    let busy = Signal::derive(move || update.pending().get() || delete.pending().get());
    let clusters = page_resource(|| (), |_| list_clusters());
    let name = RwSignal::new(String::new());
    let cluster = RwSignal::new(None);
    let url = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cluster_id) = cluster.get_untracked() else { return };
        create.dispatch(CreateHost {
            name: name.get_untracked(),
            cluster_id,
            agent_url: url.get_untracked(),
            token: token.get_untracked(),
            fingerprint: None,
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            token.set(String::new());
        }
    });

    view! {
        <h1>"Hosts"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let clusters = clusters.await.unwrap_or_default();
                let hosts = hosts.await;
                let form = form_needing_cluster(&clusters, || {
                    view! {
                        <form class="inline-form" on:submit=submit aria-label="New host">
                            <label>"Name"
                                <input name="name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                            </label>
                            <label>"Cluster" <ClusterSelect clusters=clusters.clone() selected=cluster/></label>
                            <label>"Agent URL"
                                <input name="agent_url" required placeholder="https://10.0.0.5:54321" prop:value=url
                                    on:input=move |ev| url.set(event_target_value(&ev))/>
                            </label>
                            <label>"Token"
                                <input name="token" type="password" required prop:value=token
                                    on:input=move |ev| token.set(event_target_value(&ev))/>
                            </label>
                            <button type="submit"
                                disabled={ let c = clusters.clone(); move || create.pending().get() || !cluster_permit(&c, cluster.get(), |a| &a.add_host).ok }
                                title={ let c = clusters.clone(); move || cluster_permit(&c, cluster.get(), |a| &a.add_host).why_not.unwrap_or_default() }>
                                "Add host"
                            </button>
                        </form>
                    }.into_any()
                });
                let table = list_view(hosts, "No hosts yet.", |list| view! {
                        <table class="grid" aria-label="Hosts">
                            <thead><tr><th>"Name"</th><th>"Cluster"</th><th>"Agent URL"</th><th>"Status"</th><th>"Certificate (SHA-256)"</th><th>"Actions"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|h| {
                                    let cluster = name_of(&clusters, Some(h.cluster_id), |c| (c.id, &c.name));
                                    let id = h.id;
                                    let in_maintenance = h.status == "maintenance";
                                    let set = move |update_with: HostUpdate| { update.dispatch(UpdateHost { host_id: id, update: update_with }); };
                                    let rename = Callback::new(move |name: String| set(HostUpdate { name: Some(name), maintenance: None }));
                                    let remove = Callback::new(move |()| { delete.dispatch(DeleteHost { host_id: id }); });
                                    let (toggle_label, toggle_text) = if in_maintenance {
                                        (format!("Activate host {}", h.name), "Activate")
                                    } else {
                                        (format!("Maintenance for host {}", h.name), "Maintenance")
                                    };
                                    let actions = view! {
                                        <td class="row-actions">
                                            <button type="button" class="secondary" aria-label=toggle_label disabled=busy
                                                title=if in_maintenance { "Let VMs start here again" } else { "No VM starts here; what runs keeps running and is watched" }
                                                on:click=move |_| set(HostUpdate { name: None, maintenance: Some(!in_maintenance) })>{toggle_text}</button>
                                            <RenameRemove what="host" name=h.name.clone() busy on_rename=rename on_remove=remove/>
                                        </td>
                                    }
                                    // Erased: the row's type is deep enough already for the compiler.
                                    .into_any();
                                    view! {
                                        <tr data-host=h.name.clone()>
                                            <td>{h.name.clone()}</td>
                                            <td>{cluster}</td>
                                            <td><code>{h.agent_url}</code></td>
                                            <td><span class=format!("badge host-{}", h.status)>{h.status.replace('_', " ")}</span></td>
                                            <td><code class="fingerprint">{h.fingerprint.clone()}</code>
                                                {h.presented_fingerprint.clone().map(|presented| {
                                                    let (host_id, host_name) = (h.id, h.name.clone());
                                                    let fingerprint = presented.clone();
                                                    view! {
                                                        <p class="warning" role="alert">
                                                            "The agent now presents another certificate: " <code class="fingerprint">{presented}</code>
                                                            " Compare it with "<code>"openssl x509 -noout -fingerprint -sha256"</code>" on the host first."
                                                        </p>
                                                        <button type="button" aria-label=format!("Accept the new certificate of host {host_name}")
                                                            disabled=move || accept.pending().get()
                                                            on:click=move |_| { accept.dispatch(AcceptHostFingerprint { host_id, fingerprint: fingerprint.clone() }); }>
                                                            "Accept new certificate"
                                                        </button>
                                                    }
                                                })}
                                            </td>
                                            {actions}
                                        </tr>
                                    }
                                    .into_any()
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any());
                view! { {form} {table} }
            })}
        </Transition>
        <ErrorLine message=Signal::derive(move || reason(&create.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&accept.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&update.value().get()))/>
        <ErrorLine message=Signal::derive(move || reason(&delete.value().get()))/>
    }
}

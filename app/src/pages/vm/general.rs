//! The VM page's General tab: what the VM is made of and where it runs.

use super::use_vm;
use super::super::common::{name_of, VmStatusBadge};
use crate::server_fns::clusters::list_clusters;
use crate::server_fns::hosts::list_hosts;
use leptos::prelude::*;

#[component]
pub fn GeneralTab() -> impl IntoView {
    let ctx = use_vm();
    let hosts = Resource::new(move || ctx.version.get(), |_| list_hosts());
    let clusters = Resource::new(|| (), |_| list_clusters());
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let Ok(vm) = ctx.vm.await else { return ().into_any() };
                let hosts = hosts.await.unwrap_or_default();
                let clusters = clusters.await.unwrap_or_default();
                let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
                view! {
                    <table class="props" aria-label="General">
                        <tbody>
                            <tr><th scope="row">"Name"</th><td>{vm.name.clone()}</td></tr>
                            <tr><th scope="row">"Status"</th><td><VmStatusBadge status=vm.status.clone()/></td></tr>
                            <tr><th scope="row">"Cluster"</th><td>{name_of(&clusters, Some(vm.cluster_id), |c| (c.id, &c.name))}</td></tr>
                            <tr><th scope="row">"Host"</th><td>{name_of(&hosts, vm.host_id, |h| (h.id, &h.name))}</td></tr>
                            <tr><th scope="row">"Memory"</th><td>{format!("{} MiB", vm.memory_mib)}</td></tr>
                            <tr><th scope="row">"vCPUs"</th><td>{vm.vcpus}</td></tr>
                            <tr><th scope="row">"Kernel"</th><td><code>{or_dash(vm.kernel)}</code></td></tr>
                            <tr><th scope="row">"Initrd"</th><td><code>{or_dash(vm.initrd)}</code></td></tr>
                            <tr><th scope="row">"Kernel command line"</th><td><code>{or_dash(vm.cmdline)}</code></td></tr>
                            <tr><th scope="row">"Disk"</th><td><code>{or_dash(vm.disk)}</code></td></tr>
                            <tr><th scope="row">"ID"</th><td><code>{vm.id.to_string()}</code></td></tr>
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
    }
}

//! The VM page's General tab: what the VM is made of, where it runs, and
//! its hot-pluggable PCI slots (a map of who holds each, while it runs).

use crate::json_resource::page_resource;
use super::use_vm;
use super::super::common::{name_of, VmStatusBadge};
use crate::server_fns::clusters::list_clusters;
use crate::server_fns::hosts::list_hosts;
use crate::server_fns::vms::vm_pci_slots;
use hotnic_model::PciSlot;
use leptos::prelude::*;

#[component]
pub fn GeneralTab() -> impl IntoView {
    let ctx = use_vm();
    let hosts = page_resource(move || ctx.version.get(), |_| list_hosts());
    let clusters = page_resource(|| (), |_| list_clusters());
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let Ok(vm) = ctx.vm.await else { return ().into_any() };
                let hosts = hosts.await.unwrap_or_default();
                let clusters = clusters.await.unwrap_or_default();
                let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
                let slots = match vm.pci_slots {
                    Some(s) => super::nics::slots_text(s),
                    None => "— (the VM is not running)".into(),
                };
                let running = vm.pci_slots.is_some();
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
                            <tr><th scope="row">"PCI slots"</th><td id="pci-slots">{slots}</td></tr>
                            <tr><th scope="row">"ID"</th><td><code>{vm.id.to_string()}</code></td></tr>
                        </tbody>
                    </table>
                    {running.then(|| view! { <SlotMap/> })}
                }.into_any()
            })}
        </Transition>
    }
}

/// The running VM's hot-pluggable slots as its host sees them now, asked
/// again on every change announced for the VM (a plug, an unplug, what
/// monitoring found).
#[component]
fn SlotMap() -> impl IntoView {
    let ctx = use_vm();
    let map = page_resource(move || (ctx.id.get(), ctx.version.get()), |(id, _)| async move {
        match id {
            Some(id) => vm_pci_slots(id).await,
            None => Ok(Vec::new()),
        }
    });
    view! {
        <h2 id="slot-map-title">"PCI slot map"</h2>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                // The tab re-creates this map on every push for the VM. The
                // old map's view can still be asked to re-run in the same
                // tick its resource was disposed; awaiting that panics.
                if map.is_disposed() {
                    return ().into_any();
                }
                match map.await {
                    Err(e) => view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                    Ok(slots) => view! {
                        <ol class="slot-map" aria-labelledby="slot-map-title">
                            {slots.into_iter().map(slot_cell).collect_view()}
                        </ol>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

fn slot_cell(slot: PciSlot) -> impl IntoView {
    let number = format!("{:02x}", slot.address.slot);
    let (class, holder, label) = match &slot.holder {
        Some(h) => ("slot held", h.name.clone(), format!("slot {number}: {} {}", h.kind, h.name)),
        None => ("slot free", "free".to_owned(), format!("slot {number}: free")),
    };
    let kind = slot.holder.map(|h| h.kind).unwrap_or_default();
    view! {
        <li class=class data-kind=kind title=format!("{}: {label}", slot.address) aria-label=label>
            <span class="slot-number">{number}</span>
            <span class="slot-holder">{holder}</span>
        </li>
    }
}

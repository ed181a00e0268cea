//! NICs the VM's host has that hotnic has no record of (attached behind its
//! back), below the NIC table: Adopt makes one a NIC of the VM as it runs;
//! Detach, after a confirmation, asks the host to unplug it.

use super::nic_dialog::model_label;
use super::use_vm;
use crate::pages::common::ConfirmDialog;
use crate::server_fns::nics::{adopt_unknown_nic, detach_unknown_nic};
use hotnic_model::UnknownNic;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// `on_done(error, text)`: what to tell the person once a call ends.
#[component]
pub fn UnknownNics(vm_id: Uuid, list: Vec<UnknownNic>, on_done: Callback<(bool, String)>) -> impl IntoView {
    let ctx = use_vm();
    let busy = RwSignal::new(None::<String>);
    let confirm_detach = RwSignal::new(None::<UnknownNic>);
    if list.is_empty() {
        return ().into_any();
    }
    let run = move |adopt: bool, mac: String| {
        busy.set(Some(mac.clone()));
        let call = async move {
            if adopt {
                adopt_unknown_nic(vm_id, mac.clone()).await.map(|nic| format!("The NIC with MAC {mac} is now {} of this VM.", nic.name))
            } else {
                detach_unknown_nic(vm_id, mac.clone()).await.map(|()| format!("The NIC with MAC {mac} was detached from the VM."))
            }
        };
        spawn_local(ctx.act(call, move |result| {
            busy.set(None);
            match result {
                Ok(text) => on_done.run((false, text)),
                Err(e) => on_done.run((true, e.reason().to_owned())),
            }
        }));
    };
    let rows = list
        .into_iter()
        .map(|nic| {
            let (mac, adopt_mac) = (nic.mac.clone(), nic.mac.clone());
            let shown = nic.clone();
            let disabled = move || busy.get().is_some();
            view! {
                <tr data-mac=nic.mac.clone()>
                    <td><code>{nic.mac.clone()}</code></td>
                    <td>{nic.alias.clone()}</td>
                    <td>{model_label(&nic.interface)}</td>
                    <td>{nic.network.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="address">{nic.address.map(|a| a.to_string()).unwrap_or_else(|| "—".into())}</td>
                    <td>{if nic.linked { "Up" } else { "Down" }}</td>
                    <td class="actions">
                        <button type="button" class="secondary" aria-label=format!("Adopt {mac}") disabled=disabled
                            title="Make it one of this VM's NICs, as the host runs it"
                            on:click=move |_| run(true, adopt_mac.clone())>"Adopt"</button>
                        <button type="button" class="danger-outline" aria-label=format!("Detach {mac}") disabled=disabled
                            title="Ask the host to unplug it from the VM"
                            on:click=move |_| confirm_detach.set(Some(shown.clone()))>"Detach"</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="unknown-nics" aria-labelledby="unknown-nics-title">
            <h2 id="unknown-nics-title">"On the host, unknown to hotnic"</h2>
            <p class="hint">"Attached to the running VM behind hotnic's back. Adopt makes one a NIC of this VM as it runs; Detach asks the host to unplug it."</p>
            <table class="grid" aria-label="NICs unknown to hotnic">
                <thead>
                    <tr><th>"MAC"</th><th>"Host's name"</th><th>"Model"</th><th>"Bridge"</th><th>"PCI address"</th><th>"Link"</th><th></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
        {move || confirm_detach.get().map(|nic| {
            let mac = nic.mac.clone();
            view! {
                <ConfirmDialog
                    title="Detach the unknown NIC"
                    message=format!("Detach the NIC with MAC {} ({}) from the VM? The guest loses this device.", nic.mac, nic.alias)
                    confirm_label="Yes, detach"
                    on_confirm=Callback::new(move |_| {
                        confirm_detach.set(None);
                        run(false, mac.clone());
                    })
                    on_cancel=Callback::new(move |_| confirm_detach.set(None))
                />
            }
        })}
    }
    .into_any()
}

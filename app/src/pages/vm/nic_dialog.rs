//! The New / Edit network interface dialog: name (default the next free
//! `nicN`), network (the cluster's), model, MAC (from the pool, or custom
//! and checked as you type), port mirroring, boot order. Server errors show
//! beside the field they name, others at the top.

use crate::json_resource::page_resource;
use crate::error::FnError;
use crate::pages::common::{focus, FocusGuard};
use crate::server_fns::networks::list_networks;
use crate::server_fns::nics::{add_nic, edit_nic};
use hotnic_model::{MacAddr, NewNic, Nic, NicUpdate};
use hotnic_model::words::{NicModel, VariantArray};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// What the page calls a stored model word (the word itself if unknown).
pub fn model_label(stored: &str) -> String {
    stored.parse::<NicModel>().map(|m| m.label().to_owned()).unwrap_or_else(|_| stored.to_owned())
}

/// The first `nicN` (N from 1) no NIC of the VM is named.
pub fn next_free_name(taken: &[String]) -> String {
    hotnic_model::next_free_nic_name(taken.iter().map(String::as_str))
}

/// Why a custom MAC cannot be used, as the admin types it.
pub fn mac_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("enter a MAC address like 00:1a:4a:16:01:51".into());
    }
    text.parse::<MacAddr>().err()
}

fn boot_order_of(text: &str) -> Result<Option<i32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i32>().map(Some).map_err(|_| "boot order must be a whole number between 1 and 255, or empty".into())
}

#[derive(Debug, Clone)]
pub enum DialogMode {
    New,
    Edit(Nic),
}

/// What opening the dialog takes: [`NicDialog`]'s properties.
pub struct DialogArgs {
    pub mode: DialogMode,
    pub vm_id: Uuid,
    pub cluster_id: Uuid,
    pub taken: Vec<String>,
    pub on_close: Callback<Option<Nic>>,
}

/// The dialog, in a WASM chunk of its own (`cargo leptos --split`): the
/// browser fetches it the first time an admin opens it, so the NIC tab's
/// first load, which waits for its WASM, does not carry it.
#[lazy]
pub fn nic_dialog_view(args: DialogArgs) -> AnyView {
    let DialogArgs { mode, vm_id, cluster_id, taken, on_close } = args;
    view! { <NicDialog mode vm_id cluster_id taken on_close/> }.into_any()
}

#[component]
pub fn NicDialog(
    mode: DialogMode,
    vm_id: Uuid,
    cluster_id: Uuid,
    /// Names of the VM's NICs, for the default name.
    taken: Vec<String>,
    /// Called with the saved NIC, or None on Cancel.
    on_close: Callback<Option<Nic>>,
) -> impl IntoView {
    let editing = match &mode {
        DialogMode::Edit(nic) => Some(nic.clone()),
        DialogMode::New => None,
    };
    let title = match &editing {
        Some(nic) => format!("Edit network interface {}", nic.name),
        None => "New network interface".to_owned(),
    };
    let name = RwSignal::new(editing.as_ref().map(|n| n.name.clone()).unwrap_or_else(|| next_free_name(&taken)));
    let network = RwSignal::new(editing.as_ref().map(|n| n.network.clone().unwrap_or_default()));
    let model = RwSignal::new(editing.as_ref().map(|n| n.interface.clone()).unwrap_or_else(|| NicModel::Virtio.as_str().into()));
    let custom_mac = RwSignal::new(editing.is_some());
    let mac = RwSignal::new(editing.as_ref().map(|n| n.mac.clone()).unwrap_or_default());
    let mirroring = RwSignal::new(editing.as_ref().is_some_and(|n| n.port_mirroring));
    let boot = RwSignal::new(editing.as_ref().and_then(|n| n.boot_order).map(|b| b.to_string()).unwrap_or_default());
    let server_error = RwSignal::new(None::<FnError>);
    let saving = RwSignal::new(false);
    let tried = RwSignal::new(false);
    let networks = page_resource(move || cluster_id, |id| list_networks(Some(id)));

    let from_server = move |field: &'static str| {
        move || server_error.get().filter(|e| e.field() == Some(field)).map(|e| e.reason().to_owned())
    };
    // Checked as the admin types; the server's word about the field wins.
    let mac_error = move || {
        from_server("mac")().or_else(|| if custom_mac.get() && (tried.get() || !mac.get().is_empty()) { mac_problem(&mac.get()) } else { None })
    };
    let boot_error = move || from_server("boot_order")().or_else(|| boot_order_of(&boot.get()).err());
    let general_error = move || {
        server_error
            .get()
            .filter(|e| !matches!(e.field(), Some("name" | "network" | "interface" | "mac" | "boot_order")))
            .map(|e| e.reason().to_owned())
    };

    let editing_id = editing.as_ref().map(|n| n.id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let mac_text = mac.get_untracked().trim().to_owned();
        if custom_mac.get_untracked() && mac_problem(&mac_text).is_some() {
            return;
        }
        let Ok(boot_order) = boot_order_of(&boot.get_untracked()) else { return };
        let custom = custom_mac.get_untracked().then_some(mac_text);
        let network = network.get_untracked().unwrap_or_default();
        saving.set(true);
        server_error.set(None);
        spawn_local(async move {
            let result = match editing_id {
                None => {
                    let new = NewNic {
                        name: name.get_untracked(),
                        network: Some(network).filter(|n| !n.is_empty()),
                        interface: model.get_untracked(),
                        mac: custom,
                        port_mirroring: mirroring.get_untracked(),
                        boot_order,
                    };
                    add_nic(vm_id, new).await
                }
                Some(nic_id) => {
                    let update = NicUpdate {
                        name: Some(name.get_untracked()),
                        network: Some(network),
                        interface: Some(model.get_untracked()),
                        mac: custom,
                        port_mirroring: Some(mirroring.get_untracked()),
                        boot_order: Some(boot_order),
                        plugged: None,
                        linked: None,
                    };
                    edit_nic(vm_id, nic_id, update).await
                }
            };
            saving.set(false);
            match result {
                Ok(nic) => on_close.run(Some(nic)),
                Err(e) => server_error.set(Some(e)),
            }
        });
    };

    let first = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            // Once on the page: the dialog comes lazily, and Suspense puts
            // it in the document after its elements exist.
            request_animation_frame(move || {
                let _ = input.focus();
                input.select();
            });
        }
    });

    let cancel = NodeRef::<leptos::html::Button>::new();
    view! {
        <div class="backdrop">
            <FocusGuard to=Callback::new(move |_| focus(cancel))/>
            <form
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby="nic-dialog-title"
                novalidate
                on:submit=submit
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_close.run(None);
                    }
                }
            >
                <h2 id="nic-dialog-title">{title}</h2>
                <Show when=move || general_error().is_some()>
                    <p class="error" role="alert">{general_error}</p>
                </Show>
                <div class="fields">
                    <label for="nic-name">"Name"</label>
                    <div>
                        <input id="nic-name" node_ref=first required prop:value=name
                            aria-invalid=move || from_server("name")().is_some().to_string()
                            aria-describedby="nic-name-error"
                            on:input=move |ev| name.set(event_target_value(&ev))/>
                        <span id="nic-name-error" class="field-error" aria-live="polite">{from_server("name")}</span>
                    </div>

                    <label for="nic-network">"Network"</label>
                    <div>
                        <Suspense fallback=|| view! { <select id="nic-network" disabled><option>"Loading…"</option></select> }>
                            {move || Suspend::new(async move {
                                let list = networks.await.unwrap_or_default();
                                if network.get_untracked().is_none() {
                                    network.set(Some(list.first().map(|n| n.name.clone()).unwrap_or_default()));
                                }
                                view! {
                                    <select id="nic-network" aria-describedby="nic-network-error"
                                        on:change=move |ev| network.set(Some(event_target_value(&ev)))>
                                        {list.into_iter().map(|n| {
                                            let value = n.name.clone();
                                            let label = format!("{} ({})", n.name, n.kind);
                                            view! { <option value=value.clone() selected=move || network.get().as_deref() == Some(value.as_str())>{label}</option> }
                                        }).collect_view()}
                                        <option value="" selected=move || network.get().as_deref() == Some("")>"(no network)"</option>
                                    </select>
                                }
                            })}
                        </Suspense>
                        <span id="nic-network-error" class="field-error" aria-live="polite">{from_server("network")}</span>
                    </div>

                    <label for="nic-model">"Model"</label>
                    <div>
                        <select id="nic-model" aria-describedby="nic-model-error" on:change=move |ev| model.set(event_target_value(&ev))>
                            {NicModel::VARIANTS.iter().map(|m| view! {
                                <option value=m.as_str() selected=move || model.get() == m.as_str()>{m.label()}</option>
                            }).collect_view()}
                        </select>
                        <span id="nic-model-error" class="field-error" aria-live="polite">{from_server("interface")}</span>
                    </div>

                    <span class="label" id="nic-mac-label">"MAC address"</span>
                    <div role="group" aria-labelledby="nic-mac-label">
                        <div class="mac-choice">
                            <label class="inline">
                                <input type="radio" name="mac-mode" prop:checked=move || !custom_mac.get()
                                    on:change=move |_| custom_mac.set(false)/>
                                {if editing_id.is_some() { "Keep" } else { "From the MAC pool" }}
                            </label>
                            <label class="inline">
                                <input type="radio" name="mac-mode" prop:checked=move || custom_mac.get()
                                    on:change=move |_| custom_mac.set(true)/>
                                "Custom"
                            </label>
                        </div>
                        <input id="nic-mac" class="mono" aria-label="Custom MAC address" placeholder="00:1a:4a:16:01:51"
                            prop:value=mac disabled=move || !custom_mac.get()
                            aria-invalid=move || mac_error().is_some().to_string()
                            aria-describedby="nic-mac-error"
                            on:input=move |ev| mac.set(event_target_value(&ev))/>
                        <span id="nic-mac-error" class="field-error" aria-live="polite">{mac_error}</span>
                    </div>

                    <span class="label">"Port mirroring"</span>
                    <div>
                        <label class="inline">
                            <input type="checkbox" prop:checked=mirroring on:change=move |ev| mirroring.set(event_target_checked(&ev))/>
                            "Mirror the network's traffic to this NIC"
                        </label>
                    </div>

                    <label for="nic-boot">"Boot order"</label>
                    <div>
                        <input id="nic-boot" type="text" inputmode="numeric" placeholder="none" class="short" prop:value=boot
                            aria-invalid=move || boot_error().is_some().to_string()
                            aria-describedby="nic-boot-error"
                            on:input=move |ev| boot.set(event_target_value(&ev))/>
                        <span id="nic-boot-error" class="field-error" aria-live="polite">{boot_error}</span>
                    </div>
                </div>
                <div class="dialog-buttons">
                    <button type="submit" disabled=move || saving.get()>{move || if saving.get() { "Saving…" } else { "OK" }}</button>
                    <button type="button" class="secondary" node_ref=cancel on:click=move |_| on_close.run(None)>"Cancel"</button>
                </div>
            </form>
            <FocusGuard to=Callback::new(move |_| focus(first))/>
        </div>
    }
}

//! Rename and Remove on a row of the Clusters, Hosts and Networks lists:
//! Rename swaps the name for a field (Enter saves, Escape cancels); Remove
//! asks first. The page calls the server and shows its refusal, which says
//! what is in the way (the VMs and NICs on a network, a host not in
//! maintenance, a cluster's VMs and hosts).

use super::common::ConfirmDialog;
use leptos::prelude::*;

#[component]
pub fn RenameRemove(
    /// "network", "host", "cluster".
    what: &'static str,
    name: String,
    busy: Signal<bool>,
    on_rename: Callback<String>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let text = RwSignal::new(name.clone());
    let (rename_label, remove_label, field_label) = (format!("Rename {what} {name}"), format!("Remove {what} {name}"), format!("New name of {what} {name}"));
    let save = move || {
        editing.set(false);
        on_rename.run(text.get_untracked().trim().to_owned());
    };
    let message = format!("Remove {what} {name}? This cannot be undone.");
    view! {
        <span class="row-edit">
            {move || if editing.get() {
                let original = name.clone();
                view! {
                    <input type="text" class="rename" aria-label=field_label.clone() prop:value=text
                        on:input=move |ev| text.set(event_target_value(&ev))
                        on:keydown=move |ev| match ev.key().as_str() {
                            "Enter" => save(),
                            "Escape" => { text.set(original.clone()); editing.set(false); }
                            _ => {}
                        }/>
                    <button type="button" on:click=move |_| save()>"Save"</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" aria-label=rename_label.clone() disabled=busy on:click=move |_| editing.set(true)>"Rename"</button>
                    <button type="button" class="danger-outline" aria-label=remove_label.clone() disabled=busy on:click=move |_| confirming.set(true)>"Remove"</button>
                }.into_any()
            }}
        </span>
        {move || confirming.get().then(|| view! {
            <ConfirmDialog
                title=format!("Remove {what}")
                message=message.clone()
                confirm_label="Yes, remove"
                on_confirm=Callback::new(move |_| { confirming.set(false); on_remove.run(()); })
                on_cancel=Callback::new(move |_| confirming.set(false))
            />
        })}
    }
}

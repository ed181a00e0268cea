//! Widgets the pages share: status badges, the error line, the cluster
//! select, and the in-page confirmation dialog.

use crate::error::FnError;
use hotnic_model::Cluster;
use hotnic_model::words::VmStatus;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use uuid::Uuid;

/// A VM status with a colour and an icon (the icon is decoration: the word
/// carries the meaning).
#[component]
pub fn VmStatusBadge(#[prop(into)] status: Signal<String>) -> impl IntoView {
    let icon = move || match status.get().parse::<VmStatus>() {
        Ok(VmStatus::Up) => "▲",
        Ok(VmStatus::Down) => "■",
        Ok(VmStatus::PoweringUp | VmStatus::PoweringDown | VmStatus::Migrating) => "◐",
        Ok(VmStatus::Paused) => "❚❚",
        Ok(VmStatus::Unknown) | Err(_) => "?",
    };
    view! {
        <span class=move || format!("badge status-{}", status.get())>
            <span class="icon" aria-hidden="true">{icon}</span>
            {move || status.get().replace('_', " ")}
        </span>
    }
}

/// An error line for assistive technology and eyes alike.
#[component]
pub fn ErrorLine(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="error" role="alert">{move || message.get()}</p>
        </Show>
    }
}

pub fn reason(result: &Option<Result<impl Sized, FnError>>) -> Option<String> {
    match result {
        Some(Err(e)) => Some(e.reason().to_owned()),
        _ => None,
    }
}

/// A `<select>` of clusters; selects the first one when none is chosen yet.
#[component]
pub fn ClusterSelect(clusters: Vec<Cluster>, selected: RwSignal<Option<Uuid>>) -> impl IntoView {
    if selected.get_untracked().is_none() {
        selected.set(clusters.first().map(|c| c.id));
    }
    view! {
        <select
            name="cluster_id"
            on:change=move |ev| selected.set(event_target_value(&ev).parse().ok())
        >
            {clusters
                .into_iter()
                .map(|c| {
                    let id = c.id;
                    view! {
                        <option value=id.to_string() selected=move || selected.get() == Some(id)>{c.name}</option>
                    }
                })
                .collect_view()}
        </select>
    }
}

/// Cluster names by id, for tables that show a cluster or host column.
pub fn name_of<T>(items: &[T], id: Option<Uuid>, key: impl Fn(&T) -> (Uuid, &str)) -> String {
    id.and_then(|id| items.iter().map(&key).find(|(i, _)| *i == id).map(|(_, name)| name.to_owned()))
        .unwrap_or_else(|| "—".into())
}

/// A modal confirmation inside the page (not `window.confirm`, so keyboard
/// users, screen readers and tests handle it like the rest of the page).
/// Escape or Cancel closes it; the confirm button has the focus.
#[component]
pub fn ConfirmDialog(
    #[prop(into)] title: String,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let ok = NodeRef::<leptos::html::Button>::new();
    let cancel = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = ok.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="backdrop">
            <FocusGuard to=Callback::new(move |_| focus(cancel))/>
            <div
                class="dialog confirm"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                aria-describedby="confirm-message"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_cancel.run(());
                    }
                }
            >
                <h2 id="confirm-title">{title}</h2>
                <p id="confirm-message">{message}</p>
                <div class="dialog-buttons">
                    <button type="button" class="danger" node_ref=ok on:click=move |_| on_confirm.run(())>
                        {confirm_label}
                    </button>
                    <button type="button" class="secondary" node_ref=cancel on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            </div>
            <FocusGuard to=Callback::new(move |_| focus(ok))/>
        </div>
    }
}

/// Keeps Tab inside a modal dialog: one guard before the dialog and one
/// after it send the focus round to the dialog's other end (`aria-modal`
/// alone does not stop Tab from reaching the page behind).
#[component]
pub fn FocusGuard(to: Callback<()>) -> impl IntoView {
    view! { <span class="focus-guard" tabindex="0" aria-hidden="true" on:focus=move |_| to.run(())></span> }
}

/// Moves the focus to a rendered element.
pub fn focus<E>(target: NodeRef<E>)
where
    E: leptos::html::ElementType,
    E::Output: JsCast + Clone + 'static,
{
    if let Some(element) = target.get_untracked() {
        if let Some(html) = element.dyn_ref::<leptos::web_sys::HtmlElement>() {
            let _ = html.focus();
        }
    }
}

/// A list's error, its "nothing yet" line, or its table.
pub fn list_view<T>(result: Result<Vec<T>, FnError>, empty: &'static str, table: impl FnOnce(Vec<T>) -> AnyView) -> AnyView {
    match result {
        Err(e) => view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
        Ok(list) if list.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
        Ok(list) => table(list),
    }
}

/// The engine's answer for the selected cluster: may the caller create
/// there (`pick` chooses which action), and if not, why.
pub fn cluster_permit(
    clusters: &[Cluster],
    selected: Option<Uuid>,
    pick: fn(&hotnic_model::ClusterActions) -> &hotnic_model::Allowed,
) -> hotnic_model::Allowed {
    clusters
        .iter()
        .find(|c| Some(c.id) == selected)
        .map(|c| pick(&c.actions).clone())
        .unwrap_or_else(|| hotnic_model::Allowed::no("choose a cluster"))
}

/// A create form that needs a cluster to put things in.
pub fn form_needing_cluster(clusters: &[Cluster], form: impl FnOnce() -> AnyView) -> AnyView {
    if clusters.is_empty() {
        view! { <p class="empty">"Create a cluster first."</p> }.into_any()
    } else {
        form()
    }
}

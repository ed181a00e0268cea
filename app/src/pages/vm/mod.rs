//! The VM page (/vms/:id): a header with the VM's status and its Run, Stop
//! and Delete buttons, then tabs General, Network Interfaces and Events,
//! each its own route so a tab reads and links without WASM.

pub mod events;
pub mod general;
pub mod nic_dialog;
pub mod nics;
pub mod selection;
pub mod unknown_nics;

use crate::json_resource::{page_resource, PageResource};
use super::common::{ConfirmDialog, ErrorLine, VmStatusBadge};
use crate::error::FnError;
use crate::push::refresh_on_change;
use crate::server_fns::vms::{delete_vm, get_vm, run_vm, stop_vm};
use hotnic_model::Vm;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// What the tabs share: the VM's id, the VM itself (refetched whenever the
/// server announces a change to it) and a way to ask for a refetch.
#[derive(Clone, Copy)]
pub struct VmContext {
    pub id: Memo<Option<Uuid>>,
    /// Goes up on every change announced for this VM, and on `refetch`.
    pub version: Signal<u64>,
    pub vm: PageResource<Result<Vm, FnError>>,
    local: RwSignal<u64>,
    acting: StoredValue<u32>,
}

impl VmContext {
    /// Refetch now (after this page's own action), without waiting for push.
    pub fn refetch(&self) {
        self.local.update(|n| *n += 1);
    }

    /// Runs this page's own action on the VM, shows its answer, then
    /// refetches. Pushes about the VM while the action runs are not
    /// fetched at once: the refetch at the end comes after them, and a
    /// fetch meanwhile would only compete with the answer for the page's
    /// one thread. Nor does the refetch start until the answer is on the
    /// page: it waits for the next task, after the updates `show` queued.
    pub async fn act<T>(self, action: impl std::future::Future<Output = T>, show: impl FnOnce(T)) {
        self.acting.update_value(|n| *n += 1);
        let answer = action.await;
        self.acting.update_value(|n| *n -= 1);
        show(answer);
        set_timeout(move || self.refetch(), std::time::Duration::ZERO);
    }
}

pub fn use_vm() -> VmContext {
    expect_context::<VmContext>()
}

#[component]
pub fn VmPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<Uuid>().ok())));
    let changed = refresh_on_change(move || id.get());
    let local = RwSignal::new(0u64);
    let acting = StoredValue::new(0u32);
    // Pushes, except those that arrive while this page acts (see `acting`).
    let pushed = Memo::new(move |before: Option<&u64>| {
        let now = changed.get();
        match before {
            Some(&before) if acting.get_value() > 0 => before,
            _ => now,
        }
    });
    let version = Signal::derive(move || pushed.get() + local.get());
    let vm = page_resource(move || (id.get(), version.get()), |(id, _)| async move {
        match id {
            Some(id) => get_vm(id).await,
            None => Err(FnError(hotnic_model::ApiError::new("that is not a VM id"))),
        }
    });
    let ctx = VmContext { id, version, vm, local, acting };
    provide_context(ctx);
    // Outside the refetched part, so a push does not reset them.
    let header = HeaderState { error: RwSignal::new(None), busy: RwSignal::new(false), confirm_delete: RwSignal::new(false) };

    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match vm.await {
                    Err(e) => view! {
                        <h1>"VM"</h1>
                        <p class="error" role="alert">{e.reason().to_owned()}</p>
                        <p><a href="/vms">"Back to the VMs"</a></p>
                    }.into_any(),
                    Ok(vm) => view! { <VmHeader vm state=header/> }.into_any(),
                }
            })}
        </Transition>
        {move || id.get().map(|id| view! {
            <nav class="tabs" aria-label="VM sections">
                <A href=format!("/vms/{id}") exact=true>"General"</A>
                <A href=format!("/vms/{id}/nics") exact=true>"Network Interfaces"</A>
                <A href=format!("/vms/{id}/events") exact=true>"Events"</A>
                <A href=format!("/vms/{id}/permissions") exact=true>"Permissions"</A>
            </nav>
        })}
        <section class="tab-panel">
            <Outlet/>
        </section>
    }
}

/// Who holds which role on this VM.
#[component]
pub fn PermissionsTab() -> impl IntoView {
    let ctx = use_vm();
    move || ctx.id.get().map(|id| view! { <super::permissions::PermissionsPanel object=hotnic_model::PermissionObject::Vm(id)/> })
}

#[derive(Clone, Copy)]
struct HeaderState {
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    confirm_delete: RwSignal<bool>,
}

#[component]
fn VmHeader(vm: Vm, state: HeaderState) -> impl IntoView {
    let ctx = use_vm();
    let HeaderState { error, busy, confirm_delete } = state;
    let id = vm.id;
    let actions = vm.actions.clone();
    let name = vm.name.clone();
    let tip = |allowed: &hotnic_model::Allowed, what: &str| match &allowed.why_not {
        Some(why) => format!("Not now: {why}"),
        None => what.to_owned(),
    };

    let act = move |what: &'static str| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = match what {
                "run" => run_vm(id).await.map(|_| ()),
                "stop" => stop_vm(id).await.map(|_| ()),
                _ => delete_vm(id).await,
            };
            busy.set(false);
            match result {
                Ok(()) if what == "delete" => {
                    let _ = window().location().set_href("/vms");
                }
                Ok(()) => ctx.refetch(),
                Err(e) => error.set(Some(e.reason().to_owned())),
            }
        });
    };

    view! {
        <div class="page-header">
            <h1>
                <span class="crumb"><a href="/vms">"VMs"</a>" / "</span>
                {vm.name.clone()}
            </h1>
            <VmStatusBadge status=vm.status.clone()/>
            <div class="toolbar" role="toolbar" aria-label="VM actions">
                <button type="button" disabled={ let ok = actions.run.ok; move || !ok || busy.get() }
                    title=tip(&actions.run, "Start the VM on a host of its cluster")
                    on:click=move |_| act("run")>"Run"</button>
                <button type="button" class="secondary" disabled={ let ok = actions.stop.ok; move || !ok || busy.get() }
                    title=tip(&actions.stop, "Power the VM off")
                    on:click=move |_| act("stop")>"Stop"</button>
                <button type="button" class="danger-outline" disabled={ let ok = actions.delete.ok; move || !ok || busy.get() }
                    title=tip(&actions.delete, "Delete the VM and its NICs")
                    on:click=move |_| confirm_delete.set(true)>"Delete"</button>
            </div>
        </div>
        <ErrorLine message=error/>
        <Show when=move || confirm_delete.get()>
            <ConfirmDialog
                title="Delete VM"
                message=Signal::derive({ let name = name.clone(); move || format!("Delete VM {name} and all its NICs? This cannot be undone.") })
                confirm_label="Delete VM"
                on_confirm=Callback::new(move |_| { confirm_delete.set(false); act("delete") })
                on_cancel=Callback::new(move |_| confirm_delete.set(false))
            />
        </Show>
    }
}

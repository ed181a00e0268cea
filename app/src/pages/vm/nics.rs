//! The VM page's Network Interfaces tab: the NIC table, the New, Edit,
//! Plug, Unplug and Remove buttons acting on the selected row (each enabled
//! only when the action is allowed, its tooltip saying why not), the
//! confirmations, and a row state while a plug or unplug runs. The table
//! follows server pushes; the selection survives refetches.

use super::nic_dialog::{model_label, DialogMode, NicDialog};
use super::use_vm;
use crate::pages::common::ConfirmDialog;
use crate::server_fns::nics::{edit_nic, list_nics, plug_nic, remove_nic, unplug_nic};
use hotnic_model::words::VmStatus;
use hotnic_model::{Nic, NicUpdate, Vm};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NicAction {
    New,
    Edit,
    Plug,
    Unplug,
    /// Plug back the cable (link state up).
    LinkUp,
    /// Pull the cable (link state down), keeping the device.
    LinkDown,
    Remove,
}

impl NicAction {
    fn label(self) -> &'static str {
        match self {
            NicAction::New => "New",
            NicAction::Edit => "Edit",
            NicAction::Plug => "Plug",
            NicAction::Unplug => "Unplug",
            NicAction::LinkUp => "Link up",
            NicAction::LinkDown => "Link down",
            NicAction::Remove => "Remove",
        }
    }
}

/// Whether `action` may be taken now: the engine's answer for this VM and
/// NIC (role, VM status, lock, cluster level), and whether this page is
/// already running one. Ok with what it will do, or Err with why not; both
/// become the button's tooltip.
pub fn check(action: NicAction, vm: &Vm, nic: Option<&Nic>, busy: bool) -> Result<String, String> {
    let refused = |allowed: &hotnic_model::Allowed| allowed.why_not.clone().filter(|_| !allowed.ok);
    if action == NicAction::New {
        return match refused(&vm.actions.add_nic) {
            Some(why) => Err(why),
            None => Ok("Add a network interface (unplugged)".into()),
        };
    }
    let Some(nic) = nic else { return Err("select a network interface first".into()) };
    if busy {
        return Err("wait for the running plug or unplug to finish".into());
    }
    let allowed = match action {
        NicAction::New | NicAction::Edit => &nic.actions.edit,
        NicAction::Plug => &nic.actions.plug,
        NicAction::Unplug => &nic.actions.unplug,
        NicAction::LinkUp | NicAction::LinkDown => &nic.actions.link,
        NicAction::Remove => &nic.actions.remove,
    };
    if let Some(why) = refused(allowed) {
        return Err(why);
    }
    let name = &nic.name;
    let live = nic.plugged && vm.status.parse::<VmStatus>().is_ok_and(VmStatus::is_running);
    match (action, nic.linked) {
        (NicAction::LinkUp, true) => return Err(format!("the link of {name} is already up")),
        (NicAction::LinkDown, false) => return Err(format!("the link of {name} is already down")),
        (NicAction::LinkUp, false) if live => return Ok(format!("Plug back the cable of {name}: the guest sees carrier again")),
        (NicAction::LinkDown, true) if live => return Ok(format!("Pull the cable of {name}: the guest keeps the device, without carrier")),
        (NicAction::LinkUp | NicAction::LinkDown, _) => return Ok(format!("Set the link of {name} (stored; the next plug or start uses it)")),
        _ => {}
    }
    Ok(match (action, vm.status.parse::<VmStatus>()) {
        (NicAction::Plug, Ok(VmStatus::Down)) => format!("Plug {name} (takes effect when the VM runs)"),
        (NicAction::Plug, _) => format!("Hot plug {name} into the running VM"),
        (NicAction::Unplug, Ok(VmStatus::PoweringUp)) => format!("Unplug {name} (completes once the booting guest takes the request)"),
        (NicAction::Unplug, _) => format!("Unplug {name}"),
        (NicAction::Remove, _) => format!("Remove {name}"),
        _ => format!("Edit {name}"),
    })
}

/// A plug or unplug (or removal) this page started and waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Running {
    nic: Uuid,
    action: NicAction,
}

/// This page's own plug and unplug answers, shown at once over the last
/// fetched list: a list fetched before an answer arrived may not hold it
/// yet, and waiting for the next fetch would cost a round trip. Each answer
/// counts; a list remembers how many had arrived when it was asked for,
/// and answers up to that count are in it.
#[derive(Clone, Copy)]
struct Answers {
    count: StoredValue<u64>,
    by_nic: RwSignal<HashMap<Uuid, (u64, Nic)>>,
}

impl Answers {
    fn new() -> Self {
        Answers { count: StoredValue::new(0), by_nic: RwSignal::new(HashMap::new()) }
    }

    fn record(&self, nic: Nic) {
        let n = self.count.get_value() + 1;
        self.count.set_value(n);
        self.by_nic.update(|m| {
            m.insert(nic.id, (n, nic));
        });
    }

    /// What a list asked for now will hold.
    fn asked(&self) -> u64 {
        self.count.get_value()
    }

    /// `listed` as it is now: this page's newer answer, else the list's.
    fn current(&self, listed: &Nic, asked: u64) -> Nic {
        self.by_nic
            .with(|m| m.get(&listed.id).filter(|(n, _)| *n > asked).map(|(_, nic)| nic.clone()))
            .unwrap_or_else(|| listed.clone())
    }
}

/// A fetched list and how many answers it holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Listed {
    asked: u64,
    nics: Vec<Nic>,
}

#[derive(Debug, Clone)]
struct Notice {
    error: bool,
    text: String,
}

#[component]
pub fn NicsTab() -> impl IntoView {
    let ctx = use_vm();
    let answers = Answers::new();
    let nics = Resource::new(move || (ctx.id.get(), ctx.version.get()), move |(id, _)| async move {
        let asked = answers.asked();
        match id {
            Some(id) => list_nics(id).await.map(|nics| Listed { asked, nics }),
            None => Ok(Listed { asked, nics: Vec::new() }),
        }
    });
    // Page state lives outside the refetched view: a push never resets it.
    let selected = RwSignal::new(None::<Uuid>);
    let running = RwSignal::new(None::<Running>);
    let notice = RwSignal::new(None::<Notice>);
    let confirm = RwSignal::new(None::<(NicAction, Nic)>);
    let dialog = RwSignal::new(None::<(DialogMode, Vm, Vec<String>)>);

    let start = move |action: NicAction, nic: Nic| {
        let Some(vm_id) = ctx.id.get_untracked() else { return };
        running.set(Some(Running { nic: nic.id, action }));
        notice.set(None);
        spawn_local(async move {
            let result = match action {
                NicAction::Plug => plug_nic(vm_id, nic.id).await.map(Some),
                NicAction::Unplug => unplug_nic(vm_id, nic.id).await.map(Some),
                NicAction::LinkUp | NicAction::LinkDown => {
                    let update = NicUpdate { linked: Some(action == NicAction::LinkUp), ..Default::default() };
                    edit_nic(vm_id, nic.id, update).await.map(Some)
                }
                _ => remove_nic(vm_id, nic.id).await.map(|()| None),
            };
            // Show the answer at once, in place (the NIC as the flow stored
            // it); the refetch below only confirms it.
            if let Ok(Some(stored)) = &result {
                answers.record(stored.clone());
            }
            running.set(None);
            let result = result.map(|_| match action {
                NicAction::Plug => "was plugged",
                NicAction::Unplug => "was unplugged",
                NicAction::LinkUp => "has its link up",
                NicAction::LinkDown => "has its link down",
                _ => "was removed",
            });
            notice.set(Some(match &result {
                Ok(done) => Notice { error: false, text: format!("{} {done}.", nic.name) },
                Err(e) => Notice { error: true, text: e.reason().to_owned() },
            }));
            if result.is_ok() && action == NicAction::Remove {
                selected.set(None);
            }
            ctx.refetch();
        });
    };

    let on_button = move |action: NicAction, vm: Vm, list: Vec<Nic>, asked: u64| {
        let nic = list.iter().find(|n| Some(n.id) == selected.get_untracked()).map(|n| answers.current(n, asked));
        let taken = list.iter().map(|n| n.name.clone()).collect();
        match (action, nic) {
            (NicAction::New, _) => dialog.set(Some((DialogMode::New, vm, taken))),
            (NicAction::Edit, Some(nic)) => dialog.set(Some((DialogMode::Edit(nic), vm, taken))),
            (NicAction::Plug | NicAction::LinkUp | NicAction::LinkDown, Some(nic)) => start(action, nic),
            (NicAction::Unplug | NicAction::Remove, Some(nic)) => confirm.set(Some((action, nic))),
            _ => {}
        }
    };

    let table = view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let vm = match ctx.vm.await {
                    Ok(vm) => vm,
                    Err(e) => return view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                };
                let Listed { asked, nics: list } = match nics.await {
                    Ok(listed) => listed,
                    Err(e) => return view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                };
                // The selected NIC may be gone (removed elsewhere).
                if selected.get_untracked().is_some_and(|id| !list.iter().any(|n| n.id == id)) {
                    selected.set(None);
                }
                let buttons = [NicAction::New, NicAction::Edit, NicAction::Plug, NicAction::Unplug, NicAction::LinkDown, NicAction::LinkUp, NicAction::Remove]
                    .into_iter()
                    .map(|action| {
                        let (vm_b, list_b) = (vm.clone(), list.clone());
                        let (vm_c, list_c) = (vm.clone(), list.clone());
                        let verdict = move || {
                            let nic = list_b.iter().find(|n| Some(n.id) == selected.get()).map(|n| answers.current(n, asked));
                            check(action, &vm_b, nic.as_ref(), running.get().is_some())
                        };
                        let verdict2 = verdict.clone();
                        let class = if action == NicAction::Remove { "danger-outline" } else if action == NicAction::New { "" } else { "secondary" };
                        view! {
                            <button type="button" class=class
                                disabled=move || verdict().is_err()
                                title=move || match verdict2() { Ok(what) => what, Err(why) => format!("Not now: {why}") }
                                on:click=move |_| on_button(action, vm_c.clone(), list_c.clone(), asked)>
                                {action.label()}
                            </button>
                        }
                    })
                    .collect_view();
                let why_not = {
                    let (vm, list) = (vm.clone(), list.clone());
                    move || {
                        let nic = list.iter().find(|n| Some(n.id) == selected.get()).map(|n| answers.current(n, asked))?;
                        let busy = running.get().is_some();
                        if busy {
                            return Some("A plug or unplug is running; the buttons come back when it ends.".to_owned());
                        }
                        let blocked: Vec<String> = [NicAction::Plug, NicAction::Unplug, NicAction::Remove]
                            .into_iter()
                            .filter_map(|a| check(a, &vm, Some(&nic), busy).err().map(|why| format!("{}: {why}", a.label())))
                            .collect();
                        Some(blocked.join(" · "))
                    }
                };
                view! {
                    <div class="toolbar" role="toolbar" aria-label="Network interface actions">{buttons}</div>
                    <p class="hint" id="nic-actions-hint" aria-live="polite">{why_not}</p>
                    <NicTable list asked answers vm_status=vm.status.clone() selected running/>
                }.into_any()
            })}
        </Transition>
    }
    .into_any();
    view! {
        {table}
        {move || notice.get().map(|n| view! {
            <div class=if n.error { "toast error" } else { "toast ok" } role=if n.error { "alert" } else { "status" }>
                <span>{n.text}</span>
                <button type="button" class="link" aria-label="Dismiss" on:click=move |_| notice.set(None)>"×"</button>
            </div>
        }.into_any())}
        {move || confirm.get().map(|(action, nic)| {
            let (title, message, label) = match action {
                NicAction::Unplug => (
                    "Unplug network interface",
                    format!("Unplug {} ({})? The guest loses this device.", nic.name, nic.mac),
                    "Yes, unplug",
                ),
                _ => (
                    "Remove network interface",
                    format!("Remove {} ({})? Its MAC address returns to the pool.", nic.name, nic.mac),
                    "Yes, remove",
                ),
            };
            view! {
                <ConfirmDialog
                    title=title
                    message=message
                    confirm_label=label
                    on_confirm=Callback::new(move |_| {
                        confirm.set(None);
                        start(action, nic.clone());
                    })
                    on_cancel=Callback::new(move |_| confirm.set(None))
                />
            }
            .into_any()
        })}
        {move || dialog.get().map(|(mode, vm, taken)| view! {
            <NicDialog mode vm_id=vm.id cluster_id=vm.cluster_id taken
                on_close=Callback::new(move |saved: Option<Nic>| {
                    dialog.set(None);
                    if let Some(nic) = saved {
                        selected.set(Some(nic.id));
                        notice.set(Some(Notice { error: false, text: format!("{} was saved.", nic.name) }));
                        ctx.refetch();
                    }
                })
            />
        }.into_any())}
    }
    .into_any()
}

#[component]
fn NicTable(
    list: Vec<Nic>,
    asked: u64,
    answers: Answers,
    vm_status: String,
    selected: RwSignal<Option<Uuid>>,
    running: RwSignal<Option<Running>>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"This VM has no network interfaces. New adds one."</p> }.into_any();
    }
    let live = vm_status.parse::<VmStatus>().map_or(true, VmStatus::is_running);
    view! {
        <table class="grid nics selectable" aria-label="Network interfaces" aria-describedby="nic-actions-hint">
            <thead>
                <tr>
                    <th class="select"><span class="visually-hidden">"Selected"</span></th>
                    <th>"Name"</th>
                    <th>"Network"</th>
                    <th>"Model"</th>
                    <th>"MAC"</th>
                    <th>"Plugged"</th>
                    <th>"Link"</th>
                    <th>"PCI address"</th>
                    <th>"Port mirroring"</th>
                    <th>"Boot order"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|nic| {
                    let id = nic.id;
                    let is_selected = move || selected.get() == Some(id);
                    // What a plug or unplug answers changes in place.
                    let now = {
                        let nic = nic.clone();
                        move || answers.current(&nic, asked)
                    };
                    let now_state = now.clone();
                    let state = move || {
                        let plugged = now_state().plugged;
                        match running.get().filter(|r| r.nic == id).map(|r| r.action) {
                            Some(NicAction::Plug) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Plugging…"</span> }.into_any(),
                            Some(NicAction::Unplug) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Unplugging — waiting for the guest…"</span> }.into_any(),
                            Some(NicAction::LinkUp | NicAction::LinkDown) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Setting link…"</span> }.into_any(),
                            Some(_) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Removing…"</span> }.into_any(),
                            None if plugged => view! { <span class="plug on">"Plugged"</span> }.into_any(),
                            None => view! { <span class="plug off">"Unplugged"</span> }.into_any(),
                        }
                    };
                    let (now_drift, now_link, now_address) = (now.clone(), now.clone(), now);
                    view! {
                        <tr
                            class:selected=is_selected
                            aria-selected=move || is_selected().to_string()
                            data-nic=nic.name.clone()
                            on:click=move |_| selected.set(Some(id))
                        >
                            <td class="select">
                                <input type="radio" name="nic" aria-label=format!("Select {}", nic.name)
                                    prop:checked=is_selected
                                    on:change=move |_| selected.set(Some(id))/>
                            </td>
                            <td class="name">{nic.name.clone()}</td>
                            <td>{nic.network.clone().unwrap_or_else(|| "(none)".into())}</td>
                            <td>{model_label(&nic.interface)}</td>
                            <td class="mono">{nic.mac.clone()}</td>
                            <td class="plugged">
                                {state}
                                {move || now_drift().drift.map(|drift| view! {
                                    <span class="drift" title=drift.clone() aria-label=format!("differs on the host: {drift}")>"⚠ on host"</span>
                                })}
                            </td>
                            <td class="link">
                                {move || if now_link().linked {
                                    view! { <span class="link-up">"Up"</span> }.into_any()
                                } else {
                                    view! { <span class="link-down" title="cable pulled: the guest sees no carrier">"Down"</span> }.into_any()
                                }}
                            </td>
                            <td class="mono address">
                                {move || {
                                    let nic = now_address();
                                    match (nic.address, nic.plugged && live) {
                                        (Some(a), _) => view! { <span>{a.to_string()}</span> }.into_any(),
                                        (None, true) => view! { <span class="muted" title="monitoring fills it in when the host reports it">"waiting for host…"</span> }.into_any(),
                                        (None, false) => view! { <span class="muted" aria-label="none">"—"</span> }.into_any(),
                                    }
                                }}
                            </td>
                            <td>{if nic.port_mirroring { "Yes" } else { "No" }}</td>
                            <td class="num">{nic.boot_order.map(|b| b.to_string()).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

//! The VM page's Network Interfaces tab: the NIC table, the New, Edit,
//! Plug, Unplug, Link down/up and Remove buttons acting on the selected
//! rows (each enabled only when the action is allowed for at least one,
//! its tooltip saying what it will do or why not), the confirmations, and
//! a row state while an action runs. Several rows act in one bulk call.
//! Where the host and hotnic disagree, two more buttons resolve a NIC's
//! drift, and NICs the host has that hotnic does not are listed below the
//! table with Adopt and Detach.
//! The table follows server pushes; the selection survives refetches.

use crate::json_resource::page_resource;
use super::nic_dialog::{model_label, nic_dialog_view, DialogArgs, DialogMode};
use super::unknown_nics::UnknownNics;
use super::use_vm;
use crate::pages::common::ConfirmDialog;
use super::selection::{neighbour, Selection};
use crate::server_fns::nics::{edit_nic, list_nics, plug_nic, plug_nics, remove_nic, remove_nics, resolve_nic_drift, unplug_nic, unplug_nics};
use hotnic_model::words::VmStatus;
use hotnic_model::{DriftChoice, Nic, NicUpdate, Vm};
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
    /// Drift: record what the host shows.
    KeepHost,
    /// Drift: make the host match hotnic again.
    KeepHotnic,
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
            NicAction::KeepHost => "Keep host's view",
            NicAction::KeepHotnic => "Re-apply hotnic's",
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
        NicAction::KeepHost | NicAction::KeepHotnic => &nic.actions.resolve_drift,
    };
    if let Some(why) = refused(allowed) {
        return Err(why);
    }
    let name = &nic.name;
    let drift = nic.drift.clone().unwrap_or_default();
    match action {
        NicAction::KeepHost => return Ok(format!("Record what the host shows for {name} ({drift})")),
        NicAction::KeepHotnic => return Ok(format!("Make the host match hotnic for {name} again ({drift})")),
        _ => {}
    }
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

/// A plug, unplug, link change or removal this page started and waits
/// for, on one NIC or several.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Running {
    nics: Vec<Uuid>,
    action: NicAction,
}

/// What a button will do with the selected NICs: its tooltip and the NICs
/// it acts on (those of the selection that allow it), or why not.
/// "3 of 30 PCI slots free", and what a full VM means for Plug.
pub fn slots_text(slots: hotnic_model::PciSlots) -> String {
    match slots.free {
        0 => format!("0 of {} PCI slots free: unplug a NIC before plugging another", slots.total),
        free => format!("{free} of {} PCI slots free", slots.total),
    }
}

pub fn plan(action: NicAction, vm: &Vm, chosen: &[Nic], busy: bool) -> Result<(String, Vec<Nic>), String> {
    match (action, chosen) {
        (NicAction::New, _) => return check(action, vm, None, busy).map(|what| (what, Vec::new())),
        (_, []) => return Err("select a network interface first".into()),
        (_, [one]) => return check(action, vm, Some(one), busy).map(|what| (what, vec![one.clone()])),
        (NicAction::Edit, _) => return Err("select one network interface to edit".into()),
        _ if busy => return check(action, vm, chosen.first(), busy).map(|what| (what, Vec::new())),
        _ => {}
    }
    let (can, cannot): (Vec<_>, Vec<_>) = chosen.iter().map(|nic| (nic, check(action, vm, Some(nic), false))).partition(|(_, v)| v.is_ok());
    let names = |list: &[(&Nic, Result<String, String>)]| list.iter().map(|(n, _)| n.name.as_str()).collect::<Vec<_>>().join(", ");
    let reasons = cannot.iter().filter_map(|(n, v)| v.as_ref().err().map(|why| format!("{}: {why}", n.name))).collect::<Vec<_>>().join("; ");
    if can.is_empty() {
        return Err(format!("none of the {} selected can: {reasons}", chosen.len()));
    }
    let mut what = format!("{} {} of {}: {}", action.label(), can.len(), chosen.len(), names(&can));
    if !cannot.is_empty() {
        what.push_str(&format!(" (not {reasons})"));
    }
    Ok((what, can.into_iter().map(|(n, _)| n.clone()).collect()))
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
    crate::mark_hydrated();
    let ctx = use_vm();
    let answers = Answers::new();
    let nics = page_resource(move || (ctx.id.get(), ctx.version.get()), move |(id, _)| async move {
        let asked = answers.asked();
        match id {
            Some(id) => list_nics(id).await.map(|nics| Listed { asked, nics }),
            None => Ok(Listed { asked, nics: Vec::new() }),
        }
    });
    // Page state lives outside the refetched view: a push never resets it.
    let selection = RwSignal::new(Selection::default());
    let running = RwSignal::new(None::<Running>);
    let notice = RwSignal::new(None::<Notice>);
    let confirm = RwSignal::new(None::<(NicAction, Vec<Nic>)>);
    let dialog = RwSignal::new(None::<(DialogMode, Vm, Vec<String>)>);

    let start = move |action: NicAction, targets: Vec<Nic>| {
        let Some(vm_id) = ctx.id.get_untracked() else { return };
        running.set(Some(Running { nics: targets.iter().map(|n| n.id).collect(), action }));
        notice.set(None);
        let show = move |results: Vec<(Nic, Result<Option<Nic>, String>)>| {
            // Show the answers at once, in place (each NIC as its flow
            // stored it); the refetch after it only confirms them.
            for stored in results.iter().filter_map(|(_, r)| r.as_ref().ok().cloned().flatten()) {
                answers.record(stored);
            }
            running.set(None);
            let ok: Vec<&str> = results.iter().filter(|(_, r)| r.is_ok()).map(|(n, _)| n.name.as_str()).collect();
            let failed: Vec<String> = results.iter().filter_map(|(n, r)| r.as_ref().err().map(|why| format!("{}: {why}", n.name))).collect();
            let one = ok.len() == 1;
            let done = match action {
                NicAction::Plug => if one { "was plugged" } else { "were plugged" },
                NicAction::Unplug => if one { "was unplugged" } else { "were unplugged" },
                NicAction::LinkUp => if one { "has its link up" } else { "have their link up" },
                NicAction::LinkDown => if one { "has its link down" } else { "have their link down" },
                NicAction::KeepHost => if one { "is recorded as its host shows it" } else { "are recorded as their host shows them" },
                NicAction::KeepHotnic => if one { "is on its host as hotnic holds it again" } else { "are on their host as hotnic holds them again" },
                _ => if one { "was removed" } else { "were removed" },
            };
            let mut text = String::new();
            if !ok.is_empty() {
                text = format!("{} {done}.", ok.join(", "));
            }
            if !failed.is_empty() {
                text = if results.len() == 1 { failed.join("") } else { format!("{text} Not done: {}", failed.join("; ")).trim().to_owned() };
            }
            notice.set(Some(Notice { error: !failed.is_empty(), text }));
            if action == NicAction::Remove {
                selection.update(|s| s.ids.retain(|id| !results.iter().any(|(n, r)| n.id == *id && r.is_ok())));
            }
        };
        spawn_local(ctx.act(async move { call_server(vm_id, action, &targets).await }, show));
    };

    let on_button = move |action: NicAction, vm: Vm, list: Vec<Nic>, asked: u64| {
        let chosen = chosen(&list, &selection.get_untracked(), answers, asked);
        let Ok((_, targets)) = plan(action, &vm, &chosen, running.get_untracked().is_some()) else { return };
        let taken = list.iter().map(|n| n.name.clone()).collect();
        match action {
            NicAction::New => dialog.set(Some((DialogMode::New, vm, taken))),
            NicAction::Edit => dialog.set(Some((DialogMode::Edit(targets[0].clone()), vm, taken))),
            NicAction::Plug | NicAction::LinkUp | NicAction::LinkDown | NicAction::KeepHost | NicAction::KeepHotnic => start(action, targets),
            NicAction::Unplug | NicAction::Remove => confirm.set(Some((action, targets))),
        }
    };

    // Made here, not in the refetched view: a push that re-renders the
    // list while an adopt or detach is on its way (monitoring sees the NIC
    // go) must not drop the answer with the old view.
    let unknown_done = Callback::new(move |(error, text): (bool, String)| notice.set(Some(Notice { error, text })));

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
                // Selected NICs may be gone (removed elsewhere).
                let order: Vec<Uuid> = list.iter().map(|n| n.id).collect();
                if selection.with_untracked(|s| s.ids.iter().any(|id| !order.contains(id))) {
                    selection.update(|s| s.keep_only(&order));
                }
                // The drift buttons only while some row differs from its host.
                let drifted = list.iter().any(|n| n.drift.is_some());
                let drift_buttons = if drifted { &[NicAction::KeepHost, NicAction::KeepHotnic][..] } else { &[] };
                let buttons = [NicAction::New, NicAction::Edit, NicAction::Plug, NicAction::Unplug, NicAction::LinkDown, NicAction::LinkUp, NicAction::Remove]
                    .into_iter()
                    .chain(drift_buttons.iter().copied())
                    .map(|action| {
                        let (vm_b, list_b) = (vm.clone(), list.clone());
                        let (vm_c, list_c) = (vm.clone(), list.clone());
                        let verdict = move || {
                            let chosen = chosen(&list_b, &selection.get(), answers, asked);
                            plan(action, &vm_b, &chosen, running.get().is_some()).map(|(what, _)| what)
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
                        let chosen = chosen(&list, &selection.get(), answers, asked);
                        if chosen.is_empty() {
                            return None;
                        }
                        let busy = running.get().is_some();
                        if busy {
                            return Some("An action is running; the buttons come back when it ends.".to_owned());
                        }
                        if chosen.len() > 1 {
                            return Some(format!("{} network interfaces selected: Plug, Unplug, Link and Remove act on each that allows it.", chosen.len()));
                        }
                        let blocked: Vec<String> = [NicAction::Plug, NicAction::Unplug, NicAction::Remove]
                            .into_iter()
                            .filter_map(|a| check(a, &vm, chosen.first(), busy).err().map(|why| format!("{}: {why}", a.label())))
                            .collect();
                        Some(blocked.join(" · "))
                    }
                };
                let slots = vm.pci_slots.map(|s| view! {
                    <p class=if s.free == 0 { "slots full" } else { "slots" } id="pci-slots">{slots_text(s)}</p>
                });
                view! {
                    {slots}
                    <div class="toolbar" role="toolbar" aria-label="Network interface actions">{buttons}</div>
                    <p class="hint" id="nic-actions-hint" aria-live="polite">{why_not}</p>
                    <NicTable list asked answers vm_status=vm.status.clone() selection running/>
                    <UnknownNics vm_id=vm.id list=vm.unknown_nics.clone() on_done=unknown_done/>
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
        {move || confirm.get().map(|(action, targets)| {
            let names = targets.iter().map(|n| n.name.clone()).collect::<Vec<_>>().join(", ");
            let (title, message, label) = match (action, targets.as_slice()) {
                (NicAction::Unplug, [one]) => (
                    "Unplug network interface",
                    format!("Unplug {} ({})? The guest loses this device.", one.name, one.mac),
                    "Yes, unplug",
                ),
                (NicAction::Unplug, _) => ("Unplug network interfaces", format!("Unplug {names}? The guest loses these devices."), "Yes, unplug"),
                (_, [one]) => (
                    "Remove network interface",
                    format!("Remove {} ({})? Its MAC address returns to the pool.", one.name, one.mac),
                    "Yes, remove",
                ),
                _ => ("Remove network interfaces", format!("Remove {names}? Their MAC addresses return to the pool."), "Yes, remove"),
            };
            view! {
                <ConfirmDialog
                    title=title
                    message=message
                    confirm_label=label
                    on_confirm=Callback::new(move |_| {
                        confirm.set(None);
                        start(action, targets.clone());
                    })
                    on_cancel=Callback::new(move |_| confirm.set(None))
                />
            }
            .into_any()
        })}
        {move || dialog.get().map(|(mode, vm, taken)| {
            let on_close = Callback::new(move |saved: Option<Nic>| {
                dialog.set(None);
                if let Some(nic) = saved {
                    selection.update(|s| s.only(nic.id));
                    notice.set(Some(Notice { error: false, text: format!("{} was saved.", nic.name) }));
                    ctx.refetch();
                }
            });
            let args = DialogArgs { mode, vm_id: vm.id, cluster_id: vm.cluster_id, taken, on_close };
            view! { <Suspense fallback=|| ()>{Suspend::new(nic_dialog_view(args))}</Suspense> }.into_any()
        })}
    }
    .into_any()
}

/// The selected NICs, in the table's order, as this page now knows them.
fn chosen(list: &[Nic], selection: &Selection, answers: Answers, asked: u64) -> Vec<Nic> {
    list.iter().filter(|n| selection.contains(n.id)).map(|n| answers.current(n, asked)).collect()
}

/// The side a drift button keeps.
fn keep(action: NicAction) -> DriftChoice {
    if action == NicAction::KeepHost { DriftChoice::Host } else { DriftChoice::Hotnic }
}

/// Runs `action` on `targets`: one NIC through its own server function,
/// several through the bulk ones (one call, in order, under one VM lock);
/// each NIC's result: the NIC as stored (None once removed) or why not.
async fn call_server(vm_id: Uuid, action: NicAction, targets: &[Nic]) -> Vec<(Nic, Result<Option<Nic>, String>)> {
    let reason = |e: crate::error::FnError| e.reason().to_owned();
    let link = |up: bool| NicUpdate { linked: Some(up), ..Default::default() };
    if let [nic] = targets {
        let result = match action {
            NicAction::Plug => plug_nic(vm_id, nic.id).await.map(Some),
            NicAction::Unplug => unplug_nic(vm_id, nic.id).await.map(Some),
            NicAction::LinkUp | NicAction::LinkDown => edit_nic(vm_id, nic.id, link(action == NicAction::LinkUp)).await.map(Some),
            NicAction::KeepHost | NicAction::KeepHotnic => resolve_nic_drift(vm_id, nic.id, keep(action)).await.map(Some),
            _ => remove_nic(vm_id, nic.id).await.map(|()| None),
        };
        return vec![(nic.clone(), result.map_err(reason))];
    }
    let ids: Vec<Uuid> = targets.iter().map(|n| n.id).collect();
    let bulk = match action {
        NicAction::Plug => plug_nics(vm_id, ids).await,
        NicAction::Unplug => unplug_nics(vm_id, ids).await,
        NicAction::Remove => remove_nics(vm_id, ids).await,
        // Links and drift have no bulk call: one call each, in order.
        _ => {
            let mut results = Vec::new();
            for nic in targets {
                let result = match action {
                    NicAction::KeepHost | NicAction::KeepHotnic => resolve_nic_drift(vm_id, nic.id, keep(action)).await,
                    _ => edit_nic(vm_id, nic.id, link(action == NicAction::LinkUp)).await,
                };
                results.push((nic.clone(), result.map(Some).map_err(reason)));
            }
            return results;
        }
    };
    match bulk {
        Ok(outcomes) => targets
            .iter()
            .map(|nic| {
                let outcome = outcomes.iter().find(|o| o.id == nic.id);
                let result = match outcome {
                    Some(o) if o.status < 300 => Ok(o.nic.clone()),
                    Some(o) => Err(o.error.as_ref().map_or_else(|| format!("refused ({})", o.status), |e| e.reason.clone())),
                    None => Err("no answer for this NIC".to_owned()),
                };
                (nic.clone(), result)
            })
            .collect(),
        Err(e) => {
            let why = reason(e);
            targets.iter().map(|nic| (nic.clone(), Err(why.clone()))).collect()
        }
    }
}

#[component]
fn NicTable(
    list: Vec<Nic>,
    asked: u64,
    answers: Answers,
    vm_status: String,
    selection: RwSignal<Selection>,
    running: RwSignal<Option<Running>>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"This VM has no network interfaces. New adds one."</p> }.into_any();
    }
    let live = vm_status.parse::<VmStatus>().map_or(true, VmStatus::is_running);
    let order: Vec<Uuid> = list.iter().map(|n| n.id).collect();
    let all_selected = {
        let order = order.clone();
        move || selection.with(|s| order.iter().all(|id| s.contains(*id)))
    };
    let order_all = order.clone();
    view! {
        <table class="grid nics selectable" aria-label="Network interfaces" aria-describedby="nic-actions-hint" aria-multiselectable="true">
            <thead>
                <tr>
                    <th class="select">
                        <input type="checkbox" aria-label="Select all network interfaces"
                            prop:checked=all_selected.clone()
                            on:change=move |_| {
                                let every = all_selected();
                                selection.update(|s| if every { s.clear() } else { s.all(&order_all) });
                            }/>
                    </th>
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
                    let is_selected = move || selection.with(|s| s.contains(id));
                    let (order_click, order_key) = (order.clone(), order.clone());
                    // What a plug or unplug answers changes in place.
                    let now = {
                        let nic = nic.clone();
                        move || answers.current(&nic, asked)
                    };
                    let now_state = now.clone();
                    let state = move || {
                        let plugged = now_state().plugged;
                        match running.get().filter(|r| r.nics.contains(&id)).map(|r| r.action) {
                            Some(NicAction::Plug) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Plugging…"</span> }.into_any(),
                            Some(NicAction::Unplug) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Unplugging — waiting for the guest…"</span> }.into_any(),
                            Some(NicAction::LinkUp | NicAction::LinkDown) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Setting link…"</span> }.into_any(),
                            Some(NicAction::KeepHost | NicAction::KeepHotnic) => view! { <span class="plug busy"><span class="spinner" aria-hidden="true"></span>"Resolving…"</span> }.into_any(),
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
                            on:click=move |ev: leptos::ev::MouseEvent| {
                                if ev.shift_key() {
                                    selection.update(|s| s.extend_to(id, &order_click));
                                } else if ev.ctrl_key() || ev.meta_key() {
                                    selection.update(|s| s.toggle(id));
                                } else {
                                    selection.update(|s| s.only(id));
                                }
                            }
                        >
                            <td class="select">
                                <input type="checkbox" id=checkbox_id(id) aria-label=format!("Select {}", nic.name)
                                    prop:checked=is_selected
                                    // The row's own click would select this row only.
                                    on:click=move |ev| ev.stop_propagation()
                                    on:change=move |_| selection.update(|s| s.toggle(id))
                                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                        let down = match ev.key().as_str() {
                                            "ArrowDown" => true,
                                            "ArrowUp" => false,
                                            _ => return,
                                        };
                                        ev.prevent_default();
                                        let Some(next) = neighbour(&order_key, id, down) else { return };
                                        if ev.shift_key() {
                                            selection.update(|s| s.extend_to(next, &order_key));
                                        } else {
                                            selection.update(|s| s.only(next));
                                        }
                                        focus_checkbox(next);
                                    }/>
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

fn checkbox_id(nic: Uuid) -> String {
    format!("nic-select-{nic}")
}

/// Arrow keys move the focus with the selection.
fn focus_checkbox(nic: Uuid) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(element) = document().get_element_by_id(&checkbox_id(nic)) {
        if let Some(html) = element.dyn_ref::<leptos::web_sys::HtmlElement>() {
            let _ = html.focus();
        }
    }
}

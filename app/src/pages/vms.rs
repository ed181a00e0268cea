//! The VMs page: create a VM; the list with status, host and NIC count, and
//! Run / Stop on each row; select rows to plug or unplug the NIC of one name
//! on each of them in one call.

use crate::json_resource::page_resource;
use super::common::{cluster_permit, form_needing_cluster, list_view, name_of, ClusterSelect, ErrorLine, VmStatusBadge};
use crate::error::FnError;
use crate::push::refresh_on_change;
use crate::server_fns::clusters::list_clusters;
use crate::server_fns::hosts::{list_hosts, list_images};
use crate::server_fns::vms::{list_vms, plug_nic_on_vms, run_vm, stop_vm, unplug_nic_on_vms, CreateVm};
use hotnic_model::{NewVm, Vm};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

#[component]
pub fn VmsPage() -> impl IntoView {
    let create = ServerAction::<CreateVm>::new();
    let changed = refresh_on_change(|| None);
    let local = RwSignal::new(0u64);
    let vms = page_resource(move || (create.version().get(), changed.get(), local.get()), |_| list_vms());
    let clusters = page_resource(|| (), |_| list_clusters());
    let hosts = page_resource(move || changed.get(), |_| list_hosts());
    let action_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<Uuid>);
    // The selected VMs, in the order they were selected (the order acted on),
    // and the across-VMs toolbar's state: outside the refetched view, so a
    // push keeps them.
    let across = Across {
        selected: RwSignal::new(Vec::<(Uuid, String)>::new()),
        nic: RwSignal::new("nic1".to_owned()),
        busy: RwSignal::new(false),
        said: RwSignal::new(None),
    };
    let selected = across.selected;

    let run_or_stop = move |id: Uuid, run: bool| {
        busy.set(Some(id));
        action_error.set(None);
        spawn_local(async move {
            let result = if run { run_vm(id).await } else { stop_vm(id).await };
            if let Err(e) = result {
                action_error.set(Some(e.reason().to_owned()));
            }
            busy.set(None);
            local.update(|n| *n += 1);
        });
    };

    view! {
        <h1>"Virtual machines"</h1>
        // The form waits only for the clusters, which do not refetch: a
        // pushed change must not re-create it and wipe what is being typed.
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let clusters = clusters.await.unwrap_or_default();
                form_needing_cluster(&clusters, || {
                    view! { <NewVmForm clusters=clusters.clone() create/> }.into_any()
                })
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let clusters = clusters.await.unwrap_or_default();
                let hosts = hosts.await.unwrap_or_default();
                let table = list_view(vms.await, "No VMs yet.", |list| {
                        // VMs gone since they were selected drop out.
                        let ids: Vec<Uuid> = list.iter().map(|vm| vm.id).collect();
                        if selected.with_untracked(|s| s.iter().any(|(id, _)| !ids.contains(id))) {
                            selected.update(|s| s.retain(|(id, _)| ids.contains(id)));
                        }
                        view! {
                        <table class="grid" aria-label="VMs">
                            <thead><tr><th class="select"></th><th>"Name"</th><th>"Status"</th><th>"Cluster"</th><th>"Host"</th><th>"NICs"</th><th>"Actions"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|vm| {
                                    let id = vm.id;
                                    let picked = move || selected.with(|s| s.iter().any(|(v, _)| *v == id));
                                    let name = vm.name.clone();
                                    let toggle = move |_| selected.update(|s| match s.iter().position(|(v, _)| *v == id) {
                                        Some(at) => { s.remove(at); }
                                        None => s.push((id, name.clone())),
                                    });
                                    let (run_ok, stop_ok) = (vm.actions.run.ok, vm.actions.stop.ok);
                                    let tip = |a: &hotnic_model::Allowed, what: &str| a.why_not.clone().map(|w| format!("Not now: {w}")).unwrap_or_else(|| what.to_owned());
                                    let (run_tip, stop_tip) = (tip(&vm.actions.run, "Start the VM on a host of its cluster"), tip(&vm.actions.stop, "Power the VM off"));
                                    let host = name_of(&hosts, vm.host_id, |h| (h.id, &h.name));
                                    let cluster = name_of(&clusters, Some(vm.cluster_id), |c| (c.id, &c.name));
                                    let label_run = format!("Run {}", vm.name);
                                    let label_stop = format!("Stop {}", vm.name);
                                    view! {
                                        <tr aria-selected=move || picked().to_string()>
                                            <td class="select"><input type="checkbox" aria-label=format!("Select {}", vm.name) prop:checked=picked on:change=toggle/></td>
                                            <td><a href=format!("/vms/{id}")>{vm.name.clone()}</a></td>
                                            <td><VmStatusBadge status=vm.status.clone()/></td>
                                            <td>{cluster}</td>
                                            <td>{host}</td>
                                            <td class="num">{vm.nic_count}</td>
                                            <td class="row-actions">
                                                <button type="button" aria-label=label_run title=run_tip
                                                    disabled=move || !run_ok || busy.get().is_some()
                                                    on:click=move |_| run_or_stop(id, true)>"Run"</button>
                                                <button type="button" class="secondary" aria-label=label_stop title=stop_tip
                                                    disabled=move || !stop_ok || busy.get().is_some()
                                                    on:click=move |_| run_or_stop(id, false)>"Stop"</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()});
                view! {
                    {table}
                    <NicAcrossVms state=across on_done=Callback::new(move |()| local.update(|n| *n += 1))/>
                }
                .into_any()
            })}
        </Transition>
        <ErrorLine message=action_error/>
    }
}

/// The across-VMs toolbar's state, kept by the page.
#[derive(Clone, Copy)]
struct Across {
    selected: RwSignal<Vec<(Uuid, String)>>,
    nic: RwSignal<String>,
    busy: RwSignal<bool>,
    /// The last outcome: whether something failed, and what to say.
    said: RwSignal<Option<(bool, String)>>,
}

/// Plug or unplug the NIC of one name on each selected VM, in one call; the
/// outcome of each VM is said, failures with their reasons.
#[component]
fn NicAcrossVms(state: Across, on_done: Callback<()>) -> impl IntoView {
    let Across { selected, nic, busy, said } = state;
    let act = move |plug: bool| {
        let targets = selected.get_untracked();
        let ids: Vec<Uuid> = targets.iter().map(|(id, _)| *id).collect();
        let name = nic.get_untracked().trim().to_owned();
        busy.set(true);
        said.set(None);
        spawn_local(async move {
            let answer = if plug { plug_nic_on_vms(ids, name.clone()).await } else { unplug_nic_on_vms(ids, name.clone()).await };
            let vm_name = |id: Uuid| targets.iter().find(|(v, _)| *v == id).map(|(_, n)| n.clone()).unwrap_or_default();
            said.set(Some(match answer {
                Err(e) => (true, e.reason().to_owned()),
                Ok(outcomes) => {
                    let done: Vec<String> = outcomes.iter().filter(|o| o.status < 300).map(|o| vm_name(o.vm_id)).collect();
                    let failed: Vec<String> = outcomes
                        .iter()
                        .filter(|o| o.status >= 300)
                        .map(|o| format!("{}: {}", vm_name(o.vm_id), o.error.as_ref().map(|e| e.reason.clone()).unwrap_or_default()))
                        .collect();
                    let verb = if plug { "plugged" } else { "unplugged" };
                    let mut text = if done.is_empty() { String::new() } else { format!("{name} {verb} on {}.", done.join(", ")) };
                    if !failed.is_empty() {
                        text = format!("{text} Not done: {}", failed.join("; ")).trim().to_owned();
                    }
                    (!failed.is_empty(), text)
                }
            }));
            busy.set(false);
            on_done.run(());
        });
    };
    let none = move || selected.with(Vec::is_empty) || busy.get() || nic.with(|n| n.trim().is_empty());
    let tip = move |verb: &str| match selected.with(Vec::len) {
        0 => "Select VMs first".to_owned(),
        n => format!("{verb} {} on the {n} selected VM{}", nic.get().trim(), if n == 1 { "" } else { "s" }),
    };
    view! {
        <section class="across" aria-labelledby="across-title">
            <h2 id="across-title">"A NIC on the selected VMs"</h2>
            <div class="toolbar" role="toolbar" aria-label="NIC on the selected VMs">
                <label>"NIC name "<input type="text" bind:value=nic/></label>
                <button type="button" disabled=none title=move || tip("Plug") on:click=move |_| act(true)>"Plug on selected"</button>
                <button type="button" class="secondary" disabled=none title=move || tip("Unplug") on:click=move |_| act(false)>"Unplug on selected"</button>
                <span class="hint">{move || match selected.with(Vec::len) { 0 => "No VM selected".to_owned(), n => format!("{n} selected") }}</span>
            </div>
            {move || said.get().map(|(error, text)| view! {
                <p class=if error { "error" } else { "ok" } role=if error { "alert" } else { "status" }>{text}</p>
            })}
        </section>
    }
}

/// The message of a server error about `field`, for beside that input.
fn field_message(result: Option<Result<Vm, FnError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(e)) if e.field() == Some(field) => Some(e.reason().to_owned()),
        _ => None,
    }
}

#[component]
fn NewVmForm(clusters: Vec<hotnic_model::Cluster>, create: ServerAction<CreateVm>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let cluster = RwSignal::new(None::<Uuid>);
    let memory = RwSignal::new("128".to_owned());
    let vcpus = RwSignal::new("1".to_owned());
    let kernel = RwSignal::new(String::new());
    let initrd = RwSignal::new(String::new());
    let disk = RwSignal::new(String::new());
    let cmdline = RwSignal::new(String::new());
    // The cluster's image library: hosts hand guests only these files.
    let images = page_resource(
        move || cluster.get(),
        |cluster| async move {
            match cluster {
                Some(id) => list_images(id).await.unwrap_or_default(),
                None => Vec::new(),
            }
        },
    );
    let optional = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(cluster_id) = cluster.get_untracked() else { return };
        create.dispatch(CreateVm {
            vm: NewVm {
                name: name.get_untracked(),
                cluster_id,
                memory_mib: memory.get_untracked().trim().parse().unwrap_or(0),
                vcpus: vcpus.get_untracked().trim().parse().unwrap_or(0),
                kernel: optional(kernel),
                initrd: optional(initrd),
                cmdline: optional(cmdline),
                disk: optional(disk),
            },
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
        }
    });
    let general = move || match create.value().get() {
        Some(Err(e)) if e.field().is_none() => Some(e.reason().to_owned()),
        _ => None,
    };
    let field = move |f: &'static str| move || field_message(create.value().get(), f);
    let text = |label: &'static str, field_name: &'static str, value: RwSignal<String>, kind: &'static str, hint: &'static str| {
        view! {
            <label>
                {label}
                <input name=field_name type=kind placeholder=hint prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev))/>
                <span class="field-error" role="status">{field(field_name)}</span>
            </label>
        }
    };

    let image = move |label: &'static str, field_name: &'static str, value: RwSignal<String>| {
        view! {
            <label>
                {label}
                <Transition fallback=move || view! { <select name=field_name aria-label=label disabled=true><option>"…"</option></select> }>
                    {move || Suspend::new(async move {
                        let list = images.await;
                        let field_name = field_name;
                        view! {
                            // Named by aria-label: a <label> around a <select> would
                            // also read out the chosen option ("Kernel vmlinuz").
                            <select name=field_name aria-label=label on:change=move |ev| value.set(event_target_value(&ev))>
                                <option value="" selected=move || value.get().is_empty()>"(none)"</option>
                                {list.into_iter().map(|i| {
                                    let (shown, chosen) = (i.name.clone(), i.name.clone());
                                    view! { <option value=i.name selected=move || value.get() == chosen>{shown}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Transition>
                <span class="field-error" role="status">{field(field_name)}</span>
            </label>
        }
    };

    view! {
        <form class="stack-form" on:submit=submit aria-label="New VM">
            <div class="form-row">
                {text("Name", "name", name, "text", "")}
                <label>"Cluster" <ClusterSelect clusters=clusters.clone() selected=cluster/></label>
                {text("Memory (MiB)", "memory_mib", memory, "number", "")}
                {text("vCPUs", "vcpus", vcpus, "number", "")}
            </div>
            <div class="form-row">
                {image("Kernel", "kernel", kernel)}
                {image("Initrd", "initrd", initrd)}
                {text("Kernel command line", "cmdline", cmdline, "text", "console=ttyS0")}
                {image("Disk", "disk", disk)}
                <button type="submit"
                    disabled={ let c = clusters.clone(); move || create.pending().get() || !cluster_permit(&c, cluster.get(), |a| &a.create_vm).ok }
                    title={ let c = clusters.clone(); move || cluster_permit(&c, cluster.get(), |a| &a.create_vm).why_not.unwrap_or_default() }>
                    "Create VM"
                </button>
            </div>
            <ErrorLine message=Signal::derive(general)/>
        </form>
    }
}


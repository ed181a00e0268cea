//! The Events page: the audit log, newest first, following changes live.

use crate::json_resource::page_resource;
use crate::push::refresh_on_change;
use crate::server_fns::events::list_events;
use hotnic_model::Event;
use leptos::prelude::*;

#[component]
pub fn EventsPage() -> impl IntoView {
    let changed = refresh_on_change(|| None);
    let events = page_resource(move || changed.get(), |_| list_events(None, Some(200)));
    view! {
        <h1>"Events"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                    Ok(list) => view! { <EventTable events=list label="Events"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The audit log as a table; shared with the VM page's Events tab.
#[component]
pub fn EventTable(events: Vec<Event>, label: &'static str) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="empty">"No events yet."</p> }.into_any();
    }
    view! {
        <table class="grid events" aria-label=label>
            <thead><tr><th>"Time"</th><th>"Severity"</th><th>"Event"</th><th>"Message"</th><th>"User"</th></tr></thead>
            <tbody>
                {events.into_iter().map(|e| {
                    let time = e.time.get(..19).unwrap_or(&e.time).replace('T', " ");
                    view! {
                        <tr class=format!("severity-{}", e.severity)>
                            <td class="nowrap"><time datetime=e.time.clone()>{time}</time></td>
                            <td><span class=format!("badge sev-{}", e.severity)>{e.severity.clone()}</span></td>
                            <td><code>{e.event}</code></td>
                            <td>{e.message}</td>
                            <td>{e.user}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

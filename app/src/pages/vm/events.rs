//! The VM page's Events tab: this VM's audit log, following changes live.

use crate::json_resource::page_resource;
use super::use_vm;
use crate::pages::events::EventTable;
use crate::server_fns::events::list_events;
use leptos::prelude::*;

#[component]
pub fn EventsTab() -> impl IntoView {
    let ctx = use_vm();
    let events = page_resource(move || (ctx.id.get(), ctx.version.get()), |(id, _)| list_events(id, Some(100)));
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => view! { <p class="error" role="alert">{e.reason().to_owned()}</p> }.into_any(),
                    Ok(list) => view! { <EventTable events=list label="VM events"/> }.into_any(),
                }
            })}
        </Transition>
    }
}

//! Server push in the page: one EventSource on `/api/changes` per tab,
//! feeding a signal that pages turn into "refetch now" counters for what
//! they show (one VM, or everything).

use leptos::prelude::*;
use uuid::Uuid;

/// The last change the server announced: `seq` counts them (0: none yet),
/// `vm` is the VM it was about (None: anything may have changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Change {
    pub seq: u64,
    pub vm: Option<Uuid>,
}

#[derive(Debug, Clone, Copy)]
pub struct Changes(pub RwSignal<Change>);

/// Provides the change feed to every page and, in the browser, connects it.
pub fn provide_changes() {
    let changes = Changes(RwSignal::new(Change::default()));
    provide_context(changes);
    // Not before the whole page has hydrated: the stream's first open asks
    // every page to refetch, and a refetch that lands while a streamed part
    // still hydrates renders other rows than the server sent (a hydration
    // panic). So: once the document has loaded, after the tasks queued now.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let start = move || set_timeout(move || connect(changes.0), std::time::Duration::ZERO);
        if document().ready_state() == "complete" {
            start();
        } else {
            // The page keeps the listener for its whole life; load fires once.
            let _ = window_event_listener(leptos::ev::load, move |_| start());
        }
    });
}

#[cfg(feature = "hydrate")]
fn announce(signal: RwSignal<Change>, vm: Option<Uuid>) {
    signal.update(|c| *c = Change { seq: c.seq + 1, vm });
}

#[cfg(feature = "hydrate")]
fn connect(signal: RwSignal<Change>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new("/api/changes") else { return };
    let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data().as_string().unwrap_or_default();
        announce(signal, data.parse::<Uuid>().ok());
    });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();
    // Whenever the stream (re)opens, changes may have been missed: between
    // the server's render of this page and the first open, or during a
    // reconnect (server restarted, network blip). Refetch everything; page
    // state (selection, dialogs, forms) lives outside the refetched views.
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| announce(signal, None));
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    // The page keeps the stream for its whole life.
    std::mem::forget(source);
}

/// A counter that goes up whenever the server announces a change about the
/// VM `vm()` returns (or about everything, or about any VM when `vm()` is
/// None). Put it in a Resource's source to refetch then.
pub fn refresh_on_change(vm: impl Fn() -> Option<Uuid> + Send + Sync + 'static) -> ReadSignal<u64> {
    let counter = RwSignal::new(0u64);
    if let Some(Changes(changes)) = use_context::<Changes>() {
        // Changes announced before this page mounted are not news to it.
        Effect::new(move |seen: Option<u64>| {
            let change = changes.get();
            let mine = match (vm(), change.vm) {
                (Some(wanted), Some(changed)) => wanted == changed,
                _ => true,
            };
            if seen.is_some_and(|seen| seen != change.seq) && mine {
                counter.update(|n| *n += 1);
            }
            change.seq
        });
    }
    counter.read_only()
}

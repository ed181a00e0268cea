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

/// Where the server's change feed stood when it rendered this page, until
/// the stream is connected (then None).
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
struct Unconnected(StoredValue<Option<String>>);

/// Provides the change feed to every page; the browser connects it once
/// the page has hydrated (see [`connect_once_hydrated`]).
pub fn provide_changes() {
    provide_context(Changes(RwSignal::new(Change::default())));
    // Carried in the page from the server to the browser.
    let rendered_at = SharedValue::new_str(feed_position).into_inner();
    provide_context(Unconnected(StoredValue::new(Some(rendered_at))));
}

/// Connects the change stream, the first time a page says it has hydrated
/// (each leaf page does: a lazy one only once its chunk has arrived, well
/// after the shell). Not before, and not before the document has loaded: a
/// refetch that lands while a part of the page still hydrates renders other
/// rows than the server sent, and hydration panics.
#[cfg(feature = "hydrate")]
pub fn connect_once_hydrated() {
    let (Some(Changes(signal)), Some(Unconnected(rendered_at))) = (use_context::<Changes>(), use_context::<Unconnected>()) else {
        return;
    };
    let Some(rendered_at) = rendered_at.try_update_value(Option::take).flatten() else { return };
    // After the tasks queued now (the rest of this hydration's effects).
    let start = move || {
        let rendered_at = rendered_at.clone();
        set_timeout(move || connect(signal, rendered_at), std::time::Duration::ZERO)
    };
    if document().ready_state() == "complete" {
        start();
    } else {
        // The page keeps the listener for its whole life; load fires once.
        let _ = window_event_listener(leptos::ev::load, move |_| start());
    }
}

/// The server's feed position (empty where there is no engine: the
/// browser, outside hydration).
fn feed_position() -> String {
    #[cfg(feature = "ssr")]
    if let Some(engine) = use_context::<hotnic_engine::Engine>() {
        return engine.feed_position();
    }
    String::new()
}

#[cfg(feature = "hydrate")]
fn announce(signal: RwSignal<Change>, vm: Option<Uuid>) {
    signal.update(|c| *c = Change { seq: c.seq + 1, vm });
}

#[cfg(feature = "hydrate")]
fn connect(signal: RwSignal<Change>, rendered_at: String) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new("/api/changes") else { return };
    let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data().as_string().unwrap_or_default();
        announce(signal, data.parse::<Uuid>().ok());
    });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();
    // Each time the stream opens it first says where the server's feed
    // stands. The first time, the position the page was rendered at means
    // nothing changed in between: the page is current. Any other position,
    // and every reopen (server restarted, network blip), may hide missed
    // changes: refetch everything. Page state (selection, dialogs, forms)
    // lives outside the refetched views.
    let mut current_at = Some(rendered_at).filter(|p| !p.is_empty());
    let on_position = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let position = event.data().as_string().unwrap_or_default();
        if current_at.take().as_deref() != Some(position.as_str()) {
            announce(signal, None);
        }
    });
    let _ = source.add_event_listener_with_callback("position", on_position.as_ref().unchecked_ref());
    on_position.forget();
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

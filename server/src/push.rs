//! GET /api/changes: server push for the pages. A Server-Sent Events stream
//! that opens with a `position` event (where this server's change feed
//! stood: see `Engine::feed_position`), then one `change` event per engine
//! change the caller may see; its data is the changed VM's id, or `all`
//! when the change is not about one VM (or when this stream fell behind and
//! missed some). Pages refetch what the event names, and everything when
//! the position is not the one they were rendered at. A VM the caller may
//! not see is never named.

use crate::rest::caller::Caller;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use hotnic_engine::access::{Act, Actor, Visible};
use hotnic_engine::Engine;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};
use uuid::Uuid;

pub async fn changes(State(engine): State<Engine>, Caller(actor): Caller) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed, then the position read: a change announced after the
    // read comes down this stream, one before it moved the position.
    let receiver = engine.subscribe();
    let opened_at = Event::default().event("position").data(engine.feed_position());
    // Whether the caller sees each VM, asked once per VM per stream.
    let sees_all = actor.visible() == Visible::All;
    let seen = Arc::new(Mutex::new(HashMap::<Uuid, bool>::new()));
    let open = crate::prometheus::StreamOpen::new();
    let events = BroadcastStream::new(receiver).filter_map(move |received| {
        // Counted as an open stream for as long as the stream lives.
        let _counted = &open;
        let (engine, actor, seen) = (engine.clone(), actor.clone(), seen.clone());
        async move {
            let data = match received {
                Ok(change) => match change.vm_id {
                    Some(id) if !sees_all && !sees(&engine, &actor, &mut *seen.lock().await, id).await => return None,
                    Some(id) => id.to_string(),
                    None => "all".into(),
                },
                // Missed changes: tell the page to refetch everything.
                Err(BroadcastStreamRecvError::Lagged(_)) => "all".into(),
            };
            Some(Ok(Event::default().event("change").data(data)))
        }
    });
    let stream = futures::stream::once(async move { Ok(opened_at) }).chain(events);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// A VM gone from the database is seen only by who saw it before (a
/// caller with a role on the system sees everything and is not asked).
async fn sees(engine: &Engine, actor: &Actor, seen: &mut HashMap<Uuid, bool>, vm_id: Uuid) -> bool {
    if let Some(known) = seen.get(&vm_id) {
        return *known;
    }
    let visible = actor.vm(engine.db(), vm_id, Act::View).await.is_ok();
    seen.insert(vm_id, visible);
    visible
}

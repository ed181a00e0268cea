//! GET /api/changes: server push for the pages. A Server-Sent Events stream
//! with one event per engine change the caller may see; its data is the
//! changed VM's id, or `all` when the change is not about one VM (or when
//! this stream fell behind and missed some). Pages refetch what the event
//! names. A VM the caller may not see is never named.

use crate::rest::caller::Caller;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use hotnic_engine::access::{Act, Actor, Visible};
use hotnic_engine::Engine;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

pub async fn changes(State(engine): State<Engine>, Caller(actor): Caller) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = engine.subscribe();
    // Whether the caller sees each VM, asked once per VM per stream.
    let sees_all = actor.visible() == Visible::All;
    let seen: HashMap<Uuid, bool> = HashMap::new();
    let open = crate::prometheus::StreamOpen::new();
    let events = stream::unfold((receiver, engine, actor, seen, open), move |(mut receiver, engine, actor, mut seen, open)| async move {
        loop {
            let data = match receiver.recv().await {
                Ok(change) => match change.vm_id {
                    Some(id) if !sees_all && !sees(&engine, &actor, &mut seen, id).await => continue,
                    Some(id) => id.to_string(),
                    None => "all".into(),
                },
                // Missed changes: tell the page to refetch everything.
                Err(RecvError::Lagged(_)) => "all".into(),
                Err(RecvError::Closed) => return None,
            };
            return Some((Ok(Event::default().event("change").data(data)), (receiver, engine, actor, seen, open)));
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
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

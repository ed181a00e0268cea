//! GET /api/changes: server push for the pages. A Server-Sent Events stream
//! with one event per engine change; its data is the changed VM's id, or
//! `all` when the change is not about one VM (or when this stream fell
//! behind and missed some). Pages refetch what the event names.

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use hotnic_engine::Engine;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

pub async fn changes(State(engine): State<Engine>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = engine.subscribe();
    let events = stream::unfold(receiver, |mut receiver| async move {
        let data = match receiver.recv().await {
            Ok(change) => change.vm_id.map(|id| id.to_string()).unwrap_or_else(|| "all".into()),
            // Missed changes: tell the page to refetch everything.
            Err(RecvError::Lagged(_)) => "all".into(),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().event("change").data(data)), receiver))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

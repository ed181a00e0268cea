//! Changes between servers sharing a PostgreSQL database: each server
//! publishes its own with NOTIFY (ids only, never data: the page reads the
//! rest through its own permission checks) and passes its peers' on to its
//! page streams, so a page served by one server shows a plug made through
//! another. "Everything changed" covers who may do what too: a peer's
//! change to tokens, users or permissions says it, and its receiver reads
//! every token again (`access::signed_in`). A lost listening connection is
//! answered with one "everything changed", since notifications sent
//! meanwhile are gone.

use crate::{Change, Engine};
use sea_orm::sqlx::{self, postgres::PgListener};
use sea_orm::DbBackend;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use uuid::Uuid;

const CHANNEL: &str = "hotnic_changes";

/// Starts publishing and listening; None on SQLite (one server).
pub fn spawn(engine: &Engine) -> Option<tokio::task::JoinHandle<()>> {
    if engine.db().get_database_backend() != DbBackend::Postgres {
        return None;
    }
    // One task for both sides: aborting it stops both.
    let engine = engine.clone();
    Some(tokio::spawn(async move {
        tokio::join!(publish(engine.clone()), listen(engine));
    }))
}

async fn publish(engine: Engine) {
    let pool = engine.db().get_postgres_connection_pool().clone();
    let mut changes = engine.subscribe();
    loop {
        // What arrived while the last notices went out leaves together, in
        // one statement: under load that is one round trip for many flows.
        let Some(mut batch) = next_own(&mut changes).await else { return };
        while batch.len() < MAX_BATCH {
            match changes.try_recv() {
                Ok(Change { from_peer: true, .. }) => {}
                Ok(change) => batch.push(change.vm_id),
                Err(TryRecvError::Lagged(_)) => batch.push(None),
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        let payloads = payloads(engine.server_id, batch);
        let sent = sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p").bind(CHANNEL).bind(&payloads).execute(&pool).await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "could not tell the other servers about a change; their pages catch up at their next change");
        }
    }
}

const MAX_BATCH: usize = 256;

/// This server's next change (peers' are theirs to publish); None once the
/// engine is gone.
async fn next_own(changes: &mut tokio::sync::broadcast::Receiver<Change>) -> Option<Vec<Option<Uuid>>> {
    loop {
        match changes.recv().await {
            Ok(Change { from_peer: true, .. }) => continue,
            Ok(change) => return Some(vec![change.vm_id]),
            Err(RecvError::Lagged(_)) => return Some(vec![None]),
            Err(RecvError::Closed) => return None,
        }
    }
}

/// One notice per changed VM, each VM once; only "all" when one of them
/// is everything.
fn payloads(server: Uuid, mut batch: Vec<Option<Uuid>>) -> Vec<String> {
    if batch.contains(&None) {
        return vec![message(server, None)];
    }
    batch.sort();
    batch.dedup();
    batch.into_iter().map(|vm_id| message(server, vm_id)).collect()
}

async fn listen(engine: Engine) {
    let pool = engine.db().get_postgres_connection_pool().clone();
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %err, "cannot listen for other servers' changes");
                } else {
                    // What changed before this server listened is unknown.
                    engine.peer_changed(None);
                    loop {
                        // Not `recv`: it reconnects without saying so, and
                        // the notices sent meanwhile are gone unnoticed.
                        match listener.try_recv().await {
                            Ok(Some(note)) => match parse(note.payload()) {
                                Some((from, vm_id)) if from != engine.server_id => engine.peer_changed(vm_id),
                                Some(_) => {}
                                None => tracing::warn!(payload = note.payload(), "ignoring a change notice that does not parse"),
                            },
                            // Listening again already (eager reconnect).
                            Ok(None) => {
                                tracing::warn!("lost the change notices of other servers for a moment; pages reload everything");
                                engine.peer_changed(None);
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "lost the change notices of other servers; pages reload everything");
                                engine.peer_changed(None);
                                break;
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot listen for other servers' changes"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// "<server id> <vm id>", or "<server id> all".
fn message(server: Uuid, vm_id: Option<Uuid>) -> String {
    match vm_id {
        Some(vm) => format!("{server} {vm}"),
        None => format!("{server} all"),
    }
}

fn parse(payload: &str) -> Option<(Uuid, Option<Uuid>)> {
    let (server, what) = payload.split_once(' ')?;
    let server = server.parse().ok()?;
    match what {
        "all" => Some((server, None)),
        vm => Some((server, Some(vm.parse().ok()?))),
    }
}

#[cfg(test)]
mod tests {
    use super::{message, parse, payloads};
    use uuid::Uuid;

    #[test]
    fn a_batch_names_each_vm_once_or_says_all() {
        let (server, a, b) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut sent = payloads(server, vec![Some(a), Some(b), Some(a)]);
        sent.sort();
        let mut wanted = vec![message(server, Some(a)), message(server, Some(b))];
        wanted.sort();
        assert_eq!(sent, wanted);
        assert_eq!(payloads(server, vec![Some(a), None, Some(b)]), vec![message(server, None)]);
    }

    #[test]
    fn notices_read_back_as_written_and_garbage_is_refused() {
        let (server, vm) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(parse(&message(server, Some(vm))), Some((server, Some(vm))));
        assert_eq!(parse(&message(server, None)), Some((server, None)));
        assert_eq!(parse("nonsense"), None);
        assert_eq!(parse(&format!("{server} not-a-uuid")), None);
    }
}

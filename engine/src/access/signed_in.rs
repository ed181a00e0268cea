//! API tokens resolved lately, kept so that a script's requests read its
//! token, user and permissions once, not once per request (that read was
//! a third of the engine's own time in a plug, a script plugging every few
//! seconds paid it every time).
//!
//! A change to tokens, users or permissions forgets them all at once: on
//! this server directly, on the servers sharing its PostgreSQL database by
//! the change feed's "everything changed" notice (`change_feed`), which
//! also forgets them whenever a server lost its notices. [`KEPT_FOR`]
//! only bounds a notice that never came (keystonemiddleware believes a
//! validated token for five minutes). Browser sessions are not kept: they
//! sign out.

use super::Actor;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a resolved token is believed without reading it again, when
/// no change says otherwise.
pub const KEPT_FOR: Duration = Duration::from_secs(30);
/// Past this many tokens, the stale ones are dropped at the next keep.
const PRUNE_PAST: usize = 1024;

#[derive(Default)]
pub struct SignedIn {
    /// By the token's secret hash: when it was read, and as whom it acts.
    by_hash: Mutex<HashMap<String, (Instant, Actor)>>,
    /// Raised by every forget: a read that began before a change must not
    /// keep what it read.
    generation: AtomicU64,
}

impl SignedIn {
    /// The caller the token acted for less than [`KEPT_FOR`] ago.
    pub fn recent(&self, hash: &str) -> Option<Actor> {
        let kept = self.by_hash.lock().expect("signed-in tokens");
        kept.get(hash).filter(|(at, _)| at.elapsed() < KEPT_FOR).map(|(_, actor)| actor.clone())
    }

    /// Taken before reading a token; passed back to [`SignedIn::keep`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what a read that began at `generation` found, unless tokens,
    /// users or permissions changed meanwhile.
    pub fn keep(&self, generation: u64, hash: String, actor: &Actor) {
        let mut kept = self.by_hash.lock().expect("signed-in tokens");
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if kept.len() >= PRUNE_PAST {
            kept.retain(|_, (at, _)| at.elapsed() < KEPT_FOR);
        }
        kept.insert(hash, (Instant::now(), actor.clone()));
    }

    /// Tokens, users or permissions changed: every token is read again.
    pub fn forget_all(&self) {
        let mut kept = self.by_hash.lock().expect("signed-in tokens");
        self.generation.fetch_add(1, Ordering::SeqCst);
        kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotnic_model::Role;
    use uuid::Uuid;

    fn someone() -> Actor {
        Actor::with_grants(Uuid::new_v4(), "someone", vec![(Role::SuperUser, crate::access::Scope::System)])
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_kept() {
        let signed_in = SignedIn::default();
        let began = signed_in.generation();
        signed_in.forget_all();
        signed_in.keep(began, "hash".into(), &someone());
        assert!(signed_in.recent("hash").is_none());

        signed_in.keep(signed_in.generation(), "hash".into(), &someone());
        assert!(signed_in.recent("hash").is_some());
        signed_in.forget_all();
        assert!(signed_in.recent("hash").is_none(), "forgotten at once");
    }
}

//! hotnic's engine: the owner of truth. Flows are plain async functions; the
//! REST API and the server functions both call them and add no logic of
//! their own. The engine reaches hosts only through [`HostClient`].

pub mod access;
pub mod allowed;
pub mod audit;
pub mod change_feed;
pub mod clusters;
pub mod db;
pub mod drift;
pub mod entities;
mod error;
pub mod health;
pub mod host_client;
mod host_view;
pub mod hosts;
mod in_use;
pub mod locks;
mod mac_pool;
mod measure;
pub mod monitoring;
mod monitored_nics;
pub mod networks;
mod outcome;
pub mod pci_slots;
mod nic_wire;
pub mod bulk;
pub mod link;
pub mod nics;
pub mod plug;
pub mod run;
pub mod servers;
pub mod state;
pub mod stored_nic;
pub mod vms;
mod write_batch;

pub use db::Database;
pub use error::{EngineError, EngineResult};
pub use host_client::{AgentHosts, HostClient};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Something changed that a page may be showing: the VM (and its NICs), or
/// anything else when `vm_id` is None.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub vm_id: Option<Uuid>,
    /// Made through another server sharing the database (not sent back).
    pub from_peer: bool,
}

/// Settings an operator may change.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// How often monitoring polls each host.
    pub monitoring_period: Duration,
    /// A browser session ends after this long without a request.
    pub session_idle: Duration,
    /// How long monitoring waits for one host's answer before it calls the
    /// host silent (its VMs stay locked meanwhile, so keep it short).
    pub host_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { monitoring_period: Duration::from_secs(2), session_idle: Duration::from_secs(8 * 3600), host_timeout: Duration::from_secs(5) }
    }
}

/// Everything a flow needs: the database, the hosts, the VM locks and the
/// change feed. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub database: Database,
    pub hosts: Arc<dyn HostClient>,
    pub locks: locks::VmLocks,
    pub config: EngineConfig,
    pub sign_in_throttle: access::throttle::SignInThrottle,
    /// API tokens resolved a moment ago (see `access::signed_in`).
    pub signed_in: Arc<access::signed_in::SignedIn>,
    /// This server among those sharing the database (see `servers`).
    pub server_id: Uuid,
    pub server_name: String,
    changes: broadcast::Sender<Change>,
    /// How many changes this server has announced, its own and its peers'
    /// (see `feed_position`).
    announced: Arc<AtomicU64>,
    /// What monitoring last read of each resident VM's NICs.
    monitored_nics: Arc<monitored_nics::MonitoredNics>,
}

/// Runs a flow in its own task, so it goes on to the end (the host's
/// answer recorded, the VM lock released) even when the request that
/// started it is dropped. A flow that panics is reported as interrupted;
/// its intent stays for monitoring to resolve.
pub(crate) async fn detached<T: Send + 'static>(flow: impl std::future::Future<Output = EngineResult<T>> + Send + 'static) -> EngineResult<T> {
    use hotnic_agent_api::request_id;
    use tracing::Instrument;
    // The task keeps the request's span and id (logs, audit, agent calls).
    let flow = flow.instrument(tracing::Span::current());
    let task = match request_id::current() {
        Some(id) => tokio::spawn(request_id::CURRENT.scope(id, flow)),
        None => tokio::spawn(flow),
    };
    match task.await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(error = %err, "a flow was interrupted");
            Err(EngineError::Interrupted)
        }
    }
}

impl Engine {
    pub fn new(database: Database, hosts: Arc<dyn HostClient>, config: EngineConfig) -> Self {
        let (changes, _) = broadcast::channel(256);
        let server_id = Uuid::new_v4();
        let machine = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let server_name = format!("{} pid {}", machine.trim(), std::process::id());
        Engine {
            locks: locks::VmLocks::new(database.shared_locks.clone()),
            database,
            hosts,
            config,
            sign_in_throttle: Default::default(),
            signed_in: Default::default(),
            server_id,
            server_name,
            changes,
            announced: Default::default(),
            monitored_nics: Default::default(),
        }
    }

    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.database.conn
    }

    /// Subscribes to changes (for server push to pages).
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// Where this server's change feed stands: two equal positions mean no
    /// change was announced between them. A page takes one when it is
    /// rendered (before it reads anything), its change stream one when it
    /// opens (after it subscribes): equal, the page missed nothing.
    pub fn feed_position(&self) -> String {
        format!("{}.{}", self.server_id.simple(), self.announced.load(Ordering::SeqCst))
    }

    pub(crate) fn changed(&self, vm_id: Option<Uuid>) {
        self.announce(Change { vm_id, from_peer: false });
    }

    fn announce(&self, change: Change) {
        // Counted before it is sent: a stream subscribed too late to hear
        // it reads a position that counts it.
        self.announced.fetch_add(1, Ordering::SeqCst);
        // No subscriber is fine: nobody is looking.
        let _ = self.changes.send(change);
    }

    /// A server sharing the database changed `vm_id`, or anything (None):
    /// who may do what included, so the tokens kept here are read again.
    pub(crate) fn peer_changed(&self, vm_id: Option<Uuid>) {
        if vm_id.is_none() {
            self.signed_in.forget_all();
        }
        self.announce(Change { vm_id, from_peer: true });
    }

    /// Tokens, users or permissions changed: the tokens kept here are read
    /// again, and so are those kept by the servers sharing the database
    /// (an "everything changed" notice: see `change_feed`).
    pub(crate) fn access_changed(&self) {
        self.signed_in.forget_all();
        self.changed(None);
    }
}

//! One flow at a time per VM. A second request for a VM a flow holds is
//! refused at once (409) rather than queued, so a client never plugs twice
//! by retrying.
//!
//! Monitoring takes the same lock, briefly, while it polls a host and
//! writes what it saw, so a sample can never undo a flow that committed in
//! between (oVirt BZ2084530/BZ1703112). A flow that finds monitoring holding
//! the VM waits for it (up to [`MONITOR_WAIT`]) instead of failing. A VM a
//! flow holds is not skipped for long: monitoring asks for it and the lock
//! passes to monitoring the moment the flow ends, before the next flow can
//! take it, so a busy loop of flows cannot starve monitoring.
//! The table here orders this process's flows and monitoring. On
//! PostgreSQL the same locks are also held in the database (`shared`), so
//! servers sharing it refuse and wait for each other by the same rules. A
//! SQLite file has one server (see `Database::claim_sole_server`).

mod shared;

pub(crate) use shared::SharedLocks;

use crate::{EngineError, EngineResult};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
use uuid::Uuid;

/// How long a flow waits for monitoring to finish with a VM (one poll of
/// its host and a few writes, unless the host hangs).
pub const MONITOR_WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Default, Debug)]
pub struct VmLocks {
    inner: Arc<Mutex<LockTable>>,
    released: Arc<Notify>,
    shared: Option<SharedLocks>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Flow,
    Monitor,
}

#[derive(Default, Debug)]
struct LockTable {
    held: HashMap<Uuid, Holder>,
    /// Monitoring passes waiting for a VM's flow to end, per VM.
    monitor_waiting: HashMap<Uuid, u32>,
    /// VMs whose lock was handed to a waiting monitoring pass that has not
    /// picked it up yet.
    handed_over: HashSet<Uuid>,
}

/// Held while a flow (or monitoring) works on a VM. [`VmGuard::release`]
/// lets go at once; dropping lets go too (the database's part a moment
/// later).
#[derive(Debug)]
pub struct VmGuard {
    locks: VmLocks,
    vm_id: Uuid,
    /// The database's part, shared by the VMs one monitoring pass took together.
    shared: Option<Arc<shared::Hold>>,
}

impl VmLocks {
    /// Locks held in this process only, plus in `shared` when servers
    /// share the database.
    pub(crate) fn new(shared: Option<SharedLocks>) -> Self {
        VmLocks { shared, ..Default::default() }
    }

    /// The lock for a flow: refused (busy) while another flow holds the VM;
    /// waited for while monitoring does.
    pub async fn lock(&self, vm_id: Uuid) -> EngineResult<VmGuard> {
        let result = self.lock_for_flow(vm_id).await;
        if matches!(result, Err(EngineError::Busy)) {
            crate::measure::lock_conflict();
        }
        result
    }

    async fn lock_for_flow(&self, vm_id: Uuid) -> EngineResult<VmGuard> {
        let deadline = Instant::now() + MONITOR_WAIT;
        let mut guard = self.lock_here(vm_id, deadline).await?;
        if let Some(shared) = &self.shared {
            let wait = deadline.saturating_duration_since(Instant::now());
            guard.shared = Some(Arc::new(shared.lock_for_flow(vm_id, wait).await?));
        }
        Ok(guard)
    }

    /// Runs `work` (a flow's body) holding the VM's lock, and lets go
    /// before returning its result.
    pub async fn with_vm<T>(&self, vm_id: Uuid, work: impl std::future::Future<Output = EngineResult<T>>) -> EngineResult<T> {
        let guard = self.lock(vm_id).await?;
        let result = work.await;
        guard.release().await;
        result
    }

    async fn lock_here(&self, vm_id: Uuid, deadline: Instant) -> EngineResult<VmGuard> {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            {
                let mut table = self.table();
                match table.held.get(&vm_id) {
                    None => {
                        table.held.insert(vm_id, Holder::Flow);
                        return Ok(self.guard(vm_id));
                    }
                    Some(Holder::Flow) => return Err(EngineError::Busy),
                    Some(Holder::Monitor) => {}
                }
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return Err(EngineError::Busy);
            }
        }
    }

    /// Monitoring's locks on those of `vm_ids` nobody holds now; the
    /// others are returned as busy.
    pub async fn try_lock_for_monitoring(&self, vm_ids: &[Uuid]) -> EngineResult<(Vec<VmGuard>, Vec<Uuid>)> {
        let (mut held, mut busy): (Vec<VmGuard>, Vec<Uuid>) = (Vec::new(), Vec::new());
        for vm_id in vm_ids {
            match self.try_lock_here(*vm_id) {
                Some(guard) => held.push(guard),
                None => busy.push(*vm_id),
            }
        }
        let Some(shared) = self.shared.as_ref().filter(|_| !held.is_empty()) else { return Ok((held, busy)) };
        let ids: Vec<Uuid> = held.iter().map(VmGuard::vm_id).collect();
        let (hold, got) = shared.try_lock_many(&ids).await?;
        let hold = Arc::new(hold);
        let mut kept = Vec::new();
        for mut guard in held {
            if got.contains(&guard.vm_id) {
                guard.shared = Some(hold.clone());
                kept.push(guard);
            } else {
                busy.push(guard.vm_id);
            }
        }
        Ok((kept, busy))
    }

    /// The lock for monitoring, if nobody holds the VM in this process now.
    fn try_lock_here(&self, vm_id: Uuid) -> Option<VmGuard> {
        let mut table = self.table();
        if table.held.contains_key(&vm_id) {
            return None;
        }
        table.held.insert(vm_id, Holder::Monitor);
        Some(self.guard(vm_id))
    }

    /// The lock for monitoring as soon as the current holder lets go (it
    /// passes straight to monitoring), or None after `wait`.
    pub async fn lock_for_monitoring_when_free(&self, vm_id: Uuid, wait: Duration) -> EngineResult<Option<VmGuard>> {
        let deadline = Instant::now() + wait;
        let Some(mut guard) = self.lock_here_for_monitoring_when_free(vm_id, wait).await else { return Ok(None) };
        if let Some(shared) = &self.shared {
            let left = deadline.saturating_duration_since(Instant::now());
            match shared.lock_when_free(vm_id, left).await? {
                Some(hold) => guard.shared = Some(Arc::new(hold)),
                None => return Ok(None),
            }
        }
        Ok(Some(guard))
    }

    async fn lock_here_for_monitoring_when_free(&self, vm_id: Uuid, wait: Duration) -> Option<VmGuard> {
        if let Some(guard) = self.try_lock_here(vm_id) {
            return Some(guard);
        }
        let deadline = Instant::now() + wait;
        *self.table().monitor_waiting.entry(vm_id).or_default() += 1;
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            let timed_out = {
                let mut table = self.table();
                if table.handed_over.remove(&vm_id) {
                    return Some(self.guard(vm_id));
                }
                Instant::now() >= deadline
            };
            if timed_out || tokio::time::timeout_at(deadline, released).await.is_err() {
                let mut table = self.table();
                // Handed over at the last moment: take it after all.
                if table.handed_over.remove(&vm_id) {
                    return Some(self.guard(vm_id));
                }
                stop_waiting(&mut table, vm_id);
                return None;
            }
        }
    }

    pub fn holder(&self, vm_id: Uuid) -> Option<Holder> {
        self.table().held.get(&vm_id).copied()
    }

    fn guard(&self, vm_id: Uuid) -> VmGuard {
        VmGuard { locks: self.clone(), vm_id, shared: None }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, LockTable> {
        self.inner.lock().expect("lock table")
    }
}

fn stop_waiting(table: &mut LockTable, vm_id: Uuid) {
    if let Some(count) = table.monitor_waiting.get_mut(&vm_id) {
        *count -= 1;
        if *count == 0 {
            table.monitor_waiting.remove(&vm_id);
        }
    }
}

impl VmGuard {
    pub fn vm_id(&self) -> Uuid {
        self.vm_id
    }

    /// Lets go now: the next flow on any server finds the VM free as soon
    /// as this returns.
    pub async fn release(mut self) {
        if let Some(hold) = self.shared.take() {
            shared::release_shared(hold).await;
        }
    }
}

impl Drop for VmGuard {
    fn drop(&mut self) {
        let mut table = self.locks.table();
        table.held.remove(&self.vm_id);
        if table.monitor_waiting.contains_key(&self.vm_id) && !table.handed_over.contains(&self.vm_id) {
            stop_waiting(&mut table, self.vm_id);
            table.held.insert(self.vm_id, Holder::Monitor);
            table.handed_over.insert(self.vm_id);
        }
        drop(table);
        self.locks.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_flow_is_refused_until_the_first_ends() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let other = Uuid::new_v4();
        let guard = locks.lock(vm).await.unwrap();
        assert!(matches!(locks.lock(vm).await, Err(EngineError::Busy)));
        let _other = locks.lock(other).await.expect("other VMs are independent");
        assert_eq!(locks.holder(vm), Some(Holder::Flow));
        assert!(locks.try_lock_here(vm).is_none(), "monitoring does not take a VM a flow holds");
        drop(guard);
        assert_eq!(locks.holder(vm), None);
        locks.lock(vm).await.expect("free again");
    }

    #[tokio::test]
    async fn a_flow_waits_for_monitoring_instead_of_failing() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let monitoring = locks.try_lock_here(vm).unwrap();
        let flow = tokio::spawn({
            let locks = locks.clone();
            async move { locks.lock(vm).await.map(|_| ()) }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!flow.is_finished(), "the flow waits while monitoring holds the VM");
        drop(monitoring);
        flow.await.unwrap().expect("the flow runs once monitoring is done");
    }

    #[tokio::test(start_paused = true)]
    async fn a_flow_gives_up_on_monitoring_that_never_ends() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let _stuck = locks.try_lock_here(vm).unwrap();
        assert!(matches!(locks.lock(vm).await, Err(EngineError::Busy)));
    }

    #[tokio::test]
    async fn the_lock_passes_from_a_flow_to_waiting_monitoring_before_the_next_flow() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let flow = locks.lock(vm).await.unwrap();
        let monitoring = tokio::spawn({
            let locks = locks.clone();
            async move { locks.lock_for_monitoring_when_free(vm, Duration::from_secs(5)).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(flow);
        // At once, before monitoring's task even runs: the next flow finds
        // monitoring holding the VM and waits rather than cutting in.
        assert_eq!(locks.holder(vm), Some(Holder::Monitor));
        let next_flow = tokio::spawn({
            let locks = locks.clone();
            async move { locks.lock(vm).await.map(|_| ()) }
        });
        let guard = monitoring.await.unwrap().expect("handed over");
        assert!(!next_flow.is_finished());
        drop(guard);
        next_flow.await.unwrap().expect("the next flow runs after monitoring");
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_monitoring_gives_up_after_its_wait() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let flow = locks.lock(vm).await.unwrap();
        assert!(locks.lock_for_monitoring_when_free(vm, Duration::from_secs(1)).await.unwrap().is_none());
        drop(flow);
        assert_eq!(locks.holder(vm), None, "nobody waits any more: nothing is handed over");
    }
}

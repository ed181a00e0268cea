//! One flow at a time per VM. A second request for a busy VM is refused at
//! once (409) rather than queued, so a client never plugs twice by retrying.
//! Monitoring skips locked VMs and drops samples taken across a flow
//! (oVirt BZ2084530/BZ1703112: stats must not undo a concurrent plug).
//! The locks live in this process: one hotnic server per database.

use crate::{EngineError, EngineResult};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

#[derive(Clone, Default, Debug)]
pub struct VmLocks {
    inner: Arc<Mutex<LockTable>>,
}

#[derive(Default, Debug)]
struct LockTable {
    held: HashSet<Uuid>,
    /// Bumped whenever a flow on the VM ends: a sample taken before that
    /// no longer describes the VM.
    generation: HashMap<Uuid, u64>,
}

/// Held while a flow works on a VM; released on drop.
#[derive(Debug)]
pub struct VmGuard {
    locks: VmLocks,
    vm_id: Uuid,
}

impl VmLocks {
    pub fn try_lock(&self, vm_id: Uuid) -> EngineResult<VmGuard> {
        let mut table = self.inner.lock().expect("lock table");
        if !table.held.insert(vm_id) {
            return Err(EngineError::Busy);
        }
        Ok(VmGuard { locks: self.clone(), vm_id })
    }

    pub fn is_locked(&self, vm_id: Uuid) -> bool {
        self.inner.lock().expect("lock table").held.contains(&vm_id)
    }

    pub fn generation(&self, vm_id: Uuid) -> u64 {
        self.inner.lock().expect("lock table").generation.get(&vm_id).copied().unwrap_or(0)
    }
}

impl Drop for VmGuard {
    fn drop(&mut self) {
        let mut table = self.locks.inner.lock().expect("lock table");
        table.held.remove(&self.vm_id);
        *table.generation.entry(self.vm_id).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let locks = VmLocks::default();
        let vm = Uuid::new_v4();
        let other = Uuid::new_v4();
        let guard = locks.try_lock(vm).unwrap();
        assert!(matches!(locks.try_lock(vm), Err(EngineError::Busy)));
        let _other = locks.try_lock(other).expect("other VMs are independent");
        assert!(locks.is_locked(vm));
        let before = locks.generation(vm);
        drop(guard);
        assert!(!locks.is_locked(vm));
        assert_eq!(locks.generation(vm), before + 1);
        locks.try_lock(vm).expect("free again");
    }
}

//! What monitoring last read of each resident VM's NICs, kept with the
//! VM's `nics_version` at that read. The database raises that number in
//! the transaction of any change to the VM's NIC rows (see the migration),
//! and the VM row is read before its NICs, so an unchanged number means
//! unchanged rows: a sweep reads again only the NICs of the VMs whose
//! number moved, instead of every NIC of every host (40,000 rows read and
//! decoded for nothing in a large installation where nothing changed).

use crate::entities::vm;
use crate::stored_nic::{stored_nics_of, StoredNic};
use crate::EngineResult;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// A VM's NICs as stored, shared between the cache and a pass.
pub(crate) type Nics = Arc<[StoredNic]>;

/// By host, by VM: (the VM's `nics_version`, its NICs read at or after it).
#[derive(Default)]
pub(crate) struct MonitoredNics {
    by_host: Mutex<HashMap<Uuid, HashMap<Uuid, (i64, Nics)>>>,
}

impl MonitoredNics {
    /// The NICs of `resident` (the host's VMs, just read), from the
    /// database only for the VMs whose number moved since the last call.
    /// VMs no longer resident are forgotten.
    pub(crate) async fn of(&self, db: &impl ConnectionTrait, host_id: Uuid, resident: &[vm::Model]) -> EngineResult<HashMap<Uuid, Nics>> {
        // Taken out while in use: a second pass of the same host at once
        // (rare) reads from the database instead.
        let known = self.by_host.lock().expect("monitored NICs").remove(&host_id).unwrap_or_default();
        let mut kept: HashMap<Uuid, (i64, Nics)> = HashMap::with_capacity(resident.len());
        let mut moved: Vec<(Uuid, i64)> = Vec::new();
        for vm in resident {
            match known.get(&vm.id) {
                Some((version, nics)) if *version == vm.nics_version => {
                    kept.insert(vm.id, (*version, nics.clone()));
                }
                _ => moved.push((vm.id, vm.nics_version)),
            }
        }
        if !moved.is_empty() {
            let ids: Vec<Uuid> = moved.iter().map(|(id, _)| *id).collect();
            let mut read = stored_nics_of(db, &ids).await?;
            for (id, version) in moved {
                kept.insert(id, (version, read.remove(&id).unwrap_or_default().into()));
            }
        }
        let nics = kept.iter().map(|(id, (_, nics))| (*id, nics.clone())).collect();
        self.by_host.lock().expect("monitored NICs").insert(host_id, kept);
        Ok(nics)
    }
}

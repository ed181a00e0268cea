//! The schema, one migration per change, applied in order at server start.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_tables;
mod m20261127_000001_unique_nic_address;
mod m20261127_000002_host_fingerprints;
mod m20261128_000001_users_and_permissions;
mod m20261128_000002_nic_intents;
mod m20261128_000003_servers;
mod m20261128_000004_event_request_ids;
mod m20261128_000005_nic_drift;
mod m20261206_000001_nic_link;
mod m20261206_000002_vm_pci_slots;
mod m20261206_000003_vm_unknown_nics;
mod m20261207_000001_vm_nics_version;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_tables::Migration),
            Box::new(m20261127_000001_unique_nic_address::Migration),
            Box::new(m20261127_000002_host_fingerprints::Migration),
            Box::new(m20261128_000001_users_and_permissions::Migration),
            Box::new(m20261128_000002_nic_intents::Migration),
            Box::new(m20261128_000003_servers::Migration),
            Box::new(m20261128_000004_event_request_ids::Migration),
            Box::new(m20261128_000005_nic_drift::Migration),
            Box::new(m20261206_000001_nic_link::Migration),
            Box::new(m20261206_000002_vm_pci_slots::Migration),
            Box::new(m20261206_000003_vm_unknown_nics::Migration),
            Box::new(m20261207_000001_vm_nics_version::Migration),
        ]
    }
}

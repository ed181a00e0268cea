//! No two NICs of a VM may share a PCI address (oVirt BZ1199782: a VM whose
//! NICs collide cannot start again). Databases written before this index
//! may already hold such pairs: their addresses are cleared first (the host
//! chooses new ones at the next plug or run; monitoring records them).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000001_unique_nic_address"
    }
}

const INDEX: &str = "vm_device_vm_id_address_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE vm_device SET address = NULL WHERE address IS NOT NULL AND EXISTS (
                   SELECT 1 FROM vm_device other
                   WHERE other.vm_id = vm_device.vm_id AND other.address = vm_device.address
                     AND other.device_id <> vm_device.device_id)",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(VmDevice::Table)
                    .col(VmDevice::VmId)
                    .col(VmDevice::Address)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(VmDevice::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum VmDevice { Table, VmId, Address }

//! What monitoring found on the host that the database does not say of a
//! NIC (it is plugged there while unplugged here): kept on the NIC until
//! they agree again, so the page can mark the row.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000005_nic_drift"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(VmDevice::Table).add_column(ColumnDef::new(VmDevice::Drift).string().null()).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(VmDevice::Table).drop_column(VmDevice::Drift).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum VmDevice { Table, Drift }

//! Intent before action: before asking a host to plug or unplug a NIC, a
//! flow writes what it is about to do (`pending`: plug | unplug, and
//! when). The final write clears it. A crash in between leaves the intent,
//! and monitoring resolves it against what the host reports.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_nic_intents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(Table::alter().table(VmDevice::Table).add_column(ColumnDef::new(VmDevice::Pending).string().null()).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(VmDevice::Table)
                    .add_column(ColumnDef::new(VmDevice::PendingSince).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [VmDevice::PendingSince, VmDevice::Pending] {
            manager.alter_table(Table::alter().table(VmDevice::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum VmDevice { Table, Pending, PendingSince }

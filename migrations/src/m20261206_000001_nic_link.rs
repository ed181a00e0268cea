//! A NIC's link (cable) state: up unless an operator pulled it. A plugged
//! NIC of a running VM changes live; any other just stores it, and a plug
//! or a VM start uses what is stored.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000001_nic_link"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let linked = ColumnDef::new(VmInterfaces::Linked).boolean().not_null().default(true).to_owned();
        manager.alter_table(Table::alter().table(VmInterfaces::Table).add_column(linked).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(VmInterfaces::Table).drop_column(VmInterfaces::Linked).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum VmInterfaces { Table, Linked }

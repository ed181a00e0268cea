//! NICs a running VM's host has that hotnic has no record of (attached
//! behind its back), as monitoring last saw them: a JSON list, shown on
//! the NIC tab until someone adopts or detaches each. Empty while down.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000003_vm_unknown_nics"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Vms::UnknownNics).text().null().to_owned();
        manager.alter_table(Table::alter().table(Vms::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Vms::Table).drop_column(Vms::UnknownNics).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Vms { Table, UnknownNics }

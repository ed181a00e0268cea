//! A running VM's hot-pluggable PCI slots as its host last reported them
//! (monitoring, run, plug and unplug keep them current): the page shows
//! "n of m slots free" and a plug into a full VM is refused before the
//! host is asked. Empty while the VM is down.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000002_vm_pci_slots"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [Vms::PciSlotsFree, Vms::PciSlotsTotal] {
            let def = ColumnDef::new(column).integer().null().to_owned();
            manager.alter_table(Table::alter().table(Vms::Table).add_column(def).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Vms::PciSlotsFree, Vms::PciSlotsTotal] {
            manager.alter_table(Table::alter().table(Vms::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Vms { Table, PciSlotsFree, PciSlotsTotal }

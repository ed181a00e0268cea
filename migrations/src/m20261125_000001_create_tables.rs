//! The first schema: clusters, hosts, networks, VMs, their NICs and devices,
//! the MAC pool and the audit log. Names follow oVirt's where it had them
//! (vm_interfaces, vm_device, is_plugged) so operators recognise them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_create_tables"
    }
}

/// oVirt's default MAC pool range; the first pool a fresh install gets.
const DEFAULT_POOL_ID: &str = "00000000-0000-0000-0000-00000000a001";
const DEFAULT_POOL_START: &str = "00:1a:4a:16:01:51";
const DEFAULT_POOL_END: &str = "00:1a:4a:16:01:e6";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clusters::Table)
                    .col(uuid_pk(Clusters::Id))
                    .col(ColumnDef::new(Clusters::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(Clusters::CompatibilityVersion).string().not_null())
                    .col(created_at(Clusters::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Hosts::Table)
                    .col(uuid_pk(Hosts::Id))
                    .col(ColumnDef::new(Hosts::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(Hosts::ClusterId).uuid().not_null())
                    .col(ColumnDef::new(Hosts::AgentUrl).string().not_null())
                    .col(ColumnDef::new(Hosts::Token).string().not_null())
                    .col(ColumnDef::new(Hosts::Status).string().not_null())
                    .col(created_at(Hosts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Hosts::Table, Hosts::ClusterId)
                            .to(Clusters::Table, Clusters::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Networks::Table)
                    .col(uuid_pk(Networks::Id))
                    .col(ColumnDef::new(Networks::Name).string().not_null())
                    .col(ColumnDef::new(Networks::ClusterId).uuid().not_null())
                    .col(ColumnDef::new(Networks::Kind).string().not_null())
                    .col(created_at(Networks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Networks::Table, Networks::ClusterId)
                            .to(Clusters::Table, Clusters::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(Index::create().unique().col(Networks::ClusterId).col(Networks::Name))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Vms::Table)
                    .col(uuid_pk(Vms::Id))
                    .col(ColumnDef::new(Vms::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(Vms::ClusterId).uuid().not_null())
                    .col(ColumnDef::new(Vms::HostId).uuid().null())
                    .col(ColumnDef::new(Vms::Status).string().not_null())
                    .col(ColumnDef::new(Vms::MemoryMib).integer().not_null())
                    .col(ColumnDef::new(Vms::Vcpus).integer().not_null())
                    .col(ColumnDef::new(Vms::Kernel).string().null())
                    .col(ColumnDef::new(Vms::Initrd).string().null())
                    .col(ColumnDef::new(Vms::Cmdline).string().null())
                    .col(ColumnDef::new(Vms::Disk).string().null())
                    .col(created_at(Vms::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vms::Table, Vms::ClusterId)
                            .to(Clusters::Table, Clusters::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vms::Table, Vms::HostId)
                            .to(Hosts::Table, Hosts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VmInterfaces::Table)
                    .col(uuid_pk(VmInterfaces::Id))
                    .col(ColumnDef::new(VmInterfaces::VmId).uuid().not_null())
                    .col(ColumnDef::new(VmInterfaces::Name).string().not_null())
                    .col(ColumnDef::new(VmInterfaces::NetworkId).uuid().null())
                    // allow_duplicates is false in every pool we create, so a
                    // MAC belongs to one NIC at most: the database enforces it.
                    .col(ColumnDef::new(VmInterfaces::Mac).string().not_null().unique_key())
                    .col(ColumnDef::new(VmInterfaces::Model).string().not_null())
                    .col(ColumnDef::new(VmInterfaces::PortMirroring).boolean().not_null().default(false))
                    .col(ColumnDef::new(VmInterfaces::BootOrder).integer().null())
                    .col(created_at(VmInterfaces::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(VmInterfaces::Table, VmInterfaces::VmId)
                            .to(Vms::Table, Vms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VmInterfaces::Table, VmInterfaces::NetworkId)
                            .to(Networks::Table, Networks::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(Index::create().unique().col(VmInterfaces::VmId).col(VmInterfaces::Name))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VmDevice::Table)
                    // device_id is the NIC's id: one device row per NIC.
                    .col(uuid_pk(VmDevice::DeviceId))
                    .col(ColumnDef::new(VmDevice::VmId).uuid().not_null())
                    .col(ColumnDef::new(VmDevice::Type).string().not_null())
                    .col(ColumnDef::new(VmDevice::Device).string().not_null())
                    .col(ColumnDef::new(VmDevice::IsPlugged).boolean().not_null().default(false))
                    .col(ColumnDef::new(VmDevice::Address).text().null())
                    .col(ColumnDef::new(VmDevice::Alias).string().null())
                    .col(ColumnDef::new(VmDevice::SpecParams).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(VmDevice::Table, VmDevice::VmId)
                            .to(Vms::Table, Vms::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(VmDevice::Table, VmDevice::DeviceId)
                            .to(VmInterfaces::Table, VmInterfaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MacPool::Table)
                    .col(uuid_pk(MacPool::Id))
                    .col(ColumnDef::new(MacPool::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(MacPool::RangeStart).string().not_null())
                    .col(ColumnDef::new(MacPool::RangeEnd).string().not_null())
                    .col(ColumnDef::new(MacPool::AllowDuplicates).boolean().not_null().default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(MacPool::Table)
                    .columns([MacPool::Id, MacPool::Name, MacPool::RangeStart, MacPool::RangeEnd, MacPool::AllowDuplicates])
                    .values_panic([
                        uuid_value(DEFAULT_POOL_ID),
                        "Default".into(),
                        DEFAULT_POOL_START.into(),
                        DEFAULT_POOL_END.into(),
                        false.into(),
                    ])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(
                        ColumnDef::new(AuditLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(created_at(AuditLog::CreatedAt))
                    .col(ColumnDef::new(AuditLog::Severity).string().not_null())
                    .col(ColumnDef::new(AuditLog::Event).string().not_null())
                    .col(ColumnDef::new(AuditLog::Message).text().not_null())
                    .col(ColumnDef::new(AuditLog::UserName).string().not_null())
                    // No foreign keys: the log outlives what it speaks of.
                    .col(ColumnDef::new(AuditLog::ClusterId).uuid().null())
                    .col(ColumnDef::new(AuditLog::HostId).uuid().null())
                    .col(ColumnDef::new(AuditLog::VmId).uuid().null())
                    .col(ColumnDef::new(AuditLog::NicId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_vm")
                    .table(AuditLog::Table)
                    .col(AuditLog::VmId)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            MacPool::Table.into_iden(),
            VmDevice::Table.into_iden(),
            VmInterfaces::Table.into_iden(),
            Vms::Table.into_iden(),
            Networks::Table.into_iden(),
            Hosts::Table.into_iden(),
            Clusters::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

fn uuid_pk<T: IntoIden>(column: T) -> ColumnDef {
    ColumnDef::new(column).uuid().not_null().primary_key().to_owned()
}

fn created_at<T: IntoIden>(column: T) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .default(Expr::current_timestamp())
        .to_owned()
}

fn uuid_value(text: &str) -> SimpleExpr {
    let id = uuid::Uuid::parse_str(text).expect("constant UUID");
    Expr::value(id)
}

#[derive(DeriveIden)]
enum Clusters { Table, Id, Name, CompatibilityVersion, CreatedAt }

#[derive(DeriveIden)]
enum Hosts { Table, Id, Name, ClusterId, AgentUrl, Token, Status, CreatedAt }

#[derive(DeriveIden)]
enum Networks { Table, Id, Name, ClusterId, Kind, CreatedAt }

#[derive(DeriveIden)]
enum Vms { Table, Id, Name, ClusterId, HostId, Status, MemoryMib, Vcpus, Kernel, Initrd, Cmdline, Disk, CreatedAt }

#[derive(DeriveIden)]
enum VmInterfaces { Table, Id, VmId, Name, NetworkId, Mac, Model, PortMirroring, BootOrder, CreatedAt }

#[derive(DeriveIden)]
enum VmDevice { Table, DeviceId, VmId, Type, Device, IsPlugged, Address, Alias, SpecParams }

#[derive(DeriveIden)]
enum MacPool { Table, Id, Name, RangeStart, RangeEnd, AllowDuplicates }

#[derive(DeriveIden)]
enum AuditLog { Table, Id, CreatedAt, Severity, Event, Message, UserName, ClusterId, HostId, VmId, NicId }

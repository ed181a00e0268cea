//! Several servers on one PostgreSQL: each live server keeps a row in
//! `servers` (its heartbeat), and each host names the server that monitors
//! it. A host whose server stopped beating is taken over by another.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000003_servers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Servers::Table)
                    .col(ColumnDef::new(Servers::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Servers::Name).string().not_null())
                    .col(ColumnDef::new(Servers::StartedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Servers::SeenAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // No foreign key: a server's row goes when it stops, and its hosts
        // keep the id until another server takes them.
        manager
            .alter_table(Table::alter().table(Hosts::Table).add_column(ColumnDef::new(Hosts::MonitoredBy).uuid().null()).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Hosts::Table).drop_column(Hosts::MonitoredBy).to_owned()).await?;
        manager.drop_table(Table::drop().table(Servers::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Servers { Table, Id, Name, StartedAt, SeenAt }

#[derive(DeriveIden)]
enum Hosts { Table, MonitoredBy }

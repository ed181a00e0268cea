//! Each audit event keeps the id of the request that caused it (the
//! `x-request-id` also in the server's and the agent's logs); monitoring's
//! events have none.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_event_request_ids"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AuditLog::Table).add_column(ColumnDef::new(AuditLog::RequestId).string().null()).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::RequestId).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AuditLog { Table, RequestId }

//! Agents serve HTTPS with their own key; the engine pins each host's
//! certificate fingerprint at registration (`tls_fingerprint`) and keeps
//! what a host presented instead (`presented_fingerprint`) until an
//! administrator accepts it. Hosts registered before have no pin: they are
//! refused until an administrator accepts the fingerprint they present.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000002_host_fingerprints"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Hosts::Table)
                    .add_column(ColumnDef::new(Hosts::TlsFingerprint).string().not_null().default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Hosts::Table).add_column(ColumnDef::new(Hosts::PresentedFingerprint).string().null()).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Hosts::PresentedFingerprint, Hosts::TlsFingerprint] {
            manager.alter_table(Table::alter().table(Hosts::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Hosts { Table, TlsFingerprint, PresentedFingerprint }

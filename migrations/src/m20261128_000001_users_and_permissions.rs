//! Sign-in and permissions: local users (argon2 password hashes), their
//! browser sessions and API tokens (both stored as SHA-256 of the secret,
//! never the secret), and permissions: (user, role, object) where the
//! object is the system, a cluster or a VM, as oVirt has them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_users_and_permissions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::Name).string().not_null().unique_key())
                    .col(ColumnDef::new(Users::PasswordHash).string().not_null())
                    .col(ColumnDef::new(Users::Enabled).boolean().not_null().default(true))
                    .col(timestamp(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(ColumnDef::new(Sessions::SecretHash).string().not_null().primary_key())
                    .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                    .col(timestamp(Sessions::CreatedAt))
                    .col(timestamp(Sessions::LastSeenAt))
                    .foreign_key(&mut user_fk(Sessions::Table, Sessions::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(ColumnDef::new(ApiTokens::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ApiTokens::UserId).uuid().not_null())
                    .col(ColumnDef::new(ApiTokens::Name).string().not_null())
                    .col(ColumnDef::new(ApiTokens::SecretHash).string().not_null().unique_key())
                    .col(timestamp(ApiTokens::CreatedAt))
                    .col(ColumnDef::new(ApiTokens::LastUsedAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut user_fk(ApiTokens::Table, ApiTokens::UserId))
                    .index(Index::create().unique().col(ApiTokens::UserId).col(ApiTokens::Name))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Permissions::Table)
                    .col(ColumnDef::new(Permissions::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Permissions::UserId).uuid().not_null())
                    .col(ColumnDef::new(Permissions::Role).string().not_null())
                    // system | cluster | vm; the system's object id is the nil UUID.
                    .col(ColumnDef::new(Permissions::ObjectKind).string().not_null())
                    .col(ColumnDef::new(Permissions::ObjectId).uuid().not_null())
                    .col(timestamp(Permissions::CreatedAt))
                    .foreign_key(&mut user_fk(Permissions::Table, Permissions::UserId))
                    .index(
                        Index::create()
                            .unique()
                            .col(Permissions::UserId)
                            .col(Permissions::Role)
                            .col(Permissions::ObjectKind)
                            .col(Permissions::ObjectId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_permissions_object")
                    .table(Permissions::Table)
                    .col(Permissions::ObjectKind)
                    .col(Permissions::ObjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Permissions::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

fn timestamp<T: IntoIden>(column: T) -> ColumnDef {
    ColumnDef::new(column).timestamp_with_time_zone().not_null().default(Expr::current_timestamp()).to_owned()
}

/// Rows that belong to a user go with it.
fn user_fk<T: IntoIden + 'static, C: IntoIden + 'static>(table: T, column: C) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, column).to(Users::Table, Users::Id).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[derive(DeriveIden)]
enum Users { Table, Id, Name, PasswordHash, Enabled, CreatedAt }

#[derive(DeriveIden)]
enum Sessions { Table, SecretHash, UserId, CreatedAt, LastSeenAt }

#[derive(DeriveIden)]
enum ApiTokens { Table, Id, UserId, Name, SecretHash, CreatedAt, LastUsedAt }

#[derive(DeriveIden)]
enum Permissions { Table, Id, UserId, Role, ObjectKind, ObjectId, CreatedAt }

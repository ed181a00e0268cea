use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hosts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub cluster_id: Uuid,
    pub agent_url: String,
    pub token: String,
    /// up | non_responsive | maintenance
    pub status: String,
    pub created_at: DateTimeUtc,
    /// The pinned SHA-256 fingerprint of the agent's certificate.
    pub tls_fingerprint: String,
    /// A different one the agent presented; waits for an administrator.
    pub presented_fingerprint: Option<String>,
    /// The server whose monitoring polls this host (see `servers`).
    pub monitored_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

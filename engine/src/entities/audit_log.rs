use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
    /// normal | warning | error
    pub severity: String,
    pub event: String,
    pub message: String,
    pub user_name: String,
    pub cluster_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub vm_id: Option<Uuid>,
    pub nic_id: Option<Uuid>,
    /// The `x-request-id` of the request that caused it.
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

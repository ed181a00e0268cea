use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "permissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// SuperUser | ClusterAdmin | UserVmManager | ReadOnly
    pub role: String,
    /// system | cluster | vm
    pub object_kind: String,
    /// The cluster's or VM's id; nil for the system.
    pub object_id: Uuid,
    pub created_at: DateTimeUtc,
}

/// A caller's token or session, user and permissions in one statement.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::user::Entity", from = "Column::UserId", to = "super::user::Column::Id")]
    User,
}

impl ActiveModelBehavior for ActiveModel {}

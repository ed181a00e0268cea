use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    pub cluster_id: Uuid,
    pub host_id: Option<Uuid>,
    /// down | powering_up | up | powering_down | paused | migrating | unknown
    pub status: String,
    pub memory_mib: i32,
    pub vcpus: i32,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    pub disk: Option<String>,
    pub created_at: DateTimeUtc,
    /// Free hot-pluggable PCI slots of the running VM, as last reported.
    pub pci_slots_free: Option<i32>,
    pub pci_slots_total: Option<i32>,
    /// NICs the host has that hotnic has no record of (JSON list of
    /// `UnknownNic`), as monitoring last saw them.
    pub unknown_nics: Option<String>,
    /// Raised by the database on every change to the VM's NIC rows (see
    /// the migration): equal numbers, equal NICs. Never written here.
    pub nics_version: i64,
}

/// Joins for the reads every flow makes (a VM with its cluster and host in
/// one statement); the foreign keys themselves live in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::cluster::Entity", from = "Column::ClusterId", to = "super::cluster::Column::Id")]
    Cluster,
    #[sea_orm(belongs_to = "super::host::Entity", from = "Column::HostId", to = "super::host::Column::Id")]
    Host,
}

impl Related<super::cluster::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cluster.def()
    }
}

impl Related<super::host::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Host.def()
    }
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// The database's triggers own `nics_version`: a save from a model read
    /// earlier must not put an older number back.
    async fn before_save<C: ConnectionTrait>(mut self, _db: &C, _insert: bool) -> Result<Self, DbErr> {
        self.nics_version = sea_orm::ActiveValue::NotSet;
        Ok(self)
    }
}

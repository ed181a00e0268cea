use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vm_interfaces")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub vm_id: Uuid,
    pub name: String,
    pub network_id: Option<Uuid>,
    #[sea_orm(unique)]
    pub mac: String,
    /// virtio | rtl8139 | e1000
    pub model: String,
    pub port_mirroring: bool,
    pub boot_order: Option<i32>,
    pub created_at: DateTimeUtc,
    /// The link (cable) state; false: the guest sees no carrier.
    pub linked: bool,
}

/// Joins for reading a NIC (interface, device and network) in one
/// statement; the foreign keys themselves live in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::network::Entity", from = "Column::NetworkId", to = "super::network::Column::Id")]
    Network,
    #[sea_orm(belongs_to = "super::vm::Entity", from = "Column::VmId", to = "super::vm::Column::Id")]
    Vm,
}

impl Related<super::network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Network.def()
    }
}

impl Related<super::vm::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Vm.def()
    }
}

impl Related<super::vm_device::Entity> for Entity {
    fn to() -> RelationDef {
        super::vm_device::Relation::Interface.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}

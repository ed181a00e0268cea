use sea_orm::entity::prelude::*;

/// One row per NIC (device_id = the NIC's id): whether it is plugged and
/// where the host put it. The address is cleared on unplug so the next plug
/// gets a fresh one (no PCI collisions).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vm_device")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub device_id: Uuid,
    pub vm_id: Uuid,
    /// Always "interface" for NICs, as in oVirt.
    pub r#type: String,
    /// bridge | bridgeless | vnlink | sriov
    pub device: String,
    pub is_plugged: bool,
    /// The PCI address as JSON, or None when the host has not placed it.
    pub address: Option<String>,
    pub alias: Option<String>,
    pub spec_params: String,
    /// What a flow asked the host to do and has not yet recorded the
    /// answer of: plug | unplug. Monitoring resolves a stale one.
    pub pending: Option<String>,
    pub pending_since: Option<DateTimeUtc>,
    /// What the host shows that the database does not (a plugged NIC
    /// held unplugged here), until they agree.
    pub drift: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::vm_interface::Entity", from = "Column::DeviceId", to = "super::vm_interface::Column::Id")]
    Interface,
}

impl ActiveModelBehavior for ActiveModel {}

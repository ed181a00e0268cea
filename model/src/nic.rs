//! A VM's network interface, as the API reads and writes it.

use crate::PciAddress;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nic {
    pub id: Uuid,
    pub vm_id: Uuid,
    pub name: String,
    /// The network's name, or None for a NIC with no network.
    pub network: Option<String>,
    /// virtio | rtl8139 | e1000
    pub interface: String,
    pub mac: String,
    pub plugged: bool,
    /// Where the host placed it; filled in by monitoring, cleared on unplug.
    pub address: Option<PciAddress>,
    pub port_mirroring: bool,
    pub boot_order: Option<i32>,
    /// What the host shows that hotnic does not (it is plugged there while
    /// unplugged here), until they agree; read-only, set by monitoring.
    #[serde(default)]
    pub drift: Option<String>,
    /// What the caller may do with it now, and why not (read-only).
    #[serde(default)]
    pub actions: crate::NicActions,
}

/// Adding a NIC. It is always added unplugged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNic {
    pub name: String,
    #[serde(default)]
    pub network: Option<String>,
    #[serde(default = "default_interface")]
    pub interface: String,
    /// A custom MAC; None takes the next free one from the MAC pool.
    #[serde(default)]
    pub mac: Option<String>,
    #[serde(default)]
    pub port_mirroring: bool,
    #[serde(default)]
    pub boot_order: Option<i32>,
}

fn default_interface() -> String {
    "virtio".into()
}

/// Editing a NIC (PUT): every field optional; `plugged` plugs or unplugs.
/// `network: ""` detaches the NIC from its network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub network: Option<String>,
    #[serde(default)]
    pub interface: Option<String>,
    #[serde(default)]
    pub mac: Option<String>,
    #[serde(default)]
    pub port_mirroring: Option<bool>,
    #[serde(default, with = "double_option")]
    pub boot_order: Option<Option<i32>>,
    #[serde(default)]
    pub plugged: Option<bool>,
}

/// Tells an absent field (None) from an explicit null (Some(None)).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Option<i32>>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i32>>, D::Error> {
        Option::<i32>::deserialize(d).map(Some)
    }
}

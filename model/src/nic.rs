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
    /// The link (cable) state: false, the guest sees its cable pulled.
    #[serde(default = "linked_by_default")]
    pub linked: bool,
    /// What the host shows that hotnic does not (it is plugged there while
    /// unplugged here), until they agree; read-only, set by monitoring.
    #[serde(default)]
    pub drift: Option<String>,
    /// What the caller may do with it now, and why not (read-only).
    #[serde(default)]
    pub actions: crate::NicActions,
}

/// A NIC the VM's host has that hotnic has no record of (attached behind
/// hotnic's back), as monitoring last saw it; adopting it makes it one of
/// the VM's NICs, detaching removes it from the VM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownNic {
    pub mac: String,
    /// The host's name for the device (libvirt's alias).
    pub alias: String,
    /// virtio | rtl8139 | e1000, or the host's word for another model.
    pub interface: String,
    /// The host bridge it is on, if any.
    pub network: Option<String>,
    pub address: Option<PciAddress>,
    pub linked: bool,
}

/// Which side a NIC's drift is resolved to: the host's view is recorded,
/// or hotnic's is applied to the host again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftChoice {
    Host,
    Hotnic,
}

/// How to resolve a NIC's drift: `{"keep": "host"}` or `{"keep": "hotnic"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveDrift {
    pub keep: DriftChoice,
}

/// Which unknown NIC of a VM's host: `{"mac": "52:54:00:…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownNicMac {
    pub mac: String,
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

/// Several NICs of one VM, for one bulk action (plug, unplug, remove):
/// their ids, in the order to act on them; 1 to 256, each once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NicIds {
    pub ids: Vec<Uuid>,
}

/// One NIC's outcome in a bulk action: its own HTTP status (200 done, 204
/// removed, else the error's), the NIC as stored after it (not after a
/// removal), or the error, as a single action would answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NicOutcome {
    pub id: Uuid,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic: Option<Nic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ApiError>,
}

fn linked_by_default() -> bool {
    true
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
    /// Absent: unchanged; null: no boot order; a number: that one.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "::serde_with::rust::double_option")]
    pub boot_order: Option<Option<i32>>,
    #[serde(default)]
    pub plugged: Option<bool>,
    /// The link (cable) state: live on a plugged NIC of a running VM,
    /// stored otherwise (and used by the next plug or start).
    #[serde(default)]
    pub linked: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::NicUpdate;

    #[test]
    fn an_absent_boot_order_leaves_it_and_null_clears_it() {
        let read = |text: &str| serde_json::from_str::<NicUpdate>(text).unwrap().boot_order;
        assert_eq!(read("{}"), None);
        assert_eq!(read(r#"{"boot_order": null}"#), Some(None));
        assert_eq!(read(r#"{"boot_order": 2}"#), Some(Some(2)));
        let cleared = NicUpdate { boot_order: Some(None), ..Default::default() };
        let back: NicUpdate = serde_json::from_str(&serde_json::to_string(&cleared).unwrap()).unwrap();
        assert_eq!(back.boot_order, Some(None), "a null survives the round trip");
        let unchanged: NicUpdate = serde_json::from_str(&serde_json::to_string(&NicUpdate::default()).unwrap()).unwrap();
        assert_eq!(unchanged.boot_order, None, "so does an absent one");
    }
}

/// The NIC named `nic_name` on each of several VMs, for one action across
/// them (plug, unplug): the VMs in the order to act on them; 1 to 256, each
/// once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmsNic {
    pub vm_ids: Vec<Uuid>,
    pub nic_name: String,
}

/// One VM's outcome in an action across VMs: its own HTTP status (404 when
/// the VM has no NIC by that name), the NIC as stored after it, or the
/// error, as a single action would answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmNicOutcome {
    pub vm_id: Uuid,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic: Option<Nic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<crate::ApiError>,
}

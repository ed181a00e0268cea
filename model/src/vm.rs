//! Virtual machines.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vm {
    pub id: Uuid,
    pub name: String,
    pub cluster_id: Uuid,
    /// down | powering_up | up | powering_down | paused | migrating | unknown
    pub status: String,
    pub host_id: Option<Uuid>,
    pub memory_mib: i32,
    pub vcpus: i32,
    /// Direct kernel boot: a kernel path on the host, with initrd and cmdline.
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    /// A disk image path on the host.
    pub disk: Option<String>,
    /// How many NICs the VM has, plugged or not; read-only.
    #[serde(default)]
    pub nic_count: u32,
    /// A running VM's hot-pluggable PCI slots, as its host last reported
    /// them; read-only, absent when the VM is down or the host did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_slots: Option<crate::PciSlots>,
    /// NICs its host has that hotnic has no record of (read-only, set by
    /// monitoring); each can be adopted or detached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_nics: Vec<crate::UnknownNic>,
    /// What the caller may do with it now, and why not (read-only).
    #[serde(default)]
    pub actions: crate::VmActions,
}

/// Creating a VM. A VM read from the API posts back unchanged (its boot
/// fields have the same names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVm {
    pub name: String,
    pub cluster_id: Uuid,
    #[serde(default = "default_memory")]
    pub memory_mib: i32,
    #[serde(default = "default_vcpus")]
    pub vcpus: i32,
    #[serde(default)]
    pub kernel: Option<String>,
    #[serde(default)]
    pub initrd: Option<String>,
    #[serde(default)]
    pub cmdline: Option<String>,
    #[serde(default)]
    pub disk: Option<String>,
}

fn default_memory() -> i32 {
    128
}

fn default_vcpus() -> i32 {
    1
}

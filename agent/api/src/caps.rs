//! `getCaps`: what this host is and can do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::nic::PciAddressDict;
use crate::slots::PciSlotInfo;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCapsParams {
    /// VMs whose free PCI slots (root bus) to report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub free_pci_slots_for: Vec<Uuid>,
    /// VMs whose hot-pluggable slots to report with the device holding each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pci_slot_map_for: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Caps {
    /// [`crate::API_VERSION`] of the agent that answered.
    pub api_version: u32,
    pub hostname: String,
    /// e.g. `9.0.0`.
    pub libvirt_version: String,
    /// e.g. `7.2.22`.
    pub qemu_version: String,
    /// Linux bridges present on the host (the networks NICs can join).
    #[serde(default)]
    pub bridges: Vec<String>,
    /// NIC `device` kinds this host supports: `bridge`, `bridgeless`, …
    #[serde(default)]
    pub nic_devices: Vec<String>,
    /// NIC models: `pv`, `rtl8139`, `e1000`.
    #[serde(default)]
    pub nic_models: Vec<String>,
    /// The image library: file names a VM's kernel, initrd and disks may
    /// name, sorted.
    #[serde(default)]
    pub images: Vec<ImageInfo>,
    /// Per requested VM, the free PCI slots of its root bus.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub free_pci_slots: BTreeMap<Uuid, Vec<PciAddressDict>>,
    /// Per VM of `pciSlotMapFor` that runs here, its hot-pluggable slots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pci_slot_maps: BTreeMap<Uuid, Vec<PciSlotInfo>>,
}

/// A file of the agent's image library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    pub name: String,
    pub size_bytes: u64,
}

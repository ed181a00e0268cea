//! The hot-pluggable PCI slots of a running VM: how many are free (in every
//! `getAllVmStats` entry) and, on request (`getCaps` `pciSlotMapFor`), which
//! device holds each one.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::nic::PciAddressDict;

/// How many hot-pluggable slots a VM has, and how many of them are free.
/// i440fx: slots 2 to 31 of bus 0 (0 is the host bridge, 1 the ISA bridge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PciSlotCount {
    pub total: u32,
    pub free: u32,
}

/// What kind of device holds a slot, in libvirt's terms; unknown words (a
/// newer agent's) read as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PciDeviceKind {
    Nic,
    Disk,
    Controller,
    Balloon,
    Video,
    #[serde(other)]
    Other,
}

/// One hot-pluggable slot: free, or held by a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PciSlotInfo {
    pub address: PciAddressDict,
    /// The holder's kind; absent when the slot is free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<PciDeviceKind>,
    /// The holder's libvirt alias (`ua-<deviceId>` for hotnic's NICs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// hotnic's device id, when the holder is a NIC hotnic plugged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
}

impl PciSlotInfo {
    pub fn is_free(&self) -> bool {
        self.device.is_none()
    }
}

/// The count of a slot map.
pub fn count(slots: &[PciSlotInfo]) -> PciSlotCount {
    let free = slots.iter().filter(|s| s.is_free()).count();
    PciSlotCount { total: slots.len() as u32, free: free as u32 }
}

//! A running VM's hot-pluggable PCI slots: how many are free, and which
//! device holds each.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::PciAddress;

/// How many hot-pluggable slots a running VM has, and how many are free,
/// as the host last reported them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PciSlots {
    pub free: u32,
    pub total: u32,
}

/// One hot-pluggable slot of a running VM, free or held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PciSlot {
    pub address: PciAddress,
    /// Absent: the slot is free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<SlotHolder>,
}

/// The device in a slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotHolder {
    /// nic | disk | controller | balloon | video | other
    pub kind: String,
    /// The NIC's name for hotnic's NICs; else the host's device alias.
    pub name: String,
    /// The NIC, when hotnic knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_id: Option<Uuid>,
}

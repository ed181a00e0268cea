//! `create`, `destroy` and `getAllVmStats`: transient VMs started from what
//! the engine sends (the engine's database is the source of truth).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::nic::{NicInfo, NicParams};
use crate::slots::PciSlotCount;

/// `create` parameters. A VM with neither `kernel` nor `drives` runs its
/// firmware only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateParams {
    pub vm_id: Uuid,
    pub vm_name: String,
    /// Memory in MiB.
    pub mem_size: u32,
    /// Virtual CPUs.
    pub smp: u32,
    /// Direct kernel boot: names of files in the agent's image library
    /// (never host paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initrd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_args: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drives: Vec<DriveParams>,
    /// The plugged NICs, with their stored PCI addresses and boot order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nics: Vec<NicParams>,
    /// Write the guest's first serial port to the agent's console folder
    /// (`<console dir>/<vmId>.log`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub serial_console: bool,
}

/// A disk image file on the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DriveParams {
    /// The name of a disk image in the agent's image library.
    pub image: String,
    /// `raw` | `qcow2`.
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_order: Option<u32>,
    #[serde(default)]
    pub readonly: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DestroyParams {
    pub vm_id: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DestroyResult {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetAllVmStatsParams {}

/// One VM as the host sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VmStats {
    pub vm_id: Uuid,
    pub vm_name: String,
    /// VDSM's words: `Up`, `Paused`, `Powering down`, `Down`, `Suspended`.
    pub status: String,
    #[serde(default)]
    pub nics: Vec<NicInfo>,
    /// Its hot-pluggable PCI slots; absent from older agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_slots: Option<PciSlotCount>,
}

/// `getAllVmStats` result (VDSM's `statsList`); `create` answers with the
/// new VM's entry as `vm`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VmList {
    pub stats_list: Vec<VmStats>,
}

/// `create` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResult {
    pub vm: VmStats,
}

//! The agent's internal API: one method per action, whatever runs the VMs.
//! [`crate::libvirt::Libvirt`] is the real implementation.

use std::{collections::BTreeMap, future::Future, time::Duration};

use hotnic_agent_api::NicInfo;
use uuid::Uuid;

use crate::{
    mirror::MirrorError,
    params::{device_id_of, nic_model_from_libvirt, DeviceKind, NicSpec, VmSpec},
    xml::{LiveNic, PciDevice, ReadError},
};

/// What the host is and can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCaps {
    pub hostname: String,
    pub libvirt_version: String,
    pub qemu_version: String,
    pub bridges: Vec<String>,
    pub nic_kinds: Vec<DeviceKind>,
    /// Per VM asked about that runs here, its devices at PCI addresses.
    pub pci_devices: BTreeMap<Uuid, Vec<PciDevice>>,
}

/// A VM as the host sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmState {
    pub id: Uuid,
    pub name: String,
    /// VDSM's word for the state: `Up`, `Paused`, …
    pub status: &'static str,
    pub nics: Vec<NicState>,
    /// Every device at a PCI address (NICs included): its slot map.
    pub pci_devices: Vec<PciDevice>,
}

/// A NIC as the host sees it: its live XML and the bridges mirrored to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NicState {
    pub live: LiveNic,
    pub mirrored_from: Vec<String>,
}

impl NicState {
    pub fn to_info(&self) -> NicInfo {
        let live = &self.live;
        let alias = live.alias.clone().unwrap_or_default();
        let device = match live.kind.as_str() {
            "bridge" => DeviceKind::Bridge.wire_name(),
            "ethernet" => DeviceKind::Bridgeless.wire_name(),
            "direct" => DeviceKind::Vnlink.wire_name(),
            "hostdev" => DeviceKind::Sriov.wire_name(),
            other => other,
        };
        let model = live.model.clone().unwrap_or_default();
        NicInfo {
            device_id: device_id_of(&alias),
            alias,
            mac_addr: live.mac.clone().unwrap_or_default(),
            nic_model: nic_model_from_libvirt(&model).map_or(model, |m| m.wire_name().to_owned()),
            device: device.to_owned(),
            network: live.bridge.clone().or_else(|| live.source_dev.clone()),
            name: live.tap.clone(),
            address: live.address.map(hotnic_agent_api::PciAddressDict::from),
            boot_order: live.boot_order,
            promisc: self.mirrored_from.clone(),
            link_active: live.link_up,
        }
    }
}

/// The NIC found by alias must carry the MAC the engine names, or the
/// engine and the host disagree about which NIC this is.
pub fn check_mac(present: &crate::xml::LiveNic, nic: &NicSpec) -> Result<(), HypervisorError> {
    let found = present.mac.clone().unwrap_or_default();
    if found.eq_ignore_ascii_case(&nic.mac.to_string()) {
        Ok(())
    } else {
        Err(HypervisorError::MacMismatch { alias: nic.alias(), found, expected: nic.mac.to_string() })
    }
}

/// An unplug that completed; the NIC is gone from the VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unplugged {
    /// Something to tell although the NIC is gone (a mirror left behind).
    pub warning: Option<String>,
}

/// One variant per thing that failed. The HTTP edge turns them into VDSM
/// codes (`http::failure_status`).
#[derive(Debug, thiserror::Error)]
pub enum HypervisorError {
    /// No VM with that id runs here.
    #[error("no VM with id {0} runs on this host")]
    NoSuchVm(Uuid),
    /// A VM with that id or name already runs here.
    #[error("a VM with id {id} or name {name} already runs on this host")]
    VmExists { id: Uuid, name: String },
    /// The host cannot back this kind of NIC.
    #[error("device '{}' is not supported on this host: {reason}", kind.wire_name())]
    Unsupported { kind: DeviceKind, reason: String },
    /// The network's bridge (or vnlink device) is not on this host.
    #[error("network {0} has no bridge on this host")]
    NoSuchNetwork(String),
    /// The VM has no NIC with this alias.
    #[error("the VM has no NIC {0}")]
    NoSuchNic(String),
    /// Another NIC on this host (of any VM) has the MAC.
    #[error("MAC address {mac} is already in use by a NIC of VM {vm_name} on this host")]
    MacInUse { mac: String, vm_name: String },
    /// The NIC found by alias is another one than the caller means.
    #[error("NIC {alias} has MAC {found}, not {expected}")]
    MacMismatch {
        alias: String,
        found: String,
        expected: String,
    },
    /// The guest never completed the unplug: the NIC is still attached.
    #[error("guest did not release the device {alias} within {} s; it is still attached", waited.as_secs_f32())]
    NotReleased { alias: String, waited: Duration },
    /// The guest answered the unplug request with a refusal.
    #[error("the guest refused to release the device {alias}; it is still attached")]
    RemovalRefused { alias: String },
    /// Every hot-pluggable slot of the VM is taken; nothing was attached.
    #[error("the VM has no free PCI slot: all {total} hot-pluggable slots are in use")]
    NoFreePciSlot { total: usize },
    /// Port mirroring failed; the NIC (or VM) was removed again.
    #[error("port mirroring failed and the plug was rolled back: {0}")]
    MirroringRolledBack(#[source] MirrorError),
    /// Port mirroring failed and so did removing the NIC again.
    #[error("port mirroring failed ({mirror}) and rolling the plug back failed too: {rollback}")]
    RollbackFailed {
        mirror: MirrorError,
        rollback: Box<HypervisorError>,
    },
    /// libvirt refused; its own text.
    #[error("{action}: {message}")]
    Libvirt {
        action: &'static str,
        message: String,
    },
    #[error(transparent)]
    Xml(#[from] ReadError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Runs VMs and plugs their NICs. Every method is one action.
pub trait Hypervisor: Send + Sync + 'static {
    /// The host's facts; the PCI devices of the named VMs.
    fn caps(
        &self,
        pci_devices_of: Vec<Uuid>,
    ) -> impl Future<Output = Result<HostCaps, HypervisorError>> + Send;
    /// Starts a transient VM.
    fn create_vm(
        &self,
        vm: VmSpec,
    ) -> impl Future<Output = Result<VmState, HypervisorError>> + Send;
    /// Powers a VM off and forgets it.
    fn destroy_vm(&self, id: Uuid) -> impl Future<Output = Result<(), HypervisorError>> + Send;
    /// The VMs this agent started that run now.
    fn list_vms(&self) -> impl Future<Output = Result<Vec<VmState>, HypervisorError>> + Send;
    /// Plugs a NIC into a running VM and returns it as the host now sees it.
    fn hotplug_nic(
        &self,
        vm: Uuid,
        nic: NicSpec,
    ) -> impl Future<Output = Result<NicState, HypervisorError>> + Send;
    /// Asks the guest to release a NIC and waits until it has, up to the
    /// configured timeout.
    fn hotunplug_nic(
        &self,
        vm: Uuid,
        nic: NicSpec,
    ) -> impl Future<Output = Result<Unplugged, HypervisorError>> + Send;
    /// Sets a plugged NIC's link (cable) to `nic.link_up`, live; the NIC is
    /// found by alias and must carry `nic.mac`.
    fn set_nic_link(
        &self,
        vm: Uuid,
        nic: NicSpec,
    ) -> impl Future<Output = Result<NicState, HypervisorError>> + Send;
}

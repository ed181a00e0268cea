//! A simulated host (`hotnic-agent --simulate`): VMs kept in memory and
//! answered like libvirt's, for scale tests and demos, as oVirt's fake
//! VDSM and Nova's fake driver are. The rules are the real agent's: the
//! lowest free slot of bus 0 (the requested one when free), a MAC unique
//! on the host, a plug of the same NIC again answered as plugged, an unplug
//! of an absent NIC answered as done. Each call can take a set time and
//! fail at a set rate. Correctness tests run on real libvirt, not here.

use crate::hypervisor::{HostCaps, Hypervisor, HypervisorError, NicState, Unplugged, VmState};
use crate::params::{DeviceKind, NicLink, NicSpec, PciAddress, VmSpec};
use crate::slots::{free_slots, HOTPLUG_SLOTS};
use crate::xml::{LiveNic, PciDevice};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

/// Slots 0–2 of bus 0 hold the host bridge, ISA bridge and the balloon
/// (a real guest's virtio-serial): NICs start at 3.
const BALLOON_SLOT: u8 = 2;

/// A simulated VM's devices at PCI addresses: the balloon and its NICs.
fn devices_of(nics: &[NicState]) -> Vec<PciDevice> {
    let balloon = PciDevice { address: PciAddress { domain: 0, bus: 0, slot: BALLOON_SLOT, function: 0 }, element: "memballoon".into(), alias: Some("balloon0".into()) };
    let nics = nics.iter().filter_map(|n| Some(PciDevice { address: n.live.address?, element: "interface".into(), alias: n.live.alias.clone() }));
    std::iter::once(balloon).chain(nics).collect()
}

/// How a simulated host behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Its name in getCaps.
    pub hostname: String,
    /// The bridges it has.
    pub bridges: Vec<String>,
    /// How long every call takes.
    pub latency: Duration,
    /// The share of create, plug and unplug calls that fail (0.0–1.0), with
    /// a libvirt-like error.
    pub failure_rate: f64,
    /// How long getAllVmStats takes on top of `latency` (a slow host;
    /// `Duration::MAX`: one that never answers).
    pub stats_delay: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { hostname: "simulated".into(), bridges: vec!["ovirtmgmt".into()], latency: Duration::ZERO, failure_rate: 0.0, stats_delay: Duration::ZERO }
    }
}

pub struct Simulated {
    config: SimConfig,
    vms: Mutex<BTreeMap<Uuid, VmState>>,
    /// For the failure rate: a small generator, seeded per host.
    dice: AtomicU64,
}

impl Simulated {
    pub fn new(config: SimConfig) -> Self {
        let seed = config.hostname.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |h, b| h.rotate_left(5) ^ u64::from(b)) | 1;
        Simulated { config, vms: Mutex::new(BTreeMap::new()), dice: AtomicU64::new(seed) }
    }

    async fn call(&self) {
        if !self.config.latency.is_zero() {
            tokio::time::sleep(self.config.latency).await;
        }
    }

    /// Fails this call, at the configured rate.
    fn maybe_fail(&self, action: &'static str) -> Result<(), HypervisorError> {
        if self.config.failure_rate <= 0.0 {
            return Ok(());
        }
        // xorshift64: plenty for a failure rate.
        let mut x = self.dice.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.dice.store(x, Ordering::Relaxed);
        if (x % 1_000_000) as f64 / 1_000_000.0 < self.config.failure_rate {
            return Err(HypervisorError::Libvirt { action, message: "simulated failure (--simulate-failure-rate)".into() });
        }
        Ok(())
    }

    fn vms(&self) -> std::sync::MutexGuard<'_, BTreeMap<Uuid, VmState>> {
        self.vms.lock().expect("simulated VMs")
    }
}

/// Attaches `nic` to `vm` by the agent's rules; `others` are the host's
/// other VMs (for the MAC check). Returns the NIC and whether it was new.
fn attach(config: &SimConfig, vm: &mut VmState, others: &[&VmState], nic: &NicSpec) -> Result<(NicState, bool), HypervisorError> {
    let alias = nic.alias();
    let mac = nic.mac.to_string();
    if let Some(existing) = vm.nics.iter().find(|n| n.live.alias.as_deref() == Some(alias.as_str())) {
        let found = existing.live.mac.clone().unwrap_or_default();
        if found != mac {
            return Err(HypervisorError::MacMismatch { alias, found, expected: mac });
        }
        return Ok((existing.clone(), false));
    }
    let holder = std::iter::once(&*vm).chain(others.iter().copied()).find(|v| v.nics.iter().any(|n| n.live.mac.as_deref() == Some(mac.as_str())));
    if let Some(holder) = holder {
        return Err(HypervisorError::MacInUse { mac, vm_name: holder.name.clone() });
    }
    let (kind, bridge) = match &nic.link {
        NicLink::Bridge(bridge) => {
            let name = bridge.to_string();
            if !config.bridges.contains(&name) {
                return Err(HypervisorError::NoSuchNetwork(name));
            }
            ("bridge", Some(name))
        }
        NicLink::Bridgeless => ("ethernet", None),
        other => return Err(HypervisorError::Unsupported { kind: other.kind(), reason: "a simulated host has bridges only".into() }),
    };
    let free = free_slots(&vm.pci_devices);
    let requested = nic.address.filter(|a| free.contains(a));
    let slot = match requested.or(free.first().copied()) {
        Some(address) => address.slot,
        None => return Err(HypervisorError::NoFreePciSlot { total: HOTPLUG_SLOTS.count() }),
    };
    let state = NicState {
        live: LiveNic {
            kind: kind.into(),
            alias: Some(alias),
            mac: Some(mac),
            model: Some(nic.model.as_str().into()),
            bridge,
            source_dev: None,
            tap: Some(nic.tap_name()),
            boot_order: nic.boot_order.map(|b| b.get()),
            address: Some(PciAddress { domain: 0, bus: 0, slot, function: 0 }),
            link_up: nic.link_up,
        },
        mirrored_from: nic.mirror_from.iter().map(ToString::to_string).collect(),
    };
    vm.nics.push(state.clone());
    vm.pci_devices = devices_of(&vm.nics);
    Ok((state, true))
}

impl Hypervisor for Simulated {
    async fn caps(&self, pci_devices_of: Vec<Uuid>) -> Result<HostCaps, HypervisorError> {
        self.call().await;
        let vms = self.vms();
        let pci_devices = pci_devices_of.into_iter().filter_map(|id| vms.get(&id).map(|vm| (id, vm.pci_devices.clone()))).collect();
        Ok(HostCaps {
            hostname: self.config.hostname.clone(),
            libvirt_version: "simulated".into(),
            qemu_version: "simulated".into(),
            bridges: self.config.bridges.clone(),
            nic_kinds: vec![DeviceKind::Bridge, DeviceKind::Bridgeless],
            pci_devices,
        })
    }

    async fn create_vm(&self, spec: VmSpec) -> Result<VmState, HypervisorError> {
        self.call().await;
        self.maybe_fail("starting the VM")?;
        let mut vms = self.vms();
        let name = spec.name.as_str().to_owned();
        if vms.values().any(|vm| vm.id == spec.id || vm.name == name) {
            return Err(HypervisorError::VmExists { id: spec.id, name });
        }
        let mut vm = VmState { id: spec.id, name, status: "Up", nics: Vec::new(), pci_devices: devices_of(&[]) };
        {
            let others: Vec<&VmState> = vms.values().collect();
            for nic in &spec.nics {
                attach(&self.config, &mut vm, &others, nic)?;
            }
        }
        vms.insert(vm.id, vm.clone());
        Ok(vm)
    }

    async fn destroy_vm(&self, id: Uuid) -> Result<(), HypervisorError> {
        self.call().await;
        self.vms().remove(&id).map(drop).ok_or(HypervisorError::NoSuchVm(id))
    }

    async fn list_vms(&self) -> Result<Vec<VmState>, HypervisorError> {
        if self.config.stats_delay == Duration::MAX {
            std::future::pending::<()>().await;
        }
        if !self.config.stats_delay.is_zero() {
            tokio::time::sleep(self.config.stats_delay).await;
        }
        self.call().await;
        Ok(self.vms().values().cloned().collect())
    }

    async fn hotplug_nic(&self, vm: Uuid, nic: NicSpec) -> Result<NicState, HypervisorError> {
        self.call().await;
        self.maybe_fail("attaching the NIC")?;
        let mut vms = self.vms();
        let mut target = vms.remove(&vm).ok_or(HypervisorError::NoSuchVm(vm))?;
        let result = {
            let others: Vec<&VmState> = vms.values().collect();
            attach(&self.config, &mut target, &others, &nic)
        };
        vms.insert(vm, target);
        result.map(|(state, _)| state)
    }

    async fn hotunplug_nic(&self, vm: Uuid, nic: NicSpec) -> Result<Unplugged, HypervisorError> {
        self.call().await;
        self.maybe_fail("detaching the NIC")?;
        let mut vms = self.vms();
        let target = vms.get_mut(&vm).ok_or(HypervisorError::NoSuchVm(vm))?;
        let alias = nic.alias();
        // Absent: already gone, as the real agent answers.
        target.nics.retain(|n| n.live.alias.as_deref() != Some(alias.as_str()));
        target.pci_devices = devices_of(&target.nics);
        Ok(Unplugged { warning: None })
    }

    async fn set_nic_link(&self, vm: Uuid, nic: NicSpec) -> Result<NicState, HypervisorError> {
        self.call().await;
        self.maybe_fail("setting the NIC's link")?;
        let mut vms = self.vms();
        let target = vms.get_mut(&vm).ok_or(HypervisorError::NoSuchVm(vm))?;
        let alias = nic.alias();
        let present = target
            .nics
            .iter_mut()
            .find(|n| n.live.alias.as_deref() == Some(alias.as_str()))
            .ok_or(HypervisorError::NoSuchNic(alias))?;
        crate::hypervisor::check_mac(&present.live, &nic)?;
        present.live.link_up = nic.link_up;
        Ok(present.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{BridgeName, MacAddr, NicModel};

    fn nic(mac: &str, slot: Option<u8>) -> NicSpec {
        NicSpec {
            device_id: Uuid::new_v4(),
            link: NicLink::Bridge(BridgeName::parse("ovirtmgmt").unwrap()),
            mac: mac.parse::<MacAddr>().unwrap(),
            model: NicModel::Virtio,
            address: slot.map(|slot| PciAddress { domain: 0, bus: 0, slot, function: 0 }),
            boot_order: None,
            mirror_from: vec![],
            link_up: true,
        }
    }

    /// A running VM (asked again while a flaky host refuses).
    async fn running(host: &Simulated, name: &str) -> Uuid {
        let id = Uuid::new_v4();
        loop {
            let spec = VmSpec {
                id,
                name: crate::params::VmName::parse(name).unwrap(),
                memory_mib: 128,
                vcpus: 1,
                kernel: None,
                initrd: None,
                cmdline: None,
                drives: vec![],
                nics: vec![],
                serial_console: None,
            };
            if host.create_vm(spec).await.is_ok() {
                return id;
            }
        }
    }

    #[tokio::test]
    async fn slots_macs_and_repeats_follow_the_real_agents_rules() {
        let host = Simulated::new(SimConfig::default());
        let (a, b) = (running(&host, "a").await, running(&host, "b").await);
        let first = nic("02:00:00:00:00:01", None);
        assert_eq!(host.hotplug_nic(a, first.clone()).await.unwrap().live.address.unwrap().slot, 3, "the lowest free slot");
        assert_eq!(host.hotplug_nic(a, first.clone()).await.unwrap().live.address.unwrap().slot, 3, "the same NIC again: plugged");
        assert_eq!(host.hotplug_nic(a, nic("02:00:00:00:00:02", Some(3))).await.unwrap().live.address.unwrap().slot, 4, "a taken slot is replaced");
        assert_eq!(host.hotplug_nic(a, nic("02:00:00:00:00:03", Some(9))).await.unwrap().live.address.unwrap().slot, 9, "a free one is kept");
        let clash = host.hotplug_nic(b, nic("02:00:00:00:00:01", None)).await.unwrap_err();
        assert!(matches!(clash, HypervisorError::MacInUse { .. }), "{clash}");
        host.hotunplug_nic(a, first.clone()).await.unwrap();
        host.hotunplug_nic(a, first.clone()).await.expect("absent: already gone");
        assert_eq!(host.hotplug_nic(a, nic("02:00:00:00:00:04", None)).await.unwrap().live.address.unwrap().slot, 3, "freed slots are reused");
        assert!(matches!(host.hotplug_nic(Uuid::new_v4(), nic("02:00:00:00:00:05", None)).await, Err(HypervisorError::NoSuchVm(_))));
        assert_eq!(host.list_vms().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_full_bus_is_refused_and_failures_come_at_the_rate_asked() {
        let host = Simulated::new(SimConfig::default());
        let vm = running(&host, "full").await;
        for i in (BALLOON_SLOT + 1)..=PciAddress::MAX_SLOT {
            host.hotplug_nic(vm, nic(&format!("02:00:00:00:01:{i:02x}"), None)).await.unwrap();
        }
        let full = host.hotplug_nic(vm, nic("02:00:00:00:02:00", Some(9))).await.unwrap_err();
        assert!(matches!(full, HypervisorError::NoFreePciSlot { total: 30 }), "{full}");
        assert_eq!(host.list_vms().await.unwrap()[0].nics.len(), 29, "nothing was attached");

        let flaky = Simulated::new(SimConfig { failure_rate: 0.5, ..SimConfig::default() });
        let vm = running(&flaky, "flaky").await;
        let mut failed = 0;
        for i in 0..200u32 {
            if flaky.hotunplug_nic(vm, nic(&format!("02:00:00:00:03:{:02x}", i % 256), None)).await.is_err() {
                failed += 1;
            }
        }
        assert!((60..140).contains(&failed), "about half of 200 failed: {failed}");
    }
}

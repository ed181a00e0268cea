//! A host in memory behind the engine's `HostClient` trait, for unit-level
//! tests of interleavings a real guest cannot stage on demand. Every call
//! takes a little time, as a real agent does, so flows and monitoring
//! really overlap. Correctness against real hosts is tested on real
//! libvirt guests (server/tests).

#![allow(dead_code)]

use hotnic_agent_api::client::ClientError;
use hotnic_agent_api::{
    code, Caps, CreateParams, Fingerprint, CreateResult, HotplugNicParams, HotplugNicResult, HotunplugNicParams, HotunplugNicResult,
    NicInfo, PciAddressDict, Status, UpdateDeviceParams, UpdateDeviceResult, VmList, VmStats,
};
use hotnic_engine::host_client::{HostClient, HostTarget};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

/// How slots are chosen for a NIC that asks for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slots {
    /// The lowest free slot, as libvirt does: a freed slot is reused.
    LowestFree,
    /// Not a recently used slot (no collisions to repair): round robin.
    Fresh,
}

pub struct FakeHost {
    pub latency: Duration,
    slots: Slots,
    state: Mutex<State>,
    /// The next getAllVmStats reads the VMs, then waits before it answers
    /// (an answer that arrives late, and stale).
    stats_hold: AnswerHold,
    /// getAllVmStats answered so far.
    stats_polls: std::sync::atomic::AtomicUsize,
    /// The next hotplugNic attaches the NIC, then waits before it answers
    /// (a plug under way, as a pass sees it).
    plug_hold: AnswerHold,
}

/// Holds one answer of a verb, once armed, until the test lets it go.
#[derive(Default)]
struct AnswerHold {
    next: Mutex<Option<std::sync::Arc<tokio::sync::Notify>>>,
    waiting: std::sync::atomic::AtomicBool,
}

impl AnswerHold {
    fn arm(&self) -> std::sync::Arc<tokio::sync::Notify> {
        let hold = std::sync::Arc::new(tokio::sync::Notify::new());
        *self.next.lock().unwrap() = Some(hold.clone());
        hold
    }

    fn waiting(&self) -> bool {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits for the release when armed (once), else returns at once.
    async fn wait_if_armed(&self) {
        let hold = self.next.lock().unwrap().take();
        if let Some(hold) = hold {
            let notified = hold.notified();
            self.waiting.store(true, std::sync::atomic::Ordering::SeqCst);
            notified.await;
            self.waiting.store(false, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

#[derive(Default)]
struct State {
    vms: BTreeMap<Uuid, VmStats>,
    /// NICs whose guest ignores the unplug request (until `release_late`).
    deaf: HashSet<Uuid>,
    next_fresh_slot: u8,
}

const FIRST_SLOT: u8 = 3;

impl FakeHost {
    pub fn new(slots: Slots, latency: Duration) -> Self {
        FakeHost {
            latency,
            slots,
            state: Mutex::new(State { next_fresh_slot: FIRST_SLOT, ..Default::default() }),
            stats_hold: Default::default(),
            stats_polls: Default::default(),
            plug_hold: Default::default(),
        }
    }

    /// How many getAllVmStats the host has answered.
    pub fn stats_polls(&self) -> usize {
        self.stats_polls.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Holds the next hotplugNic answer (the NIC attached already) until
    /// the returned notify fires.
    pub fn hold_next_plug(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.plug_hold.arm()
    }

    /// Whether a hotplugNic is waiting for its hold now.
    pub fn plug_waiting(&self) -> bool {
        self.plug_hold.waiting()
    }

    /// Holds the next getAllVmStats answer until the returned notify fires.
    pub fn hold_next_stats(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.stats_hold.arm()
    }

    /// Whether a getAllVmStats is waiting for its hold now.
    pub fn stats_waiting(&self) -> bool {
        self.stats_hold.waiting()
    }

    /// The guest will ignore the unplug of this NIC: the agent answers 50.
    pub fn ignore_unplug(&self, nic: Uuid) {
        self.state.lock().unwrap().deaf.insert(nic);
    }

    /// The guest lets the NIC go after all, without being asked again.
    pub fn release_late(&self, nic: Uuid) {
        let mut state = self.state.lock().unwrap();
        state.deaf.remove(&nic);
        for vm in state.vms.values_mut() {
            vm.nics.retain(|n| n.device_id != Some(nic));
        }
    }

    /// Someone starts the VM on this host by hand, behind hotnic's back.
    pub fn start_behind_hotnics_back(&self, vm: Uuid) {
        let stats = VmStats { vm_id: vm, vm_name: "by hand".into(), status: "Up".into(), nics: vec![], pci_slots: None };
        self.state.lock().unwrap().vms.insert(vm, stats);
    }

    /// (NIC id, slot) of what the VM holds now.
    pub fn nics_of(&self, vm: Uuid) -> Vec<(Uuid, u8)> {
        let state = self.state.lock().unwrap();
        let mut nics: Vec<(Uuid, u8)> = state
            .vms
            .get(&vm)
            .map(|v| v.nics.iter().map(|n| (n.device_id.unwrap(), slot_of(n))).collect())
            .unwrap_or_default();
        nics.sort();
        nics
    }

    async fn pause(&self) {
        tokio::time::sleep(self.latency).await;
    }

    /// hotplugNic's work, before any hold.
    async fn attach_nic(&self, params: &HotplugNicParams) -> Result<HotplugNicResult, ClientError> {
        self.pause().await;
        let mut state = self.state.lock().unwrap();
        let vm = state.vms.get(&params.vm_id).ok_or_else(|| refused(code::NO_VM, "no such VM"))?;
        // As the real agent: the same NIC again is plugged already; the
        // same device with another MAC is refused.
        if let Some(existing) = vm.nics.iter().find(|n| n.device_id == Some(params.nic.device_id)) {
            if existing.mac_addr == params.nic.mac_addr {
                return Ok(HotplugNicResult { vm_id: params.vm_id, nic: existing.clone() });
            }
            return Err(refused(code::HOTPLUG_NIC_FAILED, "the VM has this NIC with another MAC"));
        }
        let info = self.attach(&mut state, params.vm_id, &params.nic)?;
        state.vms.get_mut(&params.vm_id).unwrap().nics.push(info.clone());
        Ok(HotplugNicResult { vm_id: params.vm_id, nic: info })
    }

    fn attach(&self, state: &mut State, vm: Uuid, params: &hotnic_agent_api::NicParams) -> Result<NicInfo, ClientError> {
        let taken: HashSet<u8> = state.vms.get(&vm).map(|v| v.nics.iter().map(slot_of).collect()).unwrap_or_default();
        let requested = params.address.as_ref().map(|a| u8::from_str_radix(a.slot.trim_start_matches("0x"), 16).unwrap());
        // Like the agent: a requested slot that is taken is replaced.
        let requested = requested.filter(|slot| !taken.contains(slot));
        let slot = match (requested, self.slots) {
            (Some(slot), _) => slot,
            (None, Slots::LowestFree) => (FIRST_SLOT..32).find(|s| !taken.contains(s)).expect("a free slot"),
            // Round robin over the bus's 32 slots, skipping taken ones: a
            // freed slot comes back only after all the others (a real bus
            // has no slot past 0x1f, and hotnic refuses an answer naming one).
            (None, Slots::Fresh) => {
                let slot = (0..32 - FIRST_SLOT)
                    .map(|i| FIRST_SLOT + (state.next_fresh_slot - FIRST_SLOT + i) % (32 - FIRST_SLOT))
                    .find(|s| !taken.contains(s))
                    .expect("a free slot");
                state.next_fresh_slot = if slot == 31 { FIRST_SLOT } else { slot + 1 };
                slot
            }
        };
        Ok(NicInfo {
            alias: format!("ua-{}", params.device_id),
            device_id: Some(params.device_id),
            mac_addr: params.mac_addr.clone(),
            nic_model: params.nic_model.clone(),
            device: params.device.clone(),
            network: params.network.clone(),
            name: None,
            address: Some(PciAddressDict::pci(0, 0, slot, 0)),
            boot_order: params.boot_order,
            promisc: vec![],
            link_active: params.link_up(),
        })
    }
}

fn slot_of(nic: &NicInfo) -> u8 {
    let slot = &nic.address.as_ref().expect("fake NICs have addresses").slot;
    u8::from_str_radix(slot.trim_start_matches("0x"), 16).unwrap()
}

fn refused(code: i32, message: &str) -> ClientError {
    ClientError::Agent(Status::new(code, message))
}

#[async_trait::async_trait]
impl HostClient for FakeHost {
    async fn probe_fingerprint(&self, _agent_url: &str) -> Result<Fingerprint, ClientError> {
        self.pause().await;
        Ok(Fingerprint::of_der(b"fake host"))
    }

    async fn get_caps(&self, _host: &HostTarget, _params: &hotnic_agent_api::GetCapsParams) -> Result<Caps, ClientError> {
        self.pause().await;
        Ok(Caps {
            api_version: hotnic_agent_api::API_VERSION,
            hostname: "fake".into(),
            libvirt_version: "9.0.0".into(),
            qemu_version: "7.2.0".into(),
            bridges: vec!["ovirtmgmt".into()],
            images: vec![],
            nic_devices: vec!["bridge".into()],
            nic_models: vec!["pv".into()],
            free_pci_slots: Default::default(),
            pci_slot_maps: Default::default(),
        })
    }

    async fn create(&self, _host: &HostTarget, params: &CreateParams) -> Result<CreateResult, ClientError> {
        self.pause().await;
        let mut state = self.state.lock().unwrap();
        let mut vm = VmStats { vm_id: params.vm_id, vm_name: params.vm_name.clone(), status: "Up".into(), nics: vec![], pci_slots: None };
        state.vms.insert(params.vm_id, vm.clone());
        for nic in &params.nics {
            let info = self.attach(&mut state, params.vm_id, nic)?;
            state.vms.get_mut(&params.vm_id).unwrap().nics.push(info);
        }
        vm.nics = state.vms[&params.vm_id].nics.clone();
        Ok(CreateResult { vm })
    }

    async fn destroy(&self, _host: &HostTarget, vm_id: Uuid) -> Result<(), ClientError> {
        self.pause().await;
        self.state.lock().unwrap().vms.remove(&vm_id).map(drop).ok_or_else(|| refused(code::NO_VM, "no such VM"))
    }

    async fn get_all_vm_stats(&self, _host: &HostTarget) -> Result<VmList, ClientError> {
        self.pause().await;
        let stats_list = self.state.lock().unwrap().vms.values().cloned().collect();
        self.stats_hold.wait_if_armed().await;
        self.stats_polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(VmList { stats_list })
    }

    async fn hotplug_nic(&self, _host: &HostTarget, params: &HotplugNicParams) -> Result<HotplugNicResult, ClientError> {
        let answer = self.attach_nic(params).await;
        self.plug_hold.wait_if_armed().await;
        answer
    }
    async fn hotunplug_nic(&self, _host: &HostTarget, params: &HotunplugNicParams) -> Result<HotunplugNicResult, ClientError> {
        self.pause().await;
        let mut state = self.state.lock().unwrap();
        if state.deaf.contains(&params.nic.device_id) {
            let reason = "guest did not release the device";
            let status = hotnic_agent_api::Status::failed(code::HOTUNPLUG_NIC_FAILED, hotnic_agent_api::FailureKind::GuestDidNotRelease, reason, reason);
            return Err(ClientError::Agent(status));
        }
        let vm = state.vms.get_mut(&params.vm_id).ok_or_else(|| refused(code::NO_VM, "no such VM"))?;
        let before = vm.nics.len();
        vm.nics.retain(|n| n.device_id != Some(params.nic.device_id));
        if vm.nics.len() == before {
            return Err(refused(code::HOTUNPLUG_NIC_FAILED, "the VM has no such NIC"));
        }
        Ok(HotunplugNicResult { vm_id: params.vm_id })
    }

    async fn update_device(&self, _host: &HostTarget, params: &UpdateDeviceParams) -> Result<UpdateDeviceResult, ClientError> {
        self.pause().await;
        let mut state = self.state.lock().unwrap();
        let vm = state.vms.get_mut(&params.vm_id).ok_or_else(|| refused(code::NO_VM, "no such VM"))?;
        let nic = vm
            .nics
            .iter_mut()
            .find(|n| n.device_id == Some(params.nic.device_id))
            .ok_or_else(|| refused(code::UPDATE_DEVICE_FAILED, "the VM has no such NIC"))?;
        nic.link_active = params.nic.link_up();
        Ok(UpdateDeviceResult { vm_id: params.vm_id, nic: nic.clone() })
    }
}

/// A cluster ("c", level 4.7) with network ovirtmgmt and the engine's fake
/// host registered in it; returns the cluster id.
pub async fn cluster_with_fake_host(engine: &hotnic_engine::Engine) -> Uuid {
    use hotnic_engine::{clusters, hosts, networks};
    use hotnic_model::{NewCluster, NewHost, NewNetwork};
    let admin = crate::common::admin();
    let db = engine.db();
    let cluster = clusters::create_cluster(db, &admin, NewCluster { name: "c".into(), compatibility_version: "4.7".into() }).await.unwrap();
    networks::create_network(db, &admin, NewNetwork { name: "ovirtmgmt".into(), cluster_id: cluster.id, kind: "bridge".into() })
        .await
        .unwrap();
    let new_host = NewHost {
        name: "fake".into(),
        cluster_id: cluster.id,
        agent_url: "https://127.0.0.1:9".into(),
        token: "fake-token-0123456789".into(),
        fingerprint: None,
    };
    hosts::create_host(engine, &admin, new_host).await.unwrap();
    cluster.id
}

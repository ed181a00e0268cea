//! The real [`Hypervisor`]: libvirt through the `virt` crate. Blocking
//! libvirt calls run on tokio's blocking pool. Hot unplug is two-phase: the
//! asynchronous `virDomainDetachDeviceAlias`, then waiting for libvirt's
//! device-removed event, with the live XML checked about every second, up
//! to the unplug timeout. A booting guest ignores an eject request it gets
//! before its ACPI hot plug driver is up, so the request is sent again
//! every [`UNPLUG_RESEND`] (as Nova's libvirt driver does); a guest that
//! refuses (libvirt's device-removal-failed event) ends the wait at once.
//!
//! A running domain reads "Powering up" until its guest has booted: the
//! guest agent's port is open, or the boot grace has passed since start.

use std::{
    collections::BTreeMap,
    ffi::{c_char, c_int, c_void, CStr, CString},
    ptr,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use tokio::{sync::broadcast, time::Instant};
use uuid::Uuid;
use virt::{
    connect::Connect,
    domain::{Domain, DomainState, DomainStateEnum},
    enumutil::Enum,
    error::ErrorNumber,
    sys,
};

use crate::{
    hostnet,
    hypervisor::{HostCaps, Hypervisor, HypervisorError, NicState, Unplugged, VmState},
    mirror::Mirrors,
    params::{NicLink, NicSpec, VmSpec},
    xml::{self, LiveDomain},
};

/// How often the live XML is checked while waiting for an unplug.
const UNPLUG_POLL: Duration = Duration::from_secs(1);
/// How often an unplug the guest has not answered is requested again.
const UNPLUG_RESEND: Duration = Duration::from_secs(2);

/// What libvirt reports about a device removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Removal {
    Done,
    /// The guest refused (libvirt's device-removal-failed event).
    Failed,
}

/// A device-removal event of a domain.
#[derive(Debug, Clone)]
struct DeviceEvent {
    vm: Uuid,
    alias: String,
    removal: Removal,
}

/// libvirt on one host.
pub struct Libvirt {
    uri: String,
    unplug_timeout: Duration,
    boot_grace: Duration,
    connection: Mutex<Option<Arc<Connection>>>,
    events: broadcast::Sender<DeviceEvent>,
    mirrors: Mirrors,
    plug_lock: tokio::sync::Mutex<()>,
}

/// An open connection with our device-removal callbacks registered.
struct Connection {
    conn: Connect,
    callback_ids: Vec<c_int>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        for id in &self.callback_ids {
            // SAFETY: the connection is open; the id came from RegisterAny on it.
            unsafe { sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), *id) };
        }
    }
}

fn libvirt_error(action: &'static str) -> impl FnOnce(virt::error::Error) -> HypervisorError {
    move |err| HypervisorError::Libvirt {
        action,
        message: err.message().to_owned(),
    }
}

fn is_no_domain(err: &virt::error::Error) -> bool {
    err.code() == Enum::Known(ErrorNumber::NoDomain)
}

impl Libvirt {
    /// Connects now, so a wrong URI or a stopped libvirtd fails the start.
    pub fn connect(
        uri: &str,
        unplug_timeout: Duration,
        boot_grace: Duration,
    ) -> Result<Self, HypervisorError> {
        let (events, _) = broadcast::channel(256);
        let libvirt = Libvirt {
            uri: uri.to_owned(),
            unplug_timeout,
            boot_grace,
            connection: Mutex::new(None),
            events,
            mirrors: Mirrors::default(),
            plug_lock: tokio::sync::Mutex::new(()),
        };
        libvirt.connection()?;
        Ok(libvirt)
    }

    /// The open connection, reopened when libvirtd went away.
    fn connection(&self) -> Result<Arc<Connection>, HypervisorError> {
        let mut slot = self.connection.lock().expect("connection lock");
        if let Some(conn) = slot.as_ref() {
            if conn.conn.is_alive().unwrap_or(false) {
                return Ok(conn.clone());
            }
            tracing::warn!(uri = %self.uri, "libvirt connection lost; reconnecting");
        }
        start_event_loop()?;
        let conn =
            Connect::open(Some(&self.uri)).map_err(libvirt_error("connecting to libvirt"))?;
        let mut callback_ids = Vec::new();
        for removal in [Removal::Done, Removal::Failed] {
            match register_removal_events(&conn, removal, self.events.clone()) {
                Ok(id) => callback_ids.push(id),
                Err(err) => {
                    drop(Connection { conn, callback_ids });
                    return Err(err);
                }
            }
        }
        let conn = Arc::new(Connection { conn, callback_ids });
        *slot = Some(conn.clone());
        Ok(conn)
    }

    /// Runs blocking libvirt calls on the blocking pool.
    async fn blocking<T, F>(&self, f: F) -> Result<T, HypervisorError>
    where
        T: Send + 'static,
        F: FnOnce(&Connect) -> Result<T, HypervisorError> + Send + 'static,
    {
        let conn = self.connection()?;
        tokio::task::spawn_blocking(move || f(&conn.conn))
            .await
            .map_err(|e| HypervisorError::Internal(format!("libvirt worker: {e}")))?
    }

    /// Asks the guest to release the device, again every [`UNPLUG_RESEND`]
    /// while it is still there, and waits until it is gone, the guest
    /// refuses, or the unplug timeout passes.
    async fn unplug(&self, vm: Uuid, alias: &str) -> Result<(), HypervisorError> {
        let mut events = self.events.subscribe();
        let started = Instant::now();
        let deadline = started + self.unplug_timeout;
        let mut requests = 0u32;
        let mut next_request = started;
        loop {
            if self.live(vm).await?.nic_by_alias(alias).is_none() {
                tracing::debug!(%vm, alias, requests, elapsed_ms = started.elapsed().as_millis() as u64, "device released");
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(HypervisorError::NotReleased {
                    alias: alias.to_owned(),
                    waited: self.unplug_timeout,
                });
            }
            if now >= next_request {
                self.request_detach(vm, alias, requests).await?;
                requests += 1;
                next_request = now + UNPLUG_RESEND;
            }
            let tick = UNPLUG_POLL.min(deadline - now).min(next_request - now);
            tokio::select! {
                removal = removal_event(&mut events, vm, alias) => {
                    if removal == Some(Removal::Failed) {
                        return Err(HypervisorError::RemovalRefused { alias: alias.to_owned() });
                    }
                }
                () = tokio::time::sleep(tick) => {}
            }
        }
    }

    /// One `virDomainDetachDeviceAlias`. A repeated request that libvirt
    /// turns down (one is already pending) is not a failure: the wait goes
    /// on; the first request must be accepted.
    async fn request_detach(&self, vm: Uuid, alias: &str, earlier: u32) -> Result<(), HypervisorError> {
        let alias_owned = alias.to_owned();
        let sent = self
            .blocking(move |conn| {
                let dom = lookup(conn, vm)?;
                detach_by_alias(&dom, &alias_owned).map_err(libvirt_error("detaching the NIC"))
            })
            .await;
        match sent {
            Err(HypervisorError::Libvirt { message, .. }) if earlier > 0 => {
                tracing::debug!(%vm, alias, earlier, %message, "repeated detach request turned down");
                Ok(())
            }
            other => other,
        }
    }

    async fn live(&self, vm: Uuid) -> Result<LiveDomain, HypervisorError> {
        self.blocking(move |conn| live_xml(&lookup(conn, vm)?))
            .await
    }

    fn check_nic_supported(nic: &NicSpec) -> Result<(), HypervisorError> {
        let kind = nic.link.kind();
        if let Some(reason) = hostnet::missing_support(kind) {
            return Err(HypervisorError::Unsupported {
                kind,
                reason: reason.to_owned(),
            });
        }
        match &nic.link {
            NicLink::Bridge(bridge) if !hostnet::is_bridge(bridge.as_str()) => {
                Err(HypervisorError::NoSuchNetwork(bridge.to_string()))
            }
            NicLink::Vnlink(dev) if !hostnet::device_exists(dev.as_str()) => {
                Err(HypervisorError::NoSuchNetwork(dev.to_string()))
            }
            _ => Ok(()),
        }
    }

    /// The NICs of a live domain with the bridges mirrored to each, from
    /// one [`Mirrors::current`] scan (shared by all VMs of a listing: each
    /// scan runs `tc` on every bridge of the host).
    fn nic_states(live: &LiveDomain, mirrors: &BTreeMap<String, Vec<String>>) -> Vec<NicState> {
        live.nics
            .iter()
            .map(|nic| NicState {
                live: nic.clone(),
                mirrored_from: nic
                    .alias
                    .as_deref()
                    .and_then(crate::params::device_id_of)
                    .map(|id| Mirrors::bridges_of(mirrors, id))
                    .unwrap_or_default(),
            })
            .collect()
    }
}

impl Hypervisor for Libvirt {
    async fn caps(&self, pci_devices_of: Vec<Uuid>) -> Result<HostCaps, HypervisorError> {
        let (hostname, libvirt_version, qemu_version, pci_devices) = self
            .blocking(move |conn| {
                let hostname = conn
                    .hostname()
                    .map_err(libvirt_error("reading the hostname"))?;
                let lib = conn
                    .lib_version()
                    .map_err(libvirt_error("reading the libvirt version"))?;
                let hyp = conn
                    .hyp_version()
                    .map_err(libvirt_error("reading the QEMU version"))?;
                let mut devices = BTreeMap::new();
                for vm in pci_devices_of {
                    devices.insert(vm, live_xml(&lookup(conn, vm)?)?.pci_devices);
                }
                Ok((hostname, version(lib), version(hyp), devices))
            })
            .await?;
        Ok(HostCaps {
            hostname,
            libvirt_version,
            qemu_version,
            bridges: hostnet::bridges(),
            nic_kinds: hostnet::supported_kinds(),
            pci_devices,
        })
    }

    async fn create_vm(&self, vm: VmSpec) -> Result<VmState, HypervisorError> {
        for nic in &vm.nics {
            Self::check_nic_supported(nic)?;
        }
        let domain_xml = xml::domain_xml(&vm, unix_ms_now()).map_err(|e| HypervisorError::Unsupported {
            kind: crate::params::DeviceKind::Sriov,
            reason: e.to_string(),
        })?;
        let (id, name) = (vm.id, vm.name.as_str().to_owned());
        let (live, state) = self
            .blocking(move |conn| {
                let exists = conn.lookup_domain_by_uuid_string(&id.to_string()).is_ok()
                    || conn.lookup_domain_by_name(&name).is_ok();
                if exists {
                    return Err(HypervisorError::VmExists { id, name });
                }
                let dom = conn
                    .create_domain_xml(&domain_xml, 0)
                    .map_err(libvirt_error("starting the VM"))?;
                let state = dom.state().map(|(state, _)| state).ok();
                Ok((live_xml(&dom)?, state))
            })
            .await?;
        let status = vdsm_status(state, &live, self.boot_grace, unix_ms_now());
        for nic in vm.nics.iter().filter(|n| !n.mirror_from.is_empty()) {
            let tap = live
                .nic_by_alias(&nic.alias())
                .and_then(|n| n.tap.clone())
                .unwrap_or_default();
            if let Err(mirror) = self
                .mirrors
                .add(&nic.mirror_from, &tap, nic.device_id)
                .await
            {
                return Err(match self.destroy_vm(vm.id).await {
                    Ok(()) => HypervisorError::MirroringRolledBack(mirror),
                    Err(rollback) => HypervisorError::RollbackFailed {
                        mirror,
                        rollback: Box::new(rollback),
                    },
                });
            }
        }
        let nics = Self::nic_states(&live, &self.mirrors.current().await);
        Ok(VmState {
            id: live.uuid,
            name: live.name,
            status,
            nics,
            pci_devices: live.pci_devices,
        })
    }

    async fn destroy_vm(&self, id: Uuid) -> Result<(), HypervisorError> {
        let live = self
            .blocking(move |conn| {
                let dom = lookup(conn, id)?;
                let live = live_xml(&dom)?;
                dom.destroy().map_err(|e| {
                    if is_no_domain(&e) {
                        HypervisorError::NoSuchVm(id)
                    } else {
                        libvirt_error("destroying the VM")(e)
                    }
                })?;
                Ok(live)
            })
            .await?;
        for device_id in live
            .nics
            .iter()
            .filter_map(|n| n.alias.as_deref().and_then(crate::params::device_id_of))
        {
            if let Err(err) = self.mirrors.remove(device_id).await {
                tracing::warn!(vm = %id, %device_id, error = %err, "mirror left behind after destroy");
            }
        }
        Ok(())
    }

    async fn list_vms(&self) -> Result<Vec<VmState>, HypervisorError> {
        let domains = self
            .blocking(|conn| {
                let doms = conn
                    .list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
                    .map_err(libvirt_error("listing VMs"))?;
                let mut found = Vec::new();
                for dom in doms {
                    let ours = dom
                        .metadata(
                            sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
                            Some(xml::METADATA_NS),
                            0,
                        )
                        .is_ok();
                    if !ours {
                        continue;
                    }
                    // A VM may vanish between listing and reading: skip it.
                    if let Ok(live) = live_xml(&dom) {
                        let state = dom.state().map(|(state, _)| state).ok();
                        found.push((live, state));
                    }
                }
                Ok(found)
            })
            .await?;
        let mirrors = self.mirrors.current().await;
        let mut vms = Vec::new();
        for (live, state) in domains {
            let status = vdsm_status(state, &live, self.boot_grace, unix_ms_now());
            let nics = Self::nic_states(&live, &mirrors);
            vms.push(VmState {
                id: live.uuid,
                name: live.name,
                status,
                nics,
                pci_devices: live.pci_devices,
            });
        }
        Ok(vms)
    }

    async fn hotplug_nic(&self, vm: Uuid, nic: NicSpec) -> Result<NicState, HypervisorError> {
        Self::check_nic_supported(&nic)?;
        let alias = nic.alias();
        // The checks and the attach are one step on this host: no other
        // plug through this agent runs between them.
        let _one_at_a_time = self.plug_lock.lock().await;
        let spec = nic.clone();
        let (live, attached) = self
            .blocking(move |conn| attach_checked(conn, vm, spec))
            .await?;
        if !attached {
            tracing::info!(%vm, %alias, "already plugged with this MAC: answered as plugged");
        }
        let plugged = live.nic_for(&alias, &nic.mac.to_string()).cloned().ok_or_else(|| {
            HypervisorError::Internal(format!("{alias} attached but missing from the live XML"))
        })?;
        if attached && !nic.mirror_from.is_empty() {
            let tap = plugged.tap.clone().unwrap_or_default();
            if let Err(mirror) = self
                .mirrors
                .add(&nic.mirror_from, &tap, nic.device_id)
                .await
            {
                return Err(match self.unplug(vm, &alias).await {
                    Ok(()) => HypervisorError::MirroringRolledBack(mirror),
                    Err(rollback) => HypervisorError::RollbackFailed {
                        mirror,
                        rollback: Box::new(rollback),
                    },
                });
            }
        }
        let mirrored_from = nic.mirror_from.iter().map(ToString::to_string).collect();
        Ok(NicState {
            live: plugged,
            mirrored_from,
        })
    }

    async fn hotunplug_nic(&self, vm: Uuid, nic: NicSpec) -> Result<Unplugged, HypervisorError> {
        let alias = nic.alias();
        let live = self.live(vm).await?;
        let present = live
            .nic_for(&alias, &nic.mac.to_string())
            .ok_or_else(|| HypervisorError::NoSuchNic(alias.clone()))?;
        crate::hypervisor::check_mac(present, &nic)?;
        // An adopted NIC keeps the alias it was attached with.
        let alias = present.alias.clone().unwrap_or(alias);
        self.unplug(vm, &alias).await?;
        let warning = match self.mirrors.remove(nic.device_id).await {
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(%vm, %alias, error = %err, "mirror left behind after unplug");
                Some(format!("the NIC is gone but {err}"))
            }
        };
        Ok(Unplugged { warning })
    }

    async fn set_nic_link(&self, vm: Uuid, nic: NicSpec) -> Result<NicState, HypervisorError> {
        let alias = nic.alias();
        let mirrored_from = nic.mirror_from.iter().map(ToString::to_string).collect();
        let live = self.blocking(move |conn| link_checked(conn, vm, nic)).await?;
        let now = live.nic_by_alias(&alias).cloned().ok_or(HypervisorError::NoSuchNic(alias))?;
        Ok(NicState { live: now, mirrored_from })
    }
}

/// Sets the link of `nic` (found by alias, with its MAC) as `virsh
/// domif-setlink` does: the device described as it is, but for `<link>`,
/// since libvirt refuses any other change to a live NIC. Returns the live
/// domain; a link already so is left alone.
fn link_checked(conn: &Connect, vm: Uuid, mut nic: NicSpec) -> Result<LiveDomain, HypervisorError> {
    let alias = nic.alias();
    let dom = lookup(conn, vm)?;
    let live = live_xml(&dom)?;
    let present = match (live.nic_by_alias(&alias), live.nic_for(&alias, &nic.mac.to_string())) {
        (Some(present), _) => present,
        // The device XML names hotnic's alias, which this NIC lacks.
        (None, Some(adopted)) => {
            return Err(HypervisorError::Unsupported {
                kind: nic.link.kind(),
                reason: format!(
                    "NIC {} was attached behind hotnic's back (alias {}); its link can change after the VM's next start",
                    nic.mac,
                    adopted.alias.as_deref().unwrap_or("none")
                ),
            })
        }
        (None, None) => return Err(HypervisorError::NoSuchNic(alias)),
    };
    crate::hypervisor::check_mac(present, &nic)?;
    if present.link_up == nic.link_up {
        return Ok(live);
    }
    nic.address = present.address;
    nic.boot_order = present.boot_order.and_then(std::num::NonZeroU32::new);
    let device_xml = xml::interface_xml(&nic).map_err(|e| HypervisorError::Unsupported { kind: nic.link.kind(), reason: e.to_string() })?;
    dom.update_device_flags(&device_xml, sys::VIR_DOMAIN_AFFECT_LIVE)
        .map_err(libvirt_error("setting the NIC's link"))?;
    live_xml(&dom)
}

/// Plugs `nic` into `vm` after checking, against every domain on the host
/// (ours or not): its MAC is nobody else's, and its requested PCI slot is
/// free (else libvirt picks one). The same NIC already plugged with the
/// same MAC is success, not an error (a retried plug). Returns the live
/// domain and whether a device was attached.
fn attach_checked(conn: &Connect, vm: Uuid, mut nic: NicSpec) -> Result<(LiveDomain, bool), HypervisorError> {
    let alias = nic.alias();
    let mac = nic.mac.to_string();
    let dom = lookup(conn, vm)?;
    let live = live_xml(&dom)?;
    if let Some(present) = live.nic_for(&alias, &mac) {
        return match present.mac.as_deref() {
            Some(found) if found.eq_ignore_ascii_case(&mac) => Ok((live, false)),
            found => Err(HypervisorError::MacMismatch {
                alias,
                found: found.unwrap_or_default().to_owned(),
                expected: mac,
            }),
        };
    }
    let domains = conn
        .list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
        .map_err(libvirt_error("listing VMs"))?;
    for other in domains {
        // A domain may vanish between listing and reading: skip it.
        let Ok(other) = live_xml(&other) else { continue };
        if other.nics.iter().any(|n| n.mac.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(&mac))) {
            return Err(HypervisorError::MacInUse { mac, vm_name: other.name });
        }
    }
    if let Some(wanted) = nic.address.filter(|a| live.holds(*a)) {
        tracing::info!(%vm, %alias, ?wanted, "requested PCI slot is taken; libvirt picks one");
        nic.address = None;
    }
    // Refused here, not by libvirt's "No more available PCI slots": the
    // caller learns why, and the domain is not touched.
    if nic.address.is_none() && crate::slots::free_slots(&live.pci_devices).is_empty() {
        return Err(HypervisorError::NoFreePciSlot { total: crate::slots::HOTPLUG_SLOTS.count() });
    }
    let device_xml = xml::interface_xml(&nic).map_err(|e| HypervisorError::Unsupported {
        kind: nic.link.kind(),
        reason: e.to_string(),
    })?;
    dom.attach_device_flags(&device_xml, sys::VIR_DOMAIN_AFFECT_LIVE)
        .map_err(libvirt_error("attaching the NIC"))?;
    Ok((live_xml(&dom)?, true))
}

fn lookup(conn: &Connect, vm: Uuid) -> Result<Domain, HypervisorError> {
    conn.lookup_domain_by_uuid_string(&vm.to_string())
        .map_err(|err| {
            if is_no_domain(&err) {
                HypervisorError::NoSuchVm(vm)
            } else {
                libvirt_error("looking up the VM")(err)
            }
        })
}

fn live_xml(dom: &Domain) -> Result<LiveDomain, HypervisorError> {
    let text = dom
        .xml_desc(0)
        .map_err(libvirt_error("reading the live domain XML"))?;
    Ok(xml::parse_live(&text)?)
}

/// VDSM's word for a domain's state. A running domain is "Powering up"
/// until its guest can take hot plug events: its guest agent's port is
/// open, or `boot_grace` has passed since the agent started it (a guest
/// without an agent; a domain with no recorded start counts as booted).
fn vdsm_status(state: Option<DomainStateEnum>, live: &LiveDomain, boot_grace: Duration, now_ms: u64) -> &'static str {
    match state {
        Some(Enum::Known(DomainState::Running | DomainState::Blocked)) => {
            let agent_up = live.guest_agent_connected == Some(true);
            let grace_over = live
                .started_ms
                .is_none_or(|started| now_ms.saturating_sub(started) >= boot_grace.as_millis() as u64);
            if agent_up || grace_over { "Up" } else { "Powering up" }
        }
        Some(Enum::Known(DomainState::Paused)) => "Paused",
        Some(Enum::Known(DomainState::Shutdown)) => "Powering down",
        Some(Enum::Known(DomainState::PMSuspended)) => "Suspended",
        Some(Enum::Known(DomainState::Shutoff | DomainState::Crashed)) => "Down",
        _ => "Unknown",
    }
}

fn unix_ms_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// libvirt's `major * 1_000_000 + minor * 1000 + release` as `major.minor.release`.
fn version(n: u32) -> String {
    format!("{}.{}.{}", n / 1_000_000, n / 1000 % 1000, n % 1000)
}

/// The free slots of the root PCI bus (slots 0 and 1 belong to the host
/// bridge and the PIIX3 chipset of the `pc` machine).
/// `virDomainDetachDeviceAlias`, which `virt` 0.5 does not wrap: it returns
/// once the guest was asked, without libvirt's own 5 s wait.
fn detach_by_alias(dom: &Domain, alias: &str) -> Result<(), virt::error::Error> {
    let alias = CString::new(alias).expect("aliases have no NUL");
    // SAFETY: `dom` is a live domain handle and `alias` a valid C string for
    // the duration of the call.
    let ret = unsafe {
        sys::virDomainDetachDeviceAlias(dom.as_ptr(), alias.as_ptr(), sys::VIR_DOMAIN_AFFECT_LIVE)
    };
    if ret < 0 {
        return Err(virt::error::Error::last_error());
    }
    Ok(())
}

/// Resolves with what libvirt reports about the removal of `alias` from
/// `vm`, or with None when events were lost (the caller looks at the live
/// XML again).
async fn removal_event(events: &mut broadcast::Receiver<DeviceEvent>, vm: Uuid, alias: &str) -> Option<Removal> {
    loop {
        match events.recv().await {
            Ok(event) if event.vm == vm && event.alias == alias => return Some(event.removal),
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => return None,
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

/// libvirt delivers events only with an event loop running: the default
/// implementation, on a thread of its own, once per process.
fn start_event_loop() -> Result<(), HypervisorError> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            // Errors reach callers as values; libvirt need not print them too.
            virt::error::clear_error_callback();
            virt::event::event_register_default_impl().map_err(|e| e.message().to_owned())?;
            std::thread::Builder::new()
                .name("libvirt-events".into())
                .spawn(|| loop {
                    if let Err(err) = virt::event::event_run_default_impl() {
                        tracing::error!(error = %err, "libvirt event loop");
                        std::thread::sleep(Duration::from_millis(100));
                    }
                })
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|message| HypervisorError::Libvirt {
            action: "starting the libvirt event loop",
            message,
        })
}

/// Registers the device-removed (or device-removal-failed) callback for all
/// domains of `conn`; both events carry the same arguments.
fn register_removal_events(
    conn: &Connect,
    removal: Removal,
    sender: broadcast::Sender<DeviceEvent>,
) -> Result<c_int, HypervisorError> {
    type Opaque = (Removal, broadcast::Sender<DeviceEvent>);

    unsafe extern "C" fn on_event(
        _conn: sys::virConnectPtr,
        dom: sys::virDomainPtr,
        alias: *const c_char,
        opaque: *mut c_void,
    ) {
        // SAFETY: opaque is the Box<Opaque> registered below, alive until
        // `free_opaque`; libvirt passes a valid domain and alias string.
        let (removal, sender) = unsafe { &*(opaque as *const Opaque) };
        let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
        if alias.is_null() || unsafe { sys::virDomainGetUUIDString(dom, buf.as_mut_ptr()) } != 0 {
            return;
        }
        let uuid = unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_str()
            .ok()
            .and_then(|s| Uuid::parse_str(s).ok());
        let alias = unsafe { CStr::from_ptr(alias) }
            .to_string_lossy()
            .into_owned();
        if let Some(vm) = uuid {
            let _ = sender.send(DeviceEvent { vm, alias, removal: *removal });
        }
    }
    unsafe extern "C" fn free_opaque(opaque: *mut c_void) {
        // SAFETY: opaque came from Box::into_raw below and is freed once.
        drop(unsafe { Box::from_raw(opaque as *mut Opaque) });
    }

    let event_id = match removal {
        Removal::Done => sys::VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
        Removal::Failed => sys::VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
    };
    let opaque = Box::into_raw(Box::new((removal, sender))) as *mut c_void;
    let callback: sys::virConnectDomainEventDeviceRemovedCallback = Some(on_event);
    // SAFETY: libvirt calls the callback with the signature of the event id
    // it was registered for (device-removal-failed has the same one); the
    // generic type is only the C API's carrier.
    let generic: sys::virConnectDomainEventGenericCallback =
        unsafe { std::mem::transmute(callback) };
    let id = unsafe {
        sys::virConnectDomainEventRegisterAny(
            conn.as_ptr(),
            ptr::null_mut(),
            event_id as c_int,
            generic,
            opaque,
            Some(free_opaque),
        )
    };
    if id < 0 {
        // SAFETY: libvirt did not take ownership on failure.
        drop(unsafe { Box::from_raw(opaque as *mut Opaque) });
        return Err(libvirt_error("subscribing to device-removal events")(
            virt::error::Error::last_error(),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_domain_is_powering_up_until_its_guest_has_booted() {
        let running = Some(Enum::Known(DomainState::Running));
        let grace = Duration::from_secs(30);
        let domain = |started_ms, guest_agent_connected| LiveDomain {
            name: "t".into(),
            uuid: Uuid::nil(),
            nics: vec![],
            pci_devices: vec![],
            started_ms,
            guest_agent_connected,
        };
        let start = 1_000_000;
        let cases = [
            (domain(Some(start), Some(false)), start + 1_000, "Powering up"),
            (domain(Some(start), Some(true)), start + 1_000, "Up"),
            (domain(Some(start), None), start + 29_999, "Powering up"),
            (domain(Some(start), None), start + 30_000, "Up"),
            (domain(Some(start), Some(false)), start + 30_000, "Up"),
            // Started by an agent that did not record the time: booted.
            (domain(None, Some(false)), start, "Up"),
            // A clock that went back does not make a VM boot forever.
            (domain(Some(start), Some(false)), start - 5_000, "Powering up"),
        ];
        for (live, now, expected) in cases {
            assert_eq!(vdsm_status(running, &live, grace, now), expected, "{live:?} at {now}");
        }
        let paused = Some(Enum::Known(DomainState::Paused));
        assert_eq!(vdsm_status(paused, &domain(Some(start), Some(false)), grace, start), "Paused");
        assert_eq!(vdsm_status(None, &domain(None, None), grace, start), "Unknown");
    }

    #[test]
    fn formats_libvirt_versions() {
        assert_eq!(version(9_000_000), "9.0.0");
        assert_eq!(version(7_002_022), "7.2.22");
    }
}

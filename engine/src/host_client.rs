//! Every host call goes through here: the `HostClient` trait, whose real
//! implementation talks to each host's hotnic-agent over HTTP. Agent errors
//! become engine errors with messages people understand.

use crate::entities::host;
use crate::{measure, EngineError};
use hotnic_agent_api::client::{AgentClient, ClientError};
use hotnic_agent_api::{
    code, Caps, FailureKind, CreateParams, CreateResult, Fingerprint, GetCapsParams, HotplugNicParams, HotplugNicResult,
    HotunplugNicParams, HotunplugNicResult, UpdateDeviceParams, UpdateDeviceResult, VmList,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Where a host's agent listens, the certificate it must present and how
/// to prove who we are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostTarget {
    pub name: String,
    pub agent_url: String,
    pub token: String,
    pub fingerprint: Fingerprint,
}

/// What a host without a pin (registered before agents had TLS) is held
/// to: nothing matches it, so its first answer asks for an administrator.
fn no_pin() -> Fingerprint {
    Fingerprint::parse(&"00".repeat(32)).expect("well-formed")
}

impl From<&host::Model> for HostTarget {
    fn from(row: &host::Model) -> Self {
        HostTarget {
            name: row.name.clone(),
            agent_url: row.agent_url.clone(),
            token: row.token.clone(),
            fingerprint: Fingerprint::parse(&row.tls_fingerprint).unwrap_or_else(|_| no_pin()),
        }
    }
}

/// One method per agent verb the engine uses.
#[async_trait::async_trait]
pub trait HostClient: Send + Sync + 'static {
    /// The fingerprint of the certificate the agent at `agent_url` presents
    /// (no token sent, nothing trusted).
    async fn probe_fingerprint(&self, agent_url: &str) -> Result<Fingerprint, ClientError>;
    async fn get_caps(&self, host: &HostTarget, params: &GetCapsParams) -> Result<Caps, ClientError>;
    async fn create(&self, host: &HostTarget, params: &CreateParams) -> Result<CreateResult, ClientError>;
    async fn destroy(&self, host: &HostTarget, vm_id: Uuid) -> Result<(), ClientError>;
    async fn get_all_vm_stats(&self, host: &HostTarget) -> Result<VmList, ClientError>;
    async fn hotplug_nic(&self, host: &HostTarget, params: &HotplugNicParams) -> Result<HotplugNicResult, ClientError>;
    async fn hotunplug_nic(
        &self,
        host: &HostTarget,
        params: &HotunplugNicParams,
    ) -> Result<HotunplugNicResult, ClientError>;
    async fn update_device(&self, host: &HostTarget, params: &UpdateDeviceParams) -> Result<UpdateDeviceResult, ClientError>;
}

/// The real hosts: hotnic-agent over HTTP, one reused client per host.
#[derive(Debug)]
pub struct AgentHosts {
    timeout: Duration,
    clients: Mutex<HashMap<HostTarget, AgentClient>>,
}

impl AgentHosts {
    /// `timeout` bounds one call; it must exceed the agents' unplug timeout.
    pub fn new(timeout: Duration) -> Arc<Self> {
        Arc::new(AgentHosts { timeout, clients: Mutex::new(HashMap::new()) })
    }

    fn client(&self, host: &HostTarget) -> Result<AgentClient, ClientError> {
        let mut clients = self.clients.lock().expect("client cache");
        if let Some(client) = clients.get(host) {
            return Ok(client.clone());
        }
        let client = AgentClient::new(&host.agent_url, &host.token, &host.fingerprint, self.timeout)?;
        clients.insert(host.clone(), client.clone());
        Ok(client)
    }
}

#[async_trait::async_trait]
impl HostClient for AgentHosts {
    async fn probe_fingerprint(&self, agent_url: &str) -> Result<Fingerprint, ClientError> {
        AgentClient::probe_fingerprint(agent_url, self.timeout.min(Duration::from_secs(10))).await
    }

    async fn get_caps(&self, host: &HostTarget, params: &GetCapsParams) -> Result<Caps, ClientError> {
        measure::agent_call("getCaps", &host.name, async { self.client(host)?.get_caps(params).await }).await
    }

    async fn create(&self, host: &HostTarget, params: &CreateParams) -> Result<CreateResult, ClientError> {
        measure::agent_call("create", &host.name, async { self.client(host)?.create(params).await }).await
    }

    async fn destroy(&self, host: &HostTarget, vm_id: Uuid) -> Result<(), ClientError> {
        measure::agent_call("destroy", &host.name, async { self.client(host)?.destroy(vm_id).await.map(|_| ()) }).await
    }

    async fn get_all_vm_stats(&self, host: &HostTarget) -> Result<VmList, ClientError> {
        measure::agent_call("getAllVmStats", &host.name, async { self.client(host)?.get_all_vm_stats().await }).await
    }

    async fn hotplug_nic(&self, host: &HostTarget, params: &HotplugNicParams) -> Result<HotplugNicResult, ClientError> {
        measure::agent_call("hotplugNic", &host.name, async { self.client(host)?.hotplug_nic(params).await }).await
    }

    async fn hotunplug_nic(
        &self,
        host: &HostTarget,
        params: &HotunplugNicParams,
    ) -> Result<HotunplugNicResult, ClientError> {
        measure::agent_call("hotunplugNic", &host.name, async { self.client(host)?.hotunplug_nic(params).await }).await
    }

    async fn update_device(&self, host: &HostTarget, params: &UpdateDeviceParams) -> Result<UpdateDeviceResult, ClientError> {
        measure::agent_call("updateDevice", &host.name, async { self.client(host)?.update_device(params).await }).await
    }
}

/// Turns a failed host call into the engine's error. `failed` is what the
/// user tried, e.g. "Failed to plug NIC nic1 into VM vm1". The host's kind
/// of failure picks the wording; its reason (the cause without VDSM's verb
/// prefix) fills it in.
pub fn host_error(host: &HostTarget, failed: &str, err: ClientError) -> EngineError {
    let refused = |reason: String, kind| EngineError::HostFailed { reason, kind };
    match &err {
        ClientError::Agent(status) => {
            let kind = status.kind;
            let reason = status.reason();
            match (kind, status.code) {
                (_, code::NO_VM) => {
                    refused(format!("{failed}: the VM is not running on host {}", host.name), kind)
                }
                (_, code::MIGRATION_IN_PROGRESS) => {
                    refused(format!("{failed}: the VM is migrating; try again when it has finished"), kind)
                }
                (Some(FailureKind::NetworkMissing), _) => refused(
                    format!("{failed}: {reason}; host {} needs that bridge, or the NIC another network", host.name),
                    kind,
                ),
                (Some(FailureKind::NoFreePciSlot), _) => refused(
                    format!("{failed}: {reason}. Unplug another NIC first, or plug this one while the VM is down"),
                    kind,
                ),
                (Some(FailureKind::GuestDidNotRelease), _) => refused(
                    format!("{failed}: {reason}. The guest may still be booting or not support hot unplug; try again later"),
                    kind,
                ),
                _ => refused(format!("{failed}: {reason}"), kind),
            }
        }
        ClientError::Unauthorized => refused(
            format!("{failed}: host {} refused hotnic's token; re-register the host with the agent's token", host.name),
            Some(FailureKind::Unauthorized),
        ),
        ClientError::CertificateChanged { presented, .. } => refused(
            format!(
                "{failed}: host {} presents another TLS certificate than the one hotnic trusts (now {presented}); \
                 if its key was replaced on purpose, an administrator accepts the new fingerprint on the host",
                host.name
            ),
            None,
        ),
        ClientError::Transport(_) | ClientError::Malformed { .. } => EngineError::HostUnreachable {
            reason: format!("Host {} did not answer. {failed}.", host.name),
            source: err,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotnic_agent_api::Status;

    fn host() -> HostTarget {
        HostTarget { name: "h1".into(), agent_url: "https://127.0.0.1:1".into(), token: "t".into(), fingerprint: Fingerprint::of_der(b"test") }
    }

    fn refusal(status: Status) -> (String, Option<FailureKind>) {
        match host_error(&host(), "Failed to plug NIC nic1 into VM vm1", ClientError::Agent(status)) {
            EngineError::HostFailed { reason, kind } => (reason, kind),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_kind_picks_the_words_and_the_reason_comes_without_the_verb() {
        let (reason, kind) = refusal(Status::failed(
            code::HOTPLUG_NIC_FAILED,
            FailureKind::MacInUse,
            "Failed to hotplug NIC: MAC address 00:1a:4a:16:01:51 is already in use by a NIC of VM x on this host",
            "MAC address 00:1a:4a:16:01:51 is already in use by a NIC of VM x on this host",
        ));
        assert_eq!(reason, "Failed to plug NIC nic1 into VM vm1: MAC address 00:1a:4a:16:01:51 is already in use by a NIC of VM x on this host");
        assert_eq!(kind, Some(FailureKind::MacInUse));

        let (reason, _) = refusal(Status::failed(code::HOTPLUG_NIC_FAILED, FailureKind::NetworkMissing, "m", "network red has no bridge on this host"));
        assert!(reason.ends_with("network red has no bridge on this host; host h1 needs that bridge, or the NIC another network"), "{reason}");

        let full = "the VM has no free PCI slot: all 30 hot-pluggable slots are in use";
        let (reason, kind) = refusal(Status::failed(code::HOTPLUG_NIC_FAILED, FailureKind::NoFreePciSlot, "m", full));
        assert_eq!(
            (reason.as_str(), kind),
            (
                "Failed to plug NIC nic1 into VM vm1: the VM has no free PCI slot: all 30 hot-pluggable slots are in use. \
                 Unplug another NIC first, or plug this one while the VM is down",
                Some(FailureKind::NoFreePciSlot)
            )
        );

        let (reason, kind) = refusal(Status::failed(code::NO_VM, FailureKind::NoSuchVm, "no VM", "no VM"));
        assert_eq!((reason.as_str(), kind), ("Failed to plug NIC nic1 into VM vm1: the VM is not running on host h1", Some(FailureKind::NoSuchVm)));
    }

    #[test]
    fn an_agent_without_kinds_is_read_by_its_code_and_message() {
        let (reason, kind) = refusal(Status::new(code::HOTPLUG_NIC_FAILED, "Failed to hotplug NIC: slot taken"));
        assert_eq!((reason.as_str(), kind), ("Failed to plug NIC nic1 into VM vm1: Failed to hotplug NIC: slot taken", None));
        let (reason, _) = refusal(Status::new(code::NO_VM, "whatever"));
        assert!(reason.ends_with("the VM is not running on host h1"));
    }
}

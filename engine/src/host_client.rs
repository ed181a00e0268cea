//! Every host call goes through here: the `HostClient` trait, whose real
//! implementation talks to each host's hotnic-agent over HTTP. Agent errors
//! become engine errors with messages people understand.

use crate::entities::host;
use crate::{measure, EngineError};
use hotnic_agent_api::client::{AgentClient, ClientError};
use hotnic_agent_api::{
    code, Caps, CreateParams, CreateResult, Fingerprint, GetCapsParams, HotplugNicParams, HotplugNicResult,
    HotunplugNicParams, HotunplugNicResult, VmList,
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
    async fn get_caps(&self, host: &HostTarget) -> Result<Caps, ClientError>;
    async fn create(&self, host: &HostTarget, params: &CreateParams) -> Result<CreateResult, ClientError>;
    async fn destroy(&self, host: &HostTarget, vm_id: Uuid) -> Result<(), ClientError>;
    async fn get_all_vm_stats(&self, host: &HostTarget) -> Result<VmList, ClientError>;
    async fn hotplug_nic(&self, host: &HostTarget, params: &HotplugNicParams) -> Result<HotplugNicResult, ClientError>;
    async fn hotunplug_nic(
        &self,
        host: &HostTarget,
        params: &HotunplugNicParams,
    ) -> Result<HotunplugNicResult, ClientError>;
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

    async fn get_caps(&self, host: &HostTarget) -> Result<Caps, ClientError> {
        measure::agent_call("getCaps", &host.name, async { self.client(host)?.get_caps(&GetCapsParams::default()).await }).await
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
}

/// The host's own words without VDSM's generic prefix ("Failed to hotplug
/// NIC: …"), which would repeat what `failed` already says.
fn host_reason(message: &str) -> &str {
    ["Failed to hotplug NIC: ", "Failed to hotunplug NIC: "]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .filter(|rest| !rest.trim().is_empty())
        .unwrap_or(message)
}

/// Turns a failed host call into the engine's error. `failed` is what the
/// user tried, e.g. "Failed to plug NIC nic1 into VM vm1".
pub fn host_error(host: &HostTarget, failed: &str, err: ClientError) -> EngineError {
    match &err {
        ClientError::Agent(status) => match status.code {
            code::NO_VM => EngineError::HostFailed(format!("{failed}: the VM is not running on host {}", host.name)),
            code::MIGRATION_IN_PROGRESS => {
                EngineError::HostFailed(format!("{failed}: the VM is migrating; try again when it has finished"))
            }
            _ => EngineError::HostFailed(format!("{failed}: {}", host_reason(&status.message))),
        },
        ClientError::Unauthorized => EngineError::HostFailed(format!(
            "{failed}: host {} refused hotnic's token; re-register the host with the agent's token",
            host.name
        )),
        ClientError::CertificateChanged { presented, .. } => EngineError::HostFailed(format!(
            "{failed}: host {} presents another TLS certificate than the one hotnic trusts (now {presented}); \
             if its key was replaced on purpose, an administrator accepts the new fingerprint on the host",
            host.name
        )),
        ClientError::Transport(_) | ClientError::Malformed { .. } => EngineError::HostUnreachable {
            reason: format!("Host {} did not answer. {failed}.", host.name),
            source: err,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::host_reason;

    #[test]
    fn drops_the_generic_vdsm_prefix_only() {
        assert_eq!(host_reason("Failed to hotunplug NIC: guest did not release the device"), "guest did not release the device");
        assert_eq!(host_reason("Failed to hotplug NIC: slot 0x0c is taken"), "slot 0x0c is taken");
        assert_eq!(host_reason("Failed to hotplug NIC: "), "Failed to hotplug NIC: ");
        assert_eq!(host_reason("libvirt said no"), "libvirt said no");
    }
}

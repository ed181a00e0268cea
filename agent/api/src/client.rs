//! A small async client of the agent API: one method per verb, each sending
//! the host's bearer token. Enabled by the `client` feature.

use std::time::Duration;

use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use crate::{
    code, Caps, CreateParams, CreateResult, DestroyParams, DestroyResult, Envelope,
    GetAllVmStatsParams, GetCapsParams, HotplugNicParams, HotplugNicResult, HotunplugNicParams,
    HotunplugNicResult, Status, Verb, VmList,
};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The agent could not be reached or the transfer broke.
    #[error("cannot reach the host agent: {0}")]
    Transport(#[source] reqwest::Error),
    /// The agent refused the token (HTTP 401); nothing was done.
    #[error("the host agent refused the token")]
    Unauthorized,
    /// The agent answered with a status other than Done.
    #[error("host agent error {}: {}", .0.code, .0.message)]
    Agent(Status),
    /// The agent's answer is not an envelope this client understands.
    #[error("malformed answer from the host agent (HTTP {http_status}): {detail}")]
    Malformed { http_status: u16, detail: String },
}

impl ClientError {
    /// The agent's status code, when the agent answered with one.
    pub fn code(&self) -> Option<i32> {
        match self {
            ClientError::Agent(status) => Some(status.code),
            ClientError::Unauthorized => Some(code::UNAUTHORIZED),
            _ => None,
        }
    }
}

/// A client of one host's agent.
#[derive(Debug, Clone)]
pub struct AgentClient {
    http: reqwest::Client,
    base_url: String,
    token: String,
}

impl AgentClient {
    /// `base_url` like `http://127.0.0.1:54321`. `timeout` bounds a whole
    /// call; give it more than the agent's unplug timeout.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(ClientError::Transport)?;
        Ok(AgentClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    pub async fn get_caps(&self, params: &GetCapsParams) -> Result<Caps, ClientError> {
        self.call(Verb::GetCaps, params).await
    }

    pub async fn create(&self, params: &CreateParams) -> Result<CreateResult, ClientError> {
        self.call(Verb::Create, params).await
    }

    pub async fn destroy(&self, vm_id: Uuid) -> Result<DestroyResult, ClientError> {
        self.call(Verb::Destroy, &DestroyParams { vm_id }).await
    }

    pub async fn get_all_vm_stats(&self) -> Result<VmList, ClientError> {
        self.call(Verb::GetAllVmStats, &GetAllVmStatsParams {})
            .await
    }

    pub async fn hotplug_nic(
        &self,
        params: &HotplugNicParams,
    ) -> Result<HotplugNicResult, ClientError> {
        self.call(Verb::HotplugNic, params).await
    }

    pub async fn hotunplug_nic(
        &self,
        params: &HotunplugNicParams,
    ) -> Result<HotunplugNicResult, ClientError> {
        self.call(Verb::HotunplugNic, params).await
    }

    /// Calls a verb and returns its result, or the agent's status as
    /// [`ClientError::Agent`] when it is not Done.
    pub async fn call<P: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        verb: Verb,
        params: &P,
    ) -> Result<T, ClientError> {
        let (http_status, envelope) = self.call_raw::<P, T>(verb, params).await?;
        if !envelope.status.is_done() {
            return Err(ClientError::Agent(envelope.status));
        }
        envelope.result.ok_or_else(|| ClientError::Malformed {
            http_status,
            detail: format!("{} answered Done without a readable result", verb.name()),
        })
    }

    /// Calls a verb and returns the HTTP status and the whole envelope,
    /// whatever its status code.
    pub async fn call_raw<P: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        verb: Verb,
        params: &P,
    ) -> Result<(u16, Envelope<T>), ClientError> {
        let response = self
            .http
            .post(format!("{}{}", self.base_url, verb.path()))
            .bearer_auth(&self.token)
            .json(params)
            .send()
            .await
            .map_err(ClientError::Transport)?;
        let http_status = response.status().as_u16();
        if http_status == 401 {
            return Err(ClientError::Unauthorized);
        }
        let body = response.bytes().await.map_err(ClientError::Transport)?;
        let envelope =
            serde_json::from_slice::<Envelope<T>>(&body).map_err(|err| ClientError::Malformed {
                http_status,
                detail: format!(
                    "{err}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                ),
            })?;
        Ok((http_status, envelope))
    }
}

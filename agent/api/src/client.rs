//! A small async client of the agent API: one method per verb, each sending
//! the host's bearer token. Enabled by the `client` feature.
//!
//! Agents serve HTTPS with a self-signed certificate; the client trusts
//! exactly the certificate whose SHA-256 fingerprint it was given (pinned
//! when the host was registered, like SSH's known_hosts), follows no
//! redirect, and never copies an answer's body into an error (a URL that
//! points elsewhere must not read anything back).

use std::time::Duration;

use crate::tls::{self, Fingerprint};

use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use crate::{
    code, Caps, CreateParams, CreateResult, DestroyParams, DestroyResult, Envelope,
    GetAllVmStatsParams, GetCapsParams, HotplugNicParams, HotplugNicResult, HotunplugNicParams,
    HotunplugNicResult, FailureKind, Status, UpdateDeviceParams, UpdateDeviceResult, Verb, VmList,
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
    /// The agent presented another certificate than the pinned one.
    #[error("the host agent's TLS certificate changed: it presents {presented}, the pinned one is {pinned}")]
    CertificateChanged { presented: Fingerprint, pinned: Fingerprint },
}

/// The largest answer read (getAllVmStats of a large host fits easily).
const MAX_ANSWER_BYTES: usize = 16 << 20;

impl ClientError {
    /// The agent's status code, when the agent answered with one.
    pub fn code(&self) -> Option<i32> {
        match self {
            ClientError::Agent(status) => Some(status.code),
            ClientError::Unauthorized => Some(code::UNAUTHORIZED),
            _ => None,
        }
    }

    /// What kind of failure the agent named, when it named one.
    pub fn kind(&self) -> Option<FailureKind> {
        match self {
            ClientError::Agent(status) => status.kind,
            ClientError::Unauthorized => Some(FailureKind::Unauthorized),
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
    pinned: Fingerprint,
    presented: tls::Presented,
}

impl AgentClient {
    /// `base_url` like `https://127.0.0.1:54321`; `pinned` the SHA-256
    /// fingerprint of the agent's certificate. `timeout` bounds a whole
    /// call; give it more than the agent's unplug timeout.
    pub fn new(
        base_url: &str,
        token: &str,
        pinned: &Fingerprint,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let presented = tls::Presented::default();
        let config = tls::client_config(Some(pinned.clone()), presented.clone());
        let http = http_client(config, timeout)?;
        Ok(AgentClient {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            pinned: pinned.clone(),
            presented,
        })
    }

    /// The fingerprint of the certificate the agent at `base_url` presents,
    /// read from a TLS handshake that trusts nothing and sends no token
    /// (to show an administrator before pinning it).
    pub async fn probe_fingerprint(
        base_url: &str,
        timeout: Duration,
    ) -> Result<Fingerprint, ClientError> {
        let presented = tls::Presented::default();
        let http = http_client(tls::client_config(None, presented.clone()), timeout)?;
        let url = format!("{}{}", base_url.trim_end_matches('/'), Verb::GetCaps.path());
        let result = http.post(url).json(&GetCapsParams::default()).send().await;
        match (presented.get(), result) {
            (Some(fingerprint), _) => Ok(fingerprint),
            (None, Err(err)) => Err(ClientError::Transport(err)),
            (None, Ok(response)) => Err(ClientError::Malformed {
                http_status: response.status().as_u16(),
                detail: "the host agent answered without TLS; use an https:// URL".into(),
            }),
        }
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

    pub async fn update_device(&self, params: &UpdateDeviceParams) -> Result<UpdateDeviceResult, ClientError> {
        self.call(Verb::UpdateDevice, params).await
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
        let mut request = self.http.post(format!("{}{}", self.base_url, verb.path())).bearer_auth(&self.token).json(params);
        if let Some(id) = crate::request_id::current() {
            request = request.header(crate::request_id::HEADER, id);
        }
        let sent = request.send().await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => {
                return Err(match self.presented.get() {
                    Some(presented) if presented != self.pinned => ClientError::CertificateChanged {
                        presented,
                        pinned: self.pinned.clone(),
                    },
                    _ => ClientError::Transport(err),
                })
            }
        };
        let http_status = response.status().as_u16();
        if http_status == 401 {
            return Err(ClientError::Unauthorized);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(ClientError::Transport)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(ClientError::Malformed {
                    http_status,
                    detail: format!("the answer is larger than {MAX_ANSWER_BYTES} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        // The parser's message says where it failed, never what it read;
        // what it read goes to this server's log only.
        let envelope = Envelope::<T>::from_json(&body).map_err(|err| {
            let start = String::from_utf8_lossy(&body[..body.len().min(200)]).escape_debug().to_string();
            tracing::warn!(url = %self.base_url, verb = verb.name(), http_status, bytes = body.len(), %start, "not an agent answer");
            ClientError::Malformed {
                http_status,
                detail: format!("not an agent answer ({} bytes; {})", body.len(), err.classify_name()),
            }
        })?;
        Ok((http_status, envelope))
    }
}

fn http_client(config: rustls::ClientConfig, timeout: Duration) -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .use_preconfigured_tls(config)
        .build()
        .map_err(ClientError::Transport)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
            serde_json::error::Category::Data => "not the expected fields",
        }
    }
}

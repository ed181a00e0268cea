//! hotnic-agent: the host agent (our VDSM). It runs transient VMs from what
//! the engine sends and hot plugs/unplugs their NICs, over libvirt.
//!
//! Code map: `config` (arguments), `http` (routes, token, code mapping),
//! `params` (typed parsing of every input), `images` (the image library
//! and console folder: the only host files a VM gets), `tls` (the agent's
//! key and HTTPS), `xml` (libvirt XML written and read with quick-xml),
//! `hypervisor` (the trait), `libvirt` (the real implementation), `mirror`
//! (tc port mirroring), `hostnet` (bridges, `ip`).
//!
//! Invariants: only this crate links libvirt; nothing reaches XML or a
//! command line without being parsed by `params`; an unplug reports success
//! only once the NIC is gone from the live domain.

pub mod config;
pub mod hostnet;
pub mod http;
pub mod hypervisor;
pub mod images;
pub mod measure;
pub mod libvirt;
pub mod mirror;
pub mod panics;
pub mod params;
pub mod simulated;
pub mod slots;
pub mod tls;
pub mod xml;

use std::{net::SocketAddr, sync::Arc};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use config::{Config, Token};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Bridge(#[from] hostnet::BridgeError),
    #[error("cannot use libvirt: {0}")]
    Libvirt(#[from] hypervisor::HypervisorError),
    #[error("cannot prepare {what}: {source}")]
    Files {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A running agent; stops when [`RunningAgent::stop`] is called or dropped.
pub struct RunningAgent {
    /// The address it listens on (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// The SHA-256 fingerprint of its TLS certificate.
    pub fingerprint: hotnic_agent_api::Fingerprint,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningAgent {
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Stops accepting requests and waits for the server to finish.
    pub async fn stop(mut self) -> std::io::Result<()> {
        self.shutdown.take().map(|tx| tx.send(()));
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        self.shutdown.take().map(|tx| tx.send(()));
    }
}

/// Ensures the configured bridges and folders, connects to libvirt and
/// serves the API over HTTPS.
pub async fn start(config: Config) -> Result<RunningAgent, StartError> {
    let identity = prepare_files(&config)?;
    for network in &config.networks {
        hostnet::ensure_bridge(network).await?;
    }
    let (uri, timeout, grace) = (config.libvirt_uri.clone(), config.unplug_timeout, config.boot_grace);
    let hypervisor = tokio::task::spawn_blocking(move || libvirt::Libvirt::connect(&uri, timeout, grace))
        .await
        .map_err(|e| hypervisor::HypervisorError::Internal(e.to_string()))??;
    serve(config, identity, hypervisor).await
}

/// A simulated host (`--simulate`): the same API over VMs kept in memory;
/// no libvirt, no bridges made.
pub async fn start_simulated(config: Config, sim: simulated::SimConfig) -> Result<RunningAgent, StartError> {
    let identity = prepare_files(&config)?;
    serve(config, identity, simulated::Simulated::new(sim)).await
}

fn prepare_files(config: &Config) -> Result<tls::Identity, StartError> {
    let files_error = |what: &std::path::Path| {
        let what = what.display().to_string();
        move |source| StartError::Files { what, source }
    };
    for dir in [&config.images_dir, &config.console_dir] {
        std::fs::create_dir_all(dir).map_err(files_error(dir))?;
    }
    tls::load_or_create(&config.tls_dir).map_err(files_error(&config.tls_dir))
}

async fn serve<H: hypervisor::Hypervisor>(config: Config, identity: tls::Identity, hypervisor: H) -> Result<RunningAgent, StartError> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let app = http::router(Arc::new(http::AppState {
        hypervisor,
        token: config.token,
        files: images::HostFiles {
            images: images::ImageLibrary::new(&config.images_dir),
            console_dir: config.console_dir.clone(),
        },
    }));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(tls::serve(listener, identity.config, app, rx));
    tracing::info!(
        %addr,
        uri = %config.libvirt_uri,
        fingerprint = %identity.fingerprint,
        images = %config.images_dir.display(),
        simulated = config.simulate.is_some(),
        "hotnic-agent listening (HTTPS)"
    );
    Ok(RunningAgent {
        addr,
        fingerprint: identity.fingerprint,
        shutdown: Some(tx),
        task: Some(task),
    })
}

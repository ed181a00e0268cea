//! The agent serves HTTPS only, with its own key: made at first start (a
//! self-signed certificate in the TLS folder, key readable by root only)
//! and kept, so the fingerprint the engine pinned stays valid across
//! restarts. The bearer token never crosses the network in the clear.

use std::{
    io,
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::Path,
    sync::Arc,
};

use axum::Router;
use hotnic_agent_api::Fingerprint;
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tokio::{
    net::TcpListener,
    sync::{oneshot, watch},
    task::JoinSet,
};
use tokio_rustls::TlsAcceptor;

const CERT_FILE: &str = "cert.pem";
const KEY_FILE: &str = "key.pem";

/// The server side of TLS and the fingerprint of its certificate.
pub struct Identity {
    pub config: Arc<rustls::ServerConfig>,
    pub fingerprint: Fingerprint,
}

/// Loads the key and certificate from `dir`, making them first if absent.
pub fn load_or_create(dir: &Path) -> io::Result<Identity> {
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if !cert_path.exists() || !key_path.exists() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        let names = vec!["hotnic-agent".to_owned(), "localhost".to_owned()];
        let made = rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
        write_private(&key_path, made.key_pair.serialize_pem().as_bytes())?;
        std::fs::write(&cert_path, made.cert.pem())?;
        tracing::info!(dir = %dir.display(), "made the agent's TLS key and certificate");
    }
    let cert = CertificateDer::from_pem_file(&cert_path).map_err(io::Error::other)?;
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(io::Error::other)?;
    let fingerprint = Fingerprint::of_der(cert.as_ref());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(io::Error::other)?;
    Ok(Identity { config: Arc::new(config), fingerprint })
}

fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    file.write_all(bytes)
}

/// Serves `app` over TLS until `shutdown` fires, then lets the requests in
/// flight finish, closes every connection (kept-alive ones too) and
/// returns. A client that fails the handshake is dropped without an answer.
pub async fn serve(listener: TcpListener, config: Arc<rustls::ServerConfig>, app: Router, shutdown: oneshot::Receiver<()>) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    let (closing, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = &mut shutdown => break,
        };
        let (acceptor, app, mut closing) = (acceptor.clone(), app.clone(), closing.subscribe());
        connections.spawn(async move {
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(err) => {
                    tracing::debug!(%peer, error = %err, "TLS handshake failed");
                    return;
                }
            };
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = closing.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(%peer, error = %err, "connection ended");
            }
        });
        // Reap what already ended, so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

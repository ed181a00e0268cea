//! Agent certificates are self-signed; the engine pins each one by the
//! SHA-256 fingerprint of its DER bytes, written as `openssl x509
//! -fingerprint -sha256` prints it (`AB:CD:…`, 32 pairs), so an operator
//! can compare it on the host.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The SHA-256 fingerprint of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of_der(der: &[u8]) -> Fingerprint {
        let digest = Sha256::digest(der);
        let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
        Fingerprint(pairs.join(":"))
    }

    /// Accepts upper or lower case, with or without colons.
    pub fn parse(text: &str) -> Result<Fingerprint, String> {
        let hex: String = text.trim().chars().filter(|c| *c != ':').collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("a SHA-256 fingerprint is 32 hexadecimal pairs, like AB:CD:…".into());
        }
        let upper = hex.to_ascii_uppercase();
        let pairs: Vec<&str> = (0..32).map(|i| &upper[2 * i..2 * i + 2]).collect();
        Ok(Fingerprint(pairs.join(":")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Fingerprint::parse(&text)
    }
}

impl From<Fingerprint> for String {
    fn from(f: Fingerprint) -> String {
        f.0
    }
}

#[cfg(feature = "client")]
pub(crate) use client_side::*;

#[cfg(feature = "client")]
mod client_side {
    use super::Fingerprint;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, Error, SignatureScheme};
    use std::sync::{Arc, Mutex};

    /// The fingerprint the agent presented in the latest handshake.
    #[derive(Debug, Clone, Default)]
    pub struct Presented(Arc<Mutex<Option<Fingerprint>>>);

    impl Presented {
        pub fn get(&self) -> Option<Fingerprint> {
            self.0.lock().expect("presented").clone()
        }
    }

    /// Trusts the one certificate whose fingerprint is pinned (or, with
    /// none pinned, any certificate: only to read its fingerprint).
    #[derive(Debug)]
    struct PinnedVerifier {
        pinned: Option<Fingerprint>,
        presented: Presented,
        provider: Arc<CryptoProvider>,
    }

    impl ServerCertVerifier for PinnedVerifier {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            let presented = Fingerprint::of_der(end_entity.as_ref());
            *self.presented.0.lock().expect("presented") = Some(presented.clone());
            match &self.pinned {
                Some(pinned) if *pinned != presented => Err(Error::General(format!(
                    "certificate fingerprint {presented} is not the pinned {pinned}"
                ))),
                _ => Ok(ServerCertVerified::assertion()),
            }
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider.signature_verification_algorithms.supported_schemes()
        }
    }

    pub fn client_config(pinned: Option<Fingerprint>, presented: Presented) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = PinnedVerifier { pinned, presented, provider: provider.clone() };
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_read_like_openssl_prints_them() {
        let f = Fingerprint::of_der(b"certificate");
        assert_eq!(f.as_str().len(), 95);
        assert_eq!(Fingerprint::parse(&f.as_str().to_lowercase()).unwrap(), f);
        assert_eq!(Fingerprint::parse(&f.as_str().replace(':', "")).unwrap(), f);
        for bad in ["", "AB:CD", &"G".repeat(64), &format!("{}:00", f.as_str())] {
            assert!(Fingerprint::parse(bad).is_err(), "{bad}");
        }
    }
}

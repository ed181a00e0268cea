//! Hosts and networks: where VMs run and what their NICs attach to.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub id: Uuid,
    pub name: String,
    pub cluster_id: Uuid,
    pub agent_url: String,
    /// up | non_responsive | maintenance
    pub status: String,
    /// The SHA-256 fingerprint of the agent's TLS certificate that hotnic
    /// trusts (pinned at registration, like SSH's known_hosts).
    #[serde(default)]
    pub fingerprint: String,
    /// Another fingerprint the agent presented since: hotnic refuses the
    /// host until an administrator accepts it.
    #[serde(default)]
    pub presented_fingerprint: Option<String>,
}

/// Registering a host: where its agent listens and the token it expects.
/// With `fingerprint`, the agent must present exactly that certificate;
/// without, the one it presents now is pinned (and shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHost {
    pub name: String,
    pub cluster_id: Uuid,
    pub agent_url: String,
    pub token: String,
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// Accepting the certificate a host presents now (after its key changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptFingerprint {
    pub fingerprint: String,
}

/// A file of a cluster's image library (kernels, initrds, disks), by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub name: String,
    pub size_bytes: u64,
}

/// An agent's address: `http(s)://host:port`, nothing else (no user info,
/// path, query or fragment). Returns it normalised.
pub fn parse_agent_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let shown: String = text.chars().take(80).collect();
    let url = url::Url::parse(text).map_err(|e| format!("'{shown}' is not a URL ({e}); use https://host:port"))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(format!("'{shown}': use https://host:port (not {}://)", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("'{shown}': no user name or password in the URL; the agent's token goes in 'token'"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!("'{shown}': only https://host:port, without a path, query or fragment"));
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| format!("'{shown}' names no host"))?;
    let port = url.port().ok_or_else(|| format!("'{shown}': give the agent's port, e.g. https://{host}:54321"))?;
    Ok(format!("{}://{host}:{port}", url.scheme()))
}

#[cfg(test)]
mod tests {
    use super::parse_agent_url;

    #[test]
    fn agent_urls_are_scheme_host_and_port_only() {
        assert_eq!(parse_agent_url(" https://h1.example:54321/ ").unwrap(), "https://h1.example:54321");
        assert_eq!(parse_agent_url("https://[::1]:54321").unwrap(), "https://[::1]:54321");
        assert_eq!(parse_agent_url("http://127.0.0.1:54321").unwrap(), "http://127.0.0.1:54321");
        for (bad, why) in [
            ("https://user:pw@h:54321", "no user name"),
            ("https://user@h:54321", "no user name"),
            ("https://h:54321/api", "without a path"),
            ("https://h:54321/?x=1", "without a path"),
            ("https://h:54321/#f", "without a path"),
            ("file:///etc/shadow", "not file://"),
            ("gopher://h:70", "not gopher://"),
            ("https://h", "give the agent's port"),
            ("h:54321", "use https://"),
            ("", "is not a URL"),
        ] {
            let err = parse_agent_url(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub id: Uuid,
    pub name: String,
    pub cluster_id: Uuid,
    /// bridge | bridgeless | vnlink | sriov
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNetwork {
    pub name: String,
    pub cluster_id: Uuid,
    #[serde(default = "default_network_kind")]
    pub kind: String,
}

/// Editing a network (PUT /api/networks/{network}): its name (the bridge
/// NICs attach to), kept id. Refused while a running VM has a NIC plugged
/// on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkUpdate {
    #[serde(default)]
    pub name: Option<String>,
}

/// Editing a host (PUT /api/hosts/{host}): a new name (kept id), and
/// `maintenance`: true puts it into maintenance (no VM starts there;
/// monitoring keeps watching what runs), false brings it back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub maintenance: Option<bool>,
}

fn default_network_kind() -> String {
    "bridge".into()
}

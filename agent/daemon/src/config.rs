//! The agent's configuration, from command-line arguments or environment.

use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

use crate::params::BridgeName;

/// `hotnic-agent`: the hotnic host agent.
#[derive(Debug, clap::Parser)]
#[command(
    name = "hotnic-agent",
    version,
    about = "hotnic host agent: VDSM-style HTTP API over libvirt"
)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "HOTNIC_AGENT_LISTEN", default_value = "127.0.0.1:54321")]
    pub listen: SocketAddr,
    /// The host's secret token (prefer HOTNIC_AGENT_TOKEN or --token-file).
    #[arg(long, env = "HOTNIC_AGENT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// A file holding the token.
    #[arg(long, env = "HOTNIC_AGENT_TOKEN_FILE", conflicts_with = "token")]
    pub token_file: Option<PathBuf>,
    /// libvirt connection URI.
    #[arg(long, env = "HOTNIC_LIBVIRT_URI", default_value = "qemu:///system")]
    pub libvirt_uri: String,
    /// How long a hot unplug waits for the guest to release the NIC.
    #[arg(long, env = "HOTNIC_AGENT_UNPLUG_TIMEOUT_SECS", default_value_t = 30)]
    pub unplug_timeout_secs: u64,
    /// How long a started VM reads "Powering up" when its guest has no
    /// guest agent to say it has booted (one that has reads "Up" as soon as
    /// the agent's port opens).
    #[arg(long, env = "HOTNIC_AGENT_BOOT_GRACE_SECS", default_value_t = 30)]
    pub boot_grace_secs: u64,
    /// The image library: the only files a VM's kernel, initrd and disks
    /// may come from (named by file name).
    #[arg(long, env = "HOTNIC_AGENT_IMAGES_DIR", default_value = "/var/lib/hotnic/images")]
    pub images_dir: PathBuf,
    /// Where guests' serial consoles are written (`<vm id>.log`).
    #[arg(long, env = "HOTNIC_AGENT_CONSOLE_DIR", default_value = "/var/log/hotnic/consoles")]
    pub console_dir: PathBuf,
    /// The agent's TLS key and certificate, made at first start.
    #[arg(long, env = "HOTNIC_AGENT_TLS_DIR", default_value = "/var/lib/hotnic/agent-tls")]
    pub tls_dir: PathBuf,
    /// Networks whose Linux bridge must exist (created when missing); repeat
    /// or separate with commas.
    #[arg(long = "network", env = "HOTNIC_AGENT_NETWORKS", value_delimiter = ',')]
    pub networks: Vec<String>,
    /// Simulate hosts in memory instead of driving libvirt (scale tests,
    /// demos): VMs and NICs follow the real agent's rules, nothing runs.
    #[arg(long, env = "HOTNIC_AGENT_SIMULATE")]
    pub simulate: bool,
    /// With --simulate: how many hosts, on consecutive ports from --listen;
    /// host i (from 0) takes the token followed by `-i` when there are several.
    #[arg(long, env = "HOTNIC_AGENT_SIMULATE_HOSTS", default_value_t = 1)]
    pub simulate_hosts: u16,
    /// With --simulate: how long every call takes.
    #[arg(long, env = "HOTNIC_AGENT_SIMULATE_LATENCY_MS", default_value_t = 0)]
    pub simulate_latency_ms: u64,
    /// With --simulate: the share of start, plug and unplug calls that fail (0 to 1).
    #[arg(long, env = "HOTNIC_AGENT_SIMULATE_FAILURE_RATE", default_value_t = 0.0)]
    pub simulate_failure_rate: f64,
}

/// Simulated hosts instead of libvirt (`--simulate`).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub hosts: u16,
    pub latency: Duration,
    pub failure_rate: f64,
}

/// The bearer token every request must carry. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub const MIN_LEN: usize = 16;

    /// This token with `suffix` appended (a simulated host's own).
    pub fn with_suffix(&self, suffix: &str) -> Self {
        Token(format!("{}{suffix}", self.0))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.len() < Self::MIN_LEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "the token must be at least {} characters without whitespace",
                Self::MIN_LEN
            ));
        }
        Ok(Token(text.to_owned()))
    }

    /// Constant-time comparison (only the length can leak).
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub token: Token,
    pub libvirt_uri: String,
    pub unplug_timeout: Duration,
    pub boot_grace: Duration,
    pub networks: Vec<BridgeName>,
    pub images_dir: PathBuf,
    pub console_dir: PathBuf,
    pub tls_dir: PathBuf,
    /// Simulated hosts instead of libvirt.
    pub simulate: Option<Simulation>,
}

impl Config {
    /// A configuration with the defaults of [`Args`].
    pub fn new(listen: SocketAddr, token: Token) -> Self {
        Config {
            listen,
            token,
            libvirt_uri: "qemu:///system".into(),
            unplug_timeout: Duration::from_secs(30),
            boot_grace: Duration::from_secs(30),
            networks: vec![],
            images_dir: "/var/lib/hotnic/images".into(),
            console_dir: "/var/log/hotnic/consoles".into(),
            tls_dir: "/var/lib/hotnic/agent-tls".into(),
            simulate: None,
        }
    }
}

impl TryFrom<Args> for Config {
    type Error = String;

    fn try_from(args: Args) -> Result<Self, String> {
        let token_text = match (&args.token, &args.token_file) {
            (Some(token), None) => token.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            _ => {
                return Err("give the token with --token/HOTNIC_AGENT_TOKEN or --token-file".into())
            }
        };
        let networks = args
            .networks
            .iter()
            .filter(|n| !n.is_empty())
            .map(|n| BridgeName::parse(n))
            .collect::<Result<Vec<_>, _>>()?;
        if args.unplug_timeout_secs == 0 {
            return Err("the unplug timeout must be at least 1 s".into());
        }
        if !(0.0..=1.0).contains(&args.simulate_failure_rate) {
            return Err("--simulate-failure-rate must be between 0 and 1".into());
        }
        if !(1..=1000).contains(&args.simulate_hosts) {
            return Err("--simulate-hosts must be between 1 and 1000".into());
        }
        let simulate = args.simulate.then(|| Simulation {
            hosts: args.simulate_hosts,
            latency: Duration::from_millis(args.simulate_latency_ms),
            failure_rate: args.simulate_failure_rate,
        });
        Ok(Config {
            listen: args.listen,
            token: Token::parse(&token_text)?,
            libvirt_uri: args.libvirt_uri,
            unplug_timeout: Duration::from_secs(args.unplug_timeout_secs),
            boot_grace: Duration::from_secs(args.boot_grace_secs),
            networks,
            images_dir: args.images_dir,
            console_dir: args.console_dir,
            tls_dir: args.tls_dir,
            simulate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn reads_arguments() {
        let args = Args::try_parse_from([
            "hotnic-agent",
            "--token",
            "0123456789abcdef",
            "--network",
            "blue,red",
            "--network",
            "green",
            "--unplug-timeout-secs",
            "3",
            "--boot-grace-secs",
            "7",
        ])
        .unwrap();
        let config = Config::try_from(args).unwrap();
        assert_eq!(
            config
                .networks
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>(),
            ["blue", "red", "green"]
        );
        assert_eq!(config.unplug_timeout, Duration::from_secs(3));
        assert_eq!(config.boot_grace, Duration::from_secs(7));
        assert_eq!(config.libvirt_uri, "qemu:///system");
        assert!(config.token.matches("0123456789abcdef"));
        assert!(!config.token.matches("0123456789abcdeF"));
        assert!(!config.token.matches(""));
    }

    #[test]
    fn refuses_bad_configuration() {
        let cases: [&[&str]; 4] = [
            &["hotnic-agent"],
            &["hotnic-agent", "--token", "short"],
            &[
                "hotnic-agent",
                "--token",
                "0123456789abcdef",
                "--network",
                "x'/><hostdev",
            ],
            &[
                "hotnic-agent",
                "--token",
                "0123456789abcdef",
                "--unplug-timeout-secs",
                "0",
            ],
        ];
        for argv in cases {
            let parsed = Args::try_parse_from(argv)
                .map_err(|e| e.to_string())
                .and_then(Config::try_from);
            assert!(parsed.is_err(), "{argv:?}");
        }
    }
}

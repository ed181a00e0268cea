//! The host's network devices: which Linux bridges exist, creating the
//! bridges of the configured networks at start (VDSM's setupNetworks, minimal),
//! what NIC kinds the host can back, and running `ip`/`tc`.

use std::{io, path::Path};

use tokio::process::Command;

use crate::params::{BridgeName, DeviceKind};

const SYS_NET: &str = "/sys/class/net";

/// A host command that failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },
    #[error("`{command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
}

/// Runs a program (never through a shell) and returns its stdout.
pub async fn run(program: &str, args: &[&str]) -> Result<String, CommandError> {
    let command = format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|source| CommandError::Spawn {
            command: command.clone(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(CommandError::Failed { command, stderr });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether a Linux bridge of this name exists.
pub fn is_bridge(name: &str) -> bool {
    Path::new(SYS_NET).join(name).join("bridge").is_dir()
}

/// Whether a network device of this name exists.
pub fn device_exists(name: &str) -> bool {
    Path::new(SYS_NET).join(name).exists()
}

/// The Linux bridges present, sorted.
pub fn bridges() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(SYS_NET)
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| is_bridge(n))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("network {0}: a device of that name exists and is not a bridge")]
    NotABridge(String),
    #[error("network {name}: cannot create its bridge")]
    Create {
        name: String,
        #[source]
        source: CommandError,
    },
}

/// Makes sure the bridge of a network exists and is up; creates it when
/// missing. Anything short of a working bridge is an error.
pub async fn ensure_bridge(name: &BridgeName) -> Result<(), BridgeError> {
    let name_str = name.as_str();
    if !is_bridge(name_str) {
        if device_exists(name_str) {
            return Err(BridgeError::NotABridge(name_str.to_owned()));
        }
        if let Err(source) = run("ip", &["link", "add", "name", name_str, "type", "bridge"]).await {
            // Another agent (or test) may have made it in the meantime.
            if !is_bridge(name_str) {
                return Err(BridgeError::Create {
                    name: name_str.to_owned(),
                    source,
                });
            }
        }
    }
    run("ip", &["link", "set", "dev", name_str, "up"])
        .await
        .map_err(|source| BridgeError::Create {
            name: name_str.to_owned(),
            source,
        })?;
    Ok(())
}

/// Why a NIC kind cannot be backed on this host, or `None` when it can.
pub fn missing_support(kind: DeviceKind) -> Option<&'static str> {
    match kind {
        DeviceKind::Bridge => None,
        DeviceKind::Bridgeless if Path::new("/dev/net/tun").exists() => None,
        DeviceKind::Bridgeless => Some("the host has no /dev/net/tun, so no tap devices"),
        DeviceKind::Vnlink if macvtap_available() => None,
        DeviceKind::Vnlink => {
            Some("the host lacks macvtap (the macvtap kernel module is not available)")
        }
        DeviceKind::Sriov => Some("SR-IOV VF passthrough is not implemented by this agent"),
    }
}

/// The NIC kinds this host can back.
pub fn supported_kinds() -> Vec<DeviceKind> {
    DeviceKind::ALL
        .into_iter()
        .filter(|k| missing_support(*k).is_none())
        .collect()
}

fn macvtap_available() -> bool {
    if Path::new("/sys/module/macvtap").exists() {
        return true;
    }
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let modules = Path::new("/lib/modules").join(release.trim());
    ["modules.dep", "modules.builtin"].iter().any(|f| {
        std::fs::read_to_string(modules.join(f)).is_ok_and(|text| text.contains("/macvtap.ko"))
    })
}

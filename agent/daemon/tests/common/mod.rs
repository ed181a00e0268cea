//! Test harness: a real agent on 127.0.0.1:0 against the real libvirtd, and
//! real test guests (Debian cloud kernel + busybox initramfs from
//! scripts/build-guest.sh) whose serial console lists their PCI devices.
//!
//! Needs root, libvirtd running (scripts/libvirt-up.sh) and the guest built
//! (scripts/build-guest.sh); fails, never skips, when they are missing.

#![allow(dead_code)]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use hotnic_agent::{
    xml::{parse_live, LiveDomain},
    Config, RunningAgent, Token,
};
use hotnic_agent_api::{client::AgentClient, CreateParams, NicParams, PciAddressDict};
use uuid::Uuid;
use virt::connect::Connect;

pub const URI: &str = "qemu:///system";
/// The bridge test NICs join, and the one mirrored in the mirroring tests.
pub const BRIDGE: &str = "hntbr0";
pub const MIRROR_BRIDGE: &str = "hntbr1";
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(120);
pub const GUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// The test agents' console folder.
pub const CONSOLE_DIR: &str = "/tmp/hotnic-agent-test-consoles";

pub fn guest_dir() -> PathBuf {
    let dir = PathBuf::from(
        std::env::var("HOTNIC_GUEST_DIR").unwrap_or_else(|_| "/var/cache/hotnic/guest".into()),
    );
    for file in ["vmlinuz", "initrd.img"] {
        assert!(
            dir.join(file).is_file(),
            "test guest missing: {} (run scripts/build-guest.sh {})",
            dir.join(file).display(),
            dir.display()
        );
    }
    dir
}

/// A direct libvirt connection for checking what the agent did.
pub fn libvirt() -> Connect {
    Connect::open(Some(URI)).unwrap_or_else(|e| {
        panic!("libvirt is not reachable at {URI}: {e}. Run scripts/libvirt-up.sh (as root) before the tests.")
    })
}

pub struct Agent {
    pub running: RunningAgent,
    pub client: AgentClient,
    pub token: String,
    pub http: reqwest::Client,
    /// This agent's image library (a copy of the test guest).
    pub images: PathBuf,
    /// Its image library and TLS key, removed on drop.
    scratch: PathBuf,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

impl Agent {
    pub async fn start(unplug_timeout: Duration) -> Agent {
        libvirt();
        let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
        let mut config = Config::new(
            "127.0.0.1:0".parse().unwrap(),
            Token::parse(&token).unwrap(),
        );
        config.unplug_timeout = unplug_timeout;
        config.networks = [BRIDGE, MIRROR_BRIDGE]
            .iter()
            .map(|b| hotnic_agent::params::BridgeName::parse(b).unwrap())
            .collect();
        // An image library of its own holding the test guest.
        let scratch = std::env::temp_dir().join(format!("hotnic-agent-{}", Uuid::new_v4()));
        let (images, tls) = (scratch.join("images"), scratch.join("tls"));
        std::fs::create_dir_all(&images).unwrap();
        for file in ["vmlinuz", "initrd.img"] {
            std::fs::copy(guest_dir().join(file), images.join(file)).unwrap();
        }
        config.images_dir = images.clone();
        config.console_dir = CONSOLE_DIR.into();
        config.tls_dir = tls;
        let running = hotnic_agent::start(config).await.expect("agent starts");
        let client = AgentClient::new(
            &running.base_url(),
            &token,
            &running.fingerprint,
            Duration::from_secs(120),
        )
        .unwrap();
        Agent {
            running,
            client,
            token,
            http: insecure_http(),
            images,
            scratch,
        }
    }

    pub fn url(&self, verb: hotnic_agent_api::Verb) -> String {
        format!("{}{}", self.running.base_url(), verb.path())
    }

    /// POSTs raw JSON with the right token; returns HTTP status and body.
    pub async fn post_json(
        &self,
        verb: hotnic_agent_api::Verb,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(self.url(verb))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

/// A raw HTTPS client for the agent's self-signed certificate (the tests
/// that send what the typed client cannot).
pub fn insecure_http() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

/// A VM started for one test; destroyed (through libvirt directly) on drop.
pub struct TestVm {
    pub id: Uuid,
    pub name: String,
    pub console: PathBuf,
}

impl Drop for TestVm {
    fn drop(&mut self) {
        if let Ok(conn) = Connect::open(Some(URI)) {
            if let Ok(dom) = conn.lookup_domain_by_uuid_string(&self.id.to_string()) {
                let _ = dom.destroy();
            }
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.console);
        }
    }
}

impl TestVm {
    /// Names and ids for a VM the test will create itself.
    pub fn new_unstarted(hint: &str) -> TestVm {
        TestVm::new(hint)
    }

    fn new(hint: &str) -> TestVm {
        let id = Uuid::new_v4();
        let name = format!("hotnic-t-{hint}-{}", &id.simple().to_string()[..8]);
        let console = Path::new(CONSOLE_DIR).join(format!("{id}.log"));
        let _ = std::fs::remove_file(&console);
        TestVm { id, name, console }
    }

    /// Create parameters for a Linux test guest.
    pub fn linux_params(&self, nics: Vec<NicParams>) -> CreateParams {
        guest_dir();
        CreateParams {
            vm_id: self.id,
            vm_name: self.name.clone(),
            mem_size: 128,
            smp: 1,
            kernel: Some("vmlinuz".into()),
            initrd: Some("initrd.img".into()),
            kernel_args: Some("console=ttyS0 quiet loglevel=1 panic=-1".into()),
            drives: vec![],
            nics,
            serial_console: true,
        }
    }

    /// Boots a Linux guest through the agent and waits until its init runs.
    pub async fn linux(agent: &Agent, hint: &str, nics: Vec<NicParams>) -> TestVm {
        let vm = TestVm::new(hint);
        agent
            .client
            .create(&vm.linux_params(nics))
            .await
            .expect("create a Linux guest");
        vm.wait_ready().await;
        vm
    }

    /// A VM with no OS: firmware only, so nobody answers ACPI.
    pub async fn firmware_only(agent: &Agent, hint: &str) -> TestVm {
        let vm = TestVm::new(hint);
        let params = CreateParams {
            kernel: None,
            initrd: None,
            kernel_args: None,
            ..vm.linux_params(vec![])
        };
        agent
            .client
            .create(&params)
            .await
            .expect("create a firmware-only VM");
        vm
    }

    pub async fn wait_ready(&self) {
        let started = Instant::now();
        while !console_text(&self.console).contains("HOTNIC-GUEST-READY") {
            assert!(
                started.elapsed() < BOOT_TIMEOUT,
                "guest {} not ready within {BOOT_TIMEOUT:?}; console:\n{}",
                self.name,
                console_text(&self.console)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The live domain XML, read through libvirt directly.
    pub fn live(&self) -> LiveDomain {
        let conn = libvirt();
        let dom = conn
            .lookup_domain_by_uuid_string(&self.id.to_string())
            .expect("the test VM runs");
        parse_live(&dom.xml_desc(0).unwrap()).unwrap()
    }

    pub fn live_xml_text(&self) -> String {
        let conn = libvirt();
        let dom = conn
            .lookup_domain_by_uuid_string(&self.id.to_string())
            .expect("the test VM runs");
        dom.xml_desc(0).unwrap()
    }

    /// The PCI devices the guest listed last on its console.
    pub fn guest_pci(&self) -> Vec<String> {
        pci_snapshots(&console_text(&self.console))
            .pop()
            .unwrap_or_default()
    }

    /// Waits until the guest lists (or no longer lists) a PCI device.
    pub async fn wait_guest_pci(&self, device: &str, present: bool) -> Duration {
        let started = Instant::now();
        loop {
            if self.guest_pci().iter().any(|d| d == device) == present {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < GUEST_TIMEOUT,
                "guest {} {} {device} after {GUEST_TIMEOUT:?}; last PCI list: {:?}",
                self.name,
                if present {
                    "never listed"
                } else {
                    "still lists"
                },
                self.guest_pci()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn console_text(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The complete `PCI: …` lines of a console, oldest first. A line that a
/// kernel message broke into is skipped: every word must be an address and
/// the line must have ended.
pub fn pci_snapshots(console: &str) -> Vec<Vec<String>> {
    let complete = match console.rfind('\n') {
        Some(end) => &console[..end],
        None => "",
    };
    complete
        .split('\n')
        .filter_map(|line| line.trim_end_matches('\r').strip_prefix("PCI: "))
        .map(|rest| rest.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|words| {
            words.iter().all(|w| is_pci_name(w)) && words.iter().any(|w| w == "0000:00:00.0")
        })
        .collect()
}

fn is_pci_name(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 12
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| [4, 7, 10].contains(&i) || c.is_ascii_hexdigit())
}

/// A NIC dictionary with a fresh device id and MAC.
pub fn new_nic(device: &str, network: Option<&str>, model: &str) -> NicParams {
    let device_id = Uuid::new_v4();
    let b = device_id.as_bytes();
    NicParams {
        kind: "interface".into(),
        device: device.into(),
        device_id,
        network: network.map(str::to_owned),
        address: None,
        mac_addr: format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2]),
        boot_order: None,
        promisc: vec![],
        spec_params: BTreeMap::new(),
        nic_model: model.into(),
        link_active: None,
    }
}

pub fn slot(slot: u8) -> Option<PciAddressDict> {
    Some(PciAddressDict::pci(0, 0, slot, 0))
}

pub fn alias(nic: &NicParams) -> String {
    format!("ua-{}", nic.device_id)
}

/// `0000:00:0c.0` from the agent's PCI dictionary (the one parser).
pub fn sysfs_name(address: &PciAddressDict) -> String {
    address.address().expect("a PCI address that reads").to_string()
}

/// The tc filters on one side of a bridge, as tc prints them in JSON.
pub async fn tc_filters(bridge: &str, direction: &str) -> String {
    let out = tokio::process::Command::new("tc")
        .args(["-j", "filter", "show", "dev", bridge, direction])
        .output()
        .await
        .expect("tc runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

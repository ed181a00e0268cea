//! The whole product for full-stack tests: the hotnic server on a real
//! socket (SQLite file), a real hotnic-agent on 127.0.0.1:0 driving the real
//! libvirtd, and real test guests whose serial console lists their PCI
//! devices. Monitoring is run by the test (`settle`) so each step is
//! deterministic. Needs root, libvirtd and the guest built (make test does
//! that); fails, never skips, without them.

#![allow(dead_code)]

#[path = "../../../engine/tests/common/mod.rs"]
pub mod databases;
#[path = "../support/mod.rs"]
pub mod support;

/// A client that signs every request with `token`.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

use hotnic_engine::{AgentHosts, Database, Engine, EngineConfig};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use uuid::Uuid;

pub const BRIDGE: &str = "hnbr0";
pub const BOOT_TIMEOUT: Duration = Duration::from_secs(120);
pub const GUEST_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Stack {
    pub engine: Engine,
    /// Its database, for server processes that share it.
    pub database_url: String,
    pub base: String,
    /// Sends the first admin's API token with every request.
    pub http: reqwest::Client,
    pub admin_token: String,
    pub agent: Option<hotnic_agent::RunningAgent>,
    pub agent_url: String,
    pub token: String,
    pub fingerprint: hotnic_agent_api::Fingerprint,
    /// The agent's image library: a copy of the test guest's kernel and
    /// initrd (tests add what they need).
    pub images: std::path::PathBuf,
    /// The agent's TLS folder.
    pub tls_dir: std::path::PathBuf,
    pub cluster_id: Uuid,
    pub host_id: Uuid,
    pub console_dir: tempfile::TempDir,
    pub suffix: String,
    vms: std::sync::Mutex<Vec<Uuid>>,
    /// How the agent was started (to start it again).
    pub agent_config: hotnic_agent::Config,
    _agent_files: tempfile::TempDir,
    _db_dir: tempfile::TempDir,
    /// Kept for the stack's life; its database is dropped by the next
    /// `make test` run's PostgreSQL clean-up, not here (Drop cannot await).
    _pg: Option<databases::TestDb>,
}

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn guest_dir() -> PathBuf {
    let dir = PathBuf::from(std::env::var("HOTNIC_GUEST_DIR").unwrap_or_else(|_| "/var/cache/hotnic/guest".into()));
    assert!(dir.join("vmlinuz").is_file(), "test guest missing in {}: run scripts/build-guest.sh", dir.display());
    dir
}

impl Stack {
    /// A server + agent pair with a cluster at `level`, the host registered
    /// and network `hnbr0`. `unplug_timeout` is the agent's.
    pub async fn start(level: &str, unplug_timeout: Duration) -> Stack {
        Self::start_on(Backend::Sqlite, level, unplug_timeout).await
    }

    pub async fn start_on(backend: Backend, level: &str, unplug_timeout: Duration) -> Stack {
        let suffix = Uuid::new_v4().simple().to_string()[..8].to_owned();
        let token = format!("token-{suffix}-secret");
        let console_dir = tempfile::tempdir().unwrap();
        let agent_files = tempfile::tempdir().unwrap();
        let images = agent_files.path().join("images");
        std::fs::create_dir_all(&images).unwrap();
        for file in ["vmlinuz", "initrd.img"] {
            std::fs::copy(guest_dir().join(file), images.join(file)).unwrap();
        }
        let mut agent_config = hotnic_agent::Config::new("127.0.0.1:0".parse().unwrap(), hotnic_agent::Token::parse(&token).unwrap());
        agent_config.unplug_timeout = unplug_timeout;
        agent_config.networks = vec![hotnic_agent::params::BridgeName::parse(BRIDGE).unwrap()];
        agent_config.images_dir = images.clone();
        agent_config.console_dir = console_dir.path().to_owned();
        agent_config.tls_dir = agent_files.path().join("tls");
        let agent = hotnic_agent::start(agent_config.clone())
            .await
            .unwrap_or_else(|e| panic!("agent did not start (is libvirtd up? run scripts/libvirt-up.sh): {e}"));
        let agent_url = agent.base_url();
        let fingerprint = agent.fingerprint.clone();

        let db_dir = tempfile::tempdir().unwrap();
        let test_db = match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", db_dir.path().join("stack.db").display());
                (Database::open(&url).await.unwrap(), url, None)
            }
            Backend::Postgres => {
                let db = databases::TestDb::postgres(true).await;
                (db.database.clone(), db.url.clone(), Some(db))
            }
        };
        let (database, database_url, pg) = test_db;
        own_mac_range(&database).await;
        let config = EngineConfig { monitoring_period: Duration::from_millis(500), ..Default::default() };
        let engine = Engine::new(database, AgentHosts::new(unplug_timeout + Duration::from_secs(15)), config);
        let options = leptos::prelude::LeptosOptions::builder().output_name("hotnic").build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = hotnic::router(engine.clone(), options);
        let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        // As the hotnic binary serves (see main.rs).
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let admin_token = support::admin_token(&engine).await;

        let mut stack = Stack {
            engine,
            database_url,
            base,
            http: bearer_client(&admin_token),
            admin_token,
            agent: Some(agent),
            agent_url: agent_url.clone(),
            token: token.clone(),
            fingerprint,
            images,
            tls_dir: agent_files.path().join("tls"),
            agent_config,
            _agent_files: agent_files,
            cluster_id: Uuid::nil(),
            host_id: Uuid::nil(),
            console_dir,
            suffix: suffix.clone(),
            vms: Default::default(),
            _db_dir: db_dir,
            _pg: pg,
        };
        let cluster = stack.ok("POST", "/api/clusters", Some(json!({"name": format!("c-{suffix}"), "compatibility_version": level}))).await;
        stack.cluster_id = id_of(&cluster);
        let host = stack
            .ok("POST", "/api/hosts", Some(json!({"name": format!("h-{suffix}"), "cluster_id": cluster["id"], "agent_url": agent_url, "token": token})))
            .await;
        stack.host_id = id_of(&host);
        stack.ok("POST", "/api/networks", Some(json!({"name": BRIDGE, "cluster_id": cluster["id"], "kind": "bridge"}))).await;
        stack
    }

    /// Calls the REST API; returns the status and the JSON body (null when empty).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: {text}")) };
        (status, value)
    }

    /// Calls and expects a 2xx answer.
    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert!((200..300).contains(&status), "{method} {path} → {status}: {value}");
        value
    }

    /// A VM booting the test guest (or only firmware when `linux` is false).
    pub async fn create_vm(&self, hint: &str, linux: bool) -> Uuid {
        let mut body = json!({"name": format!("{hint}-{}", self.suffix), "cluster_id": self.cluster_id, "memory_mib": 128, "vcpus": 1});
        if linux {
            body["kernel"] = json!("vmlinuz");
            body["initrd"] = json!("initrd.img");
            body["cmdline"] = json!("console=ttyS0 quiet loglevel=1 panic=-1");
        }
        let vm = self.ok("POST", "/api/vms", Some(body)).await;
        let id = id_of(&vm);
        self.vms.lock().unwrap().push(id);
        id
    }

    pub async fn add_nic(&self, vm: Uuid, name: &str, extra: Value) -> Value {
        let mut body = json!({"name": name, "network": BRIDGE, "interface": "virtio"});
        body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
        self.ok("POST", &format!("/api/vms/{vm}/nics"), Some(body)).await
    }

    pub async fn nic(&self, vm: Uuid, nic: &Value) -> Value {
        self.ok("GET", &format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap()), None).await
    }

    pub async fn action(&self, vm: Uuid, nic: &Value, action: &str) -> (u16, Value) {
        self.call("POST", &format!("/api/vms/{vm}/nics/{}/{action}", nic["id"].as_str().unwrap()), None).await
    }

    /// Runs the VM and, for a Linux guest, waits until it has booted and
    /// monitoring has seen it up (the agent reports "Up" once the guest
    /// opened its guest agent port). A firmware-only guest has no agent:
    /// it stays powering up for the agent's boot grace, and that is enough
    /// for the tests that use one.
    pub async fn run(&self, vm: Uuid, linux: bool) {
        self.ok("POST", &format!("/api/vms/{vm}/start"), None).await;
        if linux {
            self.wait_console(vm, "HOTNIC-GUEST-READY", BOOT_TIMEOUT).await;
            self.wait_status(vm, "up", BOOT_TIMEOUT).await;
        } else {
            self.settle().await;
            let status = self.ok("GET", &format!("/api/vms/{vm}"), None).await["status"].clone();
            assert!(status == "powering_up" || status == "up", "{status}");
        }
    }

    /// Monitoring passes until the API reports the VM in `status`; returns
    /// the statuses it read on the way.
    pub async fn wait_status(&self, vm: Uuid, status: &str, timeout: Duration) -> Vec<String> {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            self.settle().await;
            let now = self.ok("GET", &format!("/api/vms/{vm}"), None).await["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&now) {
                seen.push(now.clone());
            }
            if now == status {
                return seen;
            }
            assert!(start.elapsed() < timeout, "VM {vm} not {status} within {timeout:?}: went {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One monitoring pass.
    pub async fn settle(&self) {
        hotnic_engine::monitoring::refresh_all(&self.engine).await.unwrap();
    }

    pub fn console(&self, vm: Uuid) -> String {
        std::fs::read_to_string(self.console_dir.path().join(format!("{vm}.log"))).unwrap_or_default().replace('\r', "")
    }

    pub async fn wait_console(&self, vm: Uuid, text: &str, timeout: Duration) {
        let start = Instant::now();
        while !self.console(vm).contains(text) {
            assert!(start.elapsed() < timeout, "'{text}' not on the console of {vm} within {timeout:?}:\n{}", self.console(vm));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The guest's latest list of PCI devices, from its console.
    pub fn guest_pci(&self, vm: Uuid) -> Vec<String> {
        let console = self.console(vm);
        console
            .lines()
            .filter_map(|l| l.split_once("PCI: ").map(|(_, rest)| rest))
            .last()
            .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Waits until the guest's PCI list does (or does not) hold `address`
    /// (e.g. "0000:00:03.0").
    pub async fn wait_guest_sees(&self, vm: Uuid, address: &str, present: bool) {
        let start = Instant::now();
        while self.guest_pci(vm).iter().any(|a| a == address) != present {
            assert!(
                start.elapsed() < GUEST_TIMEOUT,
                "guest of {vm}: {address} present={} expected {present}; console:\n{}",
                !present,
                self.console(vm)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The guest's latest carrier of the NIC at `address` ("1", "0"), from
    /// its `NET: <address>=<carrier> …` console lines.
    pub fn guest_carrier(&self, vm: Uuid, address: &str) -> Option<String> {
        let console = self.console(vm);
        let line = console.lines().filter_map(|l| l.split_once("NET: ").map(|(_, rest)| rest.trim_end_matches('\r'))).last()?;
        line.split_whitespace().find_map(|pair| pair.strip_prefix(&format!("{address}=")).map(str::to_owned))
    }

    pub async fn wait_carrier(&self, vm: Uuid, address: &str, carrier: &str) {
        let start = Instant::now();
        while self.guest_carrier(vm, address).as_deref() != Some(carrier) {
            assert!(start.elapsed() < GUEST_TIMEOUT, "guest of {vm}: carrier of {address} is not {carrier}; console:\n{}", self.console(vm));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many events named `event` the VM has.
    pub async fn events(&self, vm: Uuid, event: &str) -> usize {
        let all = self.ok("GET", &format!("/api/events?vm_id={vm}"), None).await;
        all.as_array().unwrap().iter().filter(|e| e["event"] == event).count()
    }

    /// What the host runs for this VM, straight from the agent.
    pub async fn host_nics(&self, vm: Uuid) -> Vec<hotnic_agent_api::NicInfo> {
        let client = self.agent_client();
        let stats = client.get_all_vm_stats().await.unwrap();
        stats.stats_list.into_iter().find(|s| s.vm_id == vm).map(|s| s.nics).unwrap_or_default()
    }

    /// A client of the stack's agent, pinned to its certificate.
    pub fn agent_client(&self) -> hotnic_agent_api::client::AgentClient {
        hotnic_agent_api::client::AgentClient::new(&self.agent_url, &self.token, &self.fingerprint, Duration::from_secs(10)).unwrap()
    }

    pub fn virsh(&self, args: &[&str]) {
        let status = std::process::Command::new("virsh").args(["-q", "-c", "qemu:///system"]).args(args).status().unwrap();
        assert!(status.success(), "virsh {args:?} failed");
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for vm in self.vms.lock().unwrap().iter() {
            let _ = std::process::Command::new("virsh")
                .args(["-q", "-c", "qemu:///system", "destroy", &vm.to_string()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

/// Tests run side by side on one libvirtd, and the agent refuses a MAC any
/// VM on the host holds: each stack takes its MACs from a range of its own.
async fn own_mac_range(database: &Database) {
    use hotnic_engine::entities::mac_pool;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let bytes = *Uuid::new_v4().as_bytes();
    let prefix = format!("02:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2], bytes[3]);
    let pool = mac_pool::Entity::find().one(&database.conn).await.unwrap().unwrap();
    let mut pool = pool.into_active_model();
    pool.range_start = Set(format!("{prefix}:00"));
    pool.range_end = Set(format!("{prefix}:ff"));
    pool.update(&database.conn).await.unwrap();
}

pub fn id_of(value: &Value) -> Uuid {
    value["id"].as_str().unwrap_or_else(|| panic!("no id in {value}")).parse().unwrap()
}

/// "0000:00:03.0" from an API NIC's address.
pub fn pci_text(nic: &Value) -> String {
    let a = &nic["address"];
    assert!(a.is_object(), "NIC has no address: {nic}");
    format!(
        "{:04x}:{:02x}:{:02x}.{:x}",
        a["domain"].as_u64().unwrap(),
        a["bus"].as_u64().unwrap(),
        a["slot"].as_u64().unwrap(),
        a["function"].as_u64().unwrap()
    )
}

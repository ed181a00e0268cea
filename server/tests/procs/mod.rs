//! Real `hotnic` server processes (the binary this package builds) on the
//! database of a test stack, for tests that kill a server (SIGKILL) or run
//! two of them. The stack's own in-process server set the data up; these
//! serve it. They share its agent, its guest and its admin's API token.

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Monitoring period of the server processes.
pub const MONITORING_MS: u64 = 300;

pub struct ServerProcess {
    child: Option<Child>,
    pub base: String,
    pub http: reqwest::Client,
    database_url: String,
    data_dir: tempfile::TempDir,
    port: u16,
    /// Where its log goes (printed when a start fails).
    pub log: PathBuf,
    /// Its monitoring period in ms; None: the product's default.
    monitoring_ms: Option<u64>,
}

impl ServerProcess {
    /// Starts a server on `database_url` with FAILPOINTS set to
    /// `failpoints` (e.g. "plug-after-host=pause"), and waits until it answers.
    pub async fn start(database_url: &str, token: &str, failpoints: Option<&str>) -> ServerProcess {
        Self::start_monitoring_every(database_url, token, failpoints, Some(MONITORING_MS)).await
    }

    /// [`ServerProcess::start`] with a monitoring period of `monitoring_ms`
    /// (None: the product's default, as benchmarks run it).
    pub async fn start_monitoring_every(database_url: &str, token: &str, failpoints: Option<&str>, monitoring_ms: Option<u64>) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data_dir = tempfile::tempdir().unwrap();
        let log = data_dir.path().join("server.log");
        let mut server = ServerProcess {
            child: None,
            base: format!("http://127.0.0.1:{port}"),
            http: super::stack::bearer_client(token),
            database_url: database_url.to_owned(),
            data_dir,
            port,
            log,
            monitoring_ms,
        };
        server.spawn(failpoints).await;
        server
    }

    async fn spawn(&mut self, failpoints: Option<&str>) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut command = Command::new(server_binary());
        command
            .env("DATABASE_URL", &self.database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", self.port))
            .env_remove("HOTNIC_MONITORING_MS")
            .env("HOTNIC_DATA_DIR", self.data_dir.path())
            .env("RUST_LOG", "info")
            .env_remove("FAILPOINTS")
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if let Some(failpoints) = failpoints {
            command.env("FAILPOINTS", failpoints);
        }
        if let Some(period) = self.monitoring_ms {
            command.env("HOTNIC_MONITORING_MS", period.to_string());
        }
        self.child = Some(command.spawn().expect("start the hotnic binary"));
        let started = Instant::now();
        loop {
            if let Ok(response) = self.http.get(format!("{}/api/health", self.base)).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("hotnic exited ({status}):\n{}", self.log_text());
            }
            assert!(started.elapsed() < Duration::from_secs(30), "hotnic did not answer within 30 s:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL: no clean-up of any kind, as a crash or an OOM kill.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts again on the same port and database.
    pub async fn restart(&mut self, failpoints: Option<&str>) {
        self.kill();
        self.spawn(failpoints).await;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<(u16, Value), reqwest::Error> {
        let mut request = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() }))
    }

    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await.unwrap();
        assert!((200..300).contains(&status), "{method} {path} → {status}: {value}");
        value
    }

    /// Reads `path` until `done` holds for the answer (or `timeout`).
    pub async fn wait_for(&self, path: &str, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let value = self.ok("GET", path, None).await;
            if done(&value) {
                return value;
            }
            assert!(started.elapsed() < timeout, "{path} not as expected within {timeout:?}: {value}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `hotnic-agent` binary cargo built beside this package's (`make test`
/// builds the whole workspace, test features included, so it has failpoints).
fn agent_binary() -> PathBuf {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_hotnic")).with_file_name("hotnic-agent");
    assert!(path.is_file(), "{} missing: run the workspace's tests (make test), which build it", path.display());
    path
}

/// A real agent process taking over a stack's agent: same address, token,
/// certificate, images and consoles, so the host the stack registered is
/// this one.
pub struct AgentProcess {
    child: Option<Child>,
    args: Vec<String>,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl AgentProcess {
    pub async fn replace(stack: &mut super::stack::Stack, failpoints: Option<&str>) -> AgentProcess {
        let agent = stack.agent.take().expect("the stack's agent runs");
        let addr = agent.addr;
        agent.stop().await.unwrap();
        let args = vec![
            format!("--listen={addr}"),
            format!("--token={}", stack.token),
            format!("--images-dir={}", stack.images.display()),
            format!("--console-dir={}", stack.console_dir.path().display()),
            format!("--tls-dir={}", stack.tls_dir.display()),
            format!("--network={}", super::stack::BRIDGE),
            format!("--unplug-timeout-secs={}", stack.agent_config.unplug_timeout.as_secs()),
        ];
        let log_dir = tempfile::tempdir().unwrap();
        let mut process = AgentProcess { child: None, args, log: log_dir.path().join("agent.log"), _log_dir: log_dir };
        process.spawn(stack, failpoints).await;
        process
    }

    async fn spawn(&mut self, stack: &super::stack::Stack, failpoints: Option<&str>) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut command = Command::new(agent_binary());
        command.args(&self.args).env("RUST_LOG", "info").env_remove("FAILPOINTS").stdout(log.try_clone().unwrap()).stderr(log);
        if let Some(failpoints) = failpoints {
            command.env("FAILPOINTS", failpoints);
        }
        self.child = Some(command.spawn().expect("start hotnic-agent"));
        let client = stack.agent_client();
        let started = Instant::now();
        while client.get_all_vm_stats().await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "hotnic-agent did not answer:\n{}", std::fs::read_to_string(&self.log).unwrap_or_default());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn restart(&mut self, stack: &super::stack::Stack, failpoints: Option<&str>) {
        self.kill();
        self.spawn(stack, failpoints).await;
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The hotnic binary cargo built, or `HOTNIC_SERVER_BIN` (a bench comparing
/// two builds side by side in one run).
fn server_binary() -> std::ffi::OsString {
    std::env::var_os("HOTNIC_SERVER_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_hotnic").into())
}

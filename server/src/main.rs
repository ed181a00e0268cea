//! `hotnic`: serves the UI and the API. Configuration comes from the
//! environment: DATABASE_URL (default: a SQLite file under ./data) and
//! LEPTOS_SITE_ADDR (default 127.0.0.1:3000), HOTNIC_MONITORING_MS,
//! HOTNIC_HOST_TIMEOUT_MS, HOTNIC_METRICS_ACCESS (loopback, open, off),
//! HOTNIC_LOG (json for JSON lines),
//! HOTNIC_ADMIN_PASSWORD (the first admin's, on an empty database),
//! HOTNIC_DATA_DIR (default ./data), HOTNIC_SESSION_IDLE_MINUTES (480),
//! HOTNIC_PUBLIC_ORIGIN and HOTNIC_ALLOWED_HOSTS.
//! (Guests' consoles are written by each host's agent, to its own folder.)

use hotnic_engine::db::DEFAULT_DATABASE_URL;
use hotnic_engine::{AgentHosts, Database, Engine, EngineConfig};
use std::time::Duration;
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

/// Requests allocate many small short-lived values on every worker thread.
/// glibc's malloc took about a seventh of the server's CPU in a burst of
/// plugs; with mimalloc the throughput bench plugs 12-15 % more per second.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where the built site lives unless cargo-leptos told us otherwise.
const SITE_DEFAULTS: &[(&str, &str)] = &[
    ("LEPTOS_OUTPUT_NAME", "hotnic"),
    ("LEPTOS_SITE_ROOT", "target/site"),
    ("LEPTOS_SITE_PKG_DIR", "pkg"),
    ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
    ("LEPTOS_RELOAD_PORT", "3001"),
];

/// `hotnic --help`: every setting, all read from the environment.
const HELP: &str = "\
hotnic: the hotnic server (web UI, REST API, oVirt API, host monitoring).
Usage: hotnic [--help | --version]. Settings come from the environment:

  DATABASE_URL                 sqlite://data/hotnic.db?mode=rwc (default; one server per file)
                               or postgres://user:password@host/db (several servers may share it)
  LEPTOS_SITE_ADDR             address to listen on (127.0.0.1:3000)
  LEPTOS_SITE_ROOT             the built site (target/site); LEPTOS_SITE_PKG_DIR (pkg), LEPTOS_OUTPUT_NAME (hotnic)
  HOTNIC_DATA_DIR              where the first admin's password file goes (data)
  HOTNIC_ADMIN_PASSWORD        the first admin's password, on an empty database (else a random one)
  HOTNIC_PUBLIC_ORIGIN         where browsers reach hotnic, e.g. https://hotnic.example.org (Secure cookies, CSRF origin)
  HOTNIC_ALLOWED_HOSTS         host names besides IP addresses and localhost, comma-separated
  HOTNIC_MONITORING_MS         how often each host is polled (2000)
  HOTNIC_HOST_TIMEOUT_MS       how long one host's poll may take (5000)
  HOTNIC_SESSION_IDLE_MINUTES  a session ends after this long unused (480)
  HOTNIC_METRICS_ACCESS        who may read /metrics: loopback (default), open, off
  HOTNIC_LOG                   json for JSON log lines; RUST_LOG filters (info)
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1).as_deref() {
        Some("--help" | "-h") => {
            print!("{HELP}");
            return Ok(());
        }
        Some("--version" | "-V") => {
            println!("hotnic {}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        Some(other) => return Err(format!("unknown argument {other}; hotnic takes its settings from the environment (hotnic --help)").into()),
        None => {}
    }
    // FAILPOINTS, in test builds only (fault tests stop a flow half way).
    let _failpoints = fail::FailScenario::setup();
    if std::env::var_os("FAILPOINTS").is_some() && !fail::has_failpoints() {
        // A fault test's faults would silently not happen.
        return Err("FAILPOINTS is set, but this build has no fail points (the workspace's test build has them: cargo test --workspace --no-run)".into());
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // HOTNIC_LOG=json: one JSON object per line, request ids included.
    match std::env::var("HOTNIC_LOG").as_deref() {
        Ok("json") => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        _ => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    hotnic::panics::install();
    for (key, value) in SITE_DEFAULTS {
        if std::env::var_os(key).is_none() {
            // Single-threaded here: nothing else reads the environment yet.
            std::env::set_var(key, value);
        }
    }
    let conf = get_configuration(None)?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;

    hotnic::prometheus::Access::from_env()?;
    hotnic::prometheus::handle();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    // Held until the process ends.
    let _sole_server = Database::claim_sole_server(&url)?;
    let database = Database::open(&url).await?;
    tracing::info!(database = database.kind(), "database ready, schema up to date");

    first_admin(&database).await?;
    let config = engine_config()?;
    // A host call may wait for a guest's unplug (30 s at the agent): allow more.
    let engine = Engine::new(database, AgentHosts::new(Duration::from_secs(45)), config);
    let monitoring = hotnic_engine::monitoring::spawn(engine.clone());
    let change_feed = hotnic_engine::change_feed::spawn(&engine);
    let sessions = tokio::spawn(forget_idle_sessions(engine.clone()));
    let app = hotnic::router(engine.clone(), leptos_options);
    // Answers go out at once: without TCP_NODELAY a compressed answer
    // written in pieces waits ~40 ms for the client's delayed ACK (oVirt
    // SDK clients reuse one connection for every call).
    use axum::serve::ListenerExt;
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tracing::info!("hotnic listening on http://{addr}");
    // The peer address feeds the sign-in back-off.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    monitoring.abort();
    sessions.abort();
    if let Some(feed) = change_feed {
        feed.abort();
    }
    // Other servers on the database take this one's hosts at once.
    if let Err(err) = hotnic_engine::servers::leave(&engine).await {
        tracing::warn!(error = %err, "could not hand this server's hosts over; others take them after its silence");
    }
    Ok(())
}

/// On a database without users: creates `admin` (SuperUser) with
/// HOTNIC_ADMIN_PASSWORD, or a random password printed once here and
/// written to $HOTNIC_DATA_DIR/admin.password (mode 0600).
async fn first_admin(database: &Database) -> Result<(), Box<dyn std::error::Error>> {
    let given = std::env::var("HOTNIC_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    let from_env = given.is_some();
    let Some(password) = hotnic_engine::access::users::bootstrap_admin(&database.conn, given).await? else { return Ok(()) };
    if from_env {
        tracing::info!("created user admin (SuperUser) with the password in HOTNIC_ADMIN_PASSWORD");
        return Ok(());
    }
    let dir = std::path::PathBuf::from(std::env::var("HOTNIC_DATA_DIR").unwrap_or_else(|_| "data".into()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("admin.password");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut out = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&file)?;
        writeln!(out, "{password}")?;
    }
    println!("\n  Created user 'admin' (SuperUser) with password: {password}\n  (also in {}, readable by you only; shown once)\n", file.display());
    Ok(())
}

async fn forget_idle_sessions(engine: Engine) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(err) = hotnic_engine::access::sessions::forget_idle(&engine).await {
            tracing::warn!(error = %err, "could not drop idle sessions");
        }
    }
}

/// HOTNIC_MONITORING_MS (default 2000), HOTNIC_HOST_TIMEOUT_MS (5000),
/// HOTNIC_SESSION_IDLE_MINUTES (480).
fn engine_config() -> Result<EngineConfig, Box<dyn std::error::Error>> {
    let mut config = EngineConfig::default();
    if let Ok(ms) = std::env::var("HOTNIC_MONITORING_MS") {
        config.monitoring_period = Duration::from_millis(ms.parse().map_err(|_| format!("HOTNIC_MONITORING_MS={ms} is not a number"))?);
    }
    if let Ok(ms) = std::env::var("HOTNIC_HOST_TIMEOUT_MS") {
        config.host_timeout = Duration::from_millis(ms.parse().map_err(|_| format!("HOTNIC_HOST_TIMEOUT_MS={ms} is not a number"))?);
    }
    if let Ok(minutes) = std::env::var("HOTNIC_SESSION_IDLE_MINUTES") {
        let minutes: u64 = minutes.parse().map_err(|_| format!("HOTNIC_SESSION_IDLE_MINUTES={minutes} is not a number"))?;
        config.session_idle = Duration::from_secs(minutes * 60);
    }
    Ok(config)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}

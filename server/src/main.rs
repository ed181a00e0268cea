//! `hotnic`: serves the UI and the API. Configuration comes from the
//! environment: DATABASE_URL (default: a SQLite file under ./data) and
//! LEPTOS_SITE_ADDR (default 127.0.0.1:3000), HOTNIC_MONITORING_MS.
//! (Guests' consoles are written by each host's agent, to its own folder.)

use hotnic_engine::db::DEFAULT_DATABASE_URL;
use hotnic_engine::{AgentHosts, Database, Engine, EngineConfig};
use std::time::Duration;
use leptos::config::get_configuration;
use tracing_subscriber::EnvFilter;

/// Where the built site lives unless cargo-leptos told us otherwise.
const SITE_DEFAULTS: &[(&str, &str)] = &[
    ("LEPTOS_OUTPUT_NAME", "hotnic"),
    ("LEPTOS_SITE_ROOT", "target/site"),
    ("LEPTOS_SITE_PKG_DIR", "pkg"),
    ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
    ("LEPTOS_RELOAD_PORT", "3001"),
];

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    for (key, value) in SITE_DEFAULTS {
        if std::env::var_os(key).is_none() {
            // Single-threaded here: nothing else reads the environment yet.
            std::env::set_var(key, value);
        }
    }
    let conf = get_configuration(None)?;
    let leptos_options = conf.leptos_options;
    let addr = leptos_options.site_addr;

    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let database = Database::open(&url).await?;
    tracing::info!(database = database.kind(), "database ready, schema up to date");

    let config = engine_config()?;
    // A host call may wait for a guest's unplug (30 s at the agent): allow more.
    let engine = Engine::new(database, AgentHosts::new(Duration::from_secs(45)), config);
    let monitoring = hotnic_engine::monitoring::spawn(engine.clone());
    let app = hotnic::router(engine, leptos_options);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("hotnic listening on http://{addr}");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    monitoring.abort();
    Ok(())
}

/// HOTNIC_MONITORING_MS (default 2000).
fn engine_config() -> Result<EngineConfig, Box<dyn std::error::Error>> {
    let mut config = EngineConfig::default();
    if let Ok(ms) = std::env::var("HOTNIC_MONITORING_MS") {
        config.monitoring_period = Duration::from_millis(ms.parse().map_err(|_| format!("HOTNIC_MONITORING_MS={ms} is not a number"))?);
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

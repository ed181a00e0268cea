//! `hotnic-agent`: reads its configuration and serves until SIGINT/SIGTERM.

use clap::Parser;
use hotnic_agent::{config::Args, Config};
use tracing_subscriber::EnvFilter;

/// The server's allocator, for the same reason (see its main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // FAILPOINTS, in test builds only; a release build has none.
    let _failpoints = fail::FailScenario::setup();
    if std::env::var_os("FAILPOINTS").is_some() && !fail::has_failpoints() {
        // A fault test's faults would silently not happen.
        eprintln!("hotnic-agent: FAILPOINTS is set, but this build has no fail points (the workspace's test build has them: cargo test --workspace --no-run)");
        return std::process::ExitCode::FAILURE;
    }
    hotnic_agent::measure::install();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // HOTNIC_LOG=json: one JSON object per line, request ids included.
    match std::env::var("HOTNIC_LOG").as_deref() {
        Ok("json") => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        _ => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    hotnic_agent::panics::install();
    let config = match Config::try_from(Args::parse()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("hotnic-agent: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let agents = match &config.simulate {
        None => hotnic_agent::start(config).await.map(|agent| vec![agent]),
        Some(simulation) => start_simulated(&config, simulation).await,
    };
    let agents = match agents {
        Ok(agents) => agents,
        Err(err) => {
            eprintln!("hotnic-agent: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("stopping");
    let mut code = std::process::ExitCode::SUCCESS;
    for agent in agents {
        if let Err(err) = agent.stop().await {
            eprintln!("hotnic-agent: {err}");
            code = std::process::ExitCode::FAILURE;
        }
    }
    code
}

/// `--simulate`: hosts on consecutive ports, each with its own certificate
/// (under the TLS folder, `sim-<i>`) and, when several, its own token
/// (`<token>-<i>`). Prints how to register each.
async fn start_simulated(
    config: &Config,
    simulation: &hotnic_agent::config::Simulation,
) -> Result<Vec<hotnic_agent::RunningAgent>, hotnic_agent::StartError> {
    let mut agents = Vec::new();
    for i in 0..simulation.hosts {
        let mut host = config.clone();
        host.listen.set_port(config.listen.port() + i);
        host.tls_dir = config.tls_dir.join(format!("sim-{i}"));
        if simulation.hosts > 1 {
            host.token = config.token.with_suffix(&format!("-{i}"));
        }
        let sim = hotnic_agent::simulated::SimConfig {
            hostname: format!("simulated-{i}"),
            bridges: config.networks.iter().map(|n| n.to_string()).collect(),
            latency: simulation.latency,
            failure_rate: simulation.failure_rate,
            stats_delay: std::time::Duration::ZERO,
        };
        let agent = hotnic_agent::start_simulated(host, sim).await?;
        let token = if simulation.hosts > 1 { format!("<token>-{i}") } else { "<token>".into() };
        println!("simulated host {i}: {} token {token} fingerprint {}", agent.base_url(), agent.fingerprint);
        agents.push(agent);
    }
    Ok(agents)
}

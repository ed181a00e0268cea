//! `hotnic-agent`: reads its configuration and serves until SIGINT/SIGTERM.

use clap::Parser;
use hotnic_agent::{config::Args, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // FAILPOINTS, in test builds only; a release build has none.
    let _failpoints = fail::FailScenario::setup();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = match Config::try_from(Args::parse()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("hotnic-agent: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let agent = match hotnic_agent::start(config).await {
        Ok(agent) => agent,
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
    match agent.stop().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hotnic-agent: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

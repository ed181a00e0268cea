//! Plug throughput through the REST API: HOTNIC_BENCH_VMS (default 200)
//! running VMs on 10 simulated hosts (in this process), one NIC each, and
//! as many plug (then unplug) requests sent at once, one per VM, to one
//! hotnic server process and, side by side in the same run, split over two
//! server processes on the same PostgreSQL. Median and p99 latency and
//! requests per second, over 3 rounds of each after one unrecorded round.
//! Run by `make bench`.

#[path = "../tests/procs/mod.rs"]
mod procs;
#[path = "../tests/stack/mod.rs"]
mod stack;

use hotnic_agent::simulated::SimConfig;
use hotnic_engine::access::{Actor, Scope};
use hotnic_engine::{clusters, hosts, networks, nics, run, vms, AgentHosts, Engine, EngineConfig};
use hotnic_model::{NewCluster, NewHost, NewNetwork, NewNic, NewVm, Role};
use procs::ServerProcess;
use std::time::{Duration, Instant};
use uuid::Uuid;

const HOSTS: usize = 10;
const ROUNDS: usize = 3;
const TOKEN: &str = "simulated-token-0123";

fn admin() -> Actor {
    Actor::with_grants(Uuid::nil(), "admin", vec![(Role::SuperUser, Scope::System)])
}

/// `count` running VMs spread over the simulated hosts, one unplugged NIC
/// each; returns each NIC's REST path.
async fn fleet(engine: &Engine, files: &std::path::Path, count: usize) -> (Vec<String>, Vec<hotnic_agent::RunningAgent>) {
    let (mut paths, mut agents) = (Vec::new(), Vec::new());
    for h in 0..HOSTS {
        let mut config = hotnic_agent::Config::new("127.0.0.1:0".parse().unwrap(), hotnic_agent::Token::parse(TOKEN).unwrap());
        config.images_dir = files.join("images");
        config.console_dir = files.join("consoles");
        config.tls_dir = files.join(format!("tls-{h}"));
        let sim = SimConfig { hostname: format!("sim{h}"), bridges: vec!["ovirtmgmt".into()], ..Default::default() };
        let agent = hotnic_agent::start_simulated(config, sim).await.unwrap();
        let db = engine.db();
        let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: format!("c{h}"), compatibility_version: "4.7".into() }).await.unwrap();
        networks::create_network(db, &admin(), NewNetwork { name: "ovirtmgmt".into(), cluster_id: cluster.id, kind: "bridge".into() }).await.unwrap();
        let new_host = NewHost { name: format!("sim{h}"), cluster_id: cluster.id, agent_url: agent.base_url(), token: TOKEN.into(), fingerprint: None };
        hosts::create_host(engine, &admin(), new_host).await.unwrap();
        for v in (0..count).filter(|v| v % HOSTS == h) {
            let new_vm = NewVm { name: format!("vm{v}"), cluster_id: cluster.id, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
            let vm = vms::create_vm(engine, &admin(), new_vm).await.unwrap().id;
            // More NICs than oVirt's default MAC pool holds: MACs of our own.
            let mac = Some(format!("02:00:00:00:{:02x}:{:02x}", v >> 8, v & 0xff));
            let nic = NewNic { name: "nic1".into(), network: Some("ovirtmgmt".into()), interface: "virtio".into(), mac, port_mirroring: false, boot_order: None };
            let nic = nics::add_nic(engine, &admin(), vm, nic).await.unwrap();
            run::run_vm(engine, &admin(), vm).await.unwrap();
            paths.push(format!("/api/vms/{vm}/nics/{}", nic.id));
        }
        agents.push(agent);
    }
    (paths, agents)
}

/// Sends `action` for every NIC at once, request i to server i mod n;
/// returns each latency and the wall time.
async fn burst(servers: &[&ServerProcess], paths: &[String], action: &str) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let calls = paths.iter().enumerate().map(|(i, path)| {
        let server = servers[i % servers.len()];
        async move {
            let sent = Instant::now();
            let (status, body) = server.call("POST", &format!("{path}/{action}"), None).await.unwrap();
            assert_eq!(status, 200, "{action} {path}: {body}");
            sent.elapsed()
        }
    });
    let latencies = futures::future::join_all(calls).await;
    (latencies, started.elapsed())
}

fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("HOTNIC_BENCH_VMS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let db = stack::databases::TestDb::postgres(true).await;
    let engine = Engine::new(db.database.clone(), AgentHosts::new(Duration::from_secs(30)), EngineConfig::default());
    let token = stack::support::admin_token(&engine).await;
    let files = tempfile::tempdir().unwrap();
    let (paths, _agents) = fleet(&engine, files.path(), count).await;
    // Monitoring at the product's period (the test suites poll faster).
    let a = ServerProcess::start_monitoring_every(&db.url, &token, None, None).await;
    let b = ServerProcess::start_monitoring_every(&db.url, &token, None, None).await;

    // [one server, two servers] × [plug, unplug]: latencies and the rate.
    let mut latencies: [[Vec<Duration>; 2]; 2] = Default::default();
    let mut rates: [[Vec<f64>; 2]; 2] = Default::default();
    let mut round_p99s: [[Vec<f64>; 2]; 2] = Default::default();
    // One round unrecorded: the servers open their database connections
    // and agent sessions on first use, which no later request pays.
    for servers in [vec![&a], vec![&a, &b]] {
        for action in ["plug", "unplug"] {
            burst(&servers, &paths, action).await;
        }
    }
    for _ in 0..ROUNDS {
        for (mode, servers) in [vec![&a], vec![&a, &b]].iter().enumerate() {
            for (flip, action) in ["plug", "unplug"].iter().enumerate() {
                let (mut each, wall) = burst(servers, &paths, action).await;
                rates[mode][flip].push(paths.len() as f64 / wall.as_secs_f64());
                round_p99s[mode][flip].push(percentile_ms(&mut each, 0.99));
                latencies[mode][flip].append(&mut each);
            }
        }
    }
    println!("\n{count} requests at once (one per VM, {HOSTS} simulated hosts, PostgreSQL), {ROUNDS} rounds after a warm-up; latency in ms\n");
    println!("| servers | request | median | p99 | p99 of each round | requests/s (median round) |");
    println!("|---|---|---|---|---|---|");
    for (mode, name) in ["one", "two (requests split)"].iter().enumerate() {
        for (flip, action) in ["plug", "unplug"].iter().enumerate() {
            let samples = &mut latencies[mode][flip];
            let (median, p99) = (percentile_ms(samples, 0.5), percentile_ms(samples, 0.99));
            let rate = &mut rates[mode][flip];
            rate.sort_by(f64::total_cmp);
            let rounds: Vec<String> = round_p99s[mode][flip].iter().map(|p| format!("{p:.0}")).collect();
            println!("| {name} | {action} | {median:.1} | {p99:.1} | {} | {:.0} |", rounds.join(", "), rate[rate.len() / 2]);
        }
    }
    drop((a, b));
    db.finish().await;
}

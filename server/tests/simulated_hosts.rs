//! Monitoring at scale, with simulated hosts (`hotnic-agent --simulate`,
//! here in process, one HTTPS agent per host): 50 hosts, one of which never
//! answers getAllVmStats, the others' changes are stored within one
//! monitoring interval; a host that answers garbage gets an event and
//! changes nothing, and the others are unaffected. Real HTTPS, real agent
//! code, SQLite; only the hypervisor is simulated.

use hotnic_agent::simulated::SimConfig;
use hotnic_agent_api::client::AgentClient;
use hotnic_engine::access::{Actor, Scope};
use hotnic_engine::entities::audit_log;
use hotnic_engine::{clusters, hosts, monitoring, networks, nics, plug, run, vms, AgentHosts, Database, Engine, EngineConfig};
use hotnic_model::{NewCluster, NewHost, NewNetwork, NewNic, NewVm, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::{Duration, Instant};
use uuid::Uuid;

const HOSTS: usize = 50;
const PERIOD: Duration = Duration::from_millis(1000);

struct SimHost {
    agent: Option<hotnic_agent::RunningAgent>,
    client: AgentClient,
    tls_dir: std::path::PathBuf,
    vm: Uuid,
}

fn admin() -> Actor {
    Actor::with_grants(Uuid::nil(), "admin", vec![(Role::SuperUser, Scope::System)])
}

fn agent_config(files: &std::path::Path, i: usize, token: &str, listen: std::net::SocketAddr) -> hotnic_agent::Config {
    let mut config = hotnic_agent::Config::new(listen, hotnic_agent::Token::parse(token).unwrap());
    config.images_dir = files.join("images");
    config.console_dir = files.join("consoles");
    config.tls_dir = files.join(format!("tls-{i}"));
    config
}

/// `count` simulated hosts, each in a cluster of its own (so a VM of that
/// cluster runs there) with one running VM holding one plugged NIC. Host 0
/// hangs on getAllVmStats when `first_hangs`.
async fn simulated_hosts(engine: &Engine, files: &std::path::Path, count: usize, first_hangs: bool) -> Vec<SimHost> {
    let token = "simulated-token-0123";
    let mut hosts = Vec::new();
    for i in 0..count {
        let sim = SimConfig { hostname: format!("sim-{i}"), bridges: vec!["ovirtmgmt".into()], stats_delay: if first_hangs && i == 0 { Duration::MAX } else { Duration::ZERO }, ..Default::default() };
        let config = agent_config(files, i, token, "127.0.0.1:0".parse().unwrap());
        let tls_dir = config.tls_dir.clone();
        let agent = hotnic_agent::start_simulated(config, sim).await.unwrap();
        let client = AgentClient::new(&agent.base_url(), token, &agent.fingerprint, Duration::from_secs(5)).unwrap();
        let db = engine.db();
        let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: format!("c{i}"), compatibility_version: "4.7".into() }).await.unwrap();
        networks::create_network(db, &admin(), NewNetwork { name: "ovirtmgmt".into(), cluster_id: cluster.id, kind: "bridge".into() }).await.unwrap();
        let new_host = NewHost { name: format!("sim-{i}"), cluster_id: cluster.id, agent_url: agent.base_url(), token: token.into(), fingerprint: None };
        hosts::create_host(engine, &admin(), new_host).await.unwrap();
        let new_vm = NewVm { name: format!("vm{i}"), cluster_id: cluster.id, memory_mib: 128, vcpus: 1, kernel: None, initrd: None, cmdline: None, disk: None };
        let vm = vms::create_vm(engine, &admin(), new_vm).await.unwrap().id;
        let nic = NewNic { name: "nic1".into(), network: Some("ovirtmgmt".into()), interface: "virtio".into(), mac: None, port_mirroring: false, boot_order: None };
        let nic = nics::add_nic(engine, &admin(), vm, nic).await.unwrap();
        plug::plug_nic(engine, &admin(), vm, nic.id).await.unwrap();
        run::run_vm(engine, &admin(), vm).await.unwrap();
        hosts.push(SimHost { agent: Some(agent), client, tls_dir, vm });
    }
    hosts
}

async fn status(engine: &Engine, vm: Uuid) -> String {
    vms::get_vm(engine, &admin(), vm).await.unwrap().status
}

async fn engine(dir: &std::path::Path) -> Engine {
    let database = Database::open(&format!("sqlite://{}?mode=rwc", dir.join("sim.db").display())).await.unwrap();
    let config = EngineConfig { monitoring_period: PERIOD, host_timeout: Duration::from_secs(5), ..Default::default() };
    Engine::new(database, AgentHosts::new(Duration::from_secs(30)), config)
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_hosts_one_hanging_the_others_are_recorded_within_one_interval() {
    let files = tempfile::tempdir().unwrap();
    let engine = engine(files.path()).await;
    let hosts = simulated_hosts(&engine, files.path(), HOSTS, true).await;
    // Every VM powers up as started; the first pass (where the hanging
    // host is given up on after its timeout) records them up.
    monitoring::refresh_all(&engine).await.unwrap();
    for host in &hosts[1..] {
        assert_eq!(status(&engine, host.vm).await, "up");
    }

    // Behind hotnic's back, every host's VM stops; monitoring runs.
    for host in &hosts {
        host.client.destroy(host.vm).await.unwrap();
    }
    let changed = Instant::now();
    let monitor = monitoring::spawn(engine.clone());
    loop {
        let mut down = 0;
        for host in &hosts[1..] {
            down += (status(&engine, host.vm).await == "down") as usize;
        }
        if down == HOSTS - 1 {
            break;
        }
        assert!(changed.elapsed() < PERIOD * 2, "{down} of {} answering hosts recorded after {:?}", HOSTS - 1, changed.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("{} hosts' changes recorded {:?} after they happened (period {PERIOD:?}), one host hanging", HOSTS - 1, changed.elapsed());
    // The hanging host: marked silent after its timeout, its VM unknown.
    let hung = hosts::list_hosts(engine.db(), &admin()).await.unwrap().into_iter().find(|h| h.name == "sim-0").unwrap();
    assert_eq!(hung.status, "non_responsive", "{hung:?}");
    assert_eq!(status(&engine, hosts[0].vm).await, "unknown");
    monitor.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_answering_garbage_gets_an_event_and_changes_nothing() {
    let files = tempfile::tempdir().unwrap();
    let engine = engine(files.path()).await;
    let mut hosts = simulated_hosts(&engine, files.path(), 3, false).await;
    monitoring::refresh_all(&engine).await.unwrap();
    let nic_before = nics::list_nics(&engine, &admin(), hosts[0].vm).await.unwrap();

    // Host 0 now answers with JSON that is no getAllVmStats, on its
    // address and certificate.
    let addr = hosts[0].agent.as_ref().unwrap().addr;
    hosts[0].agent.take().unwrap().stop().await.unwrap();
    let identity = hotnic_agent::tls::load_or_create(&hosts[0].tls_dir).unwrap();
    let garbage = axum::Router::new().fallback(|| async { ([("content-type", "application/json")], r#"{"status": {"code": 0, "message": "Done"}, "statsList": 42}"#) });
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (_stop, stop) = tokio::sync::oneshot::channel();
    tokio::spawn(hotnic_agent::tls::serve(listener, identity.config, garbage, stop));
    // And host 1's VM stops behind hotnic's back.
    hosts[1].client.destroy(hosts[1].vm).await.unwrap();

    for _ in 0..3 {
        monitoring::refresh_all(&engine).await.unwrap();
    }
    let events = audit_log::Entity::find().filter(audit_log::Column::Event.eq("host_state_changed")).all(engine.db()).await.unwrap();
    let garbled: Vec<_> = events.iter().filter(|e| e.message.contains("answered what hotnic cannot read")).collect();
    assert_eq!(garbled.len(), 1, "one event, not one per pass: {events:?}");
    assert_eq!(status(&engine, hosts[0].vm).await, "up", "nothing the garbled answer said is recorded");
    assert_eq!(nics::list_nics(&engine, &admin(), hosts[0].vm).await.unwrap(), nic_before);
    assert_eq!(status(&engine, hosts[1].vm).await, "down", "the other hosts are monitored as before");
    assert_eq!(status(&engine, hosts[2].vm).await, "up");
}

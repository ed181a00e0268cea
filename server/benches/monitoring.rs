//! Monitoring sweeps over simulated hosts (the agent's `--simulate`
//! hypervisor, one HTTPS agent per host, in this process): HOTNIC_BENCH_HOSTS
//! (default 100) hosts × HOTNIC_BENCH_VMS (100) VMs × 4 NICs, on SQLite and
//! PostgreSQL. For each: the engine's time per sweep (median of 5) and the
//! statements and writes it sends when nothing changed, when 1 % of the
//! NICs changed on the hosts, and the sweep with one more host answering
//! after 10 s. Rows are put in the database directly and the VMs started
//! on the hosts through the agent API (setup, not measured). Run by
//! `make bench`.

#[path = "../../engine/tests/common/mod.rs"]
mod databases;

use futures::StreamExt;
use hotnic_agent::simulated::SimConfig;
use hotnic_agent_api::client::AgentClient;
use hotnic_agent_api::{CreateParams, HotunplugNicParams, NicParams};
use hotnic_engine::access::{Actor, Scope};
use hotnic_engine::entities::{vm, vm_device, vm_interface};
use hotnic_engine::{clusters, hosts, monitoring, networks, AgentHosts, Database, Engine, EngineConfig};
use hotnic_model::{NewCluster, NewHost, NewNetwork, Role};
use sea_orm::{EntityTrait, Set};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

const NICS_PER_VM: usize = 4;
const TOKEN: &str = "simulated-token-0123";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn admin() -> Actor {
    Actor::with_grants(Uuid::nil(), "admin", vec![(Role::SuperUser, Scope::System)])
}

/// Statements and writes the engine sent through sea-orm.
#[derive(Default)]
struct Counts {
    statements: AtomicUsize,
    writes: AtomicUsize,
}

impl Counts {
    fn take(&self) -> (usize, usize) {
        (self.statements.swap(0, Ordering::SeqCst), self.writes.swap(0, Ordering::SeqCst))
    }
}

struct Host {
    client: AgentClient,
    _agent: hotnic_agent::RunningAgent,
}

/// A simulated host registered in a cluster of its own.
/// Returns the host, its cluster, its id and its network's id.
async fn add_host(engine: &Engine, files: &std::path::Path, name: &str, stats_delay: Duration) -> (Host, Uuid, Uuid, Uuid) {
    let mut config = hotnic_agent::Config::new("127.0.0.1:0".parse().unwrap(), hotnic_agent::Token::parse(TOKEN).unwrap());
    config.images_dir = files.join("images");
    config.console_dir = files.join("consoles");
    config.tls_dir = files.join(format!("tls-{name}"));
    let sim = SimConfig { hostname: name.into(), bridges: vec!["ovirtmgmt".into()], stats_delay, ..Default::default() };
    let agent = hotnic_agent::start_simulated(config, sim).await.unwrap();
    let client = AgentClient::new(&agent.base_url(), TOKEN, &agent.fingerprint, Duration::from_secs(30)).unwrap();
    let db = engine.db();
    let cluster = clusters::create_cluster(db, &admin(), NewCluster { name: format!("c-{name}"), compatibility_version: "4.7".into() }).await.unwrap();
    let network = networks::create_network(db, &admin(), NewNetwork { name: "ovirtmgmt".into(), cluster_id: cluster.id, kind: "bridge".into() })
        .await
        .unwrap();
    let new_host = NewHost { name: name.into(), cluster_id: cluster.id, agent_url: agent.base_url(), token: TOKEN.into(), fingerprint: None };
    let host = hosts::create_host(engine, &admin(), new_host).await.unwrap();
    (Host { client, _agent: agent }, cluster.id, host.id, network.id)
}

struct Fleet {
    hosts: Vec<Host>,
    /// (host index, VM id, its NICs' device ids and MACs)
    vms: Vec<(usize, Uuid, Vec<(Uuid, String)>)>,
}

/// `hosts` × `vms_per_host` running VMs with 4 plugged NICs each: rows
/// inserted in bulk, VMs started on the simulated hosts.
async fn fleet(engine: &Engine, files: &std::path::Path, host_count: usize, vms_per_host: usize) -> Fleet {
    let now = chrono::Utc::now();
    let (mut hosts, mut all) = (Vec::new(), Vec::new());
    for h in 0..host_count {
        let (host, cluster, host_id, network) = add_host(engine, files, &format!("sim{h}"), Duration::ZERO).await;
        let (mut vm_rows, mut interfaces, mut devices) = (Vec::new(), Vec::new(), Vec::new());
        for v in 0..vms_per_host {
            let vm_id = Uuid::new_v4();
            vm_rows.push(vm::ActiveModel {
                id: Set(vm_id),
                name: Set(format!("vm-{h}-{v}")),
                cluster_id: Set(cluster),
                host_id: Set(Some(host_id)),
                status: Set("up".into()),
                memory_mib: Set(128),
                vcpus: Set(1),
                kernel: Set(None),
                initrd: Set(None),
                cmdline: Set(None),
                disk: Set(None),
                created_at: Set(now),
                // Filled in by the first sweep, like every address.
                pci_slots_free: Set(None),
                pci_slots_total: Set(None),
                unknown_nics: Set(None),
                nics_version: sea_orm::NotSet,
            });
            let mut nics = Vec::new();
            for n in 0..NICS_PER_VM {
                let id = Uuid::new_v4();
                let i = (h * vms_per_host + v) * NICS_PER_VM + n;
                let mac = format!("02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (i >> 32) & 0xff, (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
                interfaces.push(vm_interface::ActiveModel {
                    id: Set(id),
                    vm_id: Set(vm_id),
                    name: Set(format!("nic{n}")),
                    network_id: Set(Some(network)),
                    mac: Set(mac.clone()),
                    model: Set("virtio".into()),
                    port_mirroring: Set(false),
                    boot_order: Set(None),
                    created_at: Set(now),
                    linked: Set(true),
                });
                devices.push(vm_device::ActiveModel {
                    device_id: Set(id),
                    vm_id: Set(vm_id),
                    r#type: Set("interface".into()),
                    device: Set("bridge".into()),
                    is_plugged: Set(true),
                    address: Set(None),
                    alias: Set(None),
                    spec_params: Set("{}".into()),
                    pending: Set(None),
                    pending_since: Set(None),
                    drift: Set(None),
                });
                nics.push((id, mac));
            }
            all.push((h, vm_id, nics));
        }
        let db = engine.db();
        // Chunks keep each statement under the databases' parameter limits.
        for chunk in vm_rows.chunks(500) {
            vm::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
        }
        for chunk in interfaces.chunks(500) {
            vm_interface::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
        }
        for chunk in devices.chunks(500) {
            vm_device::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
        }
        hosts.push(host);
    }
    let fleet = Fleet { hosts, vms: all };
    futures::stream::iter(fleet.vms.iter())
        .for_each_concurrent(64, |(h, vm_id, nics)| {
            let client = &fleet.hosts[*h].client;
            async move {
                let params = CreateParams {
                    vm_id: *vm_id,
                    vm_name: format!("vm-{vm_id}"),
                    mem_size: 128,
                    smp: 1,
                    kernel: None,
                    initrd: None,
                    kernel_args: None,
                    drives: vec![],
                    nics: nics.iter().map(|(id, mac)| nic_params(*id, mac)).collect(),
                    serial_console: false,
                };
                client.create(&params).await.unwrap();
            }
        })
        .await;
    fleet
}

fn nic_params(device_id: Uuid, mac: &str) -> NicParams {
    NicParams {
        kind: "interface".into(),
        device: "bridge".into(),
        device_id,
        network: Some("ovirtmgmt".into()),
        address: None,
        mac_addr: mac.into(),
        boot_order: None,
        promisc: vec![],
        spec_params: Default::default(),
        nic_model: "pv".into(),
        link_active: None,
    }
}

async fn sweep(engine: &Engine, counts: &Counts) -> (f64, usize, usize) {
    counts.take();
    let started = Instant::now();
    monitoring::refresh_all(engine).await.unwrap();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let (statements, writes) = counts.take();
    (ms, statements, writes)
}

async fn measure(kind: &str, mut database: Database, host_count: usize, vms_per_host: usize) -> Vec<String> {
    let counts = Arc::new(Counts::default());
    let counter = counts.clone();
    database.conn.set_metric_callback(move |info| {
        // On SQLite the engine sends some writes joined in one text: each counts.
        for sql in info.statement.sql.split(";\n") {
            counter.statements.fetch_add(1, Ordering::Relaxed);
            let sql = sql.trim_start().to_ascii_uppercase();
            if sql.starts_with("INSERT") || sql.starts_with("UPDATE") || sql.starts_with("DELETE") {
                counter.writes.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let config = EngineConfig { monitoring_period: Duration::from_secs(2), host_timeout: Duration::from_secs(30), ..Default::default() };
    let engine = Engine::new(database, AgentHosts::new(Duration::from_secs(30)), config);
    let files = tempfile::tempdir().unwrap();
    let setup = Instant::now();
    let fleet = fleet(&engine, files.path(), host_count, vms_per_host).await;
    let nic_total = fleet.vms.len() * NICS_PER_VM;
    eprintln!("{kind}: {host_count} hosts, {} VMs, {nic_total} NICs set up in {:?}", fleet.vms.len(), setup.elapsed());
    let mut rows = Vec::new();
    let (ms, statements, writes) = sweep(&engine, &counts).await;
    rows.push(format!("| {kind} | first sweep (every address new) | {ms:.0} | {statements} | {writes} |"));

    let mut times = Vec::new();
    let mut last = (0, 0);
    for _ in 0..5 {
        let (ms, statements, writes) = sweep(&engine, &counts).await;
        times.push(ms);
        last = (statements, writes);
    }
    times.sort_by(f64::total_cmp);
    rows.push(format!("| {kind} | nothing changed (median of 5) | {:.0} | {} | {} |", times[2], last.0, last.1));
    counts.take();
    let started = Instant::now();
    hotnic_engine::servers::beat(&engine).await.unwrap();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let (statements, writes) = counts.take();
    rows.push(format!("| {kind} | the server's heartbeat (once per period, beside the sweep, whatever the hosts) | {ms:.0} | {statements} | {writes} |"));

    // 1 % of the NICs leave their VMs on the hosts.
    let changed = nic_total / 100;
    let step = fleet.vms.len() / changed.max(1);
    for (h, vm_id, nics) in fleet.vms.iter().step_by(step.max(1)).take(changed) {
        let (id, mac) = &nics[0];
        fleet.hosts[*h].client.hotunplug_nic(&HotunplugNicParams { vm_id: *vm_id, nic: nic_params(*id, mac) }).await.unwrap();
    }
    let (ms, statements, writes) = sweep(&engine, &counts).await;
    rows.push(format!("| {kind} | {changed} NICs (1 %) changed | {ms:.0} | {statements} | {writes} |"));

    // One more host, answering getAllVmStats after 10 s: when are the
    // others done? (Running monitoring polls each host on its own, so the
    // slow one delays nothing else; here each host's poll is timed.)
    let (_slow, ..) = add_host(&engine, files.path(), "slow", Duration::from_secs(10)).await;
    sweep(&engine, &counts).await; // the new host's first look
    counts.take();
    let hosts = hotnic_engine::servers::hosts_to_monitor(&engine).await.unwrap();
    let started = Instant::now();
    let done = futures::future::join_all(hosts.iter().map(|host| async {
        monitoring::refresh_host(&engine, host).await.unwrap();
        (host.name == "slow", started.elapsed().as_secs_f64() * 1000.0)
    }))
    .await;
    let others = done.iter().filter(|(slow, _)| !slow).map(|(_, ms)| *ms).fold(0.0, f64::max);
    let slow = done.iter().find(|(slow, _)| *slow).map(|(_, ms)| *ms).unwrap_or_default();
    let (statements, writes) = counts.take();
    rows.push(format!(
        "| {kind} | nothing changed, one more host answering after 10 s: the others done at | {others:.0} (slow host: {slow:.0}) | {statements} | {writes} |"
    ));
    rows
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let host_count = env_number("HOTNIC_BENCH_HOSTS", 100);
    let vms_per_host = env_number("HOTNIC_BENCH_VMS", 100);
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite = Database::open(&format!("sqlite://{}?mode=rwc", sqlite_dir.path().join("bench.db").display())).await.unwrap();
    let mut rows = measure("SQLite", sqlite, host_count, vms_per_host).await;
    let pg = databases::TestDb::postgres(true).await;
    rows.extend(measure("PostgreSQL", pg.database.clone(), host_count, vms_per_host).await);
    pg.finish().await;

    println!("\nMonitoring sweeps: {host_count} simulated hosts × {vms_per_host} VMs × {NICS_PER_VM} NICs; engine time per sweep (hosts polled 16 at once)\n");
    println!("| database | sweep | ms | statements | writes |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!("\nStatements are those sent through sea-orm (writes: INSERT, UPDATE or DELETE statements, whether or not a row changed;");
    println!("on SQLite a host's writes travel to the database up to 16 in one text, each counted here);");
    println!("on PostgreSQL each host's poll also takes its VM locks in one statement of its own. A sweep writes only what");
    println!("changed; the monitoring loop also beats once per period (the servers' liveness: one row per server, and forgetting");
    println!("servers silent for 100 periods), measured on its own line.");
}

//! The OST sequence (3 NICs × rounds of unplug/plug, from HOTNIC_BENCH_ROUNDS,
//! default 10) on one running test guest, side by side in one run: each
//! flip sent to one hotnic server, and each flip sent to two servers on one
//! PostgreSQL at once (one does it, the other answers 409). Median and p99
//! of each flip (until the 200 arrives) and the 409 count. Run by `make bench`.

#[path = "../tests/procs/mod.rs"]
mod procs;
#[path = "../tests/stack/mod.rs"]
mod stack;

use procs::ServerProcess;
use serde_json::{json, Value};
use stack::{pci_text, Backend, Stack};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Flips {
    times: Vec<Duration>,
    refused: usize,
}

impl Flips {
    fn percentile_ms(&mut self, p: f64) -> f64 {
        self.times.sort();
        let index = ((self.times.len() as f64 - 1.0) * p).round() as usize;
        self.times[index].as_secs_f64() * 1000.0
    }
}

/// Sends `path` to each server at once; records the time until the one
/// that did it answered, and the refusals; returns its answer.
async fn flip(servers: &[&ServerProcess], path: &str, flips: &mut Flips) -> Value {
    let calls = servers.iter().map(|server| async move {
        let started = Instant::now();
        let answer = server.call("POST", path, None).await.unwrap();
        (answer, started.elapsed())
    });
    let mut done = None;
    for ((status, body), took) in futures::future::join_all(calls).await {
        match status {
            200 => done = Some((body, took)),
            409 => flips.refused += 1,
            other => panic!("{path}: {other} {body}"),
        }
    }
    let (body, took) = done.expect("one server did it");
    flips.times.push(took);
    body
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::var("HOTNIC_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let stack = Stack::start_on(Backend::Postgres, "4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("ost", true).await;
    stack.run(vm, true).await;
    let mut paths = Vec::new();
    for i in 1..=3 {
        let nic = stack.add_nic(vm, &format!("nic{i}"), json!({})).await;
        paths.push(format!("/api/vms/{vm}/nics/{}", nic["id"].as_str().unwrap()));
    }
    let a = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;
    let b = ServerProcess::start(&stack.database_url, &stack.admin_token, None).await;
    for path in &paths {
        let plugged = a.ok("POST", &format!("{path}/plug"), None).await;
        stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
    }

    // [unplug, plug] × [one server, two at once]
    let mut flips: [[Flips; 2]; 2] = Default::default();
    for _ in 0..rounds {
        for (mode, servers) in [vec![&a], vec![&a, &b]].iter().enumerate() {
            for path in &paths {
                let address = pci_text(&a.ok("GET", path, None).await);
                flip(servers, &format!("{path}/unplug"), &mut flips[0][mode]).await;
                stack.wait_guest_sees(vm, &address, false).await;
                let plugged = flip(servers, &format!("{path}/plug"), &mut flips[1][mode]).await;
                stack.wait_guest_sees(vm, &pci_text(&plugged), true).await;
            }
        }
    }

    println!("\nOST sequence: 3 NICs × {rounds} rounds of unplug/plug, one guest, PostgreSQL; ms until the 200\n");
    println!("| flip | sent to | flips | median | p99 | 409s | median vs one server |");
    println!("|---|---|---|---|---|---|---|");
    for (name, [one, two]) in ["unplug", "plug"].iter().zip(flips.iter_mut()) {
        let (one_median, two_median) = (one.percentile_ms(0.5), two.percentile_ms(0.5));
        println!("| {name} | one server | {} | {one_median:.1} | {:.1} | {} | 1.00 |", one.times.len(), one.percentile_ms(0.99), one.refused);
        println!(
            "| {name} | two servers at once | {} | {two_median:.1} | {:.1} | {} | {:.2} |",
            two.times.len(),
            two.percentile_ms(0.99),
            two.refused,
            two_median / one_median
        );
    }
}

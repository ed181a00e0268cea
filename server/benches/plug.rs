//! Median NIC plug / unplug through hotnic's REST API (engine checks, host
//! call, database writes) against the same hotplugNic/hotunplugNic sent
//! straight to the agent, alternating on one running test guest: the
//! difference is what the engine adds. Rounds from HOTNIC_BENCH_ROUNDS
//! (default 300: the TCG guest's own time for a hot plug spreads over 10 to
//! 25 ms, in clusters, so the plug ratio of medians moved by 0.1 between
//! runs of 40 rounds; at 300 its 90 % interval is about 0.07 wide. They
//! take about 7 minutes). Every timed call starts
//! from a settled guest: the TCG guest handling the last hot plug event
//! takes the host's CPUs, which would tax whichever call came next. Run by
//! `make bench`.

#[path = "../tests/stack/mod.rs"]
mod stack;

use hotnic_agent_api::{client::AgentClient, HotplugNicParams, NicParams};
use serde_json::json;
use stack::{pci_text, Stack};
use std::time::{Duration, Instant};

/// The guest's share of the host's CPUs after it handled a hot plug event.
const SETTLE: Duration = Duration::from_millis(150);

fn median_ms(samples: &mut [Duration]) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

/// The 5th and 95th percentiles of median(rest) / median(agent) over
/// bootstrap resamples of both: how much of the ratio is the draw.
fn ratio_interval(rest: &[Duration], agent: &[Duration]) -> (f64, f64) {
    // xorshift64: deterministic, and no dependency for one loop.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut ratios: Vec<f64> = (0..2000)
        .map(|_| {
            let mut r: Vec<Duration> = rest.iter().map(|_| rest[next(rest.len())]).collect();
            let mut a: Vec<Duration> = agent.iter().map(|_| agent[next(agent.len())]).collect();
            median_ms(&mut r) / median_ms(&mut a)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    (ratios[ratios.len() / 20], ratios[ratios.len() * 19 / 20])
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds: usize = std::env::var("HOTNIC_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let stack = Stack::start("4.7", Duration::from_secs(30)).await;
    let vm = stack.create_vm("bench", true).await;
    stack.run(vm, true).await;
    let nic = stack.add_nic(vm, "nic1", json!({})).await;
    let client = AgentClient::new(&stack.agent_url, &stack.token, &stack.fingerprint, Duration::from_secs(60)).unwrap();
    let direct = HotplugNicParams {
        vm_id: vm,
        nic: NicParams {
            kind: "interface".into(),
            device: "bridge".into(),
            device_id: uuid::Uuid::new_v4(),
            network: Some(stack::BRIDGE.into()),
            address: None,
            mac_addr: "02:aa:bb:cc:dd:01".into(),
            boot_order: None,
            promisc: vec![],
            spec_params: Default::default(),
            nic_model: "pv".into(),
            link_active: None,
        },
    };
    let (mut rest_plug, mut rest_unplug, mut agent_plug, mut agent_unplug) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        // Each goes first every other round: a drift in the guest's pace
        // falls on both alike.
        let rest_first = round % 2 == 0;
        for rest in [rest_first, !rest_first] {
            if rest {
                let plug = async || {
                    let (status, plugged) = stack.action(vm, &nic, "plug").await;
                    assert_eq!(status, 200, "{plugged}");
                    pci_text(&plugged)
                };
                let unplug = async || assert_eq!(stack.action(vm, &nic, "unplug").await.0, 200);
                let (plugged, unplugged) = timed_round(&stack, vm, plug, unplug).await;
                rest_plug.push(plugged);
                rest_unplug.push(unplugged);
            } else {
                let plug = async || client.hotplug_nic(&direct).await.unwrap().nic.address.unwrap().address().unwrap().to_string();
                let unplug = async || drop(client.hotunplug_nic(&direct).await.unwrap());
                let (plugged, unplugged) = timed_round(&stack, vm, plug, unplug).await;
                agent_plug.push(plugged);
                agent_unplug.push(unplugged);
            }
        }
    }
    let (plug_low, plug_high) = ratio_interval(&rest_plug, &agent_plug);
    let (unplug_low, unplug_high) = ratio_interval(&rest_unplug, &agent_unplug);
    let (rp, ru, ap, au) =
        (median_ms(&mut rest_plug), median_ms(&mut rest_unplug), median_ms(&mut agent_plug), median_ms(&mut agent_unplug));
    println!("\n{rounds} rounds each, alternating which goes first, one guest (medians, ms)\n");
    println!("| operation | hotnic REST | agent direct | ratio | 90 % interval of the ratio |");
    println!("|---|---|---|---|---|");
    println!("| plug (until answered) | {rp:.1} | {ap:.1} | {:.2} | {plug_low:.2} to {plug_high:.2} |", rp / ap);
    println!("| unplug (until the host no longer has it) | {ru:.1} | {au:.1} | {:.2} | {unplug_low:.2} to {unplug_high:.2} |", ru / au);
    println!("\nA plug through hotnic is one hotplugNic to the host (the host checks MAC and slot itself).");
    println!("The interval: how far the ratio of medians moves when the same calls are drawn again (bootstrap, 2,000 draws);");
    println!("the host's own time for one hot plug spreads over 10 to 25 ms on this TCG guest, and that spread is most of it.");
    where_a_plug_goes(&stack).await;
}

/// One plug and one unplug by one path (REST, or the agent directly),
/// each timed from a settled guest until answered; the guest sees each
/// before the next. `plug` answers the PCI address the guest should show.
async fn timed_round(stack: &Stack, vm: uuid::Uuid, plug: impl AsyncFnOnce() -> String, unplug: impl AsyncFnOnce()) -> (Duration, Duration) {
    tokio::time::sleep(SETTLE).await;
    let start = Instant::now();
    let address = plug().await;
    let plugged = start.elapsed();
    stack.wait_guest_sees(vm, &address, true).await;
    tokio::time::sleep(SETTLE).await;
    let start = Instant::now();
    unplug().await;
    let unplugged = start.elapsed();
    stack.wait_guest_sees(vm, &address, false).await;
    (plugged, unplugged)
}

/// The server's own view of the same plugs, from its /metrics: the mean
/// time of the HTTP request, of the flow, and of the flow's host call. The
/// flow minus the host call is the engine's own work (its database
/// statements), what the REST/agent ratio above pays for.
async fn where_a_plug_goes(stack: &Stack) {
    let metrics = reqwest::get(format!("{}/metrics", stack.base)).await.unwrap().text().await.unwrap();
    let mean_ms = |name: &str, labels: &str| {
        let value = |suffix: &str| {
            metrics
                .lines()
                .find(|l| l.starts_with(&format!("{name}_{suffix}{{")) && l.contains(labels))
                .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .unwrap_or_else(|| panic!("{name}_{suffix} with {labels} is not in /metrics"))
        };
        value("sum") / value("count") * 1000.0
    };
    let request = mean_ms("hotnic_http_request_duration_seconds", "route=\"/api/vms/{vm}/nics/{nic}/plug\"");
    let flow = mean_ms("hotnic_flow_duration_seconds", "flow=\"plug\",outcome=\"ok\"");
    let host = mean_ms("hotnic_agent_call_duration_seconds", "verb=\"hotplugNic\"");
    println!("\nWhere a REST plug's time goes, from the server's /metrics (means, ms)\n");
    println!("| request, server side | plug flow | its hotplugNic call | engine's own (flow minus call) |");
    println!("|---|---|---|---|");
    println!("| {request:.2} | {flow:.2} | {host:.2} | {:.2} |", flow - host);
}

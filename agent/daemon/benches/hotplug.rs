//! Median NIC hot plug / unplug times on one real test guest: straight
//! through libvirt (the `virt` crate) against the same through the agent's
//! HTTP API. Run with `cargo bench -p hotnic-agent --bench hotplug` after
//! scripts/libvirt-up.sh and scripts/build-guest.sh; rounds from
//! HOTNIC_BENCH_ROUNDS (default 20).
//!
//! Each round waits, outside the timed part, until the guest lists the new
//! device before unplugging it and until it has dropped it before the next
//! plug. Raw detach is `virDomainDetachDeviceFlags`, which returns once the
//! guest released the device (libvirt waits up to 5 s for that); the agent's
//! hotunplugNic returns once the device is gone from the live domain.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{new_nic, sysfs_name, Agent, TestVm, BRIDGE};
use hotnic_agent::{params::NicSpec, xml};
use hotnic_agent_api::HotplugNicParams;
use virt::sys;

#[derive(Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn row(&mut self, what: &str) -> String {
        self.0.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let n = self.0.len();
        let p90 = self.0[((n * 9).div_ceil(10)).saturating_sub(1)];
        format!(
            "| {what:<34} | {:>4} | {:>8.1} | {:>8.1} | {:>8.1} | {:>8.1} |",
            n,
            ms(self.0[n / 2]),
            ms(p90),
            ms(self.0[0]),
            ms(self.0[n - 1])
        )
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes --bench; nothing else to read.
    let rounds: usize = std::env::var("HOTNIC_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let agent = Agent::start(Duration::from_secs(30)).await;
    let boot = Instant::now();
    let vm = TestVm::linux(&agent, "bench", vec![]).await;
    eprintln!(
        "guest {} ready in {:?}; {rounds} rounds per path",
        vm.name,
        boot.elapsed()
    );

    let conn = common::libvirt();
    let dom = conn
        .lookup_domain_by_uuid_string(&vm.id.to_string())
        .unwrap();
    let (mut raw_attach, mut raw_detach, mut api_attach, mut api_detach) = (
        Samples::default(),
        Samples::default(),
        Samples::default(),
        Samples::default(),
    );

    for round in 0..rounds {
        // Raw libvirt.
        let params = new_nic("bridge", Some(BRIDGE), "pv");
        let spec = NicSpec::try_from(&params).unwrap();
        let device_xml = xml::interface_xml(&spec).unwrap();
        let started = Instant::now();
        dom.attach_device_flags(&device_xml, sys::VIR_DOMAIN_AFFECT_LIVE)
            .expect("raw attach");
        raw_attach.0.push(started.elapsed());
        let live = vm.live();
        let address = live
            .nic_by_alias(&spec.alias())
            .and_then(|n| n.address)
            .expect("raw NIC has an address");
        let device = address.to_string();
        vm.wait_guest_pci(&device, true).await;
        let started = Instant::now();
        dom.detach_device_flags(&device_xml, sys::VIR_DOMAIN_AFFECT_LIVE)
            .expect("raw detach");
        while vm.live().nic_by_alias(&spec.alias()).is_some() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "raw detach: the guest kept the NIC"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        raw_detach.0.push(started.elapsed());
        vm.wait_guest_pci(&device, false).await;

        // Through the agent's HTTP API.
        let params = HotplugNicParams {
            vm_id: vm.id,
            nic: new_nic("bridge", Some(BRIDGE), "pv"),
        };
        let started = Instant::now();
        let plugged = agent.client.hotplug_nic(&params).await.expect("hotplugNic");
        api_attach.0.push(started.elapsed());
        let device = sysfs_name(plugged.nic.address.as_ref().unwrap());
        vm.wait_guest_pci(&device, true).await;
        let started = Instant::now();
        agent
            .client
            .hotunplug_nic(&params)
            .await
            .expect("hotunplugNic");
        api_detach.0.push(started.elapsed());
        vm.wait_guest_pci(&device, false).await;
        eprint!("\rround {}/{rounds}", round + 1);
    }
    eprintln!();

    println!("NIC hot plug on one TCG test guest (virtio NIC on bridge {BRIDGE}), times in ms:");
    println!(
        "| {:<34} | {:>4} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "operation", "n", "median", "p90", "min", "max"
    );
    println!(
        "|{}|------|----------|----------|----------|----------|",
        "-".repeat(36)
    );
    println!("{}", raw_attach.row("attach, virt crate"));
    println!("{}", api_attach.row("attach, agent HTTP hotplugNic"));
    println!("{}", raw_detach.row("detach until gone, virt crate"));
    println!("{}", api_detach.row("detach until gone, agent hotunplug"));
}

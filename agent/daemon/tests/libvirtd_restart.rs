//! libvirtd restarts (a package upgrade does that) while guests keep
//! running. The agent's connection dies with it: the agent must answer with
//! an error while libvirtd is away, then reconnect by itself and keep
//! plugging and unplugging on the guest that kept running (the unplug's
//! device-removed event comes over the new connection).
//!
//! Its own test binary because it stops the machine's libvirtd: cargo runs
//! test binaries one after another, so no other test sees the gap.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use common::*;
use hotnic_agent_api::HotplugNicParams;

const PIDFILE: &str = "/run/libvirtd.pid";

fn libvirtd_pid() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(PIDFILE).ok()?.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

fn start_libvirtd() {
    // Read when the test runs (cargo sets it), not baked in when it was
    // built: a test binary reused from a clone elsewhere must not run that
    // clone's copy (or one that is gone).
    let script = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo test")).join("../../scripts/libvirt-up.sh");
    let status = Command::new("bash").arg(&script).status().expect("run libvirt-up.sh");
    assert!(status.success(), "{} failed", script.display());
}

/// Stops libvirtd; brings it back when dropped, even if the test failed
/// half-way, so later test binaries find it running.
struct LibvirtdStopped;

impl LibvirtdStopped {
    fn now() -> LibvirtdStopped {
        let pid = libvirtd_pid().expect("libvirtd runs (scripts/libvirt-up.sh)");
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid}");
        let started = Instant::now();
        while Path::new(&format!("/proc/{pid}")).exists() {
            assert!(started.elapsed() < Duration::from_secs(20), "libvirtd {pid} did not stop");
            std::thread::sleep(Duration::from_millis(100));
        }
        LibvirtdStopped
    }
}

impl Drop for LibvirtdStopped {
    fn drop(&mut self) {
        if libvirtd_pid().is_none() {
            start_libvirtd();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_reconnects_after_libvirtd_restarts() {
    let agent = Agent::start(Duration::from_secs(30)).await;
    let vm = TestVm::linux(&agent, "restart", vec![]).await;
    let before = agent.client.get_all_vm_stats().await.expect("getAllVmStats before");
    assert!(before.stats_list.iter().any(|s| s.vm_id == vm.id));

    let stopped = LibvirtdStopped::now();
    let started = Instant::now();
    let away = agent.client.get_all_vm_stats().await;
    let answered_in = started.elapsed();
    let err = away.expect_err("getAllVmStats cannot succeed while libvirtd is stopped");
    assert!(err.to_string().contains("libvirt"), "the error names libvirt: {err}");
    assert!(answered_in < Duration::from_secs(10), "answered in {answered_in:?}, not hung");
    drop(stopped);

    // The guest kept running through the restart; the agent reconnects.
    let stats = agent.client.get_all_vm_stats().await.expect("getAllVmStats after the restart");
    let mine = stats.stats_list.iter().find(|s| s.vm_id == vm.id).expect("the guest survived");
    assert_eq!(mine.status, "Up");

    let nic = new_nic("bridge", Some(BRIDGE), "pv");
    let params = HotplugNicParams { vm_id: vm.id, nic: nic.clone() };
    let plugged = agent.client.hotplug_nic(&params).await.expect("hotplugNic after the restart");
    let device = sysfs_name(&plugged.nic.address.expect("a PCI address"));
    vm.wait_guest_pci(&device, true).await;

    agent.client.hotunplug_nic(&params).await.expect("hotunplugNic after the restart");
    assert!(vm.live().nic_by_alias(&alias(&nic)).is_none(), "gone from the live XML");
    vm.wait_guest_pci(&device, false).await;
}

#!/usr/bin/env bash
# The host agent's checks against real libvirt and a real test guest. Needs root.
#   scripts/agent.sh test  [cargo test args]  unit + integration tests of hotnic-agent and hotnic-agent-api
#   scripts/agent.sh bench                    median hot plug/unplug: virt crate vs agent HTTP API
#                                             (HOTNIC_BENCH_ROUNDS rounds per path, default 20)
# Starts libvirtd/virtlogd and builds (or reuses) the cached guest first.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/hotnic/target}
export HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest}
mode=${1:-test}
shift || true
"$HERE/libvirt-up.sh"
"$HERE/build-guest.sh" "$HOTNIC_GUEST_DIR"
# Test VMs of an interrupted earlier run (the tests name theirs hotnic-t-*).
virsh -q -c qemu:///system list --name | { grep '^hotnic-t-' || true; } | while read -r dom; do
  virsh -q -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
done
cd "$HERE/.."
case $mode in
  test) exec cargo test -p hotnic-agent -p hotnic-agent-api "$@" ;;
  bench) exec cargo bench -p hotnic-agent --bench hotplug "$@" ;;
  *) echo "usage: $0 test|bench [args]" >&2; exit 2 ;;
esac

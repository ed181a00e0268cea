#!/usr/bin/env bash
# `make bench`: the benchmarks, each printing a table of medians measured
# side by side in one run (ratios, not absolute times, are what compare).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
scripts/deps.sh test
scripts/prune-cache.sh
echo "== hot plug/unplug: libvirt through the virt crate vs the agent's HTTP API"
scripts/agent.sh bench
echo "== plug/unplug: through hotnic's REST API (engine) vs straight to the agent"
HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest} cargo bench -p hotnic --bench plug
echo "== the OST sequence through two hotnic servers on one PostgreSQL at once, against one server"
# PostgreSQL on this host, reached over loopback: without TLS, as a
# deployment with the database beside the server would (the README's
# production notes); over TLS the engine's own cost is hidden under it.
export HOTNIC_TEST_PG_URL=${HOTNIC_TEST_PG_URL:-$(scripts/postgres-up.sh)?sslmode=disable}
HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest} cargo bench -p hotnic --bench two_servers
echo "== monitoring sweeps over simulated hosts (100 hosts x 100 VMs x 4 NICs), SQLite and PostgreSQL"
cargo bench -p hotnic --bench monitoring
echo "== plug throughput: 200 requests at once through REST, one server and two"
cargo bench -p hotnic --bench throughput
echo "== the page's WASM: main module and lazily loaded chunks, raw and as served (brotli 11, gzip 9)"
scripts/wasm-sizes.sh
echo "   (the browser suite measures the NIC tab's cold load over 10 Mbit/s and its click latency: end2end/artifacts/perf.json)"

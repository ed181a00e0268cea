#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release, starts libvirtd,
# a local hotnic-agent (host `local`, bridge `ovirtmgmt`) and the server on
# http://127.0.0.1:3000 with the SQLite database under ./data, and seeds a
# demo VM. Ctrl-C stops everything it started, VMs included.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"

started=$SECONDS
scripts/deps.sh run
scripts/prune-cache.sh
# libvirtd and the demo guest (network and disk) get ready while cargo builds.
export HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest}
mkdir -p data
(scripts/libvirt-up.sh && scripts/build-guest.sh "$HOTNIC_GUEST_DIR") >data/setup.log 2>&1 &
setup_pid=$!
cargo leptos build --release --split
cargo build --release -p hotnic-agent
wait "$setup_pid" || { cat data/setup.log >&2; echo "run: starting libvirtd or building the guest failed (above)" >&2; exit 1; }

# The local agent's own folders: its image library (the demo guest's kernel
# and initrd: the only files a VM may use), the guests' consoles and its
# TLS key (kept, so the fingerprint hotnic pinned stays valid).
mkdir -p data/consoles data/images
cp -u "$HOTNIC_GUEST_DIR/vmlinuz" "$HOTNIC_GUEST_DIR/initrd.img" data/images/
scripts/token.sh data/agent.token
agent_listen=127.0.0.1:54321
export LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=hotnic LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
export HOTNIC_AGENT_IMAGES_DIR=$HOTNIC_ROOT/data/images HOTNIC_AGENT_CONSOLE_DIR=$HOTNIC_ROOT/data/consoles
export HOTNIC_AGENT_TLS_DIR=$HOTNIC_ROOT/data/agent-tls

domains_before=$(virsh -q -c qemu:///system list --uuid | sort)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # VMs started during this run go with it.
  comm -13 <(echo "$domains_before") <(virsh -q -c qemu:///system list --uuid | sort) | while read -r vm; do
    [[ -n $vm ]] && virsh -q -c qemu:///system destroy "$vm" >/dev/null 2>&1 || true
  done
  echo "hotnic: stopped"
}
trap cleanup EXIT INT TERM

pids+=("$(scripts/agent-up.sh "$CARGO_TARGET_DIR/release/hotnic-agent" "$agent_listen" data/agent.token ovirtmgmt data/agent.log)")
HOTNIC_DATA_DIR=$HOTNIC_ROOT/data "$CARGO_TARGET_DIR/release/hotnic" &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "http://$LEPTOS_SITE_ADDR/api/health" >/dev/null && break
  sleep 0.1
done
# Simulated hosts on request, for demos and scale (HOTNIC_SIMULATED_HOSTS=N).
simulated=${HOTNIC_SIMULATED_HOSTS:-0}
if ((simulated > 0)); then
  export HOTNIC_SIMULATED_PORT=${HOTNIC_SIMULATED_PORT:-55000}
  env -u HOTNIC_AGENT_TOKEN "$CARGO_TARGET_DIR/release/hotnic-agent" --simulate --simulate-hosts "$simulated" \
    --listen "127.0.0.1:$HOTNIC_SIMULATED_PORT" --token-file data/agent.token --network ovirtmgmt \
    --tls-dir data/simulated-tls >data/simulated.log 2>&1 &
  pids+=($!)
  last=$((HOTNIC_SIMULATED_PORT + simulated - 1))
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$last") 2>/dev/null && break
    sleep 0.1
  done
fi
python3 scripts/seed-demo.py "http://$LEPTOS_SITE_ADDR" "https://$agent_listen" data/agent.token data/admin.password
if [[ -n ${HOTNIC_ADMIN_PASSWORD:-} ]]; then
  how="user admin, the password in HOTNIC_ADMIN_PASSWORD"
else
  how="user admin, the password in data/admin.password (cat data/admin.password)"
fi
echo "hotnic: ready after $((SECONDS - started)) s; open http://$LEPTOS_SITE_ADDR/vms and sign in as $how (Ctrl-C stops everything)"
wait -n

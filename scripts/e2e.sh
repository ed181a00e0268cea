#!/usr/bin/env bash
# The Playwright suite in Chromium against the release build, with a real
# agent (127.0.0.1:54399 on bridge hnbr0) and guests. `make test` runs it
# after cargo test; alone it needs what test.sh starts first (libvirtd,
# bridges, the guest). Usage: scripts/e2e.sh [log dir]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
logs=${1:-$(mktemp -d /tmp/hotnic-e2e.XXXXXX)}
export HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest}
export DATABASE_URL="sqlite://$logs/e2e.db?mode=rwc"
export HOTNIC_CONSOLE_DIR=$logs/consoles HOTNIC_MONITORING_MS=1000 HOTNIC_AGENT_UNPLUG_TIMEOUT_SECS=5
# The server creates admin with this password on its empty database; the
# suite signs in with it (end2end/tests/global-setup.ts).
export HOTNIC_ADMIN_PASSWORD=${HOTNIC_ADMIN_PASSWORD:-e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')} HOTNIC_DATA_DIR=$logs
# The agent's folders: consoles (read by the tests), image library, TLS key.
export HOTNIC_AGENT_CONSOLE_DIR=$HOTNIC_CONSOLE_DIR HOTNIC_AGENT_IMAGES_DIR=$logs/images HOTNIC_AGENT_TLS_DIR=$logs/agent-tls
mkdir -p end2end/artifacts "$HOTNIC_CONSOLE_DIR" "$HOTNIC_AGENT_IMAGES_DIR"
cp "$HOTNIC_GUEST_DIR/vmlinuz" "$HOTNIC_GUEST_DIR/initrd.img" "$HOTNIC_AGENT_IMAGES_DIR/"
cargo build -q -p hotnic-agent
scripts/token.sh "$logs/agent.token"
export HOTNIC_AGENT_URL=https://127.0.0.1:54399 HOTNIC_AGENT_TOKEN=$(<"$logs/agent.token")
domains_before=$(virsh -q -c qemu:///system list --uuid | sort)
agent_pid=$(scripts/agent-up.sh "$CARGO_TARGET_DIR/debug/hotnic-agent" 127.0.0.1:54399 "$logs/agent.token" hnbr0 "$logs/agent.log")
stop_e2e_stack() {
  kill "$agent_pid" 2>/dev/null || true
  comm -13 <(echo "$domains_before") <(virsh -q -c qemu:///system list --uuid | sort) | while read -r vm; do
    [[ -n $vm ]] && virsh -q -c qemu:///system destroy "$vm" >/dev/null 2>&1 || true
  done
}
trap stop_e2e_stack EXIT
cargo leptos end-to-end --release --split 2>&1 | tee "$logs/e2e.log"
# cargo-leptos can end with 0 when the server's build failed (it then runs
# no test): a run without Playwright's summary line is a failure.
if ! grep -qE '^ +[0-9]+ passed' "$logs/e2e.log"; then
  echo "e2e: the browser suite did not run; see $logs/e2e.log" >&2
  exit 1
fi

#!/usr/bin/env bash
# `make run`: installs what is missing, builds the release, and serves the UI
# and API on http://127.0.0.1:3000 with the SQLite database under ./data.
# Ctrl-C stops everything it started.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"

scripts/deps.sh run
cargo leptos build --release

export LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=hotnic LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$CARGO_TARGET_DIR/release/hotnic" &
pids+=($!)
echo "hotnic: http://$LEPTOS_SITE_ADDR (Ctrl-C stops it)"
wait -n

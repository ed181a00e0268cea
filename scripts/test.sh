#!/usr/bin/env bash
# `make test`: installs what is missing, starts what the tests need (a local
# PostgreSQL, libvirtd, test bridges, the test guest), then runs every test:
# unit and integration (cargo test), then the browser suite against the
# release build. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
started=$SECONDS
phase() { echo "== [$(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s] $*"; }

phase "installing what is missing"
scripts/deps.sh test
scripts/prune-cache.sh
logs=$(mktemp -d /tmp/hotnic-test.XXXXXX)

# The host side (PostgreSQL, libvirtd, bridges, the guest, the oVirt SDK)
# is mostly waiting on network and disk: it runs while the tests compile.
phase "preparing PostgreSQL, libvirtd, bridges, the guest and the oVirt SDK (log: $logs/setup.log)"
export HOTNIC_GUEST_DIR=${HOTNIC_GUEST_DIR:-/var/cache/hotnic/guest}
(
  scripts/postgres-up.sh >"$logs/pg.url"
  scripts/libvirt-up.sh
  scripts/bridge.sh hnbr0 hnbr1
  scripts/build-guest.sh "$HOTNIC_GUEST_DIR"
  # The official oVirt SDK, for the oVirt API tests (server/tests/ovirt_sdk.rs).
  scripts/ovirt-sdk.sh >"$logs/ovirt.python"
) >"$logs/setup.log" 2>&1 &
setup_pid=$!

# The browser's WASM must carry no database, runtime or libvirt code.
if cargo tree --target wasm32-unknown-unknown -p hotnic-frontend -e normal --prefix none |
  grep -E '^(sea-orm|sqlx|tokio|mio|virt|reqwest) '; then
  echo "test: the WASM build pulls in server-side crates (above)" >&2
  exit 1
fi

phase "compiling the tests (and the benchmarks: make bench runs them, but nothing else compiles them)"
cargo test --workspace --exclude hotnic-frontend --no-run --all-targets 2>&1 | tee "$logs/cargo-build.log"
if ! wait "$setup_pid"; then
  cat "$logs/setup.log" >&2
  echo "test: preparing the host side failed (above)" >&2
  exit 1
fi
HOTNIC_TEST_PG_URL=$(<"$logs/pg.url")
[[ $HOTNIC_TEST_PG_URL =~ ^postgres://[^[:space:]]+$ ]] ||
  { echo "test: postgres-up printed no usable URL: '$HOTNIC_TEST_PG_URL'" >&2; exit 1; }
HOTNIC_OVIRT_PYTHON=$(<"$logs/ovirt.python")
export HOTNIC_TEST_PG_URL HOTNIC_OVIRT_PYTHON

phase "cargo test (unit, flows on SQLite and PostgreSQL, agent on libvirt); logs in $logs"
cargo test --workspace --exclude hotnic-frontend --no-fail-fast 2>&1 | tee "$logs/cargo.log"

phase "Playwright in Chromium, against the release build, with a real agent and guests"
scripts/e2e.sh "$logs"

# One closing line over both runners.
passed=$(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$logs/cargo.log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -hoE '[0-9]+ failed' "$logs/cargo.log" | awk '{s+=$1} END {print s+0}')
e2e_passed=$(grep -hoE '^ *[0-9]+ passed' "$logs/e2e.log" | tail -n 1 | awk '{print $1+0}')
phase "done"
echo "hotnic: $((passed + e2e_passed)) passed, $failed failed"

#!/usr/bin/env bash
# Installs the cargo tools the build needs, at pinned versions, into a cache
# folder outside the clone so a fresh clone on the same machine reuses them.
set -euo pipefail
TOOLS_DIR=${HOTNIC_TOOLS_DIR:-/var/cache/hotnic/tools}
CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen version in Cargo.lock (checked below).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' "$(dirname "$0")/../Cargo.lock" 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}
mkdir -p "$TOOLS_DIR"
export PATH="$TOOLS_DIR/bin:$PATH"

have_version() { "$1" --version 2>/dev/null | grep -q "$2"; }

# The tools' own release profiles (cargo-leptos: fat LTO, one codegen unit)
# cost a fresh machine most of its first build; a build tool gains nothing
# from them. Unoptimised, too: measured side by side, the two build in
# 366 s instead of 807 s (opt-level 1), and a site build with them takes
# 61 s instead of 58 s.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_INCREMENTAL=false

pids=()
if ! have_version cargo-leptos "$CARGO_LEPTOS_VERSION"; then
  echo "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes minutes, once)"
  # no_downloads: fail naming a missing tool instead of fetching binaries.
  cargo install --quiet --root "$TOOLS_DIR" cargo-leptos --locked \
    --version "$CARGO_LEPTOS_VERSION" --features no_downloads &
  pids+=($!)
fi
if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock pins a crate that crates.io does not serve.
  # Beside cargo-leptos: each has long single-crate stretches the other fills.
  cargo install --quiet --root "$TOOLS_DIR" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force &
  pids+=($!)
fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
((failed == 0)) || { echo "install-tools: a cargo install failed (above)" >&2; exit 1; }

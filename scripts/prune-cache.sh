#!/usr/bin/env bash
# Keeps the shared build cache from filling the disk. A crate's path is part
# of its build hash, so every fresh clone builds hotnic's own crates anew
# beside the earlier clones' builds (dependencies are shared). When less
# than HOTNIC_MIN_FREE_GB (default 25) is free, drop hotnic's own artifacts
# (a clone rebuilds them anyway); if that is not enough, the whole cache.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
min_free_gb=${HOTNIC_MIN_FREE_GB:-25}
mkdir -p "$CARGO_TARGET_DIR"
free_gb() { df -P --block-size=1G "$CARGO_TARGET_DIR" | awk 'NR == 2 { print $4 }'; }
(($(free_gb) >= min_free_gb)) && exit 0

echo "prune-cache: $(free_gb) GB free (< $min_free_gb); removing earlier builds of hotnic's own crates" >&2
mapfile -t packages < <(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; [print("-p", p["name"]) for p in json.load(sys.stdin)["packages"]]' | tr ' ' '\n')
cargo clean -q "${packages[@]}"
cargo clean -q --release "${packages[@]}"
cargo clean -q --profile wasm-release --target wasm32-unknown-unknown --target-dir "$CARGO_TARGET_DIR/front" "${packages[@]}"
if (($(free_gb) < min_free_gb)); then
  echo "prune-cache: still $(free_gb) GB free; removing the whole build cache $CARGO_TARGET_DIR" >&2
  rm -rf "$CARGO_TARGET_DIR"
  mkdir -p "$CARGO_TARGET_DIR"
fi
echo "prune-cache: $(free_gb) GB free now" >&2

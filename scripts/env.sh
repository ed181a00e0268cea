# Sourced by the other scripts: where build output and tools are cached
# (outside the clone, so a fresh clone on a warm machine reuses them).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/cache/hotnic/target}
export HOTNIC_TOOLS_DIR=${HOTNIC_TOOLS_DIR:-/var/cache/hotnic/tools}
export HOTNIC_ROOT=${HOTNIC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# wasm-opt comes from npm's binaryen 132: Debian's binaryen 108 writes a
# release WASM that silently fails to hydrate.
export PATH="$HOTNIC_TOOLS_DIR/bin:$HOTNIC_ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Each clone builds the workspace crates afresh (new paths): incremental
# state would only pile up on disk.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

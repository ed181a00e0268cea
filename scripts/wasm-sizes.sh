#!/usr/bin/env bash
# The WASM table of `make bench`: every file the browser may fetch from the
# release site's /pkg (the main module, the lazily loaded page chunks, the
# JS glue), raw and compressed as hotnic serves them (brotli 11, gzip 9).
# Builds the release site first (with --split, as make run does).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HOTNIC_ROOT"
cargo leptos build --release --split >/dev/null 2>&1 || cargo leptos build --release --split
node - target/site/pkg <<'JS'
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const dir = process.argv[2];
const brotli = (b) => zlib.brotliCompressSync(b, { params: {
  [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22 } }).length;
const gzip = (b) => zlib.gzipSync(b, { level: 9 }).length;
const rows = fs.readdirSync(dir).filter((f) => /\.(wasm|js)$/.test(f)).map((f) => {
  const b = fs.readFileSync(path.join(dir, f));
  return { f, raw: b.length, gz: gzip(b), br: brotli(b) };
}).sort((a, b) => b.raw - a.raw);
// The first load is the main module, its JS glue and the split loader;
// the page chunks (split___*_view_*.wasm, and chunk_*.wasm they share) load
// when a route needs them.
const first = rows.filter((r) => /^hotnic(_bg)?\.wasm$|^hotnic\.js$|^__wasm_split\..*\.js$/.test(r.f));
console.log('| file | loaded | raw bytes | gzip 9 | brotli 11 |');
console.log('|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.f} | ${first.includes(r) ? 'first load' : 'on demand'} | ${r.raw} | ${r.gz} | ${r.br} |`);
}
const sum = (k) => first.reduce((s, r) => s + r[k], 0);
console.log(`| **first load of the NIC tab** (main WASM, JS glue, split loader; other pages add their chunks) | | ${sum('raw')} | ${sum('gz')} | ${sum('br')} |`);
JS

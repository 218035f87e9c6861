#!/usr/bin/env bash
# nnplay in wasm (node) against TF.js (its pure-JS cpu and its wasm backends), then the
# side-by-side table, then the page's gzipped download size against its goal (bench/size.mjs).
# Figures go to target/bench/{wasm,tfjs,tfjs-wasm}.jsonl; a target/bench/native.jsonl written
# before (make bench does) joins the table.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=target/bench
pkg=target/bench-pkg
mkdir -p "$out"

echo "== building nnplay for wasm32 (release, SIMD128)"
cargo build --release --lib --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir "$pkg" target/wasm32-unknown-unknown/release/nnplay.wasm

echo "== nnplay wasm in node"
node bench/wasm_bench.mjs --pkg "$pkg" | tee "$out/wasm.jsonl"

tfjs="TF.js $(node -p "require('./tools/node_modules/@tensorflow/tfjs/package.json').version")"
echo "== $tfjs, cpu backend (pure JS), in node"
node bench/tfjs_bench.mjs --backend cpu | tee "$out/tfjs.jsonl"
echo "== $tfjs, wasm backend, in node"
node bench/tfjs_bench.mjs --backend wasm | tee "$out/tfjs-wasm.jsonl"

echo
node bench/table.mjs "$out"

# The page's download size against the goal, from the page as `make build` builds it.
echo
echo "== the page's download size (trunk build --release, scripts/package.sh)"
trunk build --release
scripts/package.sh dist/pkg
node bench/size.mjs dist

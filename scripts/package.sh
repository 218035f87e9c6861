#!/usr/bin/env bash
# Builds the JS package into dist/pkg/: an ES module a page imports with no bundler
# (`import init, { Sequential, Dense } from './pkg/nnplay.js'`), its TypeScript declarations
# and a package.json. The package has the whole JS API, so its wasm is a build of its own:
# the page's (Trunk, no default features) leaves out the Keras API and the benchmark
# exports, and the package adds them (`--features keras-api,bench-api`), with Trunk's
# profile (wasm-release) and wasm-opt level (-Oz). Trunk's output (dist/ outside pkg/) is
# left as it is. Both builds write the same target/…/wasm-release/nnplay.wasm: cargo compiles
# the library again (not its dependencies) whenever the other one wrote it last, so each gets
# its own features (measured: about 12 s each way after a `make build`).
#
# Usage: scripts/package.sh [OUT_DIR]   (default dist/pkg; `make build` runs it after Trunk)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/env.sh
source scripts/env.sh
OUT="${1:-dist/pkg}"

# The same versions Trunk uses (Trunk.toml pins them).
want_bg="$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)"
have_bg="$(wasm-bindgen --version | awk '{print $2}')"
if [ -n "$want_bg" ] && [ "$have_bg" != "$want_bg" ]; then
  echo "package: wasm-bindgen $have_bg on PATH, Trunk.toml wants $want_bg" >&2
  exit 1
fi
want_opt="$(sed -n 's/^wasm_opt = "version_\(.*\)"/\1/p' Trunk.toml)"
have_opt="$(wasm-opt --version | sed -n 's/.*version \([0-9]*\).*/\1/p')"
if [ -n "$want_opt" ] && [ "$have_opt" != "$want_opt" ]; then
  echo "package: wasm-opt $have_opt on PATH ($(command -v wasm-opt)), Trunk.toml wants $want_opt" >&2
  exit 1
fi

# The library with the package's features, offline as Trunk builds (scripts/setup.sh runs
# `cargo fetch`); cargo's JSON messages name the wasm it wrote.
echo "package: cargo build --profile wasm-release --lib --features keras-api,bench-api"
WASM="$(cargo build --offline --profile wasm-release --lib --target wasm32-unknown-unknown \
  --no-default-features --features keras-api,bench-api --message-format=json-render-diagnostics \
  | node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const wasm = s.split("\n").filter(Boolean).map((l) => JSON.parse(l))
    .filter((m) => m.reason === "compiler-artifact" && m.target.name === "nnplay")
    .flatMap((m) => m.filenames).find((f) => f.endsWith(".wasm"));
  if (!wasm) process.exit(1);
  console.log(wasm);
});')"
if [ ! -f "$WASM" ]; then
  echo "package: cargo did not write the library's wasm ($WASM)" >&2
  exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
wasm-bindgen --target web --typescript --out-dir "$OUT" --out-name nnplay "$WASM"
# Rust puts its stack first, so the low 1 KiB of memory is never addressed.
wasm-opt -Oz --low-memory-unused --converge --output "$OUT/nnplay_bg.wasm.opt" "$OUT/nnplay_bg.wasm"
mv "$OUT/nnplay_bg.wasm.opt" "$OUT/nnplay_bg.wasm"
# The trainer: a client (trainer.js) and its Worker (worker.js), which load ./nnplay.js.
cp www/trainer.js www/worker.js "$OUT/"
# nnplay.d.ts keeps the doc comments; the module that pages download goes without.
node scripts/strip-glue.mjs "$OUT"

# The <nn-playground> element beside nnplay.js (`import './pkg/nn-playground.js'`), and the
# pages that use it: the iframe form (embed.html) and the demo tutorial, beside pkg/.
mkdir -p "$OUT/element"
cp www/element/*.js "$OUT/element/"
echo "export * from './element/nn-playground.js';" > "$OUT/nn-playground.js"
cp embed.html tutorial.html "$(dirname "$OUT")/"

# package.json from Cargo.toml's name, version, description and licence.
cargo metadata --format-version 1 --no-deps --offline | node -e '
const fs = require("fs");
const out = process.argv[1];
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const c = JSON.parse(s).packages.find((p) => p.name === "nnplay");
  const files = fs.readdirSync(out).sort();
  const pkg = {
    name: "nnplay",
    version: c.version,
    description: c.description,
    license: c.license,
    type: "module",
    main: "nnplay.js",
    module: "nnplay.js",
    types: "nnplay.d.ts",
    files,
  };
  fs.writeFileSync(`${out}/package.json`, JSON.stringify(pkg, null, 2) + "\n");
  console.log(`package: ${out}: nnplay ${c.version}`);
});
' "$OUT"

js_kb="$(gzip -9c "$OUT/nnplay.js" | wc -c)"
wasm_kb="$(gzip -9c "$OUT/nnplay_bg.wasm" | wc -c)"
echo "package: nnplay.js $((js_kb / 1024)) KB + nnplay_bg.wasm $((wasm_kb / 1024)) KB gzipped"
element_b="$(cat "$OUT/nn-playground.js" "$OUT"/element/*.js | gzip -9c | wc -c)"
echo "package: the <nn-playground> element $((element_b / 1024)) KB gzipped"

#!/usr/bin/env bash
# Installs what nnplay's build, tests and benchmark need, skipping whatever is already there:
# Debian packages (Chromium + driver, Mesa's lavapipe Vulkan driver), the wasm32 Rust target,
# rustfmt and clippy, wasm-bindgen-cli at the version Cargo.toml pins, Trunk 0.21, the npm tools
# in tools/ (binaryen's wasm-opt, playwright-core, TF.js) and the crates (Trunk builds offline).
# Safe to run again: each step prints "ok: X (already there)" or "installing X".
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

APT_PACKAGES=(chromium chromium-driver mesa-vulkan-drivers libvulkan1)
TRUNK_VERSION=0.21.14
WASM_BINDGEN_DEFAULT=0.2.130

ok() { echo "ok: $1 (already there)"; }
installing() { echo "installing $1"; }

# Debian packages. Debian's binaryen (wasm-opt 108) emits modules browsers reject: never install it;
# wasm-opt comes from npm below.
apt_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if apt_installed "$p"; then ok "$p"; else missing+=("$p"); fi
done
if ((${#missing[@]})); then
  installing "${missing[*]} (apt)"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# Rust target and components.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  ok "rust target wasm32-unknown-unknown"
else
  installing "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for c in rustfmt clippy; do
  if rustup component list --installed | grep -q "^$c"; then
    ok "rust component $c"
  else
    installing "rust component $c"
    rustup component add "$c"
  fi
done

# wasm-bindgen-cli must equal the wasm-bindgen crate exactly (Cargo.toml pins it with "=").
wb_version="$(sed -nE 's/^[[:space:]]*wasm-bindgen[[:space:]]*=[[:space:]]*(\{[^}]*version[[:space:]]*=[[:space:]]*)?"=([0-9][0-9.]*)".*/\2/p' Cargo.toml 2>/dev/null | head -n1)"
wb_version="${wb_version:-$WASM_BINDGEN_DEFAULT}"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $wb_version" ] \
  && command -v wasm-bindgen-test-runner >/dev/null; then
  ok "wasm-bindgen-cli $wb_version"
else
  # Not --locked: 0.2.130's lock file wants a webpki-roots version the registry lacks.
  installing "wasm-bindgen-cli $wb_version (cargo install, about 9 min)"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# Trunk 0.22 needs a newer rustc than ours; 0.21.x works. A debug build compiles much faster and
# Trunk's speed does not matter.
if trunk --version 2>/dev/null | grep -qE '^trunk 0\.21\.'; then
  ok "$(trunk --version)"
else
  installing "trunk $TRUNK_VERSION (cargo install --debug, several minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --debug --force
fi

# npm tools in tools/ at the versions tools/package.json pins.
npm_tools_current() {
  [ -x tools/node_modules/.bin/wasm-opt ] || return 1
  node -e '
    const fs = require("fs");
    const want = require("./tools/package.json").dependencies;
    for (const [name, version] of Object.entries(want)) {
      const file = `tools/node_modules/${name}/package.json`;
      if (!fs.existsSync(file) || JSON.parse(fs.readFileSync(file)).version !== version) process.exit(1);
    }'
}
npm_summary="$(node -p 'Object.entries(require("./tools/package.json").dependencies).map(([n, v]) => n + "@" + v).join(" ")')"
if npm_tools_current; then
  ok "npm tools: $npm_summary"
else
  installing "npm tools into tools/: $npm_summary"
  if [ -f tools/package-lock.json ]; then
    npm ci --prefix tools --no-audit --no-fund
  else
    npm install --prefix tools --no-audit --no-fund
  fi
fi

# Crates: Trunk runs cargo with --offline, so everything must be in the registry cache first.
if [ ! -f Cargo.toml ]; then
  echo "ok: crates (no Cargo.toml yet, nothing to fetch)"
elif cargo fetch --offline >/dev/null 2>&1; then
  ok "crates"
else
  installing "crates (cargo fetch)"
  cargo fetch
fi

# Source this file (`source scripts/env.sh`) to get nnplay's tool paths and settings.
# - tools/node_modules/.bin first on PATH: binaryen's wasm-opt (which Trunk reads as version_132)
#   must win over any other wasm-opt;
# - ~/.cargo/bin on PATH: wasm-bindgen, wasm-bindgen-test-runner, trunk;
# - XDG_RUNTIME_DIR: Mesa (lavapipe) warns when it is unset or not a 0700 folder;
# - CHROMEDRIVER: the Debian chromium-driver used by wasm-bindgen-test-runner.
NNPLAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export NNPLAY_ROOT

case ":$PATH:" in
  *":$HOME/.cargo/bin:"*) ;;
  *) PATH="$HOME/.cargo/bin:$PATH" ;;
esac
case ":$PATH:" in
  ":$NNPLAY_ROOT/tools/node_modules/.bin:"*) ;;
  *) PATH="$NNPLAY_ROOT/tools/node_modules/.bin:$PATH" ;;
esac
export PATH

if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -O "$XDG_RUNTIME_DIR" ] \
  || [ "$(stat -c %a "$XDG_RUNTIME_DIR" 2>/dev/null)" != 700 ]; then
  XDG_RUNTIME_DIR="/tmp/nnplay-runtime-$(id -u)"
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 0700 "$XDG_RUNTIME_DIR"
fi
export XDG_RUNTIME_DIR

export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

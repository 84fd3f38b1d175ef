#!/usr/bin/env bash
# THE serve command: installs what is missing (scripts/setup.sh), then builds the page in
# release mode and serves it at http://127.0.0.1:8080 (rebuilding on change).
# Extra arguments go to `trunk serve`, e.g. `bash scripts/serve.sh --port 8081`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# wasm-opt comes from npm's binaryen (Debian's is too old); trunk never downloads tools
# (offline = true in Trunk.toml), so it must be on PATH.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# trunk runs cargo with --offline: fetch the wasm dependencies once beforehand.
cargo fetch --quiet --target wasm32-unknown-unknown

echo "[serve] building, then serving on http://127.0.0.1:8080 (Ctrl-C stops)"
exec trunk serve --release "$@"

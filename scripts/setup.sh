#!/usr/bin/env bash
# Installs everything the playground needs that a fresh Debian machine with the Rust
# toolchain, Node and npm lacks. Idempotent: each step is skipped when the pinned version
# is already present. Versions are pinned here and nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
TRUNK_VERSION=0.21.14          # 0.22 needs a newer rustc
KAFKA_PYTHON_VERSION=3.0.12
# confluent_kafka (its wheel bundles librdkafka) runs the lecture notebook against serve.
CONFLUENT_KAFKA_VERSION=2.16.1
# Mutation testing only (scripts/mutants.sh passes --mutants; the test command does not).
CARGO_MUTANTS_VERSION=27.1.0

say() { printf '[setup] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

rustup set auto-self-update disable >/dev/null 2>&1 || true
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# The native suite checks the tree's formatting (rustfmt.toml); the default profile has
# rustfmt, a minimal one does not.
if ! cargo fmt --version >/dev/null 2>&1; then
  say "adding the rustfmt component"
  rustup component add rustfmt
fi
# ... and lints the tree with clippy (also in the default profile, not in a minimal one).
if ! cargo clippy --version >/dev/null 2>&1; then
  say "adding the clippy component"
  rustup component add clippy
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

# kcat (librdkafka's command-line client) talks to `kafka-playground serve` in the tests.
if ! command -v kcat >/dev/null 2>&1; then
  say "installing Debian's kcat"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat
fi

if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/binaryen ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (playwright-core, binaryen)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if ! .venv/bin/python -c "import kafka, sys; sys.exit(kafka.__version__ != '$KAFKA_PYTHON_VERSION')" 2>/dev/null; then
  say "creating .venv with kafka-python $KAFKA_PYTHON_VERSION"
  python3 -m venv .venv
  .venv/bin/pip install -q "kafka-python==$KAFKA_PYTHON_VERSION"
fi
if ! .venv/bin/python -c "import confluent_kafka, sys; sys.exit(confluent_kafka.__version__ != '$CONFLUENT_KAFKA_VERSION')" 2>/dev/null; then
  say "installing confluent-kafka $CONFLUENT_KAFKA_VERSION in .venv"
  .venv/bin/pip install -q "confluent-kafka==$CONFLUENT_KAFKA_VERSION"
fi
if [ "${1:-}" = --mutants ] \
   && [ "$(cargo mutants --version 2>/dev/null | awk '{print $2}')" != "$CARGO_MUTANTS_VERSION" ]; then
  say "installing cargo-mutants $CARGO_MUTANTS_VERSION"
  cargo install cargo-mutants --version "$CARGO_MUTANTS_VERSION" --locked --force
fi
say "ready"

#!/usr/bin/env bash
# Validates the CLI's Kafka log dirs with kafka-python 3.0.12 (an independent Kafka
# implementation): see validate.py for every check. Run from anywhere; it works from the
# repo root. Builds the `kafka-playground` binary first unless KP_SKIP_BUILD=1 (then the
# binary must already be in $CARGO_TARGET_DIR/debug, default target/debug).
# Prints `kafka-python: N passed, M failed` and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=.venv/bin/python
if ! "$PYTHON" -c "import kafka, sys; sys.exit(kafka.__version__ != '3.0.12')" 2>/dev/null; then
  echo "validate.sh: kafka-python 3.0.12 is missing from .venv; run scripts/setup.sh" \
       "(or: python3 -m venv .venv && .venv/bin/pip install kafka-python==3.0.12)" >&2
  exit 1
fi

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ "${KP_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --quiet --bin kafka-playground
fi
CLI="$TARGET_DIR/debug/kafka-playground"
if [ ! -x "$CLI" ]; then
  echo "validate.sh: $CLI not found; build it with cargo build --bin kafka-playground" >&2
  exit 1
fi

WORKDIR="$(mktemp -d)"
trap 'rm -rf "$WORKDIR"' EXIT
# A private copy: a shared target dir's binary can be replaced by another build meanwhile.
cp "$CLI" "$WORKDIR/kafka-playground"
"$PYTHON" tests/kafka_python/validate.py "$WORKDIR/kafka-playground" "$WORKDIR"

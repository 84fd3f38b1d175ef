#!/usr/bin/env bash
# Real clients against `kafka-playground serve` on free loopback ports (tests/serve/clients.py):
# kcat (librdkafka) and kafka-python 3.0.12 produce and read back; every offset, key, value
# and partition is checked. Then consumer groups (tests/serve/groups.py): the lecture's
# notebook cells verbatim with confluent_kafka, kafka-python's group consumer, kcat -G.
# Builds the binary first unless KP_SKIP_BUILD=1. Prints `serve clients: N passed, M failed`
# and `serve groups: N passed, M failed`; then the page's code to take away
# (tests/serve/takeaway.py): the programs `kafka-playground code python` prints, run with
# confluent_kafka; then transactions (tests/serve/transactions.py): confluent_kafka's and
# kafka-python's transactional producers, read_committed and read_uncommitted readers, a
# fenced zombie, a consume-transform-produce pipeline; then a leader crash from serve's
# control input under an acks=all producer, and replay of the session's journal
# (tests/serve/faults.py); DescribeConfigs with both admin clients (tests/serve/configs.py);
# then the page served by serve, in chromium, crashing a real producer's leader
# (tests/serve/page.test.mjs, needs dist/), and real consumers of a group on the page: their
# members and lag, a rebalance, the coordinator moving, serve restarted under the page
# (tests/serve/groups_page.test.mjs). Exits non-zero on any failure. About seven minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=.venv/bin/python
if ! "$PYTHON" -c "import kafka, sys; sys.exit(kafka.__version__ != '3.0.12')" 2>/dev/null; then
  echo "serve/validate.sh: kafka-python 3.0.12 is missing from .venv; run scripts/setup.sh" >&2
  exit 1
fi
if ! "$PYTHON" -c "import confluent_kafka, sys; sys.exit(not confluent_kafka.__version__.startswith('2.16.'))" 2>/dev/null; then
  echo "serve/validate.sh: confluent-kafka 2.16.x is missing from .venv; run scripts/setup.sh" >&2
  exit 1
fi
command -v kcat >/dev/null || { echo "serve/validate.sh: kcat is missing; run scripts/setup.sh" >&2; exit 1; }

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ "${KP_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --quiet --bin kafka-playground
fi
WORKDIR="$(mktemp -d)"
trap 'rm -rf "$WORKDIR"' EXIT
# A private copy: a shared target dir's binary can be replaced by another build meanwhile.
cp "$TARGET_DIR/debug/kafka-playground" "$WORKDIR/kafka-playground"
status=0
timeout 120 "$PYTHON" tests/serve/clients.py "$WORKDIR/kafka-playground" || status=1
timeout 180 "$PYTHON" tests/serve/groups.py "$WORKDIR/kafka-playground" || status=1
timeout 120 "$PYTHON" tests/serve/takeaway.py "$WORKDIR/kafka-playground" || status=1
timeout 180 "$PYTHON" tests/serve/transactions.py "$WORKDIR/kafka-playground" || status=1
timeout 120 "$PYTHON" tests/serve/faults.py "$WORKDIR/kafka-playground" || status=1
timeout 120 "$PYTHON" tests/serve/configs.py "$WORKDIR/kafka-playground" || status=1
# The page served by serve, in chromium, watching a real producer (needs dist/).
if [ -f dist/index.html ]; then
  KP_BIN="$WORKDIR/kafka-playground" timeout 300 node --test tests/serve/page.test.mjs || status=1
  KP_BIN="$WORKDIR/kafka-playground" timeout 330 node --test tests/serve/groups_page.test.mjs || status=1
else
  echo "serve/validate.sh: no dist/ for the page test: run the web-build suite first" >&2
  status=1
fi
exit $status

#!/usr/bin/env bash
# Runs every benchmark (not part of the test command): native criterion (append/fetch
# against the commitlog crate), the same append loop in wasm in headless Chromium, and
# IndexedDB persistence through IdbStore against a plain-JS batched-put loop, and the
# simulation speed in the tab (tests/e2e/bench/cluster_speed.mjs), and the page's weight
# and first paint (tests/e2e/bench/page_weight.mjs), and the tab's memory under the standard
# load (tests/e2e/bench/tab_memory.mjs; BENCH_VIRTUAL_S=3600 runs issue 12's hour at
# 1,000 records/s, about 25 minutes of wall time here), the tab's frame times at 1x under
# 3 brokers x 12 partitions, 1,000 records/s and a consumer group, then with 100,000
# records retained (tests/e2e/bench/frame_time.mjs, about 2 minutes), and records/s and
# latency of real clients through `kafka-playground serve` (benches/serve_throughput.py).
# Figures are printed; BENCHMARKS.md records them with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=900
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/tests/webdriver.json"

echo "== machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== native (criterion)"
cargo bench --bench log_append 2>&1 | grep -E '^log_append|thrpt:' | grep -v '%'
echo "== wasm append in Chromium"
cargo test --release --target wasm32-unknown-unknown --test bench_wasm_append -- --include-ignored --nocapture 2>&1 | grep -E 'wasm append'
echo "== IndexedDB: IdbStore vs plain JS"
cargo test --release --target wasm32-unknown-unknown --test bench_idb -- --include-ignored --nocapture 2>&1 | grep -iE 'MB/s|ratio|median'
echo "== simulation speed in the tab (release build, one worker per broker)"
trunk build --release >/dev/null
node tests/e2e/bench/cluster_speed.mjs
echo "== page weight and first paint (release build, localhost)"
node tests/e2e/bench/page_weight.mjs
echo "== frames in the tab at 1x (release build; rAF deltas and long animation frames)"
node tests/e2e/bench/frame_time.mjs
echo "== records/s and latency through kafka-playground serve (release), confluent_kafka and kafka-python"
cargo build --release --quiet --bin kafka-playground
.venv/bin/python benches/serve_throughput.py target/release/kafka-playground
echo "== the tab's memory under the standard load (release build; BENCH_VIRTUAL_S=${BENCH_VIRTUAL_S:-60})"
node tests/e2e/bench/tab_memory.mjs

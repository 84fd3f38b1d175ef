#!/usr/bin/env bash
# THE test command: runs every suite, prints a header and the time of each, and ends with
# a summary line `N passed, N failed` (suites). Exits non-zero if any suite fails.
#
#   setup        scripts/setup.sh (toolchain, chromium, npm packages, .venv)
#   native       cargo fmt --check; cargo clippy -D warnings natively (every target) and for
#                wasm32 (lib, bins, tests), with unwrap/expect denied in src/engine outside
#                tests; then cargo test: lib, bins, integration tests, doc tests (benches are
#                not built); then the checkers-bite tests with --features break-engine
#                (clippy for that feature too)
#   sim          every scenario under scenarios/ with its invariants, `fuzz --seeds 200`, `fuzz --groups --seeds 200` and `fuzz --transactions --seeds 200`
#   wasm         cargo test --target wasm32-unknown-unknown --tests, in headless chromium
#                through chromedriver (wasm-bindgen-test-runner; the runner adds
#                headless, no-sandbox; tests/webdriver.json adds the quiet flags)
#   web-build    trunk build --release into dist/ (wasm-opt from node_modules/.bin)
#   e2e          node --test tests/e2e/*.test.mjs against dist/ (the harness serves it itself)
#   kafka-python tests/kafka_python/validate.sh, when it exists
#   serve        tests/serve/validate.sh: kcat and kafka-python against `kafka-playground serve`
#
# Screenshots and other outputs go to test-results/ (git-ignored).
# Set TEST_SUITES="native wasm" (say) to run only some suites (setup always runs).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export CARGO_TERM_COLOR=never
export CARGO_TERM_PROGRESS_WHEN=never
# trunk reads NO_COLOR as its boolean --no-color flag: it must be "true", not "1".
export NO_COLOR=true
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p test-results

SUITES_WANTED=" ${TEST_SUITES:-setup native sim wasm web-build e2e kafka-python serve} setup "
PASSED=0
FAILED=0
REPORT=()

header() {
  printf '\n==================== %s ====================\n' "$1"
}

# run_suite NAME FUNCTION: runs FUNCTION, records pass/fail and its duration.
run_suite() {
  local name=$1 fn=$2 start end rc
  case "$SUITES_WANTED" in *" $name "*) ;; *) return 0 ;; esac
  header "$name"
  start=$(date +%s)
  "$fn"
  rc=$?
  end=$(date +%s)
  if [ "$rc" = 0 ]; then
    PASSED=$((PASSED + 1))
    REPORT+=("PASS  $name ($((end - start)) s)")
    printf -- '---- %s: PASS in %d s\n' "$name" "$((end - start))"
  else
    FAILED=$((FAILED + 1))
    REPORT+=("FAIL  $name ($((end - start)) s, exit $rc)")
    printf -- '---- %s: FAIL (exit %d) in %d s\n' "$name" "$rc" "$((end - start))"
  fi
  return "$rc"
}

summary() {
  header "summary"
  local line
  for line in "${REPORT[@]}"; do echo "$line"; done
  echo "$PASSED passed, $FAILED failed"
}

suite_setup() {
  bash scripts/setup.sh
}

suite_native() {
  cargo fmt --check >/dev/null || { echo "the tree is not formatted as rustfmt.toml says: run cargo fmt"; return 1; }
  cargo clippy --quiet --all-targets -- -D warnings || { echo "clippy (native) found the warnings above"; return 1; }
  cargo clippy --quiet --target wasm32-unknown-unknown --lib --bins --tests -- -D warnings \
    || { echo "clippy (wasm32) found the warnings above"; return 1; }
  cargo test --quiet || return 1
  # Checkers that bite (TESTING.md): the engine broken on purpose, each checker must report it.
  cargo clippy --quiet --lib --test checkers_bite --features break-engine -- -D warnings \
    || { echo "clippy (break-engine) found the warnings above"; return 1; }
  cargo test --quiet --features break-engine --test checkers_bite
}

suite_wasm() {
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}" \
    cargo test --target wasm32-unknown-unknown --tests
  # (no --quiet: cargo would pass it on to wasm-bindgen-test-runner, which rejects it)
}

WEB_BUILD_OK=0
suite_web_build() {
  # trunk runs cargo with --offline (Trunk.toml), so fetch the wasm dependencies first.
  cargo fetch --quiet --target wasm32-unknown-unknown || return $?
  rm -rf dist
  trunk build --release || return $?
  for f in index.html run_worker_loader.js run_worker.js run_worker_bg.wasm \
    node_worker_loader.js node_worker.js node_worker_bg.wasm; do
    test -f "dist/$f" || { echo "dist/ lacks $f (the page, the run worker or the node worker)"; return 1; }
  done
  ls -l dist
  WEB_BUILD_OK=1
}

suite_e2e() {
  if [ "$WEB_BUILD_OK" != 1 ] && [ ! -f dist/index.html ]; then
    echo "no dist/: the web-build suite failed or did not run"
    return 1
  fi
  # Explicit files rather than the directory: every node version reads them the same way.
  local files=(tests/e2e/*.test.mjs)
  [ -e "${files[0]}" ] || { echo "no tests/e2e/*.test.mjs"; return 1; }
  node --test --test-reporter=spec --test-concurrency=1 "${files[@]}"
}

# The simulation, natively in release: every scenario under scenarios/ runs with its
# invariants (the CLI exits non-zero on a violation), then 200 fuzzed fault schedules.
suite_sim() {
  cargo build --release --bin kafka-playground || return 1
  local bin="${CARGO_TARGET_DIR:-$ROOT/target}/release/kafka-playground" f
  for f in scenarios/*.json; do
    "$bin" run "$f" --seed 1 > /dev/null || { echo "scenario $f failed"; return 1; }
    echo "scenario $f: ok"
  done
  "$bin" fuzz --seeds 200 > test-results/fuzz-200.json || { cat test-results/fuzz-200.json; return 1; }
  python3 -c "import json; d=json.load(open('test-results/fuzz-200.json')); print('fuzz: %d seeds, %d steps, %d failed' % (d['seeds'], d['steps'], len(d['failed_seeds'])))"
  # Consumer groups too: members crash, restart and pause besides brokers.
  "$bin" fuzz --groups --seeds 200 > test-results/fuzz-groups-200.json || { cat test-results/fuzz-groups-200.json; return 1; }
  python3 -c "import json; d=json.load(open('test-results/fuzz-groups-200.json')); print('fuzz --groups: %d seeds, %d steps, %d failed' % (d['seeds'], d['steps'], len(d['failed_seeds'])))"
  # Transactions: a transactional producer commits and aborts, a read_committed consumer reads.
  "$bin" fuzz --transactions --seeds 200 > test-results/fuzz-txn-200.json || { cat test-results/fuzz-txn-200.json; return 1; }
  python3 -c "import json; d=json.load(open('test-results/fuzz-txn-200.json')); print('fuzz --transactions: %d seeds, %d steps, %d failed' % (d['seeds'], d['steps'], len(d['failed_seeds'])))"
}

suite_kafka_python() {
  PATH="$ROOT/.venv/bin:$PATH" VIRTUAL_ENV="$ROOT/.venv" bash tests/kafka_python/validate.sh
}

suite_serve() {
  PATH="$ROOT/.venv/bin:$PATH" VIRTUAL_ENV="$ROOT/.venv" bash tests/serve/validate.sh
}

TOTAL_START=$(date +%s)

if ! run_suite setup suite_setup; then
  echo "setup failed: the other suites cannot run"
  summary
  exit 1
fi

run_suite native suite_native
run_suite sim suite_sim
run_suite wasm suite_wasm
run_suite web-build suite_web_build
run_suite e2e suite_e2e
if [ -f tests/kafka_python/validate.sh ]; then
  run_suite kafka-python suite_kafka_python
else
  case "$SUITES_WANTED" in
    *" kafka-python "*) printf '\n(kafka-python: tests/kafka_python/validate.sh does not exist yet, skipped)\n' ;;
  esac
fi

run_suite serve suite_serve

echo
echo "total time: $(( $(date +%s) - TOTAL_START )) s"
summary
[ "$FAILED" = 0 ]

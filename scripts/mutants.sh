#!/usr/bin/env bash
# Mutation testing (issue 16 point 2; not part of the test command): cargo-mutants over
# the scope and tests in .cargo/mutants.toml, in place, one mutant at a time (the tree's
# own target/mutants, so each mutant rebuilds incrementally). Results go to mutants.out/
# (caught.txt, missed.txt, timeout.txt, unviable.txt, outcomes.json);
# TESTING.md records the figures. Extra arguments go to cargo-mutants, e.g.
# `--shard 1/4` to run a quarter, or `--file src/engine/controller/election.rs`.
# The tree must be clean: mutants are written into the source files while they run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --mutants
if [ -n "$(git status --porcelain -- src)" ]; then
  echo "mutants: src/ has uncommitted changes; commit or stash them first" >&2
  exit 1
fi
export MUTANTS_FUZZ_SEEDS="${MUTANTS_FUZZ_SEEDS:-12}"
cargo mutants --in-place --timeout 300 --build-timeout 900 "$@"

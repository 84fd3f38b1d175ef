//! Fuzzed fault schedules run in-process, for mutation testing (`scripts/mutants.sh`,
//! TESTING.md "Tests measured by mutation"): a mutant of the replication, election or
//! group-coordinator code that the scenario tests miss is often caught by an invariant
//! (acknowledged writes survive, committed prefixes agree, HW ≤ LEO, one owner per
//! partition in a Stable group) on some fuzzed schedule of crashes, pauses and network
//! partitions. Ignored in the test command, whose sim suite runs 200 seeds of each kind
//! through the CLI; `MUTANTS_FUZZ_SEEDS` sets how many seeds of each kind run here.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::sim::fuzz::{fuzz_group_seed, fuzz_seed, FuzzResult};

fn seeds(default: u64) -> u64 {
    std::env::var("MUTANTS_FUZZ_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

fn assert_clean(kind: &str, seed: u64, result: &FuzzResult) {
    assert!(result.steps > 0, "{kind} seed {seed}: nothing ran");
    assert!(result.violations.is_empty(), "{kind} seed {seed}: {:?}", result.violations);
}

#[test]
#[ignore = "mutation testing's fuzz: scripts/mutants.sh runs it"]
fn fuzzed_replication_schedules_keep_every_invariant() {
    for seed in 1..=seeds(12) {
        assert_clean("fuzz", seed, &fuzz_seed(seed));
    }
}

#[test]
#[ignore = "mutation testing's fuzz: scripts/mutants.sh runs it"]
fn fuzzed_group_schedules_keep_every_invariant() {
    for seed in 1..=seeds(12) / 3 {
        assert_clean("fuzz --groups", seed, &fuzz_group_seed(seed));
    }
}

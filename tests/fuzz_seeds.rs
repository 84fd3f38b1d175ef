#![cfg(not(target_arch = "wasm32"))]
//! Fuzz seeds that once broke the exactly-once invariant, through the binary: `fuzz
//! --scenario` prints a seed's schedule, `run --seed` runs it, and the pipeline's
//! read_committed output must be its input exactly once (the invariant is Kafka's rule,
//! checked after every step; the seeds are only where it once failed).
//! * 3729: a transaction aborted after its TxnOffsetCommit was failed unsent. Java's
//!   `TransactionManager` keeps those offsets and commits them with the next transaction
//!   (records skipped); ours forgets them at completion, as librdkafka does.
//! * 471: a coordinator answered AddOffsetsToTxn from state loaded beyond the high
//!   watermark, which a later clean election lost, so the commit wrote no marker to the
//!   group's offsets partition. Kafka's consumer requires stable offsets (KIP-447): the
//!   pending offset is UNSTABLE_OFFSET_COMMIT and the pipeline waits (Kafka's hanging
//!   transaction) instead of re-reading from the older committed offset.

use serde_json::{json, Value};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

fn cli(args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN).args(args).output().expect("run the CLI");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run_pipeline_seed(seed: u64) -> Value {
    let (ok, scenario) = cli(&["fuzz", "--scenario", "--pipelines", "--first", &seed.to_string()]);
    assert!(ok);
    let path = std::env::temp_dir().join(format!("fuzz-seed-{seed}-{}.json", std::process::id()));
    std::fs::write(&path, scenario).unwrap();
    let (_, report) = cli(&["run", path.to_str().unwrap(), "--seed", &seed.to_string()]);
    let _ = std::fs::remove_file(&path);
    serde_json::from_str(&report).expect("a report")
}

#[test]
fn aborted_offsets_do_not_ride_in_the_next_transaction() {
    assert_eq!(run_pipeline_seed(3729)["violations"], json!([]));
}

#[test]
fn a_pending_offset_is_unstable_not_skipped_back() {
    let report = run_pipeline_seed(471);
    assert_eq!(report["violations"], json!([]));
    let unstable = report["timeline"].as_array().unwrap().iter().any(|e| {
        e["event"]["ConsumerNote"]["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("The following partitions still have unstable offsets"))
    });
    assert!(unstable, "the pipeline is told its group's offset of f-0 is still pending");
}

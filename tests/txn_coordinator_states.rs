#![cfg(not(target_arch = "wasm32"))]
//! The transaction coordinator's reported state per transactional id (the producer card's
//! "Transaction coordinator" line), through the binary: every report is one of Kafka's
//! `TransactionState` names and, from one coordinator, follows
//! `TransactionState.validPreviousStates`; a commit goes Ongoing → PrepareCommit →
//! CompleteCommit and an abort Ongoing → PrepareAbort → CompleteAbort; after the
//! coordinator's crash in `transaction-survives-crashes` its successor reports what it
//! loaded from `__transaction_state`; the hanging transaction stays Ongoing with its
//! partition and its start (the coordinator aborts it `transaction.timeout.ms` later).

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

/// (at_ms, broker, state, partitions, txn_start_timestamp_ms) of each report.
fn reports(scenario: &str) -> Vec<(i64, i64, String, usize, i64)> {
    let path = format!("{}/scenarios/{scenario}.json", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(BIN).args(["run", &path, "--seed", "1"]).output().expect("run the CLI");
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let timeline = report["timeline"].as_array().unwrap();
    timeline
        .iter()
        .filter_map(|e| {
            let x = e["event"].get("TransactionStateChanged")?;
            Some((
                e["at_ms"].as_i64()?,
                x["broker_id"].as_i64()?,
                x["state"].as_str()?.to_string(),
                x["partitions"].as_array()?.len(),
                x["txn_start_timestamp_ms"].as_i64()?,
            ))
        })
        .collect()
}

/// `TransactionState.validPreviousStates`.
fn valid_previous(state: &str) -> &'static [&'static str] {
    match state {
        "Empty" => &["Empty", "CompleteCommit", "CompleteAbort"],
        "Ongoing" => &["Ongoing", "Empty", "CompleteCommit", "CompleteAbort"],
        "PrepareCommit" => &["Ongoing"],
        "PrepareAbort" => &["Ongoing", "PrepareEpochFence"],
        "CompleteCommit" => &["PrepareCommit"],
        "CompleteAbort" => &["PrepareAbort"],
        "PrepareEpochFence" => &["Ongoing"],
        "Dead" => &["Empty", "CompleteAbort", "CompleteCommit"],
        other => panic!("{other} is no TransactionState"),
    }
}

#[test]
fn a_coordinator_moves_only_along_kafkas_transitions_and_its_successor_loads_the_state() {
    let r = reports("transaction-survives-crashes");
    assert!(!r.is_empty());
    for pair in r.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.1 == b.1 {
            assert!(valid_previous(&b.2).contains(&a.2.as_str()), "{a:?} → {b:?}");
        }
    }
    let states: Vec<&str> = r.iter().map(|x| x.2.as_str()).collect();
    let commit = states.windows(3).any(|w| w == ["Ongoing", "PrepareCommit", "CompleteCommit"]);
    let abort = states.windows(3).any(|w| w == ["Ongoing", "PrepareAbort", "CompleteAbort"]);
    assert!(commit && abort, "{states:?}");
    // Ongoing names its partitions and start; a completed transaction has none left.
    for x in &r {
        match x.2.as_str() {
            "Ongoing" | "PrepareCommit" | "PrepareAbort" => assert!(x.3 > 0 && x.4 >= 0, "{x:?}"),
            "CompleteCommit" | "CompleteAbort" => assert_eq!(x.3, 0, "{x:?}"),
            _ => {}
        }
    }
    // The coordinator crashed: another broker reports the state it loaded.
    let brokers: std::collections::BTreeSet<i64> = r.iter().map(|x| x.1).collect();
    assert!(brokers.len() >= 2, "{r:?}");
}

#[test]
fn the_hanging_transaction_stays_ongoing_at_its_coordinator() {
    let r = reports("hanging-transaction-holds-lso");
    let last = r.last().expect("reports");
    assert_eq!(last.2, "Ongoing", "{r:?}");
    assert_eq!(last.3, 1, "its one partition");
    assert!(last.4 > 0, "when it began");
}

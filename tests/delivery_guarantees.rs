#![cfg(not(target_arch = "wasm32"))]
//! The delivery-guarantee scenarios through the `kafka-playground run` binary, each half
//! asserted on the partition leader's log in the final state: a retry after a lost
//! response writes a record twice without idempotence and once with it
//! (`retry-after-lost-response`); with `max.in.flight.requests.per.connection=5` a lost
//! request reorders a partition without idempotence and not with it
//! (`max-in-flight-reorders-without-idempotence`). The with-idempotence halves need the
//! broker's duplicate and sequence checks (Kafka's `ProducerStateManager`).

use serde_json::Value;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

fn run(scenario: &str) -> Value {
    let path = format!("{}/scenarios/{scenario}.json", env!("CARGO_MANIFEST_DIR"));
    let out =
        Command::new(BIN).args(["run", &path, "--seed", "1", "--summary"]).output().expect("run the CLI");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

/// The values in the log of `tp`'s leader at the end of the run.
fn leader_log(report: &Value, tp: &str) -> Vec<String> {
    let nodes = report["final_state"]["nodes"].as_object().unwrap();
    let leader = nodes
        .values()
        .filter_map(|n| n["partitions"].get(tp))
        .find(|p| p["role"] == "leader")
        .unwrap_or_else(|| panic!("a leader of {tp} at the end"));
    leader["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("end_txn_marker").is_none())
        .map(|r| r["value"].as_str().unwrap().to_string())
        .collect()
}

/// The leader's records of `tp` as (offset, value or "COMMIT"/"ABORT" marker).
fn leader_entries(report: &Value, tp: &str) -> Vec<(i64, String)> {
    let nodes = report["final_state"]["nodes"].as_object().unwrap();
    let leader =
        nodes.values().filter_map(|n| n["partitions"].get(tp)).find(|p| p["role"] == "leader").unwrap();
    leader["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let what = r.get("end_txn_marker").unwrap_or(&r["value"]);
            (r["offset"].as_i64().unwrap(), what.as_str().unwrap().to_string())
        })
        .collect()
}

fn numbers(log: &[String]) -> Vec<u32> {
    log.iter().map(|v| v.rsplit('-').next().unwrap().parse().unwrap()).collect()
}

#[test]
fn without_idempotence_a_retry_after_a_lost_response_writes_the_record_twice() {
    let report = run("retry-after-lost-response");
    assert_eq!(leader_log(&report, "plain-0"), vec!["payment-0", "payment-0"]);
}

#[test]
fn with_idempotence_a_retry_after_a_lost_response_writes_the_record_once() {
    let report = run("retry-after-lost-response");
    assert_eq!(leader_log(&report, "idempotent-0"), vec!["payment-0"]);
}

#[test]
fn without_idempotence_five_in_flight_reorder_after_a_lost_request() {
    let report = run("max-in-flight-reorders-without-idempotence");
    let plain = numbers(&leader_log(&report, "plain-0"));
    let mut sorted = plain.clone();
    sorted.sort();
    assert_eq!(sorted, (0..12).collect::<Vec<u32>>(), "every record once: {plain:?}");
    assert!(plain.windows(2).any(|w| w[0] > w[1]), "reordered: {plain:?}");
    assert_eq!(plain[..2], [0, 1], "the first send went through: {plain:?}");
    assert_ne!(plain[2], 2, "the lost batch lands after later ones: {plain:?}");
}

#[test]
fn with_idempotence_five_in_flight_keep_the_order_after_a_lost_request() {
    let report = run("max-in-flight-reorders-without-idempotence");
    assert_eq!(numbers(&leader_log(&report, "idempotent-0")), (0..12).collect::<Vec<u32>>());
}

/// The §8 lesson's scenario runs both producer halves on one cluster: the same outcome.
#[test]
fn the_lesson_scenario_writes_the_retried_payment_twice_without_idempotence_once_with() {
    let report = run("delivery-guarantees");
    assert_eq!(leader_log(&report, "plain-0"), vec!["payment-0", "payment-0"]);
    assert_eq!(leader_log(&report, "idempotent-0"), vec!["payment-0"]);
    assert_eq!(leader_log(&report, "orders-amo-0").len(), 150);
    assert_eq!(leader_log(&report, "orders-alo-0").len(), 150);
}

/// Its exactly-once half: the committed transaction's 5 payments and the aborted one's 3
/// are all in the log, each transaction followed by its marker, one offset each (Kafka's
/// control batch takes an offset), and nothing is left open: LSO = HW.
#[test]
fn the_lesson_scenario_keeps_committed_and_aborted_payments_in_the_log_with_their_markers() {
    let report = run("delivery-guarantees");
    let mut expected: Vec<(i64, String)> = (0..5).map(|i| (i, format!("paid-{i}"))).collect();
    expected.push((5, "COMMIT".into()));
    expected.extend((5..8).map(|i| (i + 1, format!("paid-{i}"))));
    expected.push((9, "ABORT".into()));
    assert_eq!(leader_entries(&report, "payments-0"), expected);
    let nodes = report["final_state"]["nodes"].as_object().unwrap();
    for p in nodes.values().filter_map(|n| n["partitions"].get("payments-0")) {
        assert_eq!((p["last_stable_offset"].as_i64(), p["high_watermark"].as_i64()), (Some(10), Some(10)));
    }
}

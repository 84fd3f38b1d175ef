//! The page's picture of transactions, on `scenarios/transactions-playground.json`: while
//! a transaction is open the leader's last stable offset stays at the transaction's first
//! offset as the high watermark moves past its records (records marked open); a commit
//! writes a COMMIT control record into the partition and the LSO catches up with the HW
//! (the records marked committed); an abort writes an ABORT control record (records
//! marked aborted). Kafka's rules: LSO = min(first unstable offset, HW); a transactional
//! record is settled by the next marker of its producer id in its partition.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::replica::view::{ReplicaPicture, TxnMarker};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::picture::txn::{txn_statuses, TxnStatus};
use kafka_playground::sim::scenario::Scenario;
use serde_json::{json, Value};

/// The playground run with `steps` until `until_ms`: the leader's picture of payments-0.
fn run(steps: Value, until_ms: i64) -> ReplicaPicture {
    let text = std::fs::read_to_string("scenarios/transactions-playground.json").unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["steps"] = steps;
    v["until_ms"] = json!(until_ms);
    let s = Scenario::parse(&v.to_string()).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 5_000_000);
    for id in sim.node_ids() {
        let Some(broker) = sim.live_node(id).and_then(|n| n.view().broker()) else { continue };
        if let Some(r) = broker
            .picture(32)
            .into_iter()
            .find(|r| r.topic == "payments" && r.partition == 0 && r.role == "leader")
        {
            return r;
        }
    }
    panic!("no leader of payments-0");
}

fn produce(at_ms: i64) -> Value {
    json!({ "at_ms": at_ms, "produce": { "client": "tp", "topic": "payments", "count": 3, "key": "k-{i}", "value": "v-{i}", "partition": 0 } })
}

fn step(at_ms: i64, name: &str) -> Value {
    json!({ "at_ms": at_ms, name: { "client": "tp" } })
}

#[test]
fn an_open_transaction_holds_the_lso_a_commit_and_an_abort_write_their_markers() {
    let open = vec![step(5000, "init_transactions"), step(7000, "begin_transaction"), produce(8000)];
    let r = run(json!(open), 12000);
    assert_eq!(r.high_watermark, 3, "the open transaction's records are replicated");
    assert_eq!(r.last_stable_offset, 0, "the LSO stays at the open transaction's first offset");
    assert_eq!(txn_statuses(&r.records), vec![Some(TxnStatus::Open); 3]);

    let mut both = open.clone();
    both.extend([step(12000, "commit_transaction"), step(15000, "begin_transaction"), produce(16000)]);
    both.push(step(20000, "abort_transaction"));
    let r = run(json!(both), 25000);
    let markers: Vec<_> = r.records.iter().filter_map(|x| x.producer.and_then(|p| p.marker)).collect();
    assert_eq!(markers, vec![TxnMarker::Commit, TxnMarker::Abort]);
    assert!(r.records.iter().all(|x| x.producer.is_some_and(|p| p.transactional)));
    let statuses = txn_statuses(&r.records);
    use TxnStatus::*;
    assert_eq!(
        statuses,
        [
            Committed,
            Committed,
            Committed,
            Marker(TxnMarker::Commit),
            Aborted,
            Aborted,
            Aborted,
            Marker(TxnMarker::Abort)
        ]
        .map(Some)
        .to_vec()
    );
    assert_eq!(r.log_end_offset, 8);
    assert_eq!(r.high_watermark, 8);
    assert_eq!(r.last_stable_offset, r.high_watermark, "no transaction open: the LSO is the HW");
    // The control records carry no key or value text: the cell names the marker.
    assert!(r.records.iter().filter(|x| x.producer.is_some_and(|p| p.control)).all(|x| x.key.is_none()));
}

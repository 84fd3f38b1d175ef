//! `cleanup.policy=compact` on every replica: each broker's log cleaner keeps the newest
//! record per key, as Kafka's `Cleaner` does — checked against Kafka's rules: the active
//! segment is never cleaned, nothing at or past the high watermark is, offsets never
//! move, a tombstone survives until `delete.retention.ms` after the cleaning that first
//! kept it (KIP-534), `min.compaction.lag.ms` holds young records back, a log is cleaned
//! only once its dirty ratio reaches `min.cleanable.dirty.ratio`, and a restarted broker
//! reads back the cleaned segments.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition};
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Node, NodeId};
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use replication_cluster::{tp, Cluster, CLIENT, T0};

/// One batch per segment (~70 bytes a batch), tombstones kept 20 s.
const COMPACTED: &[(&str, &str)] =
    &[("cleanup.policy", "compact"), ("segment.bytes", "100"), ("delete.retention.ms", "20000")];

/// Produces one batch of one record per `(key, value)` (value `None`: a tombstone).
fn produce(c: &mut Cluster, records: &[(&str, Option<&str>)]) {
    for (key, value) in records {
        let mut b = BatchBuilder::new(BatchOptions::default());
        b.append(c.now, Some(key.as_bytes()), value.map(str::as_bytes), &[]);
        c.next_correlation_id += 1;
        let message = Message::ProduceRequest {
            correlation_id: c.next_correlation_id,
            acks: Acks::All,
            timeout_ms: 30_000,
            partitions: vec![ProducePartition { tp: tp(), records: b.build().unwrap().into() }],
        };
        c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
        c.run();
    }
}

/// `(offset, key, value)` of every record the broker holds for `t-0`.
fn records(node: &BrokerNode) -> Vec<(i64, String, Option<String>)> {
    node.state_json()["partitions"]["t-0"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let value = r["value"].as_str().map(str::to_string);
            (r["offset"].as_i64().unwrap(), r["key"].as_str().unwrap().to_string(), value)
        })
        .collect()
}

fn cleaned_on(c: &Cluster, broker: NodeId) -> Vec<Vec<i64>> {
    c.events
        .iter()
        .filter_map(|e| match e {
            ClusterEvent::LogCleaned { broker_id, removed_offsets, .. } if *broker_id == broker => {
                Some(removed_offsets.clone())
            }
            _ => None,
        })
        .collect()
}

fn some(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// k1 three times, k2 then its tombstone, k3 once; then k4 in the active segment.
fn history(c: &mut Cluster) {
    produce(
        c,
        &[
            ("k1", Some("v1")),
            ("k2", Some("v1")),
            ("k1", Some("v2")),
            ("k3", Some("v1")),
            ("k2", None),
            ("k1", Some("v3")),
            ("k4", Some("v1")),
        ],
    );
    c.advance(1_000);
}

#[test]
fn a_compacted_topic_keeps_the_newest_value_per_key_on_every_replica() {
    let mut c = Cluster::new(COMPACTED);
    history(&mut c);
    assert_eq!(records(&c.nodes[&1]).len(), 7);
    // Each broker's cleaner runs log.cleaner.backoff.ms (15 s) after it starts.
    c.run_until(T0 + 15_000);
    let expected = vec![
        (3, "k3".to_string(), some("v1")),
        (4, "k2".to_string(), None),
        (5, "k1".to_string(), some("v3")),
        (6, "k4".to_string(), some("v1")),
    ];
    for id in 1..=3 {
        assert_eq!(cleaned_on(&c, id), vec![vec![0, 1, 2]], "broker {id}: older values of k1 and k2 go");
        assert_eq!(
            records(&c.nodes[&id]),
            expected,
            "broker {id}: offsets unchanged, tombstone kept for now"
        );
        let v = c.view(id);
        assert_eq!((v.log_start_offset, v.high_watermark, v.log_end_offset), (0, 7, 7));
    }
    // The log goes on, replicated across the gaps.
    produce(&mut c, &[("k1", Some("v4"))]);
    c.advance(1_000);
    for id in 1..=3 {
        assert_eq!(records(&c.nodes[&id]).last(), Some(&(7, "k1".to_string(), some("v4"))));
    }
    // A broker restarted from its store reads back the cleaned segments.
    c.nodes.remove(&2);
    c.timers.retain(|(id, _), _| *id != 2);
    let store = &c.stores[&2];
    let segments = store
        .segment_ids(2)
        .into_iter()
        .map(|s| (s.clone(), store.segment_bytes(&s).unwrap().to_vec()))
        .collect();
    let recovered = BrokerNode::recover(2, BrokerConfig::default(), segments, store.meta_of(2), c.now);
    assert_eq!(records(&recovered), records(&c.nodes[&1]));
    let checkpoint = recovered.partition("t", 0).unwrap().last_clean_offset;
    assert_eq!(
        checkpoint,
        Some(6),
        "cleaner-offset-checkpoint: the last cleaning ended at the active segment"
    );
    c.nodes.insert(2, recovered);
    c.drain(2);
    c.input(2, Input::Command(kafka_playground::engine::cluster::Command::start()));
    c.advance(1_000);
    c.assert_committed_prefixes_agree();
}

#[test]
fn a_tombstone_goes_once_delete_retention_ms_has_passed() {
    let mut c = Cluster::new(COMPACTED);
    history(&mut c);
    c.run_until(T0 + 15_000);
    // The cleaning at 15 s gave the tombstone's batch a delete horizon of 15 s + 20 s.
    // New writes make the log dirty enough again; the cleaning at 30 s keeps the
    // tombstone (before its horizon), the one at 45 s removes it.
    produce(&mut c, &[("k5", Some("v1")), ("k6", Some("v1")), ("k7", Some("v1")), ("k8", Some("v1"))]);
    c.run_until(T0 + 30_000);
    assert!(records(&c.nodes[&1]).contains(&(4, "k2".to_string(), None)));
    // (Enough new segments for the dirty part to reach half the log again.)
    let keys: Vec<String> = (9..18).map(|i| format!("k{i}")).collect();
    let batch: Vec<(&str, Option<&str>)> = keys.iter().map(|k| (k.as_str(), Some("v1"))).collect();
    produce(&mut c, &batch);
    c.run_until(T0 + 45_000);
    for id in 1..=3 {
        let held = records(&c.nodes[&id]);
        assert!(held.iter().all(|(_, k, _)| k != "k2"), "broker {id}: {held:?}");
        assert!(cleaned_on(&c, id).iter().flatten().any(|o| *o == 4), "broker {id}");
    }
}

#[test]
fn min_compaction_lag_and_the_dirty_ratio_hold_cleaning_back() {
    let mut lagged: Vec<(&str, &str)> = COMPACTED.to_vec();
    lagged.push(("min.compaction.lag.ms", "40000"));
    let mut c = Cluster::new(&lagged);
    history(&mut c);
    c.run_until(T0 + 30_000);
    assert!(cleaned_on(&c, 1).is_empty(), "every record is younger than 40 s");
    c.run_until(T0 + 45_000);
    assert_eq!(cleaned_on(&c, 1), vec![vec![0, 1, 2]]);

    // min.cleanable.dirty.ratio 0.9: after a first cleaning, one new dirty segment among
    // the clean ones is not enough.
    let mut strict: Vec<(&str, &str)> = COMPACTED.to_vec();
    strict.push(("min.cleanable.dirty.ratio", "0.9"));
    let mut c = Cluster::new(&strict);
    history(&mut c);
    c.run_until(T0 + 15_000);
    assert_eq!(cleaned_on(&c, 1).len(), 1, "all dirty: ratio 1.0");
    produce(&mut c, &[("k1", Some("v9")), ("k5", Some("v1"))]);
    c.run_until(T0 + 30_000);
    assert_eq!(cleaned_on(&c, 1).len(), 1, "one dirty segment of a few is below 0.9");
}

#[test]
fn the_active_segment_and_records_past_the_high_watermark_are_never_cleaned() {
    let mut c = Cluster::new(COMPACTED);
    // Followers cut off: the HW stays at 0 (both are in the ISR), so nothing is cleanable
    // even though every closed segment is dirty.
    c.isolated.extend([2, 3]);
    produce(&mut c, &[("k1", Some("v1")), ("k1", Some("v2")), ("k1", Some("v3"))]);
    c.run_until(T0 + 15_000);
    assert_eq!(c.view(1).high_watermark, 0);
    assert!(cleaned_on(&c, 1).is_empty());
    assert_eq!(records(&c.nodes[&1]).len(), 3);
}

#[test]
fn a_compacted_topic_refuses_a_record_without_a_key() {
    let mut c = Cluster::new(COMPACTED);
    let mut b = BatchBuilder::new(BatchOptions::default());
    b.append(c.now, None, Some(b"v"), &[]);
    let message = Message::ProduceRequest {
        correlation_id: 99,
        acks: Acks::Leader,
        timeout_ms: 30_000,
        partitions: vec![ProducePartition { tp: tp(), records: b.build().unwrap().into() }],
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    c.run();
    // Kafka's LogValidator.validateKey: INVALID_RECORD (87), nothing appended.
    assert_eq!(
        c.produce_answer(99),
        Some((Some(kafka_playground::engine::error::ErrorCode::InvalidRecord), -1))
    );
    assert_eq!(c.view(1).log_end_offset, 0);
}

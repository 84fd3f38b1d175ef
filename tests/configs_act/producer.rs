//! Producer configs, each changed from its default, act as the Java client documents.

use super::harness::*;
use kafka_playground::engine::client::producer::ProducerConfig;
use kafka_playground::engine::cluster::{ClusterEvent, Message};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::decode_batch;
use serde_json::{json, Value};

fn producer(name: &str, value: &str) -> Value {
    set(base(), &["clients", "0"], name, value)
}

fn acked(r: &Run) -> u32 {
    r.events()
        .iter()
        .map(|(_, _, e)| if let ClusterEvent::SendAcknowledged { records, .. } = e { *records } else { 0 })
        .sum()
}

fn retried(r: &Run) -> usize {
    r.count(|e| matches!(e, ClusterEvent::SendRetried { .. }))
}

fn failed(r: &Run) -> usize {
    r.count(|e| matches!(e, ClusterEvent::SendFailed { .. }))
}

/// The base with partition t-0's leader crashed at 4.9 s (before the first send).
fn leader_crashed(s: Value) -> Value {
    let mut s = s;
    step(&mut s, json!({ "at_ms": 4900, "crash": { "leader_of": { "topic": "t", "partition": 0 } } }));
    s
}

/// acks=0: the producer does not wait for the broker, so it learns no offset (-1).
#[test]
fn acks() {
    let offsets = |r: &Run| -> Vec<(i64, i16)> {
        r.events()
            .iter()
            .filter_map(|(_, _, e)| match e {
                ClusterEvent::SendAcknowledged { base_offset, acks, .. } => Some((*base_offset, *acks)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(offsets(&run(&base())), vec![(0, -1)]);
    assert_eq!(offsets(&run(&producer("acks", "0"))), vec![(-1, 0)]);
}

/// linger.ms: a record waits up to linger.ms for others before its batch is sent.
#[test]
fn linger_ms() {
    let first_produce = |r: &Run| r.delivered(P1, "Produce")[0].0;
    assert!(first_produce(&run(&base())) < 5100);
    assert!(first_produce(&run(&producer("linger.ms", "500"))) >= 5500);
}

/// batch.size: a batch holds at most batch.size bytes, so 10 records need several.
#[test]
fn batch_size() {
    let batches = |r: &Run| r.count(|e| matches!(e, ClusterEvent::SendAcknowledged { .. }));
    assert_eq!(batches(&run(&base())), 1);
    let small = run(&producer("batch.size", "100"));
    assert!(batches(&small) > 1);
    assert_eq!(acked(&small), 10);
}

/// compression.type: the batch written to the log carries the codec in its attributes
/// (bits 0–2: gzip = 1, zstd = 4) and its records still read back.
#[test]
fn compression_type() {
    let codec = |r: &Run| -> Vec<i16> {
        r.messages()
            .iter()
            .filter_map(|(_, from, _, m)| match m {
                Message::ProduceRequest { partitions, .. } if *from == P1 => Some(partitions.clone()),
                _ => None,
            })
            .flatten()
            .map(|p| {
                let batch = decode_batch(p.records.as_slice()).unwrap();
                assert_eq!(batch.records.len(), 10);
                batch.header.attributes & 7
            })
            .collect()
    };
    assert_eq!(codec(&run(&base())), vec![0]);
    assert_eq!(codec(&run(&producer("compression.type", "gzip"))), vec![1]);
    assert_eq!(codec(&run(&producer("compression.type", "zstd"))), vec![4]);
}

/// retries=0: a failed send is not retried; the default retries until delivery.timeout.ms.
#[test]
fn retries() {
    let default = run(&leader_crashed(base()));
    assert!(retried(&default) > 0);
    assert_eq!(acked(&default), 10, "retried at the new leader");
    let none = run(&leader_crashed(producer("retries", "0")));
    assert_eq!(retried(&none), 0);
    assert!(failed(&none) > 0);
    assert_eq!(acked(&none), 0);
}

/// Retries of the 9 s before the crashed leader is fenced.
fn early_retries(r: &Run) -> usize {
    r.events().iter().filter(|(t, _, e)| *t < 13_500 && matches!(e, ClusterEvent::SendRetried { .. })).count()
}

/// retry.backoff.ms: the wait before a retry; longer waits mean fewer retries.
#[test]
fn retry_backoff_ms() {
    let default = early_retries(&run(&leader_crashed(base())));
    let slow = early_retries(&run(&leader_crashed(producer("retry.backoff.ms", "2000"))));
    assert!(slow < default, "{slow} retries with 2000 ms, {default} with the default");
}

/// retry.backoff.max.ms: the cap of the exponential backoff; capped at 100 ms the retries
/// come more often than with the default 1000 ms cap.
#[test]
fn retry_backoff_max_ms() {
    let default = early_retries(&run(&leader_crashed(base())));
    let capped = early_retries(&run(&leader_crashed(producer("retry.backoff.max.ms", "100"))));
    assert!(capped > default, "{capped} retries capped at 100 ms, {default} with the default");
}

/// delivery.timeout.ms: a send not acknowledged by then fails (here before the crashed
/// leader is replaced); both runs use request.timeout.ms=1000.
#[test]
fn delivery_timeout_ms() {
    let s = set(leader_crashed(producer("request.timeout.ms", "1000")), &["clients", "0"], "linger.ms", "0");
    let default = run(&s);
    assert_eq!(acked(&default), 10);
    let short = run(&set(s, &["clients", "0"], "delivery.timeout.ms", "2000"));
    let failed_at = short.first(|e| matches!(e, ClusterEvent::SendFailed { .. })).unwrap();
    // Counted from the batch's creation, once the topic's metadata is in (Java's send()
    // blocks for it): a metadata request that went to the crashed broker costs one
    // retry.backoff.ms (100) plus a round trip first.
    assert!(failed_at <= 5000 + 2000 + 100 + 10, "failed at {failed_at}");
    assert_eq!(acked(&short), 0);
}

/// request.timeout.ms: a request unanswered by then (its leader is paused) fails with
/// REQUEST_TIMED_OUT and is retried.
#[test]
fn request_timeout_ms() {
    let paused = |s: Value| {
        let mut s = s;
        step(&mut s, json!({ "at_ms": 4900, "pause": { "node": 3 } }));
        step(&mut s, json!({ "at_ms": 20000, "resume": { "node": 3 } }));
        s["topics"][0]["replica_assignment"] = json!([[3, 1, 2]]);
        s
    };
    let timed_out = |r: &Run| {
        r.first(|e| matches!(e, ClusterEvent::SendRetried { error: ErrorCode::RequestTimedOut, .. }))
    };
    assert_eq!(timed_out(&run(&paused(base()))), None, "the default 30 s has not passed");
    let at = timed_out(&run(&paused(producer("request.timeout.ms", "1000")))).unwrap();
    assert!((6000..6200).contains(&at), "timed out at {at}");
}

/// enable.idempotence (default true): the producer asks for a producer id first
/// (InitProducerId) and its batches carry it; `false` sends none.
#[test]
fn enable_idempotence() {
    let r = run(&base());
    assert!(!r.delivered(P1, "InitProducerId").is_empty());
    assert_eq!(
        (r.state(P1)["producer_id"].as_i64(), r.state(P1)["producer_epoch"].as_i64()),
        (Some(0), Some(0))
    );
    let r = run(&producer("enable.idempotence", "false"));
    assert!(r.delivered(P1, "InitProducerId").is_empty());
    assert!(r.state(P1).get("producer_id").is_none());
    let e = ProducerConfig::from_pairs([("enable.idempotence", "true"), ("retries", "0")]).unwrap_err();
    assert_eq!(e.message, "Must set retries to non-zero when using the idempotent producer.");
}

/// max.in.flight.requests.per.connection: with 5 a leader gets several requests at once,
/// so 40 small batches are acknowledged sooner than with 1 (one round trip each).
#[test]
fn max_in_flight_requests_per_connection() {
    let many = |mut s: Value| {
        s = set(s, &["clients", "0"], "batch.size", "100");
        s = set(s, &["clients", "0"], "linger.ms", "0");
        s["steps"][0]["produce"]["count"] = json!(40);
        s
    };
    let last_ack = |r: &Run| {
        assert_eq!(acked(r), 40);
        r.events()
            .iter()
            .filter(|(_, _, e)| matches!(e, ClusterEvent::SendAcknowledged { .. }))
            .map(|(t, _, _)| *t)
            .max()
            .unwrap()
    };
    let five = last_ack(&run(&many(base())));
    let one =
        last_ack(&run(&many(set(base(), &["clients", "0"], "max.in.flight.requests.per.connection", "1"))));
    assert!(five < one, "5 in flight done at {five}, 1 in flight at {one}");
}

/// partitioner: which partition a key goes to (Java's murmur2 or a librdkafka hash).
#[test]
fn partitioner() {
    let placed = |s: Value| -> Vec<u64> {
        let mut s = s;
        s["topics"][0]["partitions"] = json!(6);
        s["steps"][0]["produce"]["count"] = json!(20);
        let r = run(&s);
        let acked = r.state(P1)["acknowledged"].as_array().unwrap().clone();
        assert_eq!(acked.len(), 20);
        acked.iter().map(|a| a["partition"].as_u64().unwrap()).collect()
    };
    assert_ne!(placed(base()), placed(producer("partitioner", "fnv1a")));
}

/// bootstrap.servers: the broker asked for metadata first.
#[test]
fn bootstrap_servers() {
    let first_asked = |r: &Run| r.delivered(P1, "Metadata")[0].1;
    assert_eq!(first_asked(&run(&base())), 1);
    assert_eq!(first_asked(&run(&producer("bootstrap.servers", "3"))), 3);
}

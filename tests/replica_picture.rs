//! The page's picture of a replica carries its newest records: whatever the log's size,
//! they are the last `RECORDS_PER_REPLICA` records a full read of the log gives (the
//! picture starts at the offset index's entry near the tail instead of decoding every
//! batch, and falls back to the segment's start where compaction left fewer records
//! than offsets).
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::log::detail::ReadFrom;
use kafka_playground::engine::replica::view::RECORDS_PER_REPLICA;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use serde_json::json;

/// A 3-broker cluster where `p1` writes 60 records (4 keys, 3 of a key per send) to topic `t` with `configs`
/// in sends of 3, one send every 300 ms.
const KEYS: [&str; 4] = ["a", "b", "c", "d"];

fn scenario(configs: serde_json::Value) -> String {
    let steps: Vec<serde_json::Value> = (0..20usize)
        .map(|n| json!({ "at_ms": 3000 + 300 * n, "produce": { "client": "p1", "topic": "t", "count": 3, "key": KEYS[n % 4], "value": "value-{i}" } }))
        .collect();
    json!({
        "version": 1, "name": "picture", "description": { "en": "picture" },
        "cluster": { "brokers": 3, "configs": { "log.cleaner.backoff.ms": "2000" } },
        "topics": [{ "name": "t", "partitions": 1, "replication_factor": 3, "configs": configs }],
        "clients": [{ "id": "p1", "type": "producer", "configs": { "acks": "all" } }],
        "steps": steps, "until_ms": 30000
    })
    .to_string()
}

fn check(file: &str, text: &str) -> usize {
    let s = Scenario::parse(text).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 5_000_000);
    let mut checked = 0;
    for (id, n) in sim.node_ids().into_iter().flat_map(|id| [1, 3, 8, RECORDS_PER_REPLICA].map(|n| (id, n))) {
        let Some(broker) = sim.live_node(id).and_then(|n| n.view().broker()) else { continue };
        for replica in broker.picture(n) {
            // Read the whole log as a consumer does: answer after answer to the end.
            let mut all = Vec::new();
            let mut from = replica.log_start_offset;
            while from < replica.high_watermark {
                let got =
                    broker.read_records(&replica.topic, replica.partition, ReadFrom::Offset(from), u32::MAX);
                let got = got.unwrap().unwrap();
                let Some(last) = got.last() else { break };
                from = last.offset + 1;
                all.extend(got);
            }
            // The full read stops at the high watermark; the picture goes to the log end.
            if replica.high_watermark != replica.log_end_offset {
                continue;
            }
            let tail: Vec<i64> = all.iter().rev().take(n).rev().map(|r| r.offset).collect();
            let pictured: Vec<i64> = replica.records.iter().map(|r| r.offset).collect();
            assert_eq!(
                pictured, tail,
                "{file}: broker {id} {}-{} tail {n}",
                replica.topic, replica.partition
            );
            let values: Vec<Option<String>> = all
                .iter()
                .rev()
                .take(n)
                .rev()
                .map(|r| r.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()))
                .collect();
            if !replica.topic.starts_with("__") {
                let pictured: Vec<Option<String>> = replica.records.iter().map(|r| r.value.clone()).collect();
                assert_eq!(
                    pictured, values,
                    "{file}: broker {id} {}-{} tail {n}",
                    replica.topic, replica.partition
                );
            }
            // Count the tails that span segments (the index walk's hard case).
            let tail = &all[all.len().saturating_sub(n)..];
            checked += usize::from(
                all.len() > n
                    && tail.first().map(|r| r.segment_base_offset)
                        != tail.last().map(|r| r.segment_base_offset),
            );
        }
    }
    checked
}

#[test]
fn picture_tail_equals_a_full_read_across_segments() {
    // Many small segments (segment.bytes 200), the tail spanning several of them.
    assert!(
        check("small segments", &scenario(json!({ "segment.bytes": "250", "index.interval.bytes": "1" })))
            > 0
    );
}

#[test]
fn picture_tail_equals_a_full_read_after_compaction() {
    // Cleaned segments hold fewer records than offsets.
    let configs = json!({ "segment.ms": "2500", "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01", "index.interval.bytes": "1" });
    assert!(check("compacted", &scenario(configs)) > 0);
}

#[test]
fn picture_tail_equals_a_full_read_in_one_long_segment() {
    // The lecture's records in one active segment (segment.bytes is Kafka's 1 GiB).
    assert!(
        check("one segment", &scenario(json!({ "index.interval.bytes": "1" }))) == 0,
        "one segment: no tail spans two"
    );
}

/// A record's producer fields come from its batch header as Kafka reads them: the
/// record's sequence is `baseSequence + offsetDelta`, wrapping past `Integer.MAX_VALUE`
/// (`DefaultRecord.sequence`, `DefaultRecordBatch.lastSequence`); a batch without a
/// producer id has none; the transactional and control bits are the attributes'.
#[test]
fn a_record_names_the_producer_and_sequence_its_batch_header_gives() {
    use kafka_playground::engine::record::{read_header, BatchBuilder, BatchOptions};
    use kafka_playground::engine::replica::view::RecordProducer;
    let options = BatchOptions {
        producer_id: 4000,
        producer_epoch: 3,
        base_sequence: i32::MAX - 1,
        is_transactional: true,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    for i in 0..4u8 {
        b.append(0, Some(&[i]), Some(b"v"), &[]);
    }
    let header = read_header(&b.build().unwrap()).unwrap();
    let sequences: Vec<i32> = (0..4).map(|d| RecordProducer::of(&header, d).unwrap().sequence).collect();
    assert_eq!(sequences, [i32::MAX - 1, i32::MAX, 0, 1]);
    let p = RecordProducer::of(&header, 0).unwrap();
    assert_eq!(
        (p.producer_id, p.producer_epoch, p.batch_base_sequence, p.batch_last_sequence),
        (4000, 3, i32::MAX - 1, 1)
    );
    assert!(p.transactional && !p.control);
    let mut plain = BatchBuilder::new(BatchOptions::default());
    plain.append(0, None, Some(b"v"), &[]);
    assert_eq!(RecordProducer::of(&read_header(&plain.build().unwrap()).unwrap(), 0), None);
}

/// Pictures cross from a broker's worker to the page in gloo-worker's bincode codec, which
/// has no field names: a record picture, with or without its producer, reads back as written.
#[test]
fn a_record_picture_crosses_to_the_page_in_bincode() {
    use kafka_playground::engine::replica::view::{RecordPicture, RecordProducer};
    let producer = RecordProducer {
        producer_id: 7,
        producer_epoch: 0,
        sequence: 3,
        batch_base_sequence: 2,
        batch_last_sequence: 4,
        transactional: false,
        control: false,
        marker: None,
    };
    let commit = RecordProducer {
        transactional: true,
        control: true,
        marker: Some(kafka_playground::engine::replica::view::TxnMarker::Commit),
        ..producer
    };
    for producer in [None, Some(producer), Some(commit)] {
        let r = RecordPicture { offset: 5, leader_epoch: 1, key: Some("k".into()), value: None, producer };
        let bytes = bincode::serialize(&r).unwrap();
        assert_eq!(bincode::deserialize::<RecordPicture>(&bytes).unwrap(), r);
    }
}

/// A control record's key names its marker (`ControlRecordType.parse`: version, type 0
/// ABORT, 1 COMMIT); other control types and short keys are no transaction marker.
#[test]
fn a_control_record_key_names_its_marker() {
    use kafka_playground::engine::replica::view::TxnMarker;
    use kafka_playground::engine::txn::marker::ControlRecordType;
    let key = |t: ControlRecordType| t.record_key().unwrap().to_vec();
    assert_eq!(TxnMarker::of_key(Some(&key(ControlRecordType::Commit))), Some(TxnMarker::Commit));
    assert_eq!(TxnMarker::of_key(Some(&key(ControlRecordType::Abort))), Some(TxnMarker::Abort));
    assert_eq!(TxnMarker::of_key(Some(&key(ControlRecordType::LeaderChange))), None);
    assert_eq!(TxnMarker::of_key(Some(&[0, 0, 0])), None);
    assert_eq!(TxnMarker::of_key(None), None);
    assert_eq!(TxnMarker::Commit.name(), "COMMIT");
    assert_eq!(TxnMarker::Abort.name(), "ABORT");
}

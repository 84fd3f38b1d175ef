//! A partition log with idempotent producers behaves as Kafka's `UnifiedLog`: a batch
//! equal to one of its producer's last five is not appended and is answered with the
//! original offsets; a gap or an old epoch is refused with Kafka's error and appends
//! nothing; followers take the state unchecked; truncation and restart rebuild it from
//! the latest snapshot and the log after it; snapshots are written at roll and deleted
//! with their segment. The snapshot byte layout is checked against the hand-made example
//! of `tests/vectors/snapshot_format.md`.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::log::producer_log::{from_hex, parse_snapshot_meta_name};
use kafka_playground::engine::log::producer_state::{read_snapshot, write_snapshot, ProducerStateEntry};
use kafka_playground::engine::log::*;
use kafka_playground::engine::record::*;
use kafka_playground::engine::store::StoreOp;
use kafka_playground::engine::topic::TopicConfig;
use std::collections::BTreeMap;

const PID: i64 = 4000;

/// A batch of `n` records from producer `PID` at `epoch`, first sequence `seq`.
fn batch(epoch: i16, seq: i32, n: u32) -> Vec<u8> {
    let options = BatchOptions {
        producer_id: PID,
        producer_epoch: epoch,
        base_sequence: seq,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    for i in 0..n {
        b.append(1_000 + i64::from(i), None, Some(format!("v{seq}-{i}").as_bytes()), &[]);
    }
    b.build().unwrap()
}

fn plain(n: u32) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions::default());
    (0..n).for_each(|_| b.append(1_000, None, Some(b"x"), &[]));
    b.build().unwrap()
}

fn log_with(config: TopicConfig) -> PartitionLog {
    PartitionLog::new(1, "t", 0, config, 0)
}

#[test]
fn a_duplicate_of_the_last_five_is_answered_with_the_original_offsets() {
    let mut log = log_with(TopicConfig::default());
    log.append_as_leader(0, &plain(3), 0).unwrap();
    let mut firsts = Vec::new();
    for i in 0..6 {
        let info = log.append_as_leader(0, &batch(0, i * 2, 2), 0).unwrap();
        firsts.push(info.first_offset);
    }
    let leo = log.log_end_offset();
    // Batches 1..=5 (sequences 2..=11) are the last five: each is a duplicate.
    for i in 1..6 {
        let again = log.append_as_leader(50, &batch(0, i * 2, 2), 0).unwrap();
        assert!(again.duplicate);
        assert_eq!((again.first_offset, again.last_offset), (firsts[i as usize], firsts[i as usize] + 1));
        assert_eq!(again.log_append_time_ms, 1_001, "the original batch's timestamp, as Kafka answers");
        assert_eq!(log.log_end_offset(), leo, "nothing appended");
    }
    // The sixth from last is forgotten: sequence 0 now is out of order.
    let old = log.append_as_leader(0, &batch(0, 0, 2), 0).unwrap_err();
    assert_eq!(old.code, ErrorCode::OutOfOrderSequenceNumber);
    assert!(old.to_string().contains("0 (incoming seq. number), 11 (current end sequence number)"), "{old}");
    // Same base sequence, different count: not a duplicate, out of order.
    assert_eq!(
        log.append_as_leader(0, &batch(0, 10, 3), 0).unwrap_err().code,
        ErrorCode::OutOfOrderSequenceNumber
    );
    let gap = log.append_as_leader(0, &batch(0, 13, 1), 0).unwrap_err();
    assert_eq!(gap.code, ErrorCode::OutOfOrderSequenceNumber);
    assert_eq!(log.log_end_offset(), leo, "a refused batch appends nothing");
    log.append_as_leader(0, &batch(0, 12, 1), 0).unwrap();
}

#[test]
fn epochs_fence_and_restart_sequences() {
    let mut log = log_with(TopicConfig::default());
    log.append_as_leader(0, &batch(1, 0, 1), 0).unwrap();
    log.append_as_leader(0, &batch(1, 1, 1), 0).unwrap();
    let fenced = log.append_as_leader(0, &batch(0, 2, 1), 0).unwrap_err();
    assert_eq!(fenced.code, ErrorCode::InvalidProducerEpoch);
    assert_eq!(
        fenced.to_string(),
        "INVALID_PRODUCER_EPOCH: Epoch of producer 4000 at offset 2 in t-0 is 0, which is smaller than the last seen epoch 1"
    );
    assert_eq!(
        log.append_as_leader(0, &batch(2, 5, 1), 0).unwrap_err().code,
        ErrorCode::OutOfOrderSequenceNumber
    );
    log.append_as_leader(0, &batch(2, 0, 1), 0).unwrap();
    assert_eq!(log.producer_state().last_entry(PID).unwrap().producer_epoch, 2);
    // A request of two partitions' worth of batches: one bad batch refuses them all.
    let mut two = batch(2, 1, 1);
    two.extend(batch(2, 9, 1));
    assert!(log.append_as_leader(0, &two, 0).is_err());
    assert_eq!(log.log_end_offset(), 3);
}

/// `LogValidator`: a batch with a producer id must carry a sequence.
#[test]
fn a_producer_id_without_sequence_is_an_invalid_record() {
    let mut log = log_with(TopicConfig::default());
    let err = log.append_as_leader(0, &batch(0, -1, 1), 0).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRecord);
    assert!(
        err.to_string().contains("Invalid sequence number -1 in record batch with producerId 4000"),
        "{err}"
    );
}

#[test]
fn followers_take_the_state_and_truncation_rebuilds_it() {
    let config = TopicConfig { segment_bytes: 180, ..TopicConfig::default() };
    let mut leader = log_with(config.clone());
    for seq in 0..8 {
        leader.append_as_leader(0, &batch(0, seq, 1), 0).unwrap();
    }
    assert!(leader.segments().len() > 2, "small segments rolled");
    let mut follower = PartitionLog::new(2, "t", 0, config, 0);
    let leo = leader.log_end_offset();
    while follower.log_end_offset() < leo {
        let data = leader.read(follower.log_end_offset(), u32::MAX, leo).unwrap();
        follower.append_as_follower(0, &data.records).unwrap();
    }
    let entry = |log: &PartitionLog| log.producer_state().last_entry(PID).cloned().unwrap();
    assert_eq!(entry(&follower), entry(&leader));
    assert_eq!(entry(&follower).last_seq(), 7);
    // Truncated to offset 5: the producer's last batch is sequence 4 again, its five
    // batches the ones below offset 5.
    follower.truncate_to(0, 5);
    let e = entry(&follower);
    assert_eq!((e.last_seq(), e.last_data_offset()), (4, 4));
    assert!(e.batch_with_sequence_range(4, 4).is_some());
    assert_eq!(follower.producer_state().map_end_offset(), 5);
    // As the new leader it accepts sequence 5 and answers 4 as a duplicate.
    assert!(follower.append_as_leader(0, &batch(0, 4, 1), 1).unwrap().duplicate);
    assert_eq!(follower.append_as_leader(0, &batch(0, 5, 1), 1).unwrap().first_offset, 5);
}

#[test]
fn snapshots_at_roll_survive_restart_and_go_with_their_segment() {
    let config = TopicConfig { segment_bytes: 180, ..TopicConfig::default() };
    let mut log = log_with(config.clone());
    let mut ops = Vec::new();
    for seq in 0..8 {
        log.append_as_leader(0, &batch(0, seq, 1), 0).unwrap();
        ops.extend(log.take_store_ops());
    }
    let mut meta: BTreeMap<String, String> = BTreeMap::new();
    let mut segments: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    for op in &ops {
        match op {
            StoreOp::PutMeta { name, value, .. } => {
                meta.insert(name.clone(), value.clone());
            }
            StoreOp::Append { segment, bytes, .. } => {
                segments.entry(segment.base_offset).or_default().extend_from_slice(bytes)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let bases: Vec<i64> = log.segments().iter().map(|s| s.base_offset).collect();
    let snapshot_offsets: Vec<i64> = meta.keys().map(|n| parse_snapshot_meta_name(n).unwrap().2).collect();
    assert_eq!(snapshot_offsets, bases[1..].to_vec(), "one snapshot per rolled segment, at its base offset");
    assert!(meta.keys().all(|n| n.starts_with("t-0/") && n.ends_with(".snapshot")));
    // Restart: the segments and snapshots from the store, the state rebuilt to the end.
    let stored = segments.into_iter().map(|(b, bytes)| (b as i64, bytes)).collect();
    let (mut recovered, _) = PartitionLog::recover(1, "t", 0, config, stored, None, 0);
    let snapshots =
        meta.iter().map(|(n, v)| (parse_snapshot_meta_name(n).unwrap().2, from_hex(v).unwrap())).collect();
    assert!(recovered.load_producer_state(snapshots, 0).is_empty());
    assert_eq!(recovered.producer_state().last_entry(PID).unwrap().last_seq(), 7);
    assert!(recovered.append_as_leader(0, &batch(0, 7, 1), 0).unwrap().duplicate);
    // Retention by DeleteRecords + the check: the deleted segments' snapshots go too.
    let second = bases[1];
    recovered.take_store_ops();
    recovered.maybe_increment_log_start_offset(bases[2], i64::MAX).unwrap();
    recovered.delete_old_segments_breached(0, i64::MAX);
    let deleted: Vec<String> = recovered
        .take_store_ops()
        .into_iter()
        .filter_map(|op| match op {
            StoreOp::DeleteMeta { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(deleted, vec![format!("t-0/{second:020}.snapshot")]);
}

/// A corrupt snapshot at restart is deleted and the state rebuilt from the log.
#[test]
fn a_corrupt_snapshot_is_deleted_and_the_log_replayed() {
    let config = TopicConfig { segment_bytes: 180, ..TopicConfig::default() };
    let mut log = log_with(config.clone());
    for seq in 0..8 {
        log.append_as_leader(0, &batch(0, seq, 1), 0).unwrap();
    }
    let stored: Vec<(i64, Vec<u8>)> =
        log.segments().iter().map(|s| (s.base_offset, s.log_bytes().to_vec())).collect();
    let offsets: Vec<i64> = log.producer_state().snapshot_offsets().collect();
    let (mut recovered, _) = PartitionLog::recover(1, "t", 0, config, stored, None, 0);
    let garbage = offsets.iter().map(|o| (*o, vec![0, 1, 0xde, 0xad])).collect();
    let corrupt = recovered.load_producer_state(garbage, 0);
    assert_eq!(corrupt.len(), offsets.len());
    assert_eq!(recovered.producer_state().last_entry(PID).unwrap().last_seq(), 7);
}

/// The hand-made example of tests/vectors/snapshot_format.md.
#[test]
fn snapshot_bytes_match_the_documented_example() {
    let doc = include_str!("vectors/snapshot_format.md");
    let hex: String = doc
        .split("```hex")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap()
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.split_whitespace())
        .collect();
    let bytes = from_hex(&hex).unwrap();
    let mut e = ProducerStateEntry::empty(1000);
    e.producer_epoch = 2;
    e.add_batch(2, 9, 41, 4, 1_700_000_000_000);
    let mut producers = BTreeMap::new();
    producers.insert(1000, e.clone());
    assert_eq!(write_snapshot(&producers), bytes);
    let read = read_snapshot(&bytes).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!((read[0].producer_epoch, read[0].last_seq(), read[0].first_seq()), (2, 9, 5));
    assert_eq!((read[0].first_data_offset(), read[0].last_data_offset()), (37, 41));
}

/// `DumpLogSegments.dumpProducerIdSnapshot`'s line for the documented example.

#[test]
fn dump_log_prints_a_snapshot_as_kafka_does() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fuzz_corpus/producer_snapshot/vector_example.snapshot"
    ))
    .unwrap();
    let (text, problems) =
        kafka_playground::cli::dump::dump_producer_snapshot("00000000000000000042.snapshot", &bytes);
    assert!(problems.is_empty());
    assert_eq!(
        text.lines().nth(1).unwrap(),
        "producerId: 1000 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty \
         lastTimestamp: 1700000000000 firstSequence: 5 lastSequence: 9 lastOffset: 41 offsetDelta: 4 \
         timestamp: 1700000000000"
    );
    let (_, problems) = kafka_playground::cli::dump::dump_producer_snapshot("x.snapshot", &bytes[..20]);
    assert!(problems[0].starts_with("Snapshot failed schema validation"), "{problems:?}");
}

/// `producer.id.expiration.ms` and `producer.id.expiration.check.interval.ms` act: a
/// producer idle past the first is forgotten at the next check (run by the retention
/// task's timer, every 10 s here), not before the second has passed.
#[test]
fn producer_id_expiration_forgets_idle_producers_at_the_check() {
    use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition, TopicPartition};
    use kafka_playground::engine::cluster::Envelope;
    use kafka_playground::sim::cluster_world::build_sim;
    use kafka_playground::sim::scenario::Scenario;
    let producers_left = |configs: serde_json::Value| {
        let text = serde_json::json!({
            "version": 1,
            "name": "expiration",
            "cluster": {"brokers": 1, "configs": configs},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 1}],
            "clients": [],
            "steps": [],
            "until_ms": 30_000,
        });
        let s = Scenario::parse(&text.to_string()).unwrap();
        let mut sim = build_sim(&s, 1).unwrap();
        let message = Message::ProduceRequest {
            correlation_id: 1,
            acks: Acks::Leader,
            timeout_ms: 30_000,
            partitions: vec![ProducePartition {
                tp: TopicPartition::new("t", 0),
                records: batch(0, 0, 1).into(),
            }],
        };
        sim.send_at(4_000, Envelope { from: 9_999, to: 1, message });
        sim.run_until(s.until_ms, 10_000_000);
        let broker = sim.node(1).and_then(|n| n.view().broker()).unwrap();
        broker.partition("t", 0).unwrap().log.producer_state().active_producers().len()
    };
    assert_eq!(producers_left(serde_json::json!({})), 1, "a day by default");
    let expire = |interval: &str| serde_json::json!({"producer.id.expiration.ms": "5000", "producer.id.expiration.check.interval.ms": interval});
    assert_eq!(producers_left(expire("1000")), 0, "idle since 1 s (its batch's timestamp): gone at 10 s");
    assert_eq!(producers_left(expire("100000")), 1, "no check due before 100 s");
}

/// End to end through the store: a broker writes a snapshot at each roll as a metadata
/// document, crashes, recovers its producer state from the store, and still answers a
/// retried batch as the duplicate it is (the duplicate checker sees no second copy).
#[test]
fn a_restarted_broker_still_knows_its_producers_last_batches() {
    use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition, TopicPartition};
    use kafka_playground::engine::cluster::Envelope;
    use kafka_playground::sim::cluster_world::build_sim;
    use kafka_playground::sim::scenario::Scenario;
    let text = serde_json::json!({
        "version": 1,
        "name": "restart",
        "cluster": {"brokers": 1},
        "topics": [{"name": "t", "partitions": 1, "replication_factor": 1, "configs": {"segment.bytes": "100"}}],
        "clients": [],
        "steps": [{"at_ms": 6_000, "crash": {"broker": 1}}, {"at_ms": 7_000, "restart": {"broker": 1}}],
        "until_ms": 20_000,
    });
    let s = Scenario::parse(&text.to_string()).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    let send = |sim: &mut kafka_playground::sim::Sim, at_ms: i64, seq: i32| {
        let message = Message::ProduceRequest {
            correlation_id: at_ms as u64,
            acks: Acks::Leader,
            timeout_ms: 30_000,
            partitions: vec![ProducePartition {
                tp: TopicPartition::new("t", 0),
                records: batch(0, seq, 1).into(),
            }],
        };
        sim.send_at(at_ms, Envelope { from: 9_999, to: 1, message });
    };
    for (i, seq) in [0, 1, 2].into_iter().enumerate() {
        send(&mut sim, 4_000 + 300 * i as i64, seq);
    }
    send(&mut sim, 12_000, 2);
    send(&mut sim, 12_500, 1);
    send(&mut sim, 13_000, 3);
    sim.run_until(s.until_ms, 10_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let snapshots: Vec<String> = sim.store(1).unwrap().meta_of(1).into_iter().map(|(n, _)| n).collect();
    assert!(snapshots.iter().any(|n| n.starts_with("t-0/") && n.ends_with(".snapshot")), "{snapshots:?}");
    let broker = sim.node(1).and_then(|n| n.view().broker()).unwrap();
    let log = &broker.partition("t", 0).unwrap().log;
    assert_eq!(log.log_end_offset(), 4, "the retries appended nothing, the next batch is in");
    assert_eq!(log.producer_state().last_entry(PID).unwrap().last_seq(), 3);
    let sequences: Vec<i32> = log
        .segments()
        .iter()
        .flat_map(|seg| seg.batches_from(0).flatten().map(|v| v.header.base_sequence).collect::<Vec<_>>())
        .collect();
    assert_eq!(sequences, vec![0, 1, 2, 3]);
}

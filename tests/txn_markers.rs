//! The partition leader's side of transactions, driven with raw messages on three
//! brokers (the replication tests' harness): transactional produce batches, then
//! WriteTxnMarkers (`KafkaApis.handleWriteTxnMarkersRequest`: appended with acks=-1 and
//! `AppendOrigin.COORDINATOR`, answered per producer once the HW passes the markers),
//! then read_committed fetches and ListOffsets as `ReplicaManagerTest`
//! (`testReadCommittedFetchLimitedAtLSO`, `testDelayedFetchIncludesAbortedTransactions`)
//! and `UnifiedLog.read` with `TXN_COMMITTED` answer them, the consumer's filter
//! (`CompletedFetch.nextFetchedRecord`) over the answer, the errors Kafka gives per
//! partition, and a restarted follower's `.txnindex` rebuilt identically.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::messages::Acks;
use kafka_playground::engine::cluster::messages::{
    AbortedTransaction, FetchPartition, FetchedPartition, IsolationLevel, Message, ProducePartition,
    TopicPartition, TxnPartitionResult, WritableTxnMarker, WritableTxnMarkerResult,
};
use kafka_playground::engine::cluster::{Envelope, Input};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::{decode_batch, split_batches, BatchBuilder, BatchOptions};
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use kafka_playground::engine::txn::read_committed::{filter_batches, BatchVerdict, FetchedBatch};
use kafka_playground::engine::txn::txn_index::AbortedTxn;
use replication_cluster::{tp, Cluster, CLIENT};

/// A transactional batch of `values` from producer `pid` (epoch 0), first sequence `seq`.
fn produce_txn(c: &mut Cluster, pid: i64, seq: i32, values: &[&str]) -> u64 {
    let options = BatchOptions {
        is_transactional: true,
        producer_id: pid,
        producer_epoch: 0,
        base_sequence: seq,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    values.iter().for_each(|v| b.append(c.now, Some(b"k"), Some(v.as_bytes()), &[]));
    c.next_correlation_id += 1;
    let correlation_id = c.next_correlation_id;
    let partitions = vec![ProducePartition { tp: tp(), records: b.build().unwrap().into() }];
    let message =
        Message::ProduceRequest { correlation_id, acks: Acks::Leader, timeout_ms: 30_000, partitions };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    c.run();
    assert_eq!(c.produce_answer(correlation_id).unwrap().0, None);
    correlation_id
}

fn marker(
    pid: i64,
    epoch: i16,
    committed: bool,
    coordinator_epoch: i32,
    partitions: Vec<TopicPartition>,
) -> WritableTxnMarker {
    WritableTxnMarker { producer_id: pid, producer_epoch: epoch, committed, partitions, coordinator_epoch }
}

fn write_markers(c: &mut Cluster, to: u32, markers: Vec<WritableTxnMarker>) -> u64 {
    c.next_correlation_id += 1;
    let correlation_id = c.next_correlation_id;
    let message = Message::WriteTxnMarkersRequest { correlation_id, markers };
    c.queue.push_back(Envelope { from: CLIENT, to, message });
    correlation_id
}

fn markers_answer(c: &Cluster, correlation: u64) -> Option<Vec<WritableTxnMarkerResult>> {
    c.client_inbox.iter().find_map(|e| match &e.message {
        Message::WriteTxnMarkersResponse { correlation_id, markers } if *correlation_id == correlation => {
            Some(markers.clone())
        }
        _ => None,
    })
}

fn fetch(c: &mut Cluster, level: IsolationLevel, fetch_offset: i64) -> FetchedPartition {
    c.next_correlation_id += 1;
    let correlation = c.next_correlation_id;
    let partitions = vec![FetchPartition {
        tp: tp(),
        fetch_offset,
        last_fetched_epoch: -1,
        current_leader_epoch: -1,
        log_start_offset: -1,
    }];
    let message = Message::FetchRequest {
        correlation_id: correlation,
        replica_id: None,
        max_wait_ms: 0,
        max_bytes: 1 << 20,
        partitions,
        isolation_level: level,
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    c.run();
    c.client_inbox
        .iter()
        .find_map(|e| match &e.message {
            Message::FetchResponse { correlation_id, partitions } if *correlation_id == correlation => {
                Some(partitions[0].clone())
            }
            _ => None,
        })
        .unwrap()
}

fn latest(c: &mut Cluster, level: IsolationLevel) -> i64 {
    c.next_correlation_id += 1;
    let correlation = c.next_correlation_id;
    let message = Message::ListOffsetsRequest {
        correlation_id: correlation,
        tp: tp(),
        timestamp_ms: -1,
        isolation_level: level,
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    c.run();
    c.client_inbox
        .iter()
        .find_map(|e| match &e.message {
            Message::ListOffsetsResponse { correlation_id, offset, error: None, .. }
                if *correlation_id == correlation =>
            {
                Some(*offset)
            }
            _ => None,
        })
        .unwrap()
}

/// The values the consumer's filter delivers from a fetch answer.
fn delivered(answer: &FetchedPartition, level: IsolationLevel) -> Vec<String> {
    let views: Vec<_> = split_batches(&answer.records).map(|v| v.unwrap()).collect();
    let batches: Vec<FetchedBatch> =
        views.iter().map(|v| FetchedBatch::from_bytes(v.bytes).unwrap()).collect();
    let aborted = answer.aborted_transactions.clone().unwrap_or_default();
    let verdicts = filter_batches(level, &batches, &aborted);
    let mut out = Vec::new();
    for (v, verdict) in views.iter().zip(verdicts) {
        if verdict == BatchVerdict::Deliver {
            for r in decode_batch(v.bytes).unwrap().records {
                out.push(String::from_utf8(r.value.unwrap()).unwrap());
            }
        }
    }
    out
}

fn txn_index_files(node: &BrokerNode) -> Vec<(String, Vec<u8>)> {
    let p = node.partition("t", 0).unwrap();
    p.log.segments().iter().map(|s| s.files()).map(|f| (f.txn_index_name, f.txn_index)).collect()
}

/// Offsets 0–1 pid 7 [a b], 2 pid 8 [c], 3 pid 7 [d]; markers: 4 pid 7 ABORT, 5 pid 8
/// COMMIT; 6 pid 9 [e] left open; 7 a plain [f].
fn transactions() -> Cluster {
    let mut c = Cluster::new(&[("min.insync.replicas", "2")]);
    produce_txn(&mut c, 7, 0, &["a", "b"]);
    produce_txn(&mut c, 8, 0, &["c"]);
    produce_txn(&mut c, 7, 2, &["d"]);
    c.advance(2_000);
    let corr =
        write_markers(&mut c, 1, vec![marker(7, 0, false, 3, vec![tp()]), marker(8, 0, true, 3, vec![tp()])]);
    c.step(c.now);
    assert_eq!(c.view(1).log_end_offset, 6, "both markers appended at once");
    assert_eq!(markers_answer(&c, corr), None, "held until the high watermark passes them (acks=-1)");
    c.advance(2_000);
    let ok = |pid| WritableTxnMarkerResult {
        producer_id: pid,
        partitions: vec![TxnPartitionResult { tp: tp(), error: None }],
    };
    assert_eq!(markers_answer(&c, corr), Some(vec![ok(7), ok(8)]));
    produce_txn(&mut c, 9, 0, &["e"]);
    c.produce(1, Acks::Leader, &["f"]);
    c.advance(2_000);
    c
}

#[test]
fn read_committed_reads_committed_records_below_the_lso_with_the_aborted_list() {
    let mut c = transactions();
    assert_eq!((c.view(1).log_end_offset, c.view(1).high_watermark), (8, 8));
    let committed = fetch(&mut c, IsolationLevel::ReadCommitted, 0);
    assert_eq!(committed.last_stable_offset, 6, "pid 9's open transaction");
    assert_eq!(
        committed.aborted_transactions,
        Some(vec![AbortedTransaction { producer_id: 7, first_offset: 0 }])
    );
    let last = split_batches(&committed.records).map(|v| v.unwrap().header.last_offset()).max();
    assert_eq!(last, Some(5), "whole batches below the LSO");
    assert_eq!(delivered(&committed, IsolationLevel::ReadCommitted), vec!["c"]);
    let uncommitted = fetch(&mut c, IsolationLevel::ReadUncommitted, 0);
    assert_eq!(uncommitted.aborted_transactions, None);
    assert_eq!(delivered(&uncommitted, IsolationLevel::ReadUncommitted), vec!["a", "b", "c", "d", "e", "f"]);
    // A fetch past the aborted transaction's marker: nothing overlaps, an empty list.
    assert_eq!(fetch(&mut c, IsolationLevel::ReadCommitted, 5).aborted_transactions, Some(vec![]));
    // `Partition.fetchOffsetForTimestamp`: latest is the LSO under read_committed.
    assert_eq!(latest(&mut c, IsolationLevel::ReadCommitted), 6);
    assert_eq!(latest(&mut c, IsolationLevel::ReadUncommitted), 8);
    // The leader's and the followers' `.txnindex`: pid 7, first 0, marker 4, LSO 2 (pid
    // 8's transaction was open when the ABORT was written), Kafka's 34-byte layout.
    let entry = AbortedTxn::new(7, 0, 4, 2).to_bytes().to_vec();
    assert_eq!(&entry[..10], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    for id in 1..=3 {
        assert_eq!(
            txn_index_files(&c.nodes[&id]),
            vec![("00000000000000000000.txnindex".to_string(), entry.clone())],
            "broker {id}"
        );
    } // `kafka-dump-log.sh`'s words for it (`DumpLogSegments.dumpTxnIndex`).
    let (text, problems) =
        kafka_playground::cli::dump::dump_txn_index("00000000000000000000.txnindex", &entry);
    assert!(problems.is_empty());
    assert_eq!(
        text,
        "Dumping 00000000000000000000.txnindex\nversion: 0 producerId: 7 firstOffset: 0 lastOffset: 4 lastStableOffset: 2\n"
    );
}

/// `testReadCommittedFetchLimitedAtLSO`: an open transaction holds the LSO at its first
/// offset (an empty read with an empty aborted list), the commit marker releases it once
/// replicated.
#[test]
fn read_committed_fetch_limited_at_lso() {
    let mut c = Cluster::new(&[]);
    for seq in 0..3 {
        produce_txn(&mut c, 234, seq, &[&format!("message {seq}")]);
    }
    c.advance(2_000);
    let held = fetch(&mut c, IsolationLevel::ReadCommitted, 0);
    assert!(held.records.is_empty());
    assert_eq!((held.last_stable_offset, held.aborted_transactions), (0, Some(vec![])));
    let corr = write_markers(&mut c, 1, vec![marker(234, 0, true, 0, vec![tp()])]);
    c.advance(2_000);
    assert!(markers_answer(&c, corr).is_some());
    let all = fetch(&mut c, IsolationLevel::ReadCommitted, 0);
    assert_eq!((all.last_stable_offset, all.aborted_transactions.clone()), (4, Some(vec![])));
    assert_eq!(split_batches(&all.records).count(), 4);
    assert_eq!(delivered(&all, IsolationLevel::ReadCommitted), vec!["message 0", "message 1", "message 2"]);
}

/// The errors Kafka answers per partition: no replica here, a follower, a zombie
/// coordinator (`TRANSACTION_COORDINATOR_FENCED`), an old producer epoch
/// (`INVALID_PRODUCER_EPOCH`); and no markers at all, an empty answer at once.
#[test]
fn marker_errors_per_partition() {
    let mut c = transactions();
    let unknown = TopicPartition::new("nope", 0);
    let corr = write_markers(&mut c, 1, vec![marker(7, 0, false, 2, vec![tp(), unknown.clone()])]);
    c.advance(2_000);
    let result = |error| {
        vec![WritableTxnMarkerResult {
            producer_id: 7,
            partitions: vec![
                TxnPartitionResult { tp: tp(), error },
                TxnPartitionResult { tp: unknown.clone(), error: Some(ErrorCode::UnknownTopicOrPartition) },
            ],
        }]
    };
    assert_eq!(markers_answer(&c, corr), Some(result(Some(ErrorCode::TransactionCoordinatorFenced))));
    let corr = write_markers(&mut c, 2, vec![marker(9, 0, false, 3, vec![tp()])]);
    c.run();
    let follower = vec![WritableTxnMarkerResult {
        producer_id: 9,
        partitions: vec![TxnPartitionResult { tp: tp(), error: Some(ErrorCode::NotLeaderOrFollower) }],
    }];
    assert_eq!(markers_answer(&c, corr), Some(follower));
    let corr = write_markers(&mut c, 1, vec![marker(7, -1, false, 3, vec![tp()])]);
    c.run();
    assert_eq!(
        markers_answer(&c, corr).unwrap()[0].partitions[0].error,
        Some(ErrorCode::InvalidProducerEpoch)
    );
    let corr = write_markers(&mut c, 1, vec![]);
    c.run();
    assert_eq!(markers_answer(&c, corr), Some(vec![]));
    assert_eq!(c.view(1).log_end_offset, 8, "nothing appended for a refused marker");
    // pid 9's ABORT from the current coordinator goes through.
    let corr = write_markers(&mut c, 1, vec![marker(9, 0, false, 3, vec![tp()])]);
    c.advance(2_000);
    assert_eq!(markers_answer(&c, corr).unwrap()[0].partitions[0].error, None);
    assert_eq!(latest(&mut c, IsolationLevel::ReadCommitted), 9);
    let committed = fetch(&mut c, IsolationLevel::ReadCommitted, 0);
    assert_eq!(
        committed.aborted_transactions,
        Some(vec![
            AbortedTransaction { producer_id: 7, first_offset: 0 },
            AbortedTransaction { producer_id: 9, first_offset: 6 }
        ])
    );
    assert_eq!(delivered(&committed, IsolationLevel::ReadCommitted), vec!["c", "f"]);
    // A partition listed twice in one marker is written once (Kafka keys them in a map).
    let leo = c.view(1).log_end_offset;
    let corr = write_markers(&mut c, 1, vec![marker(8, 0, true, 3, vec![tp(), tp()])]);
    c.advance(2_000);
    assert_eq!(c.view(1).log_end_offset, leo + 1);
    assert_eq!(markers_answer(&c, corr).unwrap()[0].partitions.len(), 1);
}

/// A markers request waiting for the ISR answers `REQUEST_TIMED_OUT` at the broker's
/// `request.timeout.ms` (30 s), as a DelayedProduce expires.
#[test]
fn markers_time_out_without_the_isr() {
    let mut c = Cluster::new(&[]);
    produce_txn(&mut c, 5, 0, &["x"]);
    c.advance(2_000);
    c.isolated.extend([2, 3]);
    let corr = write_markers(&mut c, 1, vec![marker(5, 0, true, 0, vec![tp()])]);
    c.advance(29_000);
    assert_eq!(markers_answer(&c, corr), None);
    c.advance(2_000);
    assert_eq!(markers_answer(&c, corr).unwrap()[0].partitions[0].error, Some(ErrorCode::RequestTimedOut));
}

/// A follower restarted from its store rebuilds the same `.txnindex`.
#[test]
fn a_restart_rebuilds_the_txn_index_identically() {
    let mut c = transactions();
    let before = txn_index_files(&c.nodes[&3]);
    assert!(!before[0].1.is_empty());
    c.nodes.remove(&3);
    c.timers.retain(|(id, _), _| *id != 3);
    let store = &c.stores[&3];
    let segments = store
        .segment_ids(3)
        .into_iter()
        .map(|id| (id.clone(), store.segment_bytes(&id).unwrap().to_vec()))
        .collect();
    let recovered = BrokerNode::recover(3, BrokerConfig::default(), segments, store.meta_of(3), c.now);
    assert_eq!(txn_index_files(&recovered), before);
    c.nodes.insert(3, recovered);
    c.drain(3);
    c.input(3, Input::Command(Command::start()));
    c.advance(5_000);
    assert_eq!(txn_index_files(&c.nodes[&3]), txn_index_files(&c.nodes[&1]));
}

/// The leader's segment after [`transactions`] is the vector kafka-python reads
/// (`tests/kafka_python/txn_segment.py`): the `.log` with transactional and control
/// batches and its `.txnindex`, byte for byte. `KP_WRITE_VECTORS=1` rewrites them.
#[test]
fn the_leader_segment_is_the_kafka_python_vector() {
    let c = transactions();
    let p = c.nodes[&1].partition("t", 0).unwrap();
    let [segment] = p.log.segments() else { panic!("one segment") };
    let files = segment.files();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/txn_segment");
    for (name, bytes) in [(&files.log_name, &files.log), (&files.txn_index_name, &files.txn_index)] {
        let path = format!("{dir}/{name}");
        if std::env::var("KP_WRITE_VECTORS").is_ok_and(|v| v == "1") {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
        assert_eq!(&std::fs::read(&path).unwrap(), bytes, "{path}");
    }
}

/// After `testDelayedFetchIncludesAbortedTransactions`: a read_committed fetch with
/// nothing below the LSO waits (`DelayedFetch` with `FetchIsolation.TXN_COMMITTED`), and
/// when the ABORT marker is replicated it completes with the records and the aborted
/// transaction.
#[test]
fn delayed_fetch_includes_aborted_transactions() {
    let mut c = Cluster::new(&[]);
    for seq in 0..3 {
        produce_txn(&mut c, 234, seq, &[&format!("message {seq}")]);
    }
    c.advance(2_000);
    c.next_correlation_id += 1;
    let correlation = c.next_correlation_id;
    let partitions = vec![FetchPartition {
        tp: tp(),
        fetch_offset: 0,
        last_fetched_epoch: -1,
        current_leader_epoch: -1,
        log_start_offset: -1,
    }];
    let message = Message::FetchRequest {
        correlation_id: correlation,
        replica_id: None,
        max_wait_ms: 10_000,
        max_bytes: 1 << 20,
        partitions,
        isolation_level: IsolationLevel::ReadCommitted,
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    let answer = |c: &Cluster| {
        c.client_inbox.iter().find_map(|e| match &e.message {
            Message::FetchResponse { correlation_id, partitions } if *correlation_id == correlation => {
                Some(partitions[0].clone())
            }
            _ => None,
        })
    };
    c.advance(1_000);
    assert!(answer(&c).is_none(), "held: the LSO is stuck at the open transaction's first offset");
    write_markers(&mut c, 1, vec![marker(234, 0, false, 0, vec![tp()])]);
    c.advance(1_000);
    let fetched = answer(&c).expect("completed once the LSO moved");
    assert_eq!(fetched.last_stable_offset, 4);
    assert_eq!(
        fetched.aborted_transactions,
        Some(vec![AbortedTransaction { producer_id: 234, first_offset: 0 }])
    );
    assert_eq!(split_batches(&fetched.records).count(), 4);
    assert!(delivered(&fetched, IsolationLevel::ReadCommitted).is_empty());
}

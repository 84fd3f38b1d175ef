//! The consumer's read_committed fetches, ported from the Java client's `FetcherTest`:
//! `testFetcherIgnoresControlRecords`, `testSkippingAbortedTransactions`,
//! `testReturnCommittedTransactions`, `testReadCommittedWithCommittedAndAbortedTransactions`,
//! `testMultipleAbortMarkers`, `testReadCommittedAbortMarkerWithNoData`,
//! `testReturnAbortedTransactionsInUncommittedMode` and
//! `testConsumerPositionUpdatedWhenSkippingAbortedTransactions`. Batches are built as the
//! test's helpers build them (a transactional batch's base sequence is its base offset,
//! markers with coordinator epoch 0).

use super::super::{ConsumerConfig, ConsumerNode, PartitionPosition, Subscription};
use crate::engine::cluster::messages::{FetchedPartition, IsolationLevel, TopicPartition};
use crate::engine::cluster::txn_parts::AbortedTransaction;
use crate::engine::record::{decode_batch, split_batches, BatchBuilder, BatchOptions, MemoryRecords};
use crate::engine::txn::marker::{end_txn_marker_batch, ControlRecordType, EndTransactionMarker};

fn txn(pid: i64, base_offset: i64, keys: &[&str]) -> Vec<u8> {
    let options = BatchOptions {
        base_offset,
        is_transactional: true,
        producer_id: pid,
        producer_epoch: 0,
        base_sequence: base_offset as i32,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    keys.iter().for_each(|k| b.append(0, Some(k.as_bytes()), Some(b"value"), &[]));
    b.build().unwrap()
}

fn end(pid: i64, base_offset: i64, kind: ControlRecordType) -> Vec<u8> {
    let m = EndTransactionMarker::new(kind, 0).unwrap();
    end_txn_marker_batch(base_offset, 0, 0, pid, 0, &m).unwrap()
}

fn tp() -> TopicPartition {
    TopicPartition::new("t", 0)
}

fn consumer(level: IsolationLevel) -> ConsumerNode {
    let config = ConsumerConfig { isolation_level: level, ..ConsumerConfig::default() };
    let mut c = ConsumerNode::new(1, config, Subscription::None);
    let p = PartitionPosition { position: Some(0), ..PartitionPosition::default() };
    c.assigned.insert(tp(), p);
    c
}

/// What `fetchRecords` returns after one fetch response: the records' keys, and the
/// position.
fn fetch(level: IsolationLevel, batches: &[Vec<u8>], aborted: &[(i64, i64)]) -> (Vec<String>, i64) {
    let mut c = consumer(level);
    let records = MemoryRecords::from(batches.concat());
    let aborted_transactions = (level == IsolationLevel::ReadCommitted).then(|| {
        aborted
            .iter()
            .map(|(producer_id, first_offset)| AbortedTransaction {
                producer_id: *producer_id,
                first_offset: *first_offset,
            })
            .collect()
    });
    c.take_fetched(FetchedPartition {
        tp: tp(),
        error: None,
        high_watermark: 100,
        last_stable_offset: 100,
        log_start_offset: 0,
        diverging_epoch: None,
        records: records.clone(),
        aborted_transactions,
    });
    c.poll();
    let offsets: Vec<i64> = c.processing.iter().map(|(_, o)| *o).collect();
    let mut keys = Vec::new();
    for view in split_batches(&records).flatten() {
        for r in decode_batch(view.bytes).unwrap().records {
            if offsets.contains(&r.offset) && !view.header.is_control_batch() {
                keys.push(String::from_utf8(r.key.unwrap()).unwrap());
            }
        }
    }
    (keys, c.assigned[&tp()].position.unwrap())
}

use IsolationLevel::{ReadCommitted, ReadUncommitted};

#[test]
fn fetcher_ignores_control_records() {
    // An idempotent (not transactional) record, then an ABORT marker.
    let mut b = BatchBuilder::new(BatchOptions {
        producer_id: 1,
        producer_epoch: 0,
        base_sequence: 0,
        ..BatchOptions::default()
    });
    b.append(0, Some(b"key"), None, &[]);
    let batches = [b.build().unwrap(), end(1, 1, ControlRecordType::Abort)];
    assert_eq!(fetch(ReadUncommitted, &batches, &[]), (vec!["key".to_string()], 2));
}

#[test]
fn skipping_aborted_transactions_advances_the_position() {
    // testSkippingAbortedTransactions, testConsumerPositionUpdatedWhenSkippingAbortedTransactions.
    let batches = [txn(1, 0, &["abort1-1", "abort1-2"]), end(1, 2, ControlRecordType::Abort)];
    assert_eq!(fetch(ReadCommitted, &batches, &[(1, 0)]), (vec![], 3));
}

#[test]
fn return_committed_transactions() {
    let batches = [txn(1, 0, &["key", "key"]), end(1, 2, ControlRecordType::Commit)];
    let (keys, position) = fetch(ReadCommitted, &batches, &[]);
    assert_eq!(keys.len(), 2);
    assert_eq!(position, 3, "past the COMMIT marker (nextFetchOffset)");
}

#[test]
fn read_committed_with_committed_and_aborted_transactions() {
    let batches = [
        txn(1, 0, &["commit1-1", "commit1-2"]),
        txn(2, 2, &["abort2-1"]),
        end(1, 3, ControlRecordType::Commit),
        txn(2, 4, &["abort2-2"]),
        end(2, 5, ControlRecordType::Abort),
        txn(1, 6, &["abort1-1"]),
        txn(2, 7, &["commit2-1"]),
        txn(1, 8, &["abort1-2"]),
        end(1, 9, ControlRecordType::Abort),
        end(2, 10, ControlRecordType::Commit),
    ];
    let (keys, position) = fetch(ReadCommitted, &batches, &[(2, 2), (1, 6)]);
    assert_eq!(keys, vec!["commit1-1", "commit1-2", "commit2-1"]);
    assert_eq!(position, 11);
}

#[test]
fn multiple_abort_markers() {
    let batches = [
        txn(1, 0, &["abort1-1", "abort1-2"]),
        end(1, 2, ControlRecordType::Abort),
        end(1, 3, ControlRecordType::Abort),
        txn(1, 4, &["commit1-1", "commit1-2"]),
        end(1, 6, ControlRecordType::Commit),
    ];
    assert_eq!(fetch(ReadCommitted, &batches, &[(1, 0)]).0, vec!["commit1-1", "commit1-2"]);
}

#[test]
fn read_committed_abort_marker_with_no_data() {
    let batches = [
        end(1, 5, ControlRecordType::Abort),
        txn(1, 6, &["6", "7", "8"]),
        end(1, 9, ControlRecordType::Commit),
    ];
    assert_eq!(fetch(ReadCommitted, &batches, &[(1, 0)]).0, vec!["6", "7", "8"]);
}

#[test]
fn return_aborted_transactions_in_uncommitted_mode() {
    let batches = [txn(1, 0, &["abort1-1", "abort1-2"]), end(1, 2, ControlRecordType::Abort)];
    assert_eq!(fetch(ReadUncommitted, &batches, &[(1, 0)]), (vec!["abort1-1".into(), "abort1-2".into()], 3));
}

/// `SubscriptionState.partitionLag`: a read_committed consumer's lag is the LSO minus its
/// position, a read_uncommitted one's the HW minus its position.
#[test]
fn lag_is_measured_against_the_last_stable_offset_under_read_committed() {
    use crate::engine::cluster::{ClusterEvent, Output};
    for (level, expected) in [(IsolationLevel::ReadCommitted, 40), (IsolationLevel::ReadUncommitted, 100)] {
        let mut c = consumer(level);
        c.take_fetched(FetchedPartition {
            tp: tp(),
            error: None,
            high_watermark: 100,
            last_stable_offset: 40,
            log_start_offset: 0,
            diverging_epoch: None,
            records: MemoryRecords::from(Vec::new()),
            aborted_transactions: (level == IsolationLevel::ReadCommitted).then(Vec::new),
        });
        let lags: Vec<i64> = c
            .outputs
            .iter()
            .filter_map(|o| match o {
                Output::Event(ClusterEvent::ConsumerLag { lag, high_watermark, .. }) => {
                    assert_eq!(*high_watermark, 100);
                    Some(*lag)
                }
                _ => None,
            })
            .collect();
        assert_eq!(lags, [expected], "{level:?}");
        let state = crate::engine::cluster::Node::state_json(&c);
        assert_eq!(state["assignment"]["t-0"]["lag"], expected, "{level:?}");
    }
}

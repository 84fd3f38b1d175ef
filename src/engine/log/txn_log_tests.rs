//! Kafka's `UnifiedLogTest` transaction cases, ported: `testTransactionIndexUpdated`,
//! `testTransactionIndexUpdatedThroughReplication`, `testZombieCoordinatorFenced`,
//! `testZombieCoordinatorFencedEmptyTransaction`, `testEndTxnWithFencedProducerEpoch`,
//! `testAbortedTransactionSpanningMultipleSegments`,
//! `testReadCommittedWithConcurrentHighWatermarkUpdates` (sequentially: the read between
//! a transaction's batch and its ABORT never sees it), and the rebuild at recovery
//! (`LogSegment.recover` gives the same `.txnindex`).

use super::*;
use crate::engine::error::ErrorCode;
use crate::engine::record::{BatchBuilder, BatchOptions};
use crate::engine::topic::TopicConfig;
use crate::engine::txn::txn_index::AbortedTxn;
use std::collections::BTreeMap;

fn batch(pid: i64, epoch: i16, seq: i32, base_offset: i64, n: u32, transactional: bool) -> Vec<u8> {
    let options = BatchOptions {
        base_offset,
        is_transactional: transactional,
        producer_id: pid,
        producer_epoch: epoch,
        base_sequence: seq,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    (0..n).for_each(|i| b.append(1_000 + i64::from(i), None, Some(b"v"), &[]));
    b.build().unwrap()
}

fn plain(n: u32) -> Vec<u8> {
    batch(-1, -1, -1, 0, n, false)
}

/// `LogTestUtils.appendTransactionalAsLeader`: each producer's sequence goes on.
struct Producers(BTreeMap<i64, i32>);

impl Producers {
    fn append(&mut self, log: &mut PartitionLog, pid: i64, n: u32) {
        let seq = self.0.entry(pid).or_insert(0);
        log.append_as_leader(0, &batch(pid, 0, *seq, 0, n, true), 0).unwrap();
        *seq += n as i32;
    }
}

fn end(
    log: &mut PartitionLog,
    pid: i64,
    epoch: i16,
    committed: bool,
    coordinator_epoch: i32,
) -> Result<LogAppendInfo> {
    let marker = EndTxnMarkerAppend { producer_id: pid, producer_epoch: epoch, coordinator_epoch, committed };
    log.append_end_txn_marker_as_leader(0, marker, 0)
}

fn all_aborted(log: &PartitionLog) -> Vec<AbortedTxn> {
    log.segments().iter().flat_map(|s| s.txn_index.all_aborted_txns().unwrap()).collect()
}

fn big_log() -> PartitionLog {
    PartitionLog::new(1, "t", 0, TopicConfig { segment_bytes: 5 * 1024 * 1024, ..TopicConfig::default() }, 0)
}

/// The appends of `testTransactionIndexUpdated` (next offsets in the comments).
fn index_updated_log() -> PartitionLog {
    let mut log = big_log();
    let mut p = Producers(BTreeMap::new());
    p.append(&mut log, 1, 5); // 5
    log.append_as_leader(0, &plain(3), 0).unwrap(); // 8
    p.append(&mut log, 2, 2); // 10
    p.append(&mut log, 1, 4); // 14
    p.append(&mut log, 3, 3); // 17
    log.append_as_leader(0, &plain(2), 0).unwrap(); // 19
    p.append(&mut log, 1, 10); // 29
    end(&mut log, 1, 0, false, 0).unwrap(); // 30
    p.append(&mut log, 2, 6); // 36
    p.append(&mut log, 4, 3); // 39
    log.append_as_leader(0, &plain(10), 0).unwrap(); // 49
    p.append(&mut log, 3, 9); // 58
    end(&mut log, 3, 0, true, 0).unwrap(); // 59
    p.append(&mut log, 4, 8); // 67
    p.append(&mut log, 2, 7); // 74
    end(&mut log, 2, 0, false, 0).unwrap(); // 75
    log.append_as_leader(0, &plain(10), 0).unwrap(); // 85
    p.append(&mut log, 4, 4); // 89
    end(&mut log, 4, 0, true, 0).unwrap(); // 90
    log
}

/// `testTransactionIndexUpdated`.
#[test]
fn transaction_index_updated() {
    let mut log = index_updated_log();
    assert_eq!(log.log_end_offset(), 90);
    assert_eq!(all_aborted(&log), vec![AbortedTxn::new(1, 0, 29, 8), AbortedTxn::new(2, 8, 74, 36)]);
    log.on_high_watermark_updated(30);
    assert_eq!(log.producer_state().first_unstable_offset(), Some(8));
    log.on_high_watermark_updated(75);
    assert_eq!(log.producer_state().first_unstable_offset(), Some(36));
    log.on_high_watermark_updated(90);
    assert_eq!(log.producer_state().first_unstable_offset(), None);
}

/// `testTransactionIndexUpdatedThroughReplication`: the same log fetched whole by a
/// follower gives the same entries.
#[test]
fn transaction_index_updated_through_replication() {
    let leader = index_updated_log();
    let mut follower = big_log();
    let bytes = leader.read(0, u32::MAX, 90).unwrap().records;
    follower.append_as_follower(0, &bytes).unwrap();
    assert_eq!(all_aborted(&follower), vec![AbortedTxn::new(1, 0, 29, 8), AbortedTxn::new(2, 8, 74, 36)]);
    follower.on_high_watermark_updated(30);
    assert_eq!(follower.producer_state().first_unstable_offset(), Some(8));
}

/// A restart (`LogSegment.recover`) rebuilds the `.txnindex` byte for byte, across segments.
#[test]
fn recovery_rebuilds_the_transaction_index() {
    for segment_bytes in [5 * 1024 * 1024, 300] {
        let mut log = big_log();
        log.config.segment_bytes = segment_bytes;
        let mut p = Producers(BTreeMap::new());
        for round in 0..6 {
            p.append(&mut log, 1, 2);
            p.append(&mut log, 2, 1);
            end(&mut log, 1, 0, round % 2 == 0, 0).unwrap();
            log.append_as_leader(0, &plain(1), 0).unwrap();
            end(&mut log, 2, 0, round % 3 != 0, 0).unwrap();
        }
        let stored: Vec<(i64, Vec<u8>)> =
            log.segments().iter().map(|s| (s.base_offset, s.log_bytes().to_vec())).collect();
        let (recovered, report) = PartitionLog::recover(1, "t", 0, log.config.clone(), stored, None, 0);
        assert!(report.corruption.is_none());
        assert!(!all_aborted(&log).is_empty());
        let files = |l: &PartitionLog| -> Vec<(String, Vec<u8>)> {
            l.segments().iter().map(|s| (s.files().txn_index_name, s.files().txn_index)).collect()
        };
        assert_eq!(files(&recovered), files(&log), "segment.bytes {segment_bytes}");
        if segment_bytes == 300 {
            assert!(log.segments().len() > 2, "several segments hold entries");
        }
    }
}

/// `testZombieCoordinatorFenced`.
#[test]
fn zombie_coordinator_fenced() {
    let mut log = big_log();
    let mut p = Producers(BTreeMap::new());
    p.append(&mut log, 1, 10);
    end(&mut log, 1, 0, false, 1).unwrap();
    p.append(&mut log, 1, 5);
    end(&mut log, 1, 0, true, 2).unwrap();
    let e = end(&mut log, 1, 0, false, 1).unwrap_err();
    assert_eq!(e.code, ErrorCode::TransactionCoordinatorFenced);
}

/// `testZombieCoordinatorFencedEmptyTransaction`: markers with no transaction open are
/// still checked.
#[test]
fn zombie_coordinator_fenced_empty_transaction() {
    let mut log = big_log();
    let mut bytes = batch(1, 0, 0, 0, 10, true);
    let m = crate::engine::txn::marker::EndTransactionMarker::new(ControlRecordType::Commit, 0).unwrap();
    bytes.extend(crate::engine::txn::marker::end_txn_marker_batch(10, 0, 1, 1, 0, &m).unwrap());
    log.append_as_follower(0, &MemoryRecords::from(bytes)).unwrap();
    end(&mut log, 1, 0, false, 2).unwrap();
    end(&mut log, 1, 0, false, 2).unwrap();
    assert_eq!(end(&mut log, 1, 0, false, 1).unwrap_err().code, ErrorCode::TransactionCoordinatorFenced);
}

/// `testEndTxnWithFencedProducerEpoch`.
#[test]
fn end_txn_with_fenced_producer_epoch() {
    let mut log = big_log();
    end(&mut log, 1, 5, false, 1).unwrap();
    assert_eq!(end(&mut log, 1, 4, false, 1).unwrap_err().code, ErrorCode::InvalidProducerEpoch);
    assert_eq!(log.log_end_offset(), 1, "nothing appended for the refused marker");
}

/// `testAbortedTransactionSpanningMultipleSegments`.
#[test]
fn aborted_transaction_spanning_multiple_segments() {
    let first = batch(137, 5, 0, 0, 3, true);
    let config = TopicConfig { segment_bytes: first.len() as u32, ..TopicConfig::default() };
    let mut log = PartitionLog::new(1, "t", 0, config, 0);
    log.append_as_leader(0, &first, 0).unwrap();
    assert_eq!(log.producer_state().first_unstable_offset(), Some(0));
    log.append_as_leader(0, &batch(137, 5, 3, 0, 3, true), 0).unwrap();
    assert_eq!(log.active_segment().map(|s| s.base_offset), Some(3));
    let abort = end(&mut log, 137, 5, false, 0).unwrap();
    log.on_high_watermark_updated(abort.last_offset + 1);
    assert_eq!(log.producer_state().first_unstable_offset(), None);
    let read = log.read(0, 2048, log.producer_state().last_stable_offset_at(abort.last_offset + 1)).unwrap();
    let aborted = log.aborted_transactions_for_read(0, read.records.len() as u32);
    assert_eq!(aborted, vec![AbortedTransaction { producer_id: 137, first_offset: 0 }]);
}

/// `testReadCommittedWithConcurrentHighWatermarkUpdates`, one step at a time: a read up to
/// the LSO right after a transaction's batch (the HW at the log end) is always empty.
#[test]
fn read_committed_never_sees_an_open_transaction() {
    let mut log = big_log();
    let mut p = Producers(BTreeMap::new());
    let mut non_empty_reads = 0;
    while log.log_end_offset() < 50 {
        let leo = log.log_end_offset();
        p.append(&mut log, 15, 1);
        let hw = log.log_end_offset();
        log.on_high_watermark_updated(hw);
        let lso = log.producer_state().last_stable_offset_at(hw);
        if !log.read(leo, u32::MAX, lso).unwrap().records.is_empty() {
            non_empty_reads += 1;
        }
        end(&mut log, 15, 0, false, 0).unwrap();
        let hw = log.log_end_offset();
        log.on_high_watermark_updated(hw);
    }
    assert_eq!(non_empty_reads, 0);
    assert_eq!(all_aborted(&log).len(), 25);
}

/// Truncation keeps the entries of the markers below the truncation point
/// (`LogSegment.truncateTo` → `TransactionIndex.truncateTo`).
#[test]
fn truncation_cuts_the_transaction_index() {
    let mut log = index_updated_log();
    log.truncate_to(0, 74);
    assert_eq!(all_aborted(&log), vec![AbortedTxn::new(1, 0, 29, 8)]);
    log.truncate_to(0, 29);
    assert!(all_aborted(&log).is_empty());
}

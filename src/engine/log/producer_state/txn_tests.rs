//! Kafka's `ProducerStateManagerTest`, the cases about transactions, ported with its
//! helpers (`appendClientEntry`: one-record batches; `appendEndTxnMarker`: a marker from
//! the COORDINATOR origin, its `CompletedTxn` completed, `updateMapEndOffset(offset + 1)`).

use super::*;
use crate::engine::error::{ErrorCode, Result};
use crate::engine::record::batch::NO_SEQUENCE;
use crate::engine::txn::marker::{ControlRecordType, EndTransactionMarker};

const PID: i64 = 1;
const EXPIRATION_MS: i64 = PRODUCER_ID_EXPIRATION_MS_DEFAULT;

fn data(m: &mut ProducerStateManager, pid: i64, epoch: i16, seq: i32, offset: i64, txn: bool) -> Result<()> {
    let mut info = m.prepare_update("t-0", pid, AppendOrigin::Client);
    info.append_data_batch(epoch, seq, seq, 0, offset, offset, txn)?;
    m.update(info);
    m.update_map_end_offset(offset + 1);
    Ok(())
}

fn marker_at(
    m: &mut ProducerStateManager,
    pid: i64,
    epoch: i16,
    kind: ControlRecordType,
    offset: i64,
    coordinator_epoch: i32,
) -> Result<Option<CompletedTxn>> {
    let mut info = m.prepare_update("t-0", pid, AppendOrigin::Coordinator);
    let marker = EndTransactionMarker::new(kind, coordinator_epoch).unwrap();
    let completed = info.append_end_txn_marker(&marker, epoch, offset, 7)?;
    m.update(info);
    if let Some(c) = &completed {
        m.complete_txn(c).unwrap();
    }
    m.update_map_end_offset(offset + 1);
    Ok(completed)
}

fn marker(
    m: &mut ProducerStateManager,
    pid: i64,
    epoch: i16,
    kind: ControlRecordType,
    offset: i64,
) -> Result<()> {
    marker_at(m, pid, epoch, kind, offset, 0).map(|_| ())
}

/// `testAppendTxnMarkerWithNoProducerState`.
#[test]
fn marker_with_no_producer_state() {
    let mut m = ProducerStateManager::new(0);
    marker(&mut m, PID, 2, ControlRecordType::Commit, 27).unwrap();
    let e = m.last_entry(PID).unwrap();
    assert_eq!((e.producer_epoch, e.last_seq()), (2, NO_SEQUENCE));
    assert_eq!(data(&mut m, PID, 0, 0, 28, false).unwrap_err().code, ErrorCode::InvalidProducerEpoch);
    assert_eq!(data(&mut m, PID, 2, 17, 28, false).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber);
    data(&mut m, PID, 2, 0, 28, false).unwrap();
    assert_eq!(m.last_entry(PID).unwrap().last_seq(), 0);
}

/// `testControlRecordBumpsProducerEpoch` and `testProducerStateAfterFencingAbortMarker`.
#[test]
fn abort_marker_bumps_epoch_and_keeps_the_producer() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 0, 0, 0, true).unwrap();
    marker(&mut m, PID, 1, ControlRecordType::Abort, 1).unwrap();
    let e = m.last_entry(PID).unwrap();
    assert_eq!((e.producer_epoch, e.current_txn_first_offset), (1, None));
    assert_eq!((e.first_seq(), e.last_seq(), e.first_data_offset()), (NO_SEQUENCE, NO_SEQUENCE, -1));
    m.remove_expired_producers(0, EXPIRATION_MS);
    assert!(m.last_entry(PID).is_some());
    data(&mut m, PID, 1, 0, 2, false).unwrap();
}

/// `testOutOfSequenceAfterControlRecordEpochBump`.
#[test]
fn sequence_restarts_after_marker_epoch_bump() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 0, 0, 0, true).unwrap();
    data(&mut m, PID, 0, 1, 1, true).unwrap();
    marker(&mut m, PID, 1, ControlRecordType::Abort, 2).unwrap();
    assert_eq!(data(&mut m, PID, 1, 2, 3, true).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber);
    assert_eq!(data(&mut m, PID, 2, 2, 3, true).unwrap_err().code, ErrorCode::OutOfOrderSequenceNumber);
    data(&mut m, PID, 1, 0, 3, true).unwrap();
}

/// `testNonTransactionalAppendWithOngoingTransaction`: `InvalidTxnStateException`.
#[test]
fn plain_write_during_a_transaction_is_invalid_txn_state() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 0, 0, 0, true).unwrap();
    let err = data(&mut m, PID, 0, 1, 1, false).unwrap_err();
    assert_eq!((err.code, err.code.code()), (ErrorCode::InvalidTxnState, 48));
    assert_eq!(
        err.to_string(),
        "INVALID_TXN_STATE: Expected transactional write from producer 1 at offset 1 in partition t-0"
    );
}

/// `testFirstUnstableOffset`: a completed transaction holds the LSO until the high
/// watermark passes its marker.
#[test]
fn first_unstable_offset() {
    let mut m = ProducerStateManager::new(0);
    assert_eq!(m.first_undecided_offset(), None);
    data(&mut m, PID, 5, 0, 99, true).unwrap();
    assert_eq!((m.first_undecided_offset(), m.first_unstable_offset()), (Some(99), Some(99)));
    data(&mut m, 2, 5, 0, 105, true).unwrap();
    assert_eq!((m.first_undecided_offset(), m.first_unstable_offset()), (Some(99), Some(99)));
    marker(&mut m, PID, 5, ControlRecordType::Commit, 109).unwrap();
    assert_eq!((m.first_undecided_offset(), m.first_unstable_offset()), (Some(105), Some(99)));
    m.on_high_watermark_updated(100);
    assert_eq!(m.first_unstable_offset(), Some(99));
    m.on_high_watermark_updated(110);
    assert_eq!(m.first_unstable_offset(), Some(105));
    marker(&mut m, 2, 5, ControlRecordType::Abort, 112).unwrap();
    assert_eq!((m.first_undecided_offset(), m.first_unstable_offset()), (None, Some(105)));
    m.on_high_watermark_updated(113);
    assert_eq!(m.first_unstable_offset(), None);
}

/// `testProducersWithOngoingTransactionsDontExpire`.
#[test]
fn producers_with_open_transactions_do_not_expire() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 5, 0, 99, true).unwrap();
    assert_eq!(m.remove_expired_producers(EXPIRATION_MS + 1, EXPIRATION_MS), 0);
    assert_eq!(m.first_undecided_offset(), Some(99));
}

/// `testOldEpochForControlRecord` and `testCoordinatorFencing`.
#[test]
fn marker_epochs_are_fenced() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 5, 0, 99, true).unwrap();
    let old = marker(&mut m, PID, 3, ControlRecordType::Commit, 100).unwrap_err();
    assert_eq!(old.code, ErrorCode::InvalidProducerEpoch);
    marker_at(&mut m, PID, 5, ControlRecordType::Commit, 100, 1).unwrap();
    assert_eq!(m.last_entry(PID).unwrap().coordinator_epoch, 1);
    marker_at(&mut m, PID, 5, ControlRecordType::Commit, 101, 1).unwrap();
    marker_at(&mut m, PID, 5, ControlRecordType::Commit, 102, 2).unwrap();
    let zombie = marker_at(&mut m, PID, 5, ControlRecordType::Commit, 103, 1).unwrap_err();
    assert_eq!((zombie.code, zombie.code.code()), (ErrorCode::TransactionCoordinatorFenced, 52));
    assert_eq!(
        zombie.to_string(),
        "TRANSACTION_COORDINATOR_FENCED: Invalid coordinator epoch for producerId 1 at offset 103 in \
         partition t-0: 1 (zombie), 2 (current)"
    );
    // Replication only logs it (`checkCoordinatorEpoch`).
    let mut info = m.prepare_update("t-0", PID, AppendOrigin::Replication);
    let m1 = EndTransactionMarker::new(ControlRecordType::Commit, 1).unwrap();
    assert_eq!(info.append_end_txn_marker(&m1, 5, 103, 0).unwrap(), None);
}

/// `testCoordinatorFencedAfterReload` (checked on the reloaded state, the test's intent),
/// `testRecoverFromSnapshotUnfinishedTransaction`: the snapshot keeps the coordinator
/// epoch and the open transaction's first offset, which reopens it.
#[test]
fn reload_keeps_coordinator_epoch_and_open_transaction() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 0, 0, 99, true).unwrap();
    marker_at(&mut m, PID, 0, ControlRecordType::Commit, 100, 1).unwrap();
    data(&mut m, 2, 0, 0, 101, true).unwrap();
    data(&mut m, 2, 0, 1, 102, true).unwrap();
    m.take_snapshot();
    let mut r = ProducerStateManager::new(0);
    r.add_stored_snapshot(103, m.snapshot_bytes(103).unwrap().to_vec());
    r.truncate_and_reload(0, 104, 70_000, EXPIRATION_MS);
    let fenced = marker_at(&mut r, PID, 0, ControlRecordType::Commit, 104, 0).unwrap_err();
    assert_eq!(fenced.code, ErrorCode::TransactionCoordinatorFenced);
    let e = r.last_entry(2).unwrap();
    assert_eq!((e.first_data_offset(), e.first_seq(), e.current_txn_first_offset), (102, 1, Some(101)));
    assert_eq!(r.first_undecided_offset(), Some(101));
    data(&mut r, 2, 0, 2, 104, true).unwrap();
}

/// `testFirstUnstableOffsetAfterTruncation`.
#[test]
fn first_unstable_offset_after_truncation() {
    let mut m = ProducerStateManager::new(0);
    data(&mut m, PID, 0, 0, 99, true).unwrap();
    assert_eq!(m.first_unstable_offset(), Some(99));
    m.take_snapshot();
    marker(&mut m, PID, 0, ControlRecordType::Commit, 105).unwrap();
    m.on_high_watermark_updated(106);
    assert_eq!(m.first_unstable_offset(), None);
    m.take_snapshot();
    data(&mut m, PID, 0, 1, 106, false).unwrap();
    m.truncate_and_reload(0, 106, 0, EXPIRATION_MS);
    assert_eq!(m.first_unstable_offset(), None);
    m.truncate_and_reload(0, 100, 0, EXPIRATION_MS);
    assert_eq!(m.first_unstable_offset(), Some(99));
}

/// `testLastStableOffsetCompletedTxn`: the LSO stored with a completed transaction is
/// another producer's earliest open transaction, else the offset after the marker.
#[test]
fn last_stable_offset_of_completed_txn() {
    let mut m = ProducerStateManager::new(0);
    let (s1, s2, s3) = (992_342, 992_367, 992_399);
    for (pid, start) in [(1, s1), (2, s2), (3, s3)] {
        data(&mut m, pid, 0, 0, start, true).unwrap();
    }
    let l1 = s3 + 15;
    let c1 = CompletedTxn { producer_id: 1, first_offset: s1, last_offset: l1, is_aborted: false };
    assert_eq!(m.last_stable_offset(&c1), s2);
    m.complete_txn(&c1).unwrap();
    m.on_high_watermark_updated(l1 + 1);
    assert_eq!(m.first_unstable_offset(), Some(s2));
    let l3 = l1 + 20;
    let c3 = CompletedTxn { producer_id: 3, first_offset: s3, last_offset: l3, is_aborted: false };
    assert_eq!(m.last_stable_offset(&c3), s2);
    m.complete_txn(&c3).unwrap();
    m.on_high_watermark_updated(l3 + 1);
    assert_eq!(m.first_unstable_offset(), Some(s2));
    let l2 = l3 + 78;
    let c2 = CompletedTxn { producer_id: 2, first_offset: s2, last_offset: l2, is_aborted: true };
    assert_eq!(m.last_stable_offset(&c2), l2 + 1);
    let aborted = c2.aborted_txn(m.last_stable_offset(&c2)).unwrap();
    assert_eq!((aborted.producer_id, aborted.first_offset, aborted.last_offset), (2, s2, l2));
    assert_eq!(aborted.last_stable_offset, l2 + 1);
    assert!(c1.aborted_txn(0).is_none());
    m.complete_txn(&c2).unwrap();
    m.on_high_watermark_updated(l2 + 1);
    assert_eq!(m.first_unstable_offset(), None);
    assert!(m.complete_txn(&c2).is_err(), "a transaction completes once");
}

/// `testSkipEmptyTransactions`: markers with no data before them complete nothing.
#[test]
fn skip_empty_transactions() {
    let mut m = ProducerStateManager::new(0);
    let mut first = m.prepare_update("t-0", PID, AppendOrigin::Client);
    first.append_data_batch(0, 0, 4, 0, 16, 20, true).unwrap();
    m.update(first);
    m.on_high_watermark_updated(21);
    assert_eq!(m.first_unstable_offset(), Some(16));
    let mut second = m.prepare_update("t-0", PID, AppendOrigin::Client);
    let end = |kind| EndTransactionMarker::new(kind, 0).unwrap();
    let c1 = second.append_end_txn_marker(&end(ControlRecordType::Commit), 0, 21, 0).unwrap();
    assert_eq!(
        c1,
        Some(CompletedTxn { producer_id: PID, first_offset: 16, last_offset: 21, is_aborted: false })
    );
    assert_eq!(second.append_end_txn_marker(&end(ControlRecordType::Commit), 0, 22, 0).unwrap(), None);
    assert_eq!(second.append_end_txn_marker(&end(ControlRecordType::Abort), 0, 23, 0).unwrap(), None);
    second.append_data_batch(0, 5, 8, 0, 24, 27, true).unwrap();
    let c2 = second.append_end_txn_marker(&end(ControlRecordType::Abort), 0, 28, 0).unwrap();
    assert!(c2.is_some_and(|c| c.is_aborted));
    assert_eq!(second.append_end_txn_marker(&end(ControlRecordType::Abort), 0, 29, 0).unwrap(), None);
    second.append_data_batch(0, 9, 10, 0, 30, 31, true).unwrap();
    m.update(second);
    m.complete_txn(&c1.unwrap()).unwrap();
    m.complete_txn(&c2.unwrap()).unwrap();
    m.on_high_watermark_updated(32);
    assert_eq!(m.first_unstable_offset(), Some(30));
}

/// `UnifiedLog.lastStableOffset`: min(first unstable offset, high watermark), with a
/// marker below the high watermark counting as replicated before the prune.
#[test]
fn last_stable_offset_is_min_of_first_unstable_and_high_watermark() {
    let mut m = ProducerStateManager::new(0);
    assert_eq!(m.last_stable_offset_at(10), 10);
    data(&mut m, PID, 5, 0, 99, true).unwrap();
    data(&mut m, 2, 5, 0, 105, true).unwrap();
    assert_eq!((m.last_stable_offset_at(50), m.last_stable_offset_at(200)), (50, 99));
    marker(&mut m, PID, 5, ControlRecordType::Commit, 109).unwrap();
    assert_eq!((m.last_stable_offset_at(109), m.last_stable_offset_at(110)), (99, 105));
    marker(&mut m, 2, 5, ControlRecordType::Abort, 112).unwrap();
    assert_eq!((m.last_stable_offset_at(112), m.last_stable_offset_at(113)), (105, 113));
    m.on_high_watermark_updated(113);
    assert_eq!((m.first_unstable_offset(), m.last_stable_offset_at(113)), (None, 113));
}

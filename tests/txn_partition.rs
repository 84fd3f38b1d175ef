//! A partition log follows its producers' transactions as Kafka's `UnifiedLog` does
//! (`ProducerStateManager`, `ProducerAppendInfo.appendEndTxnMarker`): a follower appending
//! transactional batches opens a transaction at the first one and closes it at the end
//! marker (the transaction then holds `firstUnstableOffset` until the high watermark
//! passes the marker, `onHighWatermarkUpdated`); a restart rebuilds the same state from
//! the log; a client may not write a control batch (`LogValidator`: "Clients are not
//! allowed to write control records in topic partition …").
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::log::*;
use kafka_playground::engine::record::*;
use kafka_playground::engine::store::StoreOp;
use kafka_playground::engine::topic::TopicConfig;
use kafka_playground::engine::txn::marker::{end_txn_marker_batch, ControlRecordType, EndTransactionMarker};
use std::collections::BTreeMap;

/// A transactional batch of `n` records from `pid` at `base_offset`, first sequence `seq`.
fn txn_batch(pid: i64, seq: i32, base_offset: i64, n: u32) -> Vec<u8> {
    let options = BatchOptions {
        base_offset,
        is_transactional: true,
        producer_id: pid,
        producer_epoch: 0,
        base_sequence: seq,
        ..BatchOptions::default()
    };
    let mut b = BatchBuilder::new(options);
    (0..n).for_each(|i| b.append(1_000 + i64::from(i), None, Some(b"v"), &[]));
    b.build().unwrap()
}

fn marker(pid: i64, kind: ControlRecordType, offset: i64, coordinator_epoch: i32) -> Vec<u8> {
    let m = EndTransactionMarker::new(kind, coordinator_epoch).unwrap();
    end_txn_marker_batch(offset, 2_000, 0, pid, 0, &m).unwrap()
}

/// Offsets 0–1 pid 7's transaction, 2–4 pid 8's, 5 pid 7's ABORT, 6 pid 8's COMMIT,
/// 7 pid 7's next transaction (left open).
fn leader_log() -> Vec<Vec<u8>> {
    vec![
        txn_batch(7, 0, 0, 2),
        txn_batch(8, 0, 2, 3),
        marker(7, ControlRecordType::Abort, 5, 3),
        marker(8, ControlRecordType::Commit, 6, 3),
        txn_batch(7, 2, 7, 1),
    ]
}

#[test]
fn a_follower_opens_and_closes_transactions_as_it_appends() {
    let mut follower = PartitionLog::new(2, "t", 0, TopicConfig::default(), 0);
    let batches = leader_log();
    follower.append_as_follower(0, &MemoryRecords::from(batches[0].clone())).unwrap();
    follower.append_as_follower(0, &MemoryRecords::from(batches[1].clone())).unwrap();
    let state = follower.producer_state();
    assert_eq!((state.first_undecided_offset(), state.first_unstable_offset()), (Some(0), Some(0)));
    assert_eq!(state.last_entry(8).unwrap().current_txn_first_offset, Some(2));
    follower.append_as_follower(0, &MemoryRecords::from(batches[2].clone())).unwrap();
    let state = follower.producer_state();
    // pid 7's abort decided it, but until the HW passes the marker it still holds the LSO.
    assert_eq!((state.first_undecided_offset(), state.first_unstable_offset()), (Some(2), Some(0)));
    let e7 = state.last_entry(7).unwrap();
    assert_eq!((e7.current_txn_first_offset, e7.coordinator_epoch), (None, 3));
    follower.on_high_watermark_updated(6);
    assert_eq!(follower.producer_state().first_unstable_offset(), Some(2));
    let rest: Vec<u8> = batches[3..].concat();
    follower.append_as_follower(0, &MemoryRecords::from(rest)).unwrap();
    follower.on_high_watermark_updated(7);
    // pid 8 committed and replicated; pid 7's second transaction (offset 7) is open.
    assert_eq!(follower.producer_state().first_unstable_offset(), Some(7));
    assert_eq!(
        follower.producer_state().ongoing_txns().map(|t| (t.producer_id, t.first_offset)).collect::<Vec<_>>(),
        vec![(7, 7)]
    );
    follower.on_high_watermark_updated(8);
    assert_eq!(
        follower.producer_state().first_unstable_offset(),
        Some(7),
        "open: the HW does not release it"
    );
}

#[test]
fn restart_rebuilds_the_open_transactions_from_the_log() {
    let mut follower = PartitionLog::new(1, "t", 0, TopicConfig::default(), 0);
    follower.append_as_follower(0, &MemoryRecords::from(leader_log().concat())).unwrap();
    let mut segments: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    for op in follower.take_store_ops() {
        if let StoreOp::Append { segment, bytes, .. } = op {
            segments.entry(segment.base_offset as i64).or_default().extend_from_slice(&bytes);
        }
    }
    let (mut recovered, _) =
        PartitionLog::recover(1, "t", 0, TopicConfig::default(), segments.into_iter().collect(), None, 0);
    assert!(recovered.load_producer_state(Vec::new(), 0).is_empty());
    let (a, b) = (recovered.producer_state(), follower.producer_state());
    assert_eq!(a.active_producers(), b.active_producers());
    assert_eq!(a.ongoing_txns().collect::<Vec<_>>(), b.ongoing_txns().collect::<Vec<_>>());
    // Replayed markers wait for the high watermark, as after any append: until the
    // restarted log learns it (the HW checkpoint, `updateHighWatermark`) the aborted
    // transaction at 0 still holds the LSO.
    assert_eq!(a.first_unstable_offset(), Some(0));
    recovered.on_high_watermark_updated(7);
    assert_eq!(recovered.producer_state().first_unstable_offset(), Some(7));
    // The open transaction goes on after the restart; a plain write is INVALID_TXN_STATE.
    let plain = {
        let options =
            BatchOptions { producer_id: 7, producer_epoch: 0, base_sequence: 3, ..BatchOptions::default() };
        let mut builder = BatchBuilder::new(options);
        builder.append(3_000, None, Some(b"p"), &[]);
        builder.build().unwrap()
    };
    let err = recovered.append_as_leader(0, &plain, 0).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTxnState);
    recovered.append_as_leader(0, &txn_batch(7, 3, 0, 1), 0).unwrap();
}

#[test]
fn a_client_may_not_write_a_control_batch() {
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), 0);
    let err = log.append_as_leader(0, &marker(7, ControlRecordType::Commit, 0, 0), 0).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRecord);
    assert!(
        err.to_string().contains("Clients are not allowed to write control records in topic partition t-0"),
        "{err}"
    );
    assert_eq!(log.log_end_offset(), 0);
}

/// The partition's LSO is `UnifiedLog.lastStableOffset`: the first unstable offset
/// when it is below the high watermark, else the high watermark — never the log start.
#[test]
fn a_partition_reports_its_last_stable_offset() {
    use kafka_playground::engine::replica::partition::Partition;
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), 0);
    log.append_as_follower(0, &MemoryRecords::from(leader_log().concat())).unwrap();
    let at = |hw: i64| Partition::new(log.clone(), LeaderEpochCache::new(), hw).last_stable_offset();
    // Offsets 0–1 are pid 7's aborted transaction, its marker at 5: held until HW > 5.
    assert_eq!((at(0), at(3), at(5)), (0, 0, 0));
    assert_eq!((at(6), at(7)), (2, 7), "pid 8 committed at 6; pid 7's open transaction at 7");
    assert_eq!(at(8), 7, "the open transaction holds the LSO below the high watermark");
}

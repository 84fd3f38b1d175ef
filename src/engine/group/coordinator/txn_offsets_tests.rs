//! Transactional offsets, ported from core's `GroupMetadataTest`
//! (`testConsumerBeatsTransactionalOffsetCommit`, `testTransactionBeatsConsumerOffsetCommit`,
//! `testTransactionalCommitIsAbortedAndConsumerCommitWins`, `testFailedTxnOffsetCommitLeavesNoPendingState`)
//! and `GroupMetadataManagerTest` (`testLoadWithCommittedAndAbortedAndPendingTransactionalOffsetCommits`,
//! `testGroupLoadWithConsumerAndTransactionalOffsetCommitsTransactionWins`), and
//! `GroupCoordinatorTest` (`testFetchPendingTxnOffsetsWithAbort`, `...WithCommit`).

use super::super::*;
use crate::engine::cluster::messages::{Message, OffsetCommitPartition};
use crate::engine::record::{BatchBuilder, BatchOptions};
use crate::engine::txn::marker::{end_txn_marker_batch, ControlRecordType, EndTransactionMarker};

const G: &str = "g";
const PID: i64 = 13232;
const C: NodeId = 10_001;

fn coordinator() -> GroupCoordinator {
    let mut c = GroupCoordinator::new(1, GroupCoordinatorConfig::default(), 7);
    c.on_elected(0, placement::partition_for(G, 50), 0);
    while let Some(key) = c.pop_due(0) {
        if let TimerKey::Load { partition } = key {
            c.load(0, partition, &[]);
        }
    }
    while c.take_effect().is_some() {}
    c
}

/// Effects, each write durable as the batch at `*at` (then the next offset); the
/// records of each write are kept with its producer, as the log would hold them.
fn drain(c: &mut GroupCoordinator, at: &mut i64, error: Option<ErrorCode>) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(e) = c.take_effect() {
        match e {
            Effect::Send { message, .. } => out.push(message),
            Effect::Event(_) => {}
            Effect::Append { id, .. } | Effect::AppendTransactional { id, .. } => {
                c.append_started(0, id, Ok((*at + 1, 0)));
                *at += 1;
                c.append_completed(0, id, error);
            }
        }
    }
    out
}

fn offset(tp_partition: u32, offset: i64) -> OffsetCommitPartition {
    OffsetCommitPartition {
        tp: TopicPartition::new("foo", tp_partition),
        committed_offset: offset,
        committed_leader_epoch: -1,
        committed_metadata: String::new(),
    }
}

fn txn_commit(c: &mut GroupCoordinator, offset_value: i64) {
    let m = Message::TxnOffsetCommitRequest {
        correlation_id: 1,
        transactional_id: "tx".into(),
        group_id: G.into(),
        producer_id: PID,
        producer_epoch: 0,
        generation_id: -1,
        member_id: String::new(),
        group_instance_id: None,
        offsets: vec![offset(0, offset_value)],
    };
    assert!(c.handle_request(0, C, &m));
}

fn consumer_commit(c: &mut GroupCoordinator, offset_value: i64) {
    let m = Message::OffsetCommitRequest {
        correlation_id: 2,
        group_id: G.into(),
        generation_id: -1,
        member_id: String::new(),
        group_instance_id: None,
        offsets: vec![offset(0, offset_value)],
    };
    assert!(c.handle_request(0, C, &m));
}

fn committed(c: &GroupCoordinator) -> Option<i64> {
    c.committed(G).and_then(|o| o.get(&TopicPartition::new("foo", 0))).map(|o| o.offset)
}

fn partition() -> u32 {
    placement::partition_for(G, 50)
}

#[test]
fn consumer_beats_transactional_offset_commit() {
    let mut c = coordinator();
    let mut at = 3;
    txn_commit(&mut c, 37);
    let answers = drain(&mut c, &mut at, None);
    assert!(
        matches!(&answers[0], Message::TxnOffsetCommitResponse { partitions, .. } if partitions[0].error.is_none())
    );
    assert_eq!(committed(&c), None, "pending until the marker");
    consumer_commit(&mut c, 57);
    drain(&mut c, &mut at, None);
    assert_eq!(committed(&c), Some(57));
    c.complete_txn_offsets(partition(), PID, true);
    assert_eq!(committed(&c), Some(57), "offsets materialize in log order, not transaction order");
    assert!(c.pending_txn_offsets().is_empty());
}

#[test]
fn transaction_beats_consumer_offset_commit() {
    let mut c = coordinator();
    let mut at = 3;
    consumer_commit(&mut c, 57);
    drain(&mut c, &mut at, None);
    txn_commit(&mut c, 37);
    drain(&mut c, &mut at, None);
    assert_eq!(committed(&c), Some(57));
    // A marker of another partition or producer changes nothing.
    c.complete_txn_offsets(partition() + 1, PID, true);
    c.complete_txn_offsets(partition(), PID + 1, true);
    assert_eq!(committed(&c), Some(57));
    c.complete_txn_offsets(partition(), PID, true);
    assert_eq!(committed(&c), Some(37));
}

#[test]
fn an_aborted_transactional_commit_leaves_the_consumer_commit() {
    let mut c = coordinator();
    let mut at = 3;
    consumer_commit(&mut c, 57);
    drain(&mut c, &mut at, None);
    txn_commit(&mut c, 37);
    drain(&mut c, &mut at, None);
    c.complete_txn_offsets(partition(), PID, false);
    assert_eq!(committed(&c), Some(57));
    assert!(c.pending_txn_offsets().is_empty());
}

#[test]
fn a_failed_txn_offset_commit_leaves_no_pending_state() {
    let mut c = coordinator();
    let mut at = 3;
    txn_commit(&mut c, 37);
    let answers = drain(&mut c, &mut at, Some(ErrorCode::NotEnoughReplicas));
    let Message::TxnOffsetCommitResponse { partitions, .. } = &answers[0] else { panic!() };
    assert_eq!(partitions[0].error, Some(ErrorCode::CoordinatorNotAvailable));
    assert!(c.pending_txn_offsets().is_empty());
    // A member of no generation with a generation: as for a plain commit.
    let m = Message::TxnOffsetCommitRequest {
        correlation_id: 3,
        transactional_id: "tx".into(),
        group_id: G.into(),
        producer_id: PID,
        producer_epoch: 0,
        generation_id: 1,
        member_id: "m".into(),
        group_instance_id: None,
        offsets: vec![offset(0, 1)],
    };
    assert!(c.handle_request(0, C, &m));
    let answers = drain(&mut c, &mut at, None);
    let Message::TxnOffsetCommitResponse { partitions, .. } = &answers[0] else { panic!() };
    assert_eq!(partitions[0].error, Some(ErrorCode::UnknownMemberId));
}

/// An offset batch (transactional for `producer`) at `base_offset`.
fn offsets_batch(base_offset: i64, producer: Option<i64>, value: i64) -> Vec<u8> {
    let options = match producer {
        Some(producer_id) => BatchOptions {
            base_offset,
            is_transactional: true,
            producer_id,
            producer_epoch: 0,
            base_sequence: 0,
            ..BatchOptions::default()
        },
        None => BatchOptions { base_offset, ..BatchOptions::default() },
    };
    let key = records::encode_key(&records::RecordKey::OffsetCommit {
        group: G.into(),
        topic: "foo".into(),
        partition: 0,
    });
    let v = records::encode_offset_commit_value(&records::OffsetCommitValue {
        offset: value,
        leader_epoch: -1,
        metadata: String::new(),
        commit_timestamp_ms: 0,
    });
    let mut b = BatchBuilder::new(options);
    b.append(0, Some(&key), Some(&v), &[]);
    b.build().unwrap().to_vec()
}

fn marker(base_offset: i64, producer_id: i64, commit: bool) -> Vec<u8> {
    let t = if commit { ControlRecordType::Commit } else { ControlRecordType::Abort };
    let m = EndTransactionMarker::new(t, 0).unwrap();
    end_txn_marker_batch(base_offset, 0, 0, producer_id, 0, &m).unwrap()
}

/// `testLoadWithCommittedAndAbortedAndPendingTransactionalOffsetCommits` and
/// `testGroupLoadWithConsumerAndTransactionalOffsetCommitsTransactionWins`.
#[test]
fn loading_applies_committed_drops_aborted_and_keeps_open_transactional_offsets() {
    let mut log = Vec::new();
    log.extend(offsets_batch(0, None, 10)); // consumer commit
    log.extend(offsets_batch(1, Some(1), 20)); // producer 1, committed later
    log.extend(offsets_batch(2, Some(2), 30)); // producer 2, aborted
    log.extend(marker(3, 2, false));
    log.extend(marker(4, 1, true));
    log.extend(offsets_batch(5, Some(3), 40)); // producer 3, still open
    let mut c = GroupCoordinator::new(1, GroupCoordinatorConfig::default(), 7);
    c.on_elected(0, partition(), 0);
    c.load(0, partition(), &log);
    assert_eq!(committed(&c), Some(20), "the committed transaction wins over the older consumer commit");
    assert_eq!(c.pending_txn_offsets().keys().copied().collect::<Vec<_>>(), [3]);
    c.complete_txn_offsets(partition(), 3, true);
    assert_eq!(committed(&c), Some(40));
}

/// OffsetFetch of `foo-0` and a partition never committed: (offset, error) of each.
fn fetch(c: &mut GroupCoordinator, require_stable: bool) -> Vec<(i64, Option<ErrorCode>)> {
    let m = Message::OffsetFetchRequest {
        correlation_id: 3,
        group_id: G.into(),
        partitions: Some(vec![TopicPartition::new("foo", 0), TopicPartition::new("non-exist-topic", 0)]),
        require_stable,
    };
    assert!(c.handle_request(0, C, &m));
    let mut at = 100;
    let answers = drain(c, &mut at, None);
    let [Message::OffsetFetchResponse { error: None, partitions, .. }] = answers.as_slice() else {
        panic!("{answers:?}")
    };
    partitions.iter().map(|p| (p.committed_offset, p.error)).collect()
}

#[test]
fn fetch_pending_txn_offsets_with_abort_and_with_commit() {
    for commit in [false, true] {
        let mut c = coordinator();
        let mut at = 3;
        txn_commit(&mut c, 25);
        drain(&mut c, &mut at, None);
        let unstable = Some(ErrorCode::UnstableOffsetCommit);
        assert_eq!(fetch(&mut c, true), vec![(-1, unstable), (-1, None)]);
        assert_eq!(fetch(&mut c, false), vec![(-1, None), (-1, None)], "without require_stable: the cache");
        c.complete_txn_offsets(partition(), PID, commit);
        let after = if commit { 25 } else { -1 };
        assert_eq!(fetch(&mut c, true), vec![(after, None), (-1, None)]);
    }
}

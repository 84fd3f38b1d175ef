//! `TransactionMetadataTest` (core, Kafka 4.0), case by case: the expectations are
//! Kafka's test assertions.

use super::*;

const PRODUCER_ID: i64 = 23423;
const TXN_ID: &str = "txnlId";
/// `MockTime.milliseconds()` stand-in: any fixed instant.
const NOW: i64 = 1_700_000_000_000;

fn meta(
    epoch: i16,
    last_epoch: i16,
    state: TransactionState,
    start_ms: i64,
    tv: TransactionVersion,
) -> TransactionMetadata {
    TransactionMetadata::new(
        TXN_ID,
        PRODUCER_ID,
        NO_PRODUCER_ID,
        NO_PRODUCER_ID,
        epoch,
        last_epoch,
        30000,
        state,
        start_ms,
        NOW,
        tv,
    )
}

fn bump(m: &mut TransactionMetadata, expected: Option<i16>, now: i64) -> TxnTransitMetadata {
    m.prepare_increment_producer_epoch(30000, expected, now).expect("prepareIncrementProducerEpoch")
}

fn tp(topic: &str, p: i32) -> TopicPartition {
    TopicPartition::new(topic, p)
}

#[test]
fn test_initialize_epoch() {
    let mut m = meta(NO_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let t = bump(&mut m, None, NOW);
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.last_producer_epoch), (PRODUCER_ID, 0, NO_PRODUCER_EPOCH));
}

#[test]
fn test_normal_epoch_bump() {
    let mut m = meta(735, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let t = bump(&mut m, None, NOW);
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.last_producer_epoch),
        (PRODUCER_ID, 736, NO_PRODUCER_EPOCH)
    );
}

#[test]
fn test_bump_epoch_not_allowed_if_epochs_exhausted() {
    let mut m = meta(i16::MAX - 1, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    assert!(m.is_producer_epoch_exhausted());
    let e = m.prepare_increment_producer_epoch(30000, None, NOW).unwrap_err();
    assert_eq!(
        e,
        TxnError::IllegalState(format!(
            "Cannot allocate any more producer epochs for producerId {PRODUCER_ID}"
        ))
    );
    assert!(!is_epoch_exhausted(i16::MAX - 2));
}

#[test]
fn test_tolerate_update_time_shift_during_epoch_bump() {
    let mut m = meta(1, NO_PRODUCER_EPOCH, Empty, 1, TransactionVersion::Tv0);
    let t = bump(&mut m, Some(1), NOW - 1);
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.last_producer_epoch), (PRODUCER_ID, 2, 1));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (1, NOW - 1));
}

#[test]
fn test_tolerate_update_time_reset_during_producer_id_rotation() {
    let mut m = meta(1, NO_PRODUCER_EPOCH, Empty, 1, TransactionVersion::Tv0);
    let t = m.prepare_producer_id_rotation(PRODUCER_ID + 1, 30000, NOW - 1, true).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.last_producer_epoch, m.producer_epoch), (PRODUCER_ID + 1, 1, 0));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (1, NOW - 1));
}

#[test]
fn test_tolerate_time_shift_during_add_partitions() {
    let mut m = meta(1, NO_PRODUCER_EPOCH, Empty, NOW, TransactionVersion::Tv0);
    // From Empty the start time becomes the (earlier) update time.
    let t = m.prepare_add_partitions([tp("topic1", 0)], NOW - 1).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.topic_partitions, BTreeSet::from([tp("topic1", 0)]));
    assert_eq!((m.producer_id, m.last_producer_epoch, m.producer_epoch), (PRODUCER_ID, NO_PRODUCER_EPOCH, 1));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (NOW - 1, NOW - 1));
    // In Ongoing the start time stays.
    let t = m.prepare_add_partitions([tp("topic2", 0)], NOW - 2).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.topic_partitions, BTreeSet::from([tp("topic1", 0), tp("topic2", 0)]));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (NOW - 1, NOW - 2));
}

fn prepare_end(state: TransactionState) {
    let mut m = meta(1, NO_PRODUCER_EPOCH, Ongoing, 1, TransactionVersion::Tv0);
    let t = m.prepare_abort_or_commit(state, TransactionVersion::Tv0, NO_PRODUCER_ID, NOW - 1).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(m.state, state);
    assert_eq!((m.producer_id, m.last_producer_epoch, m.producer_epoch), (PRODUCER_ID, NO_PRODUCER_EPOCH, 1));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (1, NOW - 1));
}

#[test]
fn test_tolerate_time_shift_during_prepare_commit_and_abort() {
    prepare_end(PrepareCommit);
    prepare_end(PrepareAbort);
}

fn complete_end(from: TransactionState, to: TransactionState, tv: TransactionVersion) {
    let mut m = meta(1, NO_PRODUCER_EPOCH, from, 1, tv);
    let t = m.prepare_complete(NOW - 1).unwrap();
    m.complete_transition_to(&t).unwrap();
    let last = if tv.supports_epoch_bump() { 1 } else { NO_PRODUCER_EPOCH };
    assert_eq!(m.state, to);
    assert_eq!((m.producer_id, m.last_producer_epoch, m.producer_epoch), (PRODUCER_ID, last, 1));
    assert_eq!((m.txn_start_timestamp_ms, m.txn_last_update_timestamp_ms), (1, NOW - 1));
}

#[test]
fn test_tolerate_time_shift_during_complete_commit_and_abort() {
    for tv in [TransactionVersion::Tv0, TransactionVersion::Tv2] {
        complete_end(PrepareCommit, CompleteCommit, tv);
        complete_end(PrepareAbort, CompleteAbort, tv);
    }
}

#[test]
fn test_fence_producer_after_epochs_exhausted() {
    let mut m = meta(i16::MAX - 1, NO_PRODUCER_EPOCH, Ongoing, -1, TransactionVersion::Tv0);
    assert!(m.is_producer_epoch_exhausted());
    let fence = m.prepare_fence_producer_epoch().unwrap();
    assert_eq!((fence.producer_epoch, fence.last_producer_epoch), (i16::MAX, NO_PRODUCER_EPOCH));
    assert_eq!(m.pending_state, Some(PrepareEpochFence));
    // Kafka's test resets the pending state to make way for the abort.
    m.pending_state = None;
    let t = m.prepare_abort_or_commit(PrepareAbort, TransactionVersion::Tv0, NO_PRODUCER_ID, NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(t.producer_id, PRODUCER_ID);
}

#[test]
fn test_fence_producer_not_allowed_if_it_would_overflow() {
    let mut m = meta(i16::MAX, NO_PRODUCER_EPOCH, Ongoing, -1, TransactionVersion::Tv0);
    assert!(m.is_producer_epoch_exhausted());
    let e = m.prepare_fence_producer_epoch().unwrap_err();
    assert!(matches!(e, TxnError::IllegalState(ref s) if s.contains("Short.MaxValue")), "{e}");
}

#[test]
fn a_failed_fence_is_not_bumped_twice_and_a_fence_never_completes() {
    let mut m = meta(5, NO_PRODUCER_EPOCH, Ongoing, -1, TransactionVersion::Tv0);
    m.has_failed_epoch_fence = true;
    let t = m.prepare_fence_producer_epoch().unwrap();
    assert_eq!(t.producer_epoch, 5);
    assert!(matches!(m.complete_transition_to(&t), Err(TxnError::IllegalState(_))));
}

#[test]
fn test_rotate_producer_id() {
    let mut m = meta(i16::MAX - 1, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let t = m.prepare_producer_id_rotation(9893, 30000, NOW, true).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.previous_producer_id), (9893, PRODUCER_ID));
    assert_eq!((m.producer_epoch, m.last_producer_epoch), (0, i16::MAX - 1));
}

#[test]
fn test_epoch_bump_on_end_txn() {
    let mut m = meta(10, NO_PRODUCER_EPOCH, Ongoing, NOW, TransactionVersion::Tv0);
    let t =
        m.prepare_abort_or_commit(PrepareCommit, TransactionVersion::Tv2, NO_PRODUCER_ID, NOW - 1).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.client_transaction_version),
        (PRODUCER_ID, 11, TransactionVersion::Tv2)
    );
    let t = m.prepare_complete(NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.client_transaction_version),
        (PRODUCER_ID, 11, TransactionVersion::Tv2)
    );
}

#[test]
fn test_epoch_bump_on_end_txn_overflow() {
    let mut m = meta(i16::MAX - 1, NO_PRODUCER_EPOCH, Ongoing, NOW, TransactionVersion::Tv0);
    assert!(m.is_producer_epoch_exhausted());
    let t = m.prepare_abort_or_commit(PrepareCommit, TransactionVersion::Tv2, 9893, NOW - 1).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch), (PRODUCER_ID, i16::MAX));
    let t = m.prepare_complete(NOW).unwrap();
    m.complete_transition_to(&t).unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.client_transaction_version),
        (9893, 0, TransactionVersion::Tv2)
    );
}

#[test]
fn test_rotate_producer_id_in_pending_states() {
    for (state, tv) in [
        (Ongoing, TransactionVersion::Tv0),
        (PrepareAbort, TransactionVersion::Tv0),
        (PrepareAbort, TransactionVersion::Tv2),
        (PrepareCommit, TransactionVersion::Tv0),
        (PrepareCommit, TransactionVersion::Tv2),
    ] {
        let mut m = meta(i16::MAX - 1, NO_PRODUCER_EPOCH, state, -1, tv);
        m.previous_producer_id = PRODUCER_ID;
        let e = m.prepare_producer_id_rotation(9893, 30000, NOW, false).unwrap_err();
        assert_eq!(
            e,
            TxnError::IllegalState("Cannot rotate producer ids while a transaction is still pending".into())
        );
    }
}

#[test]
fn test_attempted_epoch_bump_with_newly_created_metadata() {
    let mut m = meta(NO_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let t = bump(&mut m, Some(735), NOW);
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.last_producer_epoch), (PRODUCER_ID, 0, NO_PRODUCER_EPOCH));
}

#[test]
fn test_epoch_bump_with_current_epoch_provided() {
    let mut m = meta(735, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let t = bump(&mut m, Some(735), NOW);
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.last_producer_epoch), (PRODUCER_ID, 736, 735));
}

#[test]
fn test_attempted_epoch_bump_with_last_epoch() {
    let mut m = meta(735, 734, Empty, -1, TransactionVersion::Tv0);
    let t = bump(&mut m, Some(734), NOW);
    m.complete_transition_to(&t).unwrap();
    assert_eq!((m.producer_id, m.producer_epoch, m.last_producer_epoch), (PRODUCER_ID, 735, 734));
}

#[test]
fn test_attempted_epoch_bump_with_fenced_epoch() {
    let mut m = meta(735, 734, Empty, -1, TransactionVersion::Tv0);
    m.previous_producer_id = PRODUCER_ID;
    let e = m.prepare_increment_producer_epoch(30000, Some(733), NOW).unwrap_err();
    assert_eq!(e, TxnError::ProducerFenced);
    assert_eq!(e.code(), Some(90));
    assert_eq!(m.pending_state, None, "a fenced producer leaves nothing pending");
}

/// `prepareTransitionTo`'s own checks: one pending transition at a time, target states
/// only from their valid previous states, and no completion without a pending state.
#[test]
fn transitions_are_checked_against_kafkas_table() {
    let mut m = meta(3, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let e =
        m.prepare_abort_or_commit(PrepareCommit, TransactionVersion::Tv0, NO_PRODUCER_ID, NOW).unwrap_err();
    assert_eq!(
        e,
        TxnError::IllegalState(
            "Preparing transaction state transition to PrepareCommit failed since the target state PrepareCommit is not a valid previous state of the current state Empty".into()
        )
    );
    let t = m.prepare_add_partitions([tp("t", 0)], NOW).unwrap();
    let e = m.prepare_dead().unwrap_err();
    assert!(e.to_string().contains("while it already a pending state Ongoing"), "{e}");
    m.complete_transition_to(&t).unwrap();
    let e = m.complete_transition_to(&t).unwrap_err();
    assert!(e.to_string().contains("does not have a pending state"), "{e}");
    // A target that does not match the pending state is refused.
    let other =
        m.prepare_abort_or_commit(PrepareAbort, TransactionVersion::Tv0, NO_PRODUCER_ID, NOW).unwrap();
    let mut wrong = other.clone();
    wrong.txn_state = PrepareCommit;
    assert!(m.complete_transition_to(&wrong).unwrap_err().to_string().contains("due to unexpected metadata"));
    // So is one whose partitions differ from the transaction's.
    let mut wrong = other.clone();
    wrong.topic_partitions.insert(tp("u", 1));
    assert!(m.complete_transition_to(&wrong).is_err());
    m.complete_transition_to(&other).unwrap();
    assert_eq!(m.state, PrepareAbort);
    m.remove_partition(&tp("t", 0)).unwrap();
    assert!(m.topic_partitions.is_empty());
}

#[test]
fn illegal_ids_and_epochs_and_dead() {
    let mut m = meta(NO_PRODUCER_EPOCH, NO_PRODUCER_EPOCH, Empty, -1, TransactionVersion::Tv0);
    let e = m.prepare_producer_id_rotation(-5, 30000, NOW, false).unwrap_err();
    assert_eq!(e, TxnError::IllegalArgument("Illegal new producer id -5".into()));
    let e = m.prepare_add_partitions([tp("t", 0)], NOW).unwrap_err();
    assert_eq!(e, TxnError::IllegalArgument("Illegal new producer epoch -1".into()));
    // Dead is the one state a -1 epoch may reach; it is never completed.
    let t = m.prepare_dead().unwrap();
    assert_eq!(t.txn_state, Dead);
    let e = m.complete_transition_to(&t).unwrap_err();
    assert!(e.to_string().contains("trying to complete a transition to Dead"), "{e}");
    let e = m.remove_partition(&tp("t", 0)).unwrap_err();
    assert!(e.to_string().contains("trying to remove partitions"), "{e}");
}

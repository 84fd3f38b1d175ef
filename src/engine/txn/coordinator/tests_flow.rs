//! The coordinator's flows past one request: marker retries, fencing, timeouts, loading
//! (ported cases named on each test).

use super::*;

/// `shouldRetryPartitionWhenNotLeaderOrFollowerError`, `shouldReEnqueuePartitionsWhenBrokerDisconnected`,
/// `shouldCompleteDelayedOperationWhenInvalidProducerEpoch`, `shouldSkipSendMarkersWhenLeaderNotFound`,
/// `shouldSaveForLaterWhenLeaderUnknownButNotAvailable`.
#[test]
fn markers_are_retried_skipped_or_dropped_as_kafka_does() {
    let mut h = H::new();
    h.init(ID, 60_000);
    h.add(1000, 0, &[tp("t", 0), tp("gone", 0), tp("offline", 0)]);
    let from = h.sent.len();
    h.end(1000, 0, false);
    let requests = h.marker_requests(from);
    assert_eq!(requests.len(), 1, "gone-0 is skipped, offline-0 waits for a leader");
    assert_eq!(requests[0].2[0].partitions, [tp("t", 0)]);
    let meta = h.c.transaction(ID).unwrap();
    assert!(!meta.topic_partitions.contains(&to_txn_tp(&tp("gone", 0))));
    // NOT_LEADER_OR_FOLLOWER: sent again after the backoff, to the leader named then.
    let from = h.sent.len();
    h.answer_markers(requests[0].1, 1000, vec![(tp("t", 0), Some(ErrorCode::NotLeaderOrFollower))]);
    assert!(h.marker_requests(from).is_empty());
    h.now += markers::MARKER_RETRY_BACKOFF_MS;
    h.settle();
    let again = h.marker_requests(from);
    assert_eq!(again.len(), 1);
    // A closed connection re-enqueues the request.
    assert!(h.c.handle_request(h.now, again[0].0, &Message::ConnectionClosed, &mut h.pids));
    h.now += markers::MARKER_RETRY_BACKOFF_MS;
    let from = h.sent.len();
    h.settle();
    let third = h.marker_requests(from);
    assert_eq!(third.len(), 1);
    h.answer_markers(third[0].1, 1000, vec![(tp("t", 0), None)]);
    assert_eq!(h.state(), PrepareAbort, "offline-0 still waits");
    // INVALID_PRODUCER_EPOCH drops the transaction's markers: it stays PrepareAbort.
    let pending = h.c.markers.pending_count();
    assert_eq!(pending, 1);
    let q = h.c.markers.unsent[0].clone();
    h.c.markers.unsent.clear();
    h.c.markers.in_flight.insert(77, markers::InFlight { broker: 2, entries: vec![q] });
    h.answer_markers(77, 1000, vec![(tp("offline", 0), Some(ErrorCode::InvalidProducerEpoch))]);
    assert_eq!(h.c.markers.pending_count(), 0);
    assert_eq!(h.state(), PrepareAbort);
}

/// `shouldAbortTransactionOnHandleInitPidWhenExistingTransactionInOngoingState`: the
/// fence bumps the epoch, PrepareAbort is written with it, the client gets
/// CONCURRENT_TRANSACTIONS; its retry after the abort gets the epoch after that.
#[test]
fn init_producer_id_fences_an_ongoing_transaction() {
    let mut h = H::new();
    h.init(ID, 60_000);
    h.add(1000, 0, &[tp("t", 0)]);
    let from = h.sent.len();
    assert_eq!(h.init(ID, 60_000), (Some(ErrorCode::ConcurrentTransactions), -1, -1));
    assert_eq!(h.written_states().last(), Some(&(PrepareAbort, 1, 1)));
    let markers = h.marker_requests(from);
    assert!(!markers[0].2[0].committed);
    assert_eq!(markers[0].2[0].producer_epoch, 1);
    // The old producer is fenced.
    assert_eq!(h.add(1000, 0, &[tp("t", 1)]), [Some(ErrorCode::ProducerFenced)]);
    h.answer_markers(markers[0].1, 1000, vec![(tp("t", 0), None)]);
    assert_eq!(h.state(), CompleteAbort);
    assert_eq!(h.init(ID, 60_000), (None, 1000, 2));
}

/// `shouldNotRepeatedlyBumpEpochDueToInitPidDuringOngoingTxnIfAppendToLogFails`.
#[test]
fn a_failed_fence_does_not_bump_the_epoch_twice() {
    let mut h = H::new();
    h.init(ID, 60_000);
    h.add(1000, 0, &[tp("t", 0)]);
    h.append_error = Some(ErrorCode::NotEnoughReplicas);
    assert_eq!(h.init(ID, 60_000).0, Some(ErrorCode::CoordinatorNotAvailable));
    let m = h.c.transaction(ID).unwrap();
    assert!(m.has_failed_epoch_fence);
    assert_eq!((m.producer_epoch, m.state, m.pending_state), (1, Ongoing, None));
    h.append_error = None;
    assert_eq!(h.init(ID, 60_000).0, Some(ErrorCode::ConcurrentTransactions));
    assert_eq!(h.written_states().last(), Some(&(PrepareAbort, 1, 1)), "the same epoch 1, not 2");
}

/// `shouldAbortExpiredTransactionsInOngoingStateAndBumpEpoch`,
/// `shouldNotAbortExpiredTransactionsThatHaveAPendingStateTransition`,
/// `shouldOnlyConsiderTransactionsInTheOngoingStateToAbort`.
#[test]
fn timed_out_transactions_are_aborted_with_a_bumped_epoch() {
    let mut h = H::new();
    h.init(ID, 1_000);
    h.add(1000, 0, &[tp("t", 0)]);
    // The task runs every 10 s (transaction.abort.timed.out.transaction.cleanup.interval.ms).
    assert_eq!(h.c.timers.get(&TxnTimer::AbortTimedOut), Some(&(T0 + 10_000)));
    h.now = T0 + 10_000;
    let from = h.sent.len();
    h.settle();
    assert_eq!(h.written_states().last(), Some(&(PrepareAbort, 1, 1)));
    assert!(h.sent[from..].iter().all(|(to, _)| *to != CLIENT), "no client is answered");
    assert_eq!(h.state(), PrepareAbort);
    // Pending completion: the next run does not abort again.
    let writes = h.written.len();
    h.now += 10_000;
    h.settle();
    assert_eq!(h.written.len(), writes);
}

/// `shouldWriteTxnMarkersForTransactionInPreparedCommitState` and
/// `testLoadAndRemoveTransactionsForPartition`: a log holding Ongoing then PrepareCommit
/// is loaded as PrepareCommit and its markers are sent again; the completion is written.
#[test]
fn loading_a_prepared_commit_sends_its_markers() {
    let mut meta = TransactionMetadata::new(
        ID,
        1000,
        -1,
        -1,
        3,
        -1,
        60_000,
        Ongoing,
        T0,
        T0,
        crate::engine::txn::state::TransactionVersion::Tv0,
    );
    meta.add_partitions([to_txn_tp(&tp("t", 0)), to_txn_tp(&tp("t", 1))]);
    let ongoing = meta.prepare_no_transit();
    let prepare = TxnTransitMetadata { txn_state: PrepareCommit, ..ongoing.clone() };
    let mut log = Vec::new();
    for (offset, t) in [ongoing, prepare].iter().enumerate() {
        let value = value_to_bytes(t, crate::engine::txn::state::TransactionVersion::Tv0).unwrap();
        let mut b = crate::engine::record::BatchBuilder::new(crate::engine::record::BatchOptions {
            base_offset: offset as i64,
            ..Default::default()
        });
        b.append(T0, Some(&key_to_bytes(ID)), Some(&value), &[]);
        log.extend_from_slice(&b.build().unwrap());
    }
    let mut h = H { c: TransactionCoordinator::new(1, TransactionCoordinatorConfig::default()), ..H::new() };
    h.c.on_elected(T0, 47, 9);
    h.c.load(T0, 47, &log);
    assert_eq!(h.state(), PrepareCommit);
    assert_eq!(h.c.transaction(ID).unwrap().pending_state, Some(CompleteCommit));
    h.settle();
    let requests = h.marker_requests(0);
    assert_eq!(requests.len(), 2);
    assert!(requests
        .iter()
        .all(|(_, _, m)| m[0].coordinator_epoch == 9 && m[0].producer_epoch == 3 && m[0].committed));
    for (broker, correlation_id, m) in requests {
        let _ = broker;
        let results = m[0].partitions.iter().map(|p| (p.clone(), None)).collect();
        h.answer_markers(correlation_id, 1000, results);
    }
    assert_eq!(h.state(), CompleteCommit);
    assert_eq!(h.written_states(), [(CompleteCommit, 3, 0)]);
}

/// `testAppendFailToNotCoordinatorError` / `shouldAbortAppendToLogOnEndTxnWhenNotCoordinatorError`:
/// a write answered after the partition moved is not applied; the client gets NOT_COORDINATOR.
#[test]
fn a_write_after_resignation_is_not_applied() {
    let mut h = H::new();
    h.init(ID, 60_000);
    let m = Message::AddPartitionsToTxnRequest {
        correlation_id: 2,
        transactional_id: ID.into(),
        producer_id: 1000,
        producer_epoch: 0,
        partitions: vec![tp("t", 0)],
    };
    assert!(h.c.handle_request(h.now, CLIENT, &m, &mut h.pids));
    let Some(Effect::Append { id, .. }) = h.c.take_effect() else { panic!() };
    h.c.on_resigned(h.now, 47);
    h.c.append_completed(h.now, id, None);
    let answer = h.c.take_effect();
    let Some(Effect::Send { message: Message::AddPartitionsToTxnResponse { results, .. }, .. }) = answer
    else {
        panic!("{answer:?}")
    };
    assert_eq!(results[0].error, Some(ErrorCode::NotCoordinator));
}

/// `KafkaApis.handleAddOffsetsToTxnRequest`: the group's `__consumer_offsets` partition
/// (`partitionFor(groupId)`: "my-group" is 12 of 50) joins the transaction, and its
/// marker goes to that partition's leader with the others.
#[test]
fn add_offsets_adds_the_groups_offsets_partition() {
    let mut h = H::new();
    h.init(ID, 60_000);
    let m = Message::AddOffsetsToTxnRequest {
        correlation_id: 8,
        transactional_id: ID.into(),
        producer_id: 1000,
        producer_epoch: 0,
        group_id: "my-group".into(),
    };
    assert!(matches!(h.request(m), Message::AddOffsetsToTxnResponse { error: None, .. }));
    let offsets_tp = to_txn_tp(&tp("__consumer_offsets", 12));
    assert!(h.c.transaction(ID).unwrap().topic_partitions.contains(&offsets_tp));
    assert_eq!(h.state(), Ongoing);
    let from = h.sent.len();
    assert_eq!(h.end(1000, 0, true), None);
    let requests = h.marker_requests(from);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].2[0].partitions, [tp("__consumer_offsets", 12)]);
    // A wrong epoch is PRODUCER_FENCED here too.
    let m = Message::AddOffsetsToTxnRequest {
        correlation_id: 9,
        transactional_id: ID.into(),
        producer_id: 1000,
        producer_epoch: 7,
        group_id: "my-group".into(),
    };
    assert!(matches!(
        h.request(m),
        Message::AddOffsetsToTxnResponse { error: Some(ErrorCode::ProducerFenced), .. }
    ));
}

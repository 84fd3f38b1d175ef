//! The transaction's happy paths and the calls the state forbids.

use super::harness::{tp0, EPOCH, H, PRODUCER_ID};
use crate::engine::cluster::group_parts::OffsetPartitionResult;
use crate::engine::cluster::txn_parts::CoordinatorType;
use crate::engine::cluster::{ClusterEvent, Message};

/// TransactionManagerTest.testBasicTransaction: the batch waits for AddPartitionsToTxn,
/// goes out transactional, the offsets go by AddOffsetsToTxn then (after finding the
/// group coordinator) TxnOffsetCommit with the consumer's group metadata, and EndTxn
/// commits.
#[test]
fn basic_transaction() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    assert!(h.has_event(|e| matches!(
        e,
        ClusterEvent::TransactionsInitialized { producer_id: PRODUCER_ID, producer_epoch: EPOCH, .. }
    )));
    h.command(r#"{"begin_transaction": true}"#);
    assert_eq!(h.state(), "IN_TRANSACTION");
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionBegan { transactional_id, .. } if transactional_id == "foobar")));
    h.produce(0);
    // No Produce before the partition is in the transaction.
    assert_eq!(h.answer_add_partitions(None), vec![tp0()]);
    assert!(h.answer_produce(None), "a transactional producer's batch has the transactional bit");
    assert_eq!(h.p.counts().acked, 1);

    h.command(
        r#"{"send_offsets_to_transaction": {"consumer": "c1", "group_metadata": {"generation_id": 3, "group_id": "g", "group_instance_id": null, "member_id": "c1-m"}, "offsets": [{"offset": 1, "partition": 1, "topic": "in"}]}}"#,
    );
    let (to, m) = h.one_sent();
    let Message::AddOffsetsToTxnRequest { correlation_id, group_id, producer_id, .. } = m else {
        panic!("{m:?}")
    };
    assert_eq!((to, group_id.as_str(), producer_id), (1, "g", PRODUCER_ID));
    h.deliver(to, Message::AddOffsetsToTxnResponse { correlation_id, error: None });
    assert!(
        !h.has_event(|e| matches!(e, ClusterEvent::TransactionOffsetsSent { .. })),
        "done only after TxnOffsetCommit"
    );
    h.answer_find_coordinator(CoordinatorType::Group, "g", 2);
    let (to, m) = h.one_sent();
    let Message::TxnOffsetCommitRequest {
        correlation_id,
        generation_id,
        member_id,
        offsets,
        transactional_id,
        ..
    } = m
    else {
        panic!("{m:?}")
    };
    assert_eq!((to, generation_id, member_id.as_str(), transactional_id.as_str()), (2, 3, "c1-m", "foobar"));
    assert_eq!(
        (offsets[0].tp.topic.as_ref(), offsets[0].tp.partition, offsets[0].committed_offset),
        ("in", 1, 1)
    );
    let tp = offsets[0].tp.clone();
    let ok = OffsetPartitionResult {
        tp,
        committed_offset: -1,
        committed_leader_epoch: -1,
        metadata: String::new(),
        error: None,
    };
    h.deliver(to, Message::TxnOffsetCommitResponse { correlation_id, partitions: vec![ok] });
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionOffsetsSent { .. })));

    h.command(r#"{"commit_transaction": true}"#);
    assert_eq!(h.state(), "COMMITTING_TRANSACTION");
    assert!(h.answer_end_txn(None));
    assert_eq!(h.state(), "READY");
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionCommitted { producer_id: PRODUCER_ID, .. })));
    assert!(h.refusals().is_empty(), "{:?}", h.refusals());
}

/// TransactionManagerTest.testEndTxnNotSentIfIncompleteBatches and
/// testCommitTransactionWithInFlightProduceRequest: EndTxn waits for the batches in flight.
#[test]
fn end_txn_not_sent_if_incomplete_batches() {
    let (mut h, produce) = H::with_produce_in_flight();
    assert!(matches!(produce[0].1, Message::ProduceRequest { .. }));
    h.command(r#"{"commit_transaction": true}"#);
    assert!(h.take_sent().is_empty(), "no EndTxn while the Produce is in flight");
    h.sent = produce;
    h.answer_produce(None);
    assert!(h.answer_end_txn(None));
    assert_eq!(h.state(), "READY");
}

/// TransactionManagerTest.testNotReadyForSendBeforeInitTransactions,
/// testNotReadyForSendBeforeBeginTransaction, testInitializeTransactionsTwiceRaisesError
/// and KafkaProducer.throwIfNoTransactionManager: refused with Java's exception words.
#[test]
fn calls_the_state_forbids_are_refused_with_kafkas_words() {
    let mut h = H::new(&[]);
    h.produce(0);
    assert_eq!(
        h.last_refusal(),
        "send refused: Cannot add partition t-0 to transaction before completing a call to initTransactions"
    );
    assert_eq!(h.p.counts().in_flight, 0);
    h.command(r#"{"begin_transaction": true}"#);
    assert_eq!(
        h.last_refusal(),
        "begin_transaction refused: TransactionalId foobar: Invalid transition attempted from state UNINITIALIZED to state IN_TRANSACTION"
    );
    h.do_init_transactions();
    h.produce(0);
    assert_eq!(
        h.last_refusal(),
        "send refused: Cannot add partition t-0 to transaction while in state  READY"
    );
    h.command(r#"{"init_transactions": true}"#);
    assert_eq!(
        h.last_refusal(),
        "init_transactions refused: TransactionalId foobar: Invalid transition attempted from state READY to state INITIALIZING"
    );
    h.command(r#"{"commit_transaction": true}"#);
    assert!(h
        .last_refusal()
        .ends_with("Invalid transition attempted from state READY to state COMMITTING_TRANSACTION"));
    h.command(
        r#"{"send_offsets_to_transaction": {"consumer": "c1", "group_metadata": {"generation_id": 1, "group_id": "g", "member_id": "m"}, "offsets": [{"offset": 1, "partition": 0, "topic": "in"}]}}"#,
    );
    assert_eq!(
        h.last_refusal(),
        "send_offsets_to_transaction refused: Cannot send offsets if a transaction is not in progress (currentState= READY)"
    );
    assert_eq!(h.state(), "READY");

    let mut plain = H::new(&[]);
    plain.p = crate::engine::client::producer::ProducerNode::new(1, Default::default(), 7);
    plain.command(r#"{"commit_transaction": true}"#);
    assert_eq!(
        plain.last_refusal(),
        "commit_transaction refused: Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property"
    );
}

/// `handleCachedTransactionRequestResult` / `throwIfPendingState`: a commit asked again
/// while under way waits on the same result; another call is refused.
#[test]
fn a_call_while_another_is_under_way_meets_the_pending_transition() {
    let (mut h, produce) = H::with_produce_in_flight();
    h.command(r#"{"commit_transaction": true}"#);
    h.command(r#"{"commit_transaction": true}"#);
    assert!(h.refusals().is_empty(), "{:?}", h.refusals());
    h.command(r#"{"begin_transaction": true}"#);
    assert_eq!(
        h.last_refusal(),
        "begin_transaction refused: Cannot attempt operation `beginTransaction` because the previous call to `commitTransaction` timed out and must be retried"
    );
    h.command(r#"{"abort_transaction": true}"#);
    assert!(h.last_refusal().contains(
        "Cannot attempt operation `abortTransaction` because the previous call to `commitTransaction`"
    ));
    h.sent = produce;
    h.answer_produce(None);
    h.answer_end_txn(None);
    h.command(r#"{"begin_transaction": true}"#);
    assert_eq!(h.state(), "IN_TRANSACTION");
}

/// TransactionManagerTest.testDisconnectAndRetry and testLookupCoordinatorOnNotCoordinatorError:
/// a FindCoordinator whose connection closed is sent again after `retry.backoff.ms`;
/// NOT_COORDINATOR on InitProducerId finds the coordinator anew.
#[test]
fn disconnect_and_retry_and_not_coordinator() {
    let mut h = H::new(&[]);
    h.command(r#"{"init_transactions": true}"#);
    let (to, m) = h.one_sent();
    assert!(matches!(m, Message::FindCoordinatorRequest { key_type: CoordinatorType::Transaction, .. }));
    h.deliver(to, Message::ConnectionClosed);
    assert!(h.take_sent().is_empty(), "retried after the backoff");
    h.advance(100);
    h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
    h.answer_init_producer_id(Some(crate::engine::error::ErrorCode::NotCoordinator), (-1, -1));
    assert_eq!(h.state(), "INITIALIZING");
    h.advance(100);
    h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
    h.answer_init_producer_id(None, (PRODUCER_ID, EPOCH));
    assert_eq!(h.state(), "READY");
    assert_eq!(h.p.producer_id_and_epoch(), Some((PRODUCER_ID, EPOCH)));
}

/// TransactionManagerTest.testAddPartitionToTransactionOverridesRetryBackoffForConcurrentTransactions
/// and testRetriableErrors: CONCURRENT_TRANSACTIONS on the transaction's first
/// AddPartitionsToTxn is retried after 20 ms; COORDINATOR_LOAD_IN_PROGRESS after
/// `retry.backoff.ms`.
#[test]
fn retriable_add_partitions_errors_are_retried() {
    use crate::engine::error::ErrorCode;
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(Some(ErrorCode::ConcurrentTransactions));
    h.advance(19);
    assert!(h.take_sent().is_empty());
    h.advance(1);
    h.answer_add_partitions(Some(ErrorCode::CoordinatorLoadInProgress));
    h.advance(99);
    assert!(h.take_sent().is_empty());
    h.advance(1);
    h.answer_add_partitions(None);
    assert!(h.answer_produce(None));
    assert_eq!(h.state(), "IN_TRANSACTION");
}

/// `Sender.run`'s shutdown: closing a producer (here `restart_with`, the page's "close and
/// build again") first sends its batches, then aborts the ongoing transaction, then the
/// new producer starts UNINITIALIZED.
#[test]
fn close_aborts_the_ongoing_transaction() {
    let (mut h, produce) = H::with_produce_in_flight();
    h.command(r#"{"restart_with": {"configs": {"linger.ms": "10"}}}"#);
    assert!(h.take_sent().is_empty(), "the abort waits for the batch in flight");
    h.sent = produce;
    h.answer_produce(None);
    assert!(!h.answer_end_txn(None), "close aborts");
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionAborted { .. })));
    assert!(h.has_event(|e| matches!(e, ClusterEvent::ProducerRebuilt { .. })));
    assert_eq!(h.state(), "UNINITIALIZED");
    assert_eq!(h.p.config().linger_ms, 10);
}

/// TransactionManagerTest.testRetriableErrors (UNKNOWN_TOPIC_OR_PARTITION,
/// REQUEST_TIMED_OUT, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS) and
/// testCoordinatorNotAvailable: FindCoordinator, InitProducerId, AddPartitionsToTxn and
/// EndTxn are each sent again after a retriable error, and the commit succeeds.
#[test]
fn retriable_errors() {
    use crate::engine::error::ErrorCode::*;
    for error in [
        UnknownTopicOrPartition,
        RequestTimedOut,
        CoordinatorLoadInProgress,
        ConcurrentTransactions,
        CoordinatorNotAvailable,
    ] {
        let mut h = H::new(&[]);
        h.command(r#"{"init_transactions": true}"#);
        let (to, m) = h.one_sent();
        let Message::FindCoordinatorRequest { correlation_id, key, .. } = m else { panic!("{m:?}") };
        h.deliver(
            to,
            Message::FindCoordinatorResponse { correlation_id, key, error: Some(error), node_id: None },
        );
        h.advance(100);
        h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        h.answer_init_producer_id(Some(error), (-1, -1));
        h.advance(100);
        if error == CoordinatorNotAvailable {
            // Also a sign the coordinator moved: it is looked up again.
            h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        }
        h.answer_init_producer_id(None, (PRODUCER_ID, EPOCH));
        assert_eq!(h.state(), "READY", "{error:?}");
        h.command(r#"{"begin_transaction": true}"#);
        h.produce(0);
        let add_error = if error == ConcurrentTransactions { CoordinatorLoadInProgress } else { error };
        h.answer_add_partitions(Some(add_error));
        h.advance(100);
        if error == CoordinatorNotAvailable {
            h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        }
        h.answer_add_partitions(None);
        h.answer_produce(None);
        h.command(r#"{"commit_transaction": true}"#);
        assert!(h.answer_end_txn(Some(error)));
        h.advance(100);
        if error == CoordinatorNotAvailable {
            h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        }
        assert!(h.answer_end_txn(None));
        assert_eq!(h.state(), "READY", "{error:?}");
        assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionCommitted { .. })), "{error:?}");
    }
}

/// The page's check of a transaction button answers with the very words the producer
/// refuses the call with, and changes nothing (a call it allows is not started).
#[test]
fn the_pages_check_answers_as_the_call_would() {
    use crate::engine::cluster::command::{Command, Yes};
    let mut h = H::new(&[]);
    let begin = Command::BeginTransaction(Yes);
    assert_eq!(
        h.p.check_transaction_command(&begin).unwrap_err(),
        "begin_transaction refused: TransactionalId foobar: Invalid transition attempted from state UNINITIALIZED to state IN_TRANSACTION"
    );
    assert_eq!(h.p.check_transaction_command(&Command::InitTransactions(Yes)), Ok(()));
    assert_eq!(h.p.transaction_state().map(|s| s.1), Some("UNINITIALIZED"), "the check changed nothing");
    h.do_init_transactions();
    assert_eq!(h.p.check_transaction_command(&begin), Ok(()));
    let commit = h.p.check_transaction_command(&Command::CommitTransaction(Yes)).unwrap_err();
    h.command(r#"{"commit_transaction": true}"#);
    assert_eq!(h.last_refusal(), commit);
    assert_eq!(h.p.transaction_state().map(|s| s.1), Some("READY"));
}

//! Fatal and abortable errors, as Kafka's `TransactionManagerTest` feeds them.

use super::harness::{tp0, EPOCH, H, PRODUCER_ID};
use crate::engine::cluster::group_parts::OffsetPartitionResult;
use crate::engine::cluster::txn_parts::CoordinatorType;
use crate::engine::cluster::{ClusterEvent, Message};
use crate::engine::error::ErrorCode;

const FENCED: &str = "Producer with transactionalId 'foobar' and (producerId=13131, epoch=1) has been fenced by another producer with the same transactionalId";

const SEND_OFFSETS: &str = r#"{"send_offsets_to_transaction": {"consumer": "c1", "group_metadata": {"generation_id": 3, "group_id": "g", "member_id": "c1-m"}, "offsets": [{"offset": 5, "partition": 0, "topic": "in"}]}}"#;

/// `verifyProducerFenced`: every later call is refused with ProducerFencedException's words.
fn assert_every_call_fenced(h: &mut H, fenced: &str) {
    assert_eq!(h.state(), "FATAL_ERROR");
    for (command, name) in [
        (r#"{"begin_transaction": true}"#, "begin_transaction"),
        (r#"{"commit_transaction": true}"#, "commit_transaction"),
        (r#"{"abort_transaction": true}"#, "abort_transaction"),
        (SEND_OFFSETS, "send_offsets_to_transaction"),
    ] {
        h.command(command);
        assert_eq!(h.last_refusal(), format!("{name} refused: {fenced}"));
    }
    assert_eq!(h.state(), "FATAL_ERROR");
}

/// TransactionManagerTest.testProducerFencedExceptionInInitProducerId and
/// testInvalidProducerEpochConvertToProducerFencedInInitProducerId.
#[test]
fn producer_fenced_in_init_producer_id() {
    for error in [ErrorCode::ProducerFenced, ErrorCode::InvalidProducerEpoch] {
        let mut h = H::new(&[]);
        h.command(r#"{"init_transactions": true}"#);
        h.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        h.answer_init_producer_id(Some(error), (-1, -1));
        assert!(h
            .has_event(|e| matches!(e, ClusterEvent::TransactionFailed { operation, state, message, .. }
            if operation == "initTransactions" && state == "FATAL_ERROR" && message == "PRODUCER_FENCED")));
        let fenced = "Producer with transactionalId 'foobar' and (producerId=-1, epoch=-1) has been fenced by another producer with the same transactionalId";
        assert_every_call_fenced(&mut h, fenced);
    }
}

/// TransactionManagerTest.testProducerFencedInAddPartitionToTxn and
/// testInvalidProducerEpochConvertToProducerFencedInAddPartitionToTxn: the waiting
/// batch fails with PRODUCER_FENCED and the producer can only be closed.
#[test]
fn producer_fenced_in_add_partitions_to_txn() {
    for error in [ErrorCode::ProducerFenced, ErrorCode::InvalidProducerEpoch] {
        let mut h = H::new(&[]);
        h.do_init_transactions();
        h.command(r#"{"begin_transaction": true}"#);
        h.produce(0);
        h.answer_add_partitions(Some(error));
        assert!(h.has_event(|e| matches!(
            e,
            ClusterEvent::SendFailed { error: ErrorCode::ProducerFenced, records: 1, .. }
        )));
        assert_eq!(h.p.counts().failed, 1);
        assert!(h.take_sent().is_empty(), "nothing is sent once fenced");
        assert_every_call_fenced(&mut h, FENCED);
    }
}

/// TransactionManagerTest.testProducerFencedInAddOffSetsToTxn,
/// testInvalidProducerEpochConvertToProducerFencedInEndTxn.
#[test]
fn producer_fenced_in_add_offsets_and_end_txn() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.command(SEND_OFFSETS);
    let (to, m) = h.one_sent();
    let Message::AddOffsetsToTxnRequest { correlation_id, .. } = m else { panic!("{m:?}") };
    h.deliver(
        to,
        Message::AddOffsetsToTxnResponse { correlation_id, error: Some(ErrorCode::InvalidProducerEpoch) },
    );
    assert_every_call_fenced(&mut h, FENCED);

    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(None);
    h.command(r#"{"commit_transaction": true}"#);
    h.answer_produce(None);
    h.answer_end_txn(Some(ErrorCode::InvalidProducerEpoch));
    assert!(h.has_event(
        |e| matches!(e, ClusterEvent::TransactionFailed { operation, .. } if operation == "commitTransaction")
    ));
    assert_every_call_fenced(&mut h, FENCED);
}

/// TransactionManagerTest.testRecoveryFromAbortableErrorTransactionNotStarted (with
/// testTopicAuthorizationFailureInAddPartitions): TOPIC_AUTHORIZATION_FAILED on
/// AddPartitionsToTxn is abortable; the batch fails, a commit is refused, the abort needs
/// no EndTxn (nothing was added), and the next transaction commits.
#[test]
fn recovery_from_abortable_error_transaction_not_started() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(Some(ErrorCode::TopicAuthorizationFailed));
    assert_eq!(h.state(), "ABORTABLE_ERROR");
    assert!(h.has_event(|e| matches!(
        e,
        ClusterEvent::SendFailed { error: ErrorCode::TopicAuthorizationFailed, .. }
    )));
    h.command(r#"{"commit_transaction": true}"#);
    assert_eq!(
        h.last_refusal(),
        "commit_transaction refused: Cannot execute transactional method because we are in an error state"
    );
    h.command(r#"{"abort_transaction": true}"#);
    assert!(h.take_sent().is_empty(), "no EndTxn for a transaction that added nothing");
    assert_eq!(h.state(), "READY");
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionAborted { .. })));

    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    assert_eq!(h.answer_add_partitions(None), vec![tp0()]);
    h.command(r#"{"commit_transaction": true}"#);
    h.answer_produce(None);
    assert!(h.answer_end_txn(None));
    assert_eq!(h.state(), "READY");
}

/// TransactionManagerTest.testCommitWithTopicAuthorizationFailureInAddPartitionsInFlight:
/// the commit fails with the error, and the unsent records fail.
#[test]
fn commit_with_topic_authorization_failure_in_add_partitions_in_flight() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.command(r#"{"commit_transaction": true}"#);
    h.answer_add_partitions(Some(ErrorCode::TopicAuthorizationFailed));
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionFailed { operation, message, .. }
        if operation == "commitTransaction" && message == "TOPIC_AUTHORIZATION_FAILED")));
    assert_eq!(h.p.counts().failed, 1);
    assert!(h.take_sent().is_empty(), "no EndTxn");
    assert_eq!(h.state(), "ABORTABLE_ERROR");
}

/// TransactionManagerTest.testAllowAbortOnProduceFailure and testDisallowCommitOnProduceFailure:
/// a failed batch makes the transaction abortable; the abort sends EndTxn, then bumps the
/// epoch with InitProducerId carrying the current id and epoch.
#[test]
fn allow_abort_on_produce_failure() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(None);
    h.answer_produce(Some(ErrorCode::OutOfOrderSequenceNumber));
    assert_eq!(h.state(), "ABORTABLE_ERROR");
    h.command(r#"{"commit_transaction": true}"#);
    assert!(h
        .last_refusal()
        .ends_with("Cannot execute transactional method because we are in an error state"));
    h.command(r#"{"abort_transaction": true}"#);
    assert!(!h.answer_end_txn(None));
    assert_eq!(h.state(), "INITIALIZING");
    let asked = h.answer_init_producer_id(None, (PRODUCER_ID, EPOCH + 1));
    assert_eq!(asked, (Some("foobar".into()), 60_000, PRODUCER_ID, EPOCH));
    assert_eq!(h.state(), "READY");
    assert_eq!(h.p.producer_id_and_epoch(), Some((PRODUCER_ID, EPOCH + 1)));
    assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionAborted { .. })));
}

/// TransactionManagerTest.testInvalidProducerEpochFromProduce: INVALID_PRODUCER_EPOCH
/// from a partition leader is abortable, not fatal; the abort sends EndTxn, then an
/// InitProducerId that bumps the epoch.
#[test]
fn invalid_producer_epoch_from_produce() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(None);
    h.answer_produce(Some(ErrorCode::InvalidProducerEpoch));
    assert_eq!(h.state(), "ABORTABLE_ERROR");
    assert!(
        h.has_event(|e| matches!(e, ClusterEvent::SendFailed { error: ErrorCode::InvalidProducerEpoch, .. }))
    );
    h.command(r#"{"abort_transaction": true}"#);
    assert!(!h.answer_end_txn(None));
    let (_, _, producer_id, epoch) = h.answer_init_producer_id(None, (PRODUCER_ID, EPOCH + 1));
    assert_eq!((producer_id, epoch), (PRODUCER_ID, EPOCH));
    assert_eq!(h.state(), "READY");
}

/// TransactionManagerTest.testTransitionToAbortableErrorOnBatchExpiry: a batch that
/// expires (`delivery.timeout.ms`) makes the transaction abortable.
#[test]
fn transition_to_abortable_error_on_batch_expiry() {
    let mut h = H::new(&[("request.timeout.ms", "1000"), ("delivery.timeout.ms", "2000")]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.produce(0);
    h.answer_add_partitions(None);
    let (_, m) = h.one_sent();
    assert!(matches!(m, Message::ProduceRequest { .. }), "{m:?}");
    // The Produce is never answered: timed out at 1 s, retried, expired at 2 s.
    h.advance(2500);
    assert!(h.has_event(|e| matches!(e, ClusterEvent::SendFailed { error: ErrorCode::RequestTimedOut, .. })));
    assert_eq!(h.state(), "ABORTABLE_ERROR");
}

/// TransactionManagerTest.testAbortableErrorWhileAbortInProgress: a batch failing while
/// the abort is under way leaves the state ABORTING_TRANSACTION, and the abort completes.
#[test]
fn abortable_error_while_abort_in_progress() {
    let (mut h, produce) = H::with_produce_in_flight();
    h.command(r#"{"abort_transaction": true}"#);
    assert_eq!(h.state(), "ABORTING_TRANSACTION");
    h.sent = produce;
    h.answer_produce(Some(ErrorCode::OutOfOrderSequenceNumber));
    assert_eq!(h.state(), "ABORTING_TRANSACTION");
    assert!(!h.answer_end_txn(None));
    assert_eq!(h.state(), "READY");
}

/// TransactionManagerTest.testUnknownMemberIdInTxnOffsetCommitByGroupMetadata and
/// testIllegalGenerationInTxnOffsetCommitByGroupMetadata: a stale consumer's offsets make
/// the transaction abortable (CommitFailedException's words).
#[test]
fn unknown_member_id_in_txn_offset_commit() {
    for (error, why) in [
        (ErrorCode::UnknownMemberId, "The coordinator is not aware of this member."),
        (ErrorCode::IllegalGeneration, "Specified group generation id is not valid."),
    ] {
        let mut h = H::new(&[]);
        h.do_init_transactions();
        h.command(r#"{"begin_transaction": true}"#);
        h.command(SEND_OFFSETS);
        let (to, m) = h.one_sent();
        let Message::AddOffsetsToTxnRequest { correlation_id, .. } = m else { panic!("{m:?}") };
        h.deliver(to, Message::AddOffsetsToTxnResponse { correlation_id, error: None });
        h.answer_find_coordinator(CoordinatorType::Group, "g", 2);
        let (to, m) = h.one_sent();
        let Message::TxnOffsetCommitRequest { correlation_id, offsets, .. } = m else { panic!("{m:?}") };
        let tp = offsets[0].tp.clone();
        let failed = OffsetPartitionResult {
            tp,
            committed_offset: -1,
            committed_leader_epoch: -1,
            metadata: String::new(),
            error: Some(error),
        };
        h.deliver(to, Message::TxnOffsetCommitResponse { correlation_id, partitions: vec![failed] });
        assert_eq!(h.state(), "ABORTABLE_ERROR");
        let expected =
            format!("Transaction offset Commit failed due to consumer group metadata mismatch: {why}");
        assert!(h.has_event(|e| matches!(e, ClusterEvent::TransactionFailed { operation, message, .. }
            if operation == "sendOffsetsToTransaction" && *message == expected)));
    }
}

/// KafkaProducer.throwIfInvalidGroupMetadata, and a consumer with no metadata to give.
#[test]
fn invalid_group_metadata_is_refused() {
    let mut h = H::new(&[]);
    h.do_init_transactions();
    h.command(r#"{"begin_transaction": true}"#);
    h.command(r#"{"send_offsets_to_transaction": {"consumer": "c1", "group_metadata": {"generation_id": 2, "group_id": "g", "member_id": ""}, "offsets": [{"offset": 5, "partition": 0, "topic": "in"}]}}"#);
    assert_eq!(
        h.last_refusal(),
        "send_offsets_to_transaction refused: Passed in group metadata GroupMetadata(groupId = g, generationId = 2, memberId = , groupInstanceId = ) has generationId > 0 but member.id "
    );
    h.command(r#"{"send_offsets_to_transaction": {"consumer": "c1"}}"#);
    assert!(h.last_refusal().contains("the consumer c1 has no group metadata to give"));
    assert!(h.take_sent().is_empty());
    assert_eq!(h.state(), "IN_TRANSACTION");
}

/// Not Java, on purpose: an aborted transaction's offsets do not ride in the next one.
/// Java's `TransactionManager` keeps `pendingTxnOffsetCommits` when the queued
/// TxnOffsetCommit is failed unsent (`maybeTerminateRequestWithError`) and builds the next
/// transaction's request from the whole map, so the aborted offsets get committed and the
/// records they cover are skipped (the pipeline fuzz's seed 3729). librdkafka, the client
/// the lecture uses, sends each `send_offsets_to_transaction`'s own offsets; we forget the
/// pending ones when a transaction completes, as it does.
#[test]
fn aborted_offsets_do_not_ride_in_the_next_transaction() {
    let (mut h, produce) = H::with_produce_in_flight();
    h.command(SEND_OFFSETS);
    let (to, m) = h.one_sent();
    let Message::AddOffsetsToTxnRequest { correlation_id, .. } = m else { panic!("{m:?}") };
    h.deliver(to, Message::AddOffsetsToTxnResponse { correlation_id, error: None });
    // The TxnOffsetCommit waits for the group coordinator; meanwhile the batch fails.
    let find_coordinator = h.take_sent();
    h.sent = produce;
    h.answer_produce(Some(ErrorCode::OutOfOrderSequenceNumber));
    assert_eq!(h.state(), "ABORTABLE_ERROR");
    h.sent = find_coordinator;
    h.answer_find_coordinator(CoordinatorType::Group, "g", 2);
    assert!(h.take_sent().is_empty(), "the queued TxnOffsetCommit is failed unsent");
    h.command(r#"{"abort_transaction": true}"#);
    assert!(!h.answer_end_txn(None));
    h.answer_init_producer_id(None, (PRODUCER_ID, EPOCH + 1));
    assert_eq!(h.state(), "READY");

    h.command(r#"{"begin_transaction": true}"#);
    h.command(&SEND_OFFSETS.replace(r#""offset": 5, "partition": 0"#, r#""offset": 7, "partition": 1"#));
    let (to, m) = h.one_sent();
    let Message::AddOffsetsToTxnRequest { correlation_id, .. } = m else { panic!("{m:?}") };
    h.deliver(to, Message::AddOffsetsToTxnResponse { correlation_id, error: None });
    let (_, m) = h.one_sent();
    let Message::TxnOffsetCommitRequest { offsets, .. } = m else { panic!("{m:?}") };
    let sent: Vec<(u32, i64)> = offsets.iter().map(|o| (o.tp.partition, o.committed_offset)).collect();
    assert_eq!(sent, vec![(1, 7)], "only this transaction's offsets");
}

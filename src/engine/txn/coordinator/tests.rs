//! The sans-IO coordinator against cases ported from core's `TransactionCoordinatorTest`,
//! `TransactionStateManagerTest`, `TransactionMarkerChannelManagerTest` and
//! `TransactionMarkerRequestCompletionHandlerTest` (each test names the method it ports).
//! Writes are made durable (or failed) by hand; leaders come from a fixed table.

use super::*;
use crate::engine::cluster::messages::{TxnPartitionResult, WritableTxnMarkerResult};
use crate::engine::txn::log_record::{decode_value, key_to_bytes, value_to_bytes};
use crate::engine::txn::state::{TransactionState, TransactionState::*};
use crate::engine::txn::transit::TxnTransitMetadata;

const ID: &str = "transactional-id-7"; // partition 47 of 50 (see partition.rs)
const CLIENT: NodeId = 10_000;
const EPOCH: i32 = 5;
const T0: i64 = 1_000_000;

struct Pids(i64);
impl ProducerIdSource for Pids {
    fn generate_producer_id(&mut self) -> Result<i64, ErrorCode> {
        self.0 += 1;
        Ok(self.0 - 1)
    }
}

struct H {
    c: TransactionCoordinator,
    pids: Pids,
    now: i64,
    /// The error the next writes get (None: durable).
    append_error: Option<ErrorCode>,
    /// Writes made, decoded: (transactional id key bytes, state, epoch, partitions).
    written: Vec<(Vec<u8>, Vec<u8>)>,
    sent: Vec<(NodeId, Message)>,
}

fn tp(topic: &str, p: u32) -> TopicPartition {
    TopicPartition::new(topic, p)
}

impl H {
    fn new() -> H {
        let mut c = TransactionCoordinator::new(1, TransactionCoordinatorConfig::default());
        c.on_elected(T0, 47, EPOCH);
        c.load(T0, 47, &[]);
        H { c, pids: Pids(1000), now: T0, append_error: None, written: Vec::new(), sent: Vec::new() }
    }

    fn leader(tp: &TopicPartition) -> Option<Option<NodeId>> {
        match (tp.topic.as_str(), tp.partition) {
            ("gone", _) => None,
            ("offline", _) => Some(None),
            (_, p) => Some(Some(2 + p % 2)),
        }
    }

    /// Runs the coordinator until it is quiet, as the broker glue does.
    fn settle(&mut self) {
        for _ in 0..100 {
            while let Some(key) = self.c.pop_due(self.now) {
                if let TxnTimer::Load { partition } = key {
                    self.c.load(self.now, partition, &[]);
                } else {
                    self.c.on_timer(self.now, key, &mut self.pids);
                }
            }
            self.c.route_markers(self.now, &H::leader);
            let mut progressed = false;
            while let Some(e) = self.c.take_effect() {
                progressed = true;
                match e {
                    Effect::Send { to, message } => self.sent.push((to, message)),
                    Effect::Event(_) => {}
                    Effect::Append { id, key, value, .. } => {
                        self.written.push((key, value));
                        self.c.append_completed(self.now, id, self.append_error);
                    }
                }
            }
            if !progressed {
                return;
            }
        }
    }

    fn request(&mut self, message: Message) -> Message {
        let before = self.sent.len();
        assert!(self.c.handle_request(self.now, CLIENT, &message, &mut self.pids));
        self.settle();
        let answers: Vec<Message> =
            self.sent[before..].iter().filter(|(to, _)| *to == CLIENT).map(|(_, m)| m.clone()).collect();
        assert_eq!(answers.len(), 1, "one answer: {answers:?}");
        answers[0].clone()
    }

    fn init(&mut self, id: &str, timeout_ms: i32) -> (Option<ErrorCode>, i64, i16) {
        let m = Message::InitProducerIdRequest {
            correlation_id: 1,
            transactional_id: Some(id.into()),
            transaction_timeout_ms: timeout_ms,
            producer_id: -1,
            producer_epoch: -1,
        };
        match self.request(m) {
            Message::InitProducerIdResponse { error, producer_id, producer_epoch, .. } => {
                (error, producer_id, producer_epoch)
            }
            other => panic!("{other:?}"),
        }
    }

    fn add(&mut self, pid: i64, epoch: i16, partitions: &[TopicPartition]) -> Vec<Option<ErrorCode>> {
        let m = Message::AddPartitionsToTxnRequest {
            correlation_id: 2,
            transactional_id: ID.into(),
            producer_id: pid,
            producer_epoch: epoch,
            partitions: partitions.to_vec(),
        };
        match self.request(m) {
            Message::AddPartitionsToTxnResponse { results, .. } => results.iter().map(|r| r.error).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn end(&mut self, pid: i64, epoch: i16, committed: bool) -> Option<ErrorCode> {
        let m = Message::EndTxnRequest {
            correlation_id: 3,
            transactional_id: ID.into(),
            producer_id: pid,
            producer_epoch: epoch,
            committed,
        };
        match self.request(m) {
            Message::EndTxnResponse { error, producer_id: -1, producer_epoch: -1, .. } => error,
            other => panic!("{other:?}"),
        }
    }

    /// The marker requests sent since `from`: (broker, correlation id, markers).
    fn marker_requests(
        &self,
        from: usize,
    ) -> Vec<(NodeId, u64, Vec<crate::engine::cluster::messages::WritableTxnMarker>)> {
        self.sent[from..]
            .iter()
            .filter_map(|(to, m)| match m {
                Message::WriteTxnMarkersRequest { correlation_id, markers } => {
                    Some((*to, *correlation_id, markers.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn answer_markers(
        &mut self,
        correlation_id: u64,
        producer_id: i64,
        results: Vec<(TopicPartition, Option<ErrorCode>)>,
    ) {
        let partitions = results.into_iter().map(|(tp, error)| TxnPartitionResult { tp, error }).collect();
        let m = Message::WriteTxnMarkersResponse {
            correlation_id,
            markers: vec![WritableTxnMarkerResult { producer_id, partitions }],
        };
        assert!(self.c.handle_request(self.now, 2, &m, &mut self.pids));
        self.settle();
    }

    /// The states written to `__transaction_state`, as `TransactionLog` reads them.
    fn written_states(&self) -> Vec<(TransactionState, i16, usize)> {
        self.written
            .iter()
            .map(|(k, v)| {
                assert_eq!(k, &key_to_bytes(ID));
                let (version, value) = decode_value(v).unwrap();
                assert_eq!(version, 0, "TV_0 writes value version 0");
                let parts =
                    value.transaction_partitions.map_or(0, |p| p.iter().map(|t| t.partition_ids.len()).sum());
                (TransactionState::from_id(value.transaction_status).unwrap(), value.producer_epoch, parts)
            })
            .collect()
    }

    fn state(&self) -> TransactionState {
        self.c.transaction(ID).unwrap().state
    }
}

/// `shouldReturnInvalidRequestWhenTransactionalIdIsEmpty`, and the timeout check
/// (`validateTransactionTimeoutMs`: `transaction.max.timeout.ms` 900000).
#[test]
fn init_producer_id_refuses_empty_ids_and_long_timeouts() {
    let mut h = H::new();
    assert_eq!(h.init("", 60_000).0, Some(ErrorCode::InvalidRequest));
    assert_eq!(h.init(ID, 900_001), (Some(ErrorCode::InvalidTransactionTimeout), -1, -1));
    assert_eq!(h.init(ID, 0).0, Some(ErrorCode::InvalidTransactionTimeout));
    assert!(h.written.is_empty());
}

/// `shouldInitPidWithEpochZeroForNewTransactionalId`, then
/// `shouldIncrementEpochAndUpdateMetadataOnHandleInitPidWhenExistingEmptyTransaction`.
#[test]
fn init_producer_id_gives_epoch_zero_then_bumps() {
    let mut h = H::new();
    assert_eq!(h.init(ID, 60_000), (None, 1000, 0));
    assert_eq!(h.init(ID, 60_000), (None, 1000, 1));
    assert_eq!(h.written_states(), [(Empty, 0, 0), (Empty, 1, 0)]);
}

/// `shouldRespondWithNotCoordinatorOnInitPidWhenNotCoordinator`,
/// `shouldRespondWithCoordinatorLoadInProgressOnInitPidWhenCoordinatorLoading`,
/// `shouldRespondWithNotCoordinatorOnEndTxnWhenIsNotCoordinatorForId`.
#[test]
fn not_coordinator_and_loading() {
    let mut h = H::new();
    // "hello" is partition 22, not led here.
    assert_eq!(h.init("hello", 60_000).0, Some(ErrorCode::NotCoordinator));
    h.c.on_elected(T0, 22, 1);
    assert!(h.c.handle_request(T0, CLIENT, &init_message("hello"), &mut h.pids));
    let Some(Effect::Send { message: Message::InitProducerIdResponse { error, .. }, .. }) = h.c.take_effect()
    else {
        panic!()
    };
    assert_eq!(error, Some(ErrorCode::CoordinatorLoadInProgress));
    // Emigration: `shouldRemoveTransactionsForPartitionOnEmigration`.
    h.init(ID, 60_000);
    h.c.on_resigned(T0, 47);
    assert!(h.c.transaction(ID).is_none());
    assert_eq!(h.end(1000, 0, true), Some(ErrorCode::NotCoordinator));
}

fn init_message(id: &str) -> Message {
    Message::InitProducerIdRequest {
        correlation_id: 9,
        transactional_id: Some(id.into()),
        transaction_timeout_ms: 60_000,
        producer_id: -1,
        producer_epoch: -1,
    }
}

/// `shouldRespondWithInvalidPidMappingOnAddPartitionsToTransactionWhenTransactionalIdNotPresent`,
/// `shouldRespondWithProducerFencedOnAddPartitionsWhenEpochsAreDifferent`,
/// `shouldAppendNewMetadataToLogOnAddPartitionsWhenPartitionsAdded`,
/// `shouldRespondWithErrorsNoneOnAddPartitionWhenNoErrorsAndPartitionsTheSame`.
#[test]
fn add_partitions_checks_the_mapping_and_the_epoch() {
    let mut h = H::new();
    assert_eq!(h.add(1000, 0, &[tp("t", 0)]), [Some(ErrorCode::InvalidProducerIdMapping)]);
    h.init(ID, 60_000);
    assert_eq!(h.add(999, 0, &[tp("t", 0)]), [Some(ErrorCode::InvalidProducerIdMapping)]);
    assert_eq!(h.add(1000, 1, &[tp("t", 0)]), [Some(ErrorCode::ProducerFenced)]);
    assert_eq!(h.add(1000, 0, &[tp("t", 0), tp("t", 1)]), [None, None]);
    assert_eq!(h.state(), Ongoing);
    assert_eq!(h.c.transaction(ID).unwrap().txn_start_timestamp_ms, T0);
    let writes = h.written.len();
    assert_eq!(h.add(1000, 0, &[tp("t", 1)]), [None]);
    assert_eq!(h.written.len(), writes, "partitions already in the transaction are not written again");
    assert_eq!(h.written_states().last(), Some(&(Ongoing, 0, 2)));
}

/// `shouldReplyWithInvalidPidMappingOnEndTxnWhenTxnIdDoesntExist`,
/// `shouldReplyWithInvalidPidMappingOnEndTxnWhenPidDosentMatchMapped`,
/// `shouldReplyWithProducerFencedOnEndTxnWhenEpochIsNotSameAsTransaction`,
/// `shouldReturnInvalidEpochOnEndTxnWhenEpochIsLarger` (TV_0: PRODUCER_FENCED),
/// `shouldRespondWithInvalidRequestOnEndTxnWhenTransactionalIdIsEmpty`, and an Empty
/// transaction's end (INVALID_TXN_STATE).
#[test]
fn end_txn_errors() {
    let mut h = H::new();
    assert_eq!(h.end(1000, 0, true), Some(ErrorCode::InvalidProducerIdMapping));
    h.init(ID, 60_000);
    assert_eq!(h.end(1001, 0, true), Some(ErrorCode::InvalidProducerIdMapping));
    assert_eq!(h.end(1000, 1, true), Some(ErrorCode::ProducerFenced));
    assert_eq!(h.end(1000, 0, true), Some(ErrorCode::InvalidTxnState));
    h.init(ID, 60_000);
    assert_eq!(h.end(1000, 0, true), Some(ErrorCode::ProducerFenced), "an older epoch");
    let m = Message::EndTxnRequest {
        correlation_id: 4,
        transactional_id: String::new(),
        producer_id: 1000,
        producer_epoch: 1,
        committed: true,
    };
    assert!(matches!(h.request(m), Message::EndTxnResponse { error: Some(ErrorCode::InvalidRequest), .. }));
}

/// `shouldAppendPrepareCommitToLogOnEndTxnWhenStatusIsOngoingAndResultIsCommit`,
/// `shouldGenerateRequestPerPartitionPerBroker`, `shouldCompleteAppendToLogOnEndTxnWhenSendMarkersSucceed`,
/// `shouldReturnConcurrentTransactionsOnEndTxnRequestWhenStatusIsPrepareCommit`,
/// `shouldReturnOkOnEndTxnWhenStatusIsCompleteCommitAndResultIsCommit`,
/// `shouldReturnInvalidTxnRequestOnEndTxnRequestWhenStatusIsCompleteCommitAndResultIsNotCommit`.
#[test]
fn commit_writes_prepare_sends_markers_per_broker_then_writes_complete() {
    let mut h = H::new();
    h.init(ID, 60_000);
    h.add(1000, 0, &[tp("t", 0), tp("t", 1), tp("u", 0)]);
    let from = h.sent.len();
    assert_eq!(h.end(1000, 0, true), None);
    assert_eq!(h.written_states().last(), Some(&(PrepareCommit, 0, 3)));
    let requests = h.marker_requests(from);
    // Leaders: t-0 and u-0 on broker 2, t-1 on broker 3.
    assert_eq!(requests.len(), 2);
    let (b2, c2, m2) = &requests[0];
    let (b3, c3, m3) = &requests[1];
    assert_eq!((*b2, *b3), (2, 3));
    assert_eq!(m2[0].partitions, [tp("t", 0), tp("u", 0)]);
    assert_eq!(m3[0].partitions, [tp("t", 1)]);
    assert!(m2[0].committed && m2[0].producer_id == 1000 && m2[0].producer_epoch == 0);
    assert_eq!(m2[0].coordinator_epoch, EPOCH);
    // Markers in flight: the transaction is not done.
    assert_eq!(h.end(1000, 0, true), Some(ErrorCode::ConcurrentTransactions));
    // The completion is pending: every request is told to retry.
    assert_eq!(h.end(1000, 0, false), Some(ErrorCode::ConcurrentTransactions));
    assert_eq!(h.add(1000, 0, &[tp("t", 0)]), [Some(ErrorCode::ConcurrentTransactions)]);
    assert_eq!(h.init(ID, 60_000).0, Some(ErrorCode::ConcurrentTransactions));
    h.answer_markers(*c2, 1000, vec![(tp("t", 0), None), (tp("u", 0), None)]);
    assert_eq!(h.state(), PrepareCommit, "one broker left");
    h.answer_markers(*c3, 1000, vec![(tp("t", 1), None)]);
    assert_eq!(h.state(), CompleteCommit);
    assert_eq!(h.written_states().last(), Some(&(CompleteCommit, 0, 0)));
    assert!(h.c.transaction(ID).unwrap().topic_partitions.is_empty());
    assert_eq!(h.end(1000, 0, true), None);
    assert_eq!(h.end(1000, 0, false), Some(ErrorCode::InvalidTxnState));
    // The next transaction starts from CompleteCommit.
    assert_eq!(h.add(1000, 0, &[tp("t", 0)]), [None]);
}

/// KIP-360 (InitProducerId with the producer's current id and epoch):
/// `testInitProducerIdWithCurrentEpochProvided`, `testInitProducerIdStaleCurrentEpochProvided`,
/// `testFenceProducerWhenMappingExistsWithDifferentProducerId`.
#[test]
fn init_producer_id_with_the_current_epoch() {
    let mut h = H::new();
    h.init(ID, 60_000);
    h.init(ID, 60_000);
    let init = |h: &mut H, producer_id: i64, producer_epoch: i16| {
        let m = Message::InitProducerIdRequest {
            correlation_id: 5,
            transactional_id: Some(ID.into()),
            transaction_timeout_ms: 60_000,
            producer_id,
            producer_epoch,
        };
        match h.request(m) {
            Message::InitProducerIdResponse { error, producer_id, producer_epoch, .. } => {
                (error, producer_id, producer_epoch)
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(init(&mut h, 1000, 1), (None, 1000, 2));
    assert_eq!(h.c.transaction(ID).unwrap().last_producer_epoch, 1);
    assert_eq!(init(&mut h, 1000, 1), (None, 1000, 2), "a retry of the bump gets the same epoch");
    assert_eq!(init(&mut h, 1000, 0), (Some(ErrorCode::ProducerFenced), -1, -1));
    assert_eq!(init(&mut h, 999, 2), (Some(ErrorCode::ProducerFenced), -1, -1));
    assert_eq!(init(&mut h, 1000, -1), (Some(ErrorCode::InvalidRequest), -1, -1), "both or neither");
}

#[path = "tests_flow.rs"]
mod flow;

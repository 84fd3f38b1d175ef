//! The answers of the coordinators to a transactional producer, after the
//! `handleResponse` of the Java client's `TransactionManager` handlers
//! (`FindCoordinatorHandler`, `InitProducerIdHandler`, `AddPartitionsToTxnHandler`,
//! `AddOffsetsToTxnHandler`, `TxnOffsetCommitHandler`, `EndTxnHandler`) and
//! `TxnRequestHandler.onComplete` for a request without an answer (a closed connection or
//! a timeout: rediscover the coordinator and send again). Retriable errors send the request
//! again after `retry.backoff.ms` (CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS …;
//! NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE first find the coordinator anew);
//! INVALID_PRODUCER_EPOCH and PRODUCER_FENCED are fatal as PRODUCER_FENCED; UNKNOWN_PRODUCER_ID
//! and INVALID_PRODUCER_ID_MAPPING are abortable (with an epoch bump, `abortableErrorIfPossible`:
//! our coordinator speaks InitProducerId v4, so `canBumpEpoch` holds); the other errors
//! are fatal with Java's "Unexpected error in …" words. Invariant: every answer ends its
//! handler one way: done, reenqueued, or failed with the producer's new error state.

use super::state::{
    TransactionalState, TxnError, TxnHandler, TxnOperation, TxnOutcome, TxnRequest, TxnState,
};
use crate::engine::cluster::group_parts::OffsetPartitionResult;
use crate::engine::cluster::txn_parts::{CoordinatorType, TxnPartitionResult};
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;

/// An answer to the request in flight.
pub enum TxnAnswer<'a> {
    FindCoordinator { error: Option<ErrorCode>, node_id: Option<NodeId> },
    InitProducerId { error: Option<ErrorCode>, producer_id: i64, producer_epoch: i16 },
    AddPartitions { results: &'a [TxnPartitionResult] },
    AddOffsets { error: Option<ErrorCode> },
    TxnOffsetCommit { partitions: &'a [OffsetPartitionResult] },
    EndTxn { error: Option<ErrorCode> },
}

/// What the producer must do with its idempotent state after an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdUpdate {
    /// Nothing.
    None,
    /// A new producer id and epoch; `reset_sequences` after an epoch bump.
    Set { producer_id: i64, epoch: i16, reset_sequences: bool },
}

fn fenced() -> TxnError {
    TxnError::from_code(ErrorCode::ProducerFenced)
}

impl TransactionalState {
    fn fatal(&mut self, handler: &TxnHandler, error: TxnError) {
        self.fail_result(handler, error.message.clone());
        self.transition_to_fatal_error(error);
    }

    fn abortable(&mut self, handler: &TxnHandler, error: TxnError) {
        self.fail_result(handler, error.message.clone());
        self.transition_to_abortable_error(error);
    }

    /// `abortableErrorIfPossible` (the coordinator can bump the epoch).
    fn abortable_with_bump(&mut self, handler: &TxnHandler, error: TxnError) {
        self.epoch_bump_required = true;
        self.abortable(handler, error);
    }

    fn rediscover_and_retry(
        &mut self,
        handler: TxnHandler,
        key_type: CoordinatorType,
        now_ms: i64,
        backoff_ms: i64,
    ) {
        let key = match &handler.request {
            TxnRequest::TxnOffsetCommit { group } => group.group_id.clone(),
            _ => self.transactional_id.clone(),
        };
        self.lookup_coordinator(key_type, key);
        self.reenqueue(handler, now_ms, backoff_ms);
    }

    /// `onComplete` for a disconnect (or a timeout, which the network client reports as
    /// one): the coordinator is looked up again if the request needs one, and it is resent.
    pub fn handle_no_answer(&mut self, handler: TxnHandler, now_ms: i64, backoff_ms: i64) {
        match handler.request.coordinator_type() {
            Some(key_type) => self.rediscover_and_retry(handler, key_type, now_ms, backoff_ms),
            None => self.reenqueue(handler, now_ms, backoff_ms),
        }
    }

    /// The answer to `handler`'s request.
    pub fn handle_answer(
        &mut self,
        handler: TxnHandler,
        answer: TxnAnswer,
        now_ms: i64,
        backoff_ms: i64,
    ) -> IdUpdate {
        // Java's words ("…InitProducerIdResponse; " but "…AddOffsetsToTxnResponse: "), with
        // the error's name where Java puts its message.
        let unexpected = |api: &str, separator: &str, e: ErrorCode| TxnError {
            code: Some(e),
            ..TxnError::client(format!("Unexpected error in {api}Response{separator} {}", e.name()))
        };
        let coordinator_moved =
            |e: ErrorCode| matches!(e, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable);
        let is_fenced =
            |e: ErrorCode| matches!(e, ErrorCode::InvalidProducerEpoch | ErrorCode::ProducerFenced);
        let txn = CoordinatorType::Transaction;
        match answer {
            TxnAnswer::FindCoordinator { error: None, node_id: Some(node) } => {
                if let TxnRequest::FindCoordinator { key_type, .. } = handler.request {
                    match key_type {
                        CoordinatorType::Group => self.group_coordinator = Some(node),
                        CoordinatorType::Transaction => self.transaction_coordinator = Some(node),
                    }
                }
                self.done_result(&handler);
            }
            TxnAnswer::FindCoordinator { error, .. } => {
                let e = error.unwrap_or(ErrorCode::CoordinatorNotAvailable);
                if e.is_retriable() {
                    self.reenqueue(handler, now_ms, backoff_ms);
                } else {
                    let (key_type, key) = match &handler.request {
                        TxnRequest::FindCoordinator { key_type, key } => (*key_type, key.clone()),
                        _ => (txn, String::new()),
                    };
                    let kind = if key_type.is_group() { "GROUP" } else { "TRANSACTION" };
                    let message = format!(
                        "Could not find a coordinator with type {kind} with key {key} due to unexpected error: {}",
                        e.name()
                    );
                    self.fatal(&handler, TxnError { code: Some(e), ..TxnError::client(message) });
                }
            }
            TxnAnswer::InitProducerId { error: None, producer_id, producer_epoch } => {
                let epoch_bump = matches!(handler.request, TxnRequest::InitProducerId { epoch_bump: true });
                if self.transition_to(TxnState::Ready, None).is_err() {
                    // A late answer after the producer failed: its state stays.
                    return IdUpdate::None;
                }
                self.done_result(&handler);
                return IdUpdate::Set { producer_id, epoch: producer_epoch, reset_sequences: epoch_bump };
            }
            TxnAnswer::InitProducerId { error: Some(e), .. } => {
                if coordinator_moved(e) {
                    self.rediscover_and_retry(handler, txn, now_ms, backoff_ms);
                } else if e.is_retriable() {
                    self.reenqueue(handler, now_ms, backoff_ms);
                } else if is_fenced(e) {
                    self.fatal(&handler, fenced());
                } else {
                    self.fatal(&handler, unexpected("InitProducerId", ";", e));
                }
            }
            TxnAnswer::AddPartitions { results } => {
                self.handle_add_partitions(handler, results, now_ms, backoff_ms)
            }
            TxnAnswer::AddOffsets { error: None } => {
                // The result waits for the TxnOffsetCommit.
                if let TxnRequest::AddOffsets { group, offsets } = handler.request {
                    self.pending_txn_offset_commits.extend(offsets);
                    let commit = TxnHandler {
                        request: TxnRequest::TxnOffsetCommit { group },
                        result: handler.result,
                        is_retry: false,
                    };
                    self.pending_requests.push(commit);
                    self.pending_requests.sort_by_key(|h| h.request.priority());
                }
                self.transaction_started = true;
            }
            TxnAnswer::AddOffsets { error: Some(e) } => {
                if coordinator_moved(e) {
                    self.rediscover_and_retry(handler, txn, now_ms, backoff_ms);
                } else if e.is_retriable() {
                    self.reenqueue(handler, now_ms, backoff_ms);
                } else if matches!(e, ErrorCode::UnknownProducerId | ErrorCode::InvalidProducerIdMapping) {
                    self.abortable_with_bump(&handler, TxnError::from_code(e));
                } else if is_fenced(e) {
                    self.fatal(&handler, fenced());
                } else if e == ErrorCode::InvalidTxnState {
                    self.fatal(&handler, TxnError::from_code(e));
                } else {
                    self.fatal(&handler, unexpected("AddOffsetsToTxn", ":", e));
                }
            }
            TxnAnswer::TxnOffsetCommit { partitions } => {
                self.handle_txn_offset_commit(handler, partitions, now_ms, backoff_ms)
            }
            TxnAnswer::EndTxn { error: None } => {
                let committed = matches!(handler.request, TxnRequest::EndTxn { committed: true });
                self.complete_transaction(committed);
                self.done_result(&handler);
            }
            TxnAnswer::EndTxn { error: Some(e) } => {
                if coordinator_moved(e) {
                    self.rediscover_and_retry(handler, txn, now_ms, backoff_ms);
                } else if e.is_retriable() {
                    self.reenqueue(handler, now_ms, backoff_ms);
                } else if is_fenced(e) {
                    self.fatal(&handler, fenced());
                } else if e == ErrorCode::InvalidTxnState {
                    self.fatal(&handler, TxnError::from_code(e));
                } else if matches!(e, ErrorCode::UnknownProducerId | ErrorCode::InvalidProducerIdMapping) {
                    self.abortable_with_bump(&handler, TxnError::from_code(e));
                } else {
                    let message = format!("Unhandled error in EndTxnResponse: {}", e.name());
                    self.fatal(&handler, TxnError { code: Some(e), ..TxnError::client(message) });
                }
            }
        }
        IdUpdate::None
    }

    /// `AddPartitionsToTxnHandler.handleResponse`.
    fn handle_add_partitions(
        &mut self,
        handler: TxnHandler,
        results: &[TxnPartitionResult],
        now_ms: i64,
        backoff_ms: i64,
    ) {
        let mut has_partition_errors = false;
        let mut unauthorized = false;
        for r in results {
            let Some(e) = r.error else { continue };
            match e {
                ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator => {
                    return self.rediscover_and_retry(
                        handler,
                        CoordinatorType::Transaction,
                        now_ms,
                        backoff_ms,
                    );
                }
                ErrorCode::ConcurrentTransactions => {
                    // `maybeOverrideRetryBackoffMs`: the first AddPartitions of a transaction
                    // retries after 20 ms (the previous transaction is still completing).
                    let backoff = if self.partitions_in_transaction.is_empty() {
                        ADD_PARTITIONS_RETRY_BACKOFF_MS.min(backoff_ms)
                    } else {
                        backoff_ms
                    };
                    return self.reenqueue(handler, now_ms, backoff);
                }
                e if e.is_retriable() => return self.reenqueue(handler, now_ms, backoff_ms),
                ErrorCode::InvalidProducerEpoch | ErrorCode::ProducerFenced => {
                    return self.fatal(&handler, fenced())
                }
                ErrorCode::InvalidTxnState => return self.fatal(&handler, TxnError::from_code(e)),
                ErrorCode::TopicAuthorizationFailed => unauthorized = true,
                ErrorCode::UnknownProducerId | ErrorCode::InvalidProducerIdMapping => {
                    return self.abortable_with_bump(&handler, TxnError::from_code(e));
                }
                _ => has_partition_errors = true,
            }
        }
        for r in results {
            self.pending_partitions.remove(&r.tp);
        }
        if unauthorized {
            self.abortable(&handler, TxnError::from_code(ErrorCode::TopicAuthorizationFailed));
        } else if has_partition_errors {
            let message = "Could not add partitions to transaction due to errors".to_string();
            self.abortable(&handler, TxnError::client(message));
        } else {
            self.partitions_in_transaction.extend(results.iter().map(|r| r.tp.clone()));
            self.transaction_started = true;
            self.done_result(&handler);
        }
    }

    /// `TxnOffsetCommitHandler.handleResponse`.
    fn handle_txn_offset_commit(
        &mut self,
        handler: TxnHandler,
        partitions: &[OffsetPartitionResult],
        now_ms: i64,
        backoff_ms: i64,
    ) {
        let mut coordinator_reloaded = false;
        let mut completed = false;
        for p in partitions {
            match p.error {
                None => {
                    self.pending_txn_offset_commits.remove(&p.tp);
                }
                Some(
                    ErrorCode::CoordinatorNotAvailable
                    | ErrorCode::NotCoordinator
                    | ErrorCode::RequestTimedOut,
                ) => {
                    if !coordinator_reloaded {
                        coordinator_reloaded = true;
                        self.group_coordinator = None;
                        if let TxnRequest::TxnOffsetCommit { group } = &handler.request {
                            let key = group.group_id.clone();
                            self.enqueue_request(
                                TxnRequest::FindCoordinator { key_type: CoordinatorType::Group, key },
                                None,
                            );
                        }
                    }
                }
                Some(e) if e.is_retriable() => {}
                Some(e @ ErrorCode::FencedInstanceId) => {
                    self.abortable(&handler, TxnError::from_code(e));
                    completed = true;
                    break;
                }
                Some(e @ (ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration)) => {
                    let why = if e == ErrorCode::UnknownMemberId {
                        "The coordinator is not aware of this member."
                    } else {
                        "Specified group generation id is not valid."
                    };
                    let message = format!(
                        "Transaction offset Commit failed due to consumer group metadata mismatch: {why}"
                    );
                    self.abortable(&handler, TxnError { code: Some(e), ..TxnError::client(message) });
                    completed = true;
                    break;
                }
                Some(ErrorCode::InvalidProducerEpoch | ErrorCode::ProducerFenced) => {
                    self.fatal(&handler, fenced());
                    completed = true;
                    break;
                }
                Some(e) => {
                    let message = format!("Unexpected error in TxnOffsetCommitResponse: {}", e.name());
                    self.fatal(&handler, TxnError { code: Some(e), ..TxnError::client(message) });
                    completed = true;
                    break;
                }
            }
        }
        if completed {
            self.pending_txn_offset_commits.clear();
        } else if self.pending_txn_offset_commits.is_empty() {
            self.done_result(&handler);
        } else {
            self.reenqueue(handler, now_ms, backoff_ms);
        }
    }

    /// Drains what finished since the last call.
    pub fn take_outcomes(&mut self) -> Vec<TxnOutcome> {
        std::mem::take(&mut self.outcomes)
    }

    /// Whether `op` is still awaited.
    pub fn is_pending(&self, op: TxnOperation) -> bool {
        self.pending_transition.is_some_and(|(_, p)| p == op)
    }
}

/// `TransactionManager.ADD_PARTITIONS_RETRY_BACKOFF_MS`.
pub const ADD_PARTITIONS_RETRY_BACKOFF_MS: i64 = 20;

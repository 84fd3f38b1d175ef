//! The transactional producer's state, after the Java client's `TransactionManager`: its
//! `State` (UNINITIALIZED … FATAL_ERROR) with `isTransitionValid`, the calls the application
//! makes (`initializeTransactions`, `beginTransaction`, `beginCommit`, `beginAbort`,
//! `sendOffsetsToTransaction`, `maybeAddPartition`) with the checks and the exception words
//! of `transitionTo`, `maybeFailWithError`, `throwIfPendingState` and
//! `handleCachedTransactionRequestResult`, the partitions of the transaction (new, pending
//! an AddPartitionsToTxn, added) and the queue of requests to the coordinators in
//! `Priority` order (`nextRequest`). A call that the state forbids returns `Err` with the
//! words Java's exception carries, and changes nothing. One deliberate difference: a
//! completed transaction forgets `pendingTxnOffsetCommits`, as librdkafka (the lecture's
//! client) does, so an aborted poll's offsets never commit with the next one. Invariant: the state only moves
//! along `isTransitionValid`, FATAL_ERROR is left by no call, and at most one request to a
//! coordinator is in flight.

pub use super::request::{TxnHandler, TxnOperation, TxnOutcome, TxnRequest};
use crate::engine::cluster::command::ConsumerGroupMetadata;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::txn_parts::CoordinatorType;
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};

/// `TransactionManager.State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

impl TxnState {
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Uninitialized => "UNINITIALIZED",
            TxnState::Initializing => "INITIALIZING",
            TxnState::Ready => "READY",
            TxnState::InTransaction => "IN_TRANSACTION",
            TxnState::CommittingTransaction => "COMMITTING_TRANSACTION",
            TxnState::AbortingTransaction => "ABORTING_TRANSACTION",
            TxnState::AbortableError => "ABORTABLE_ERROR",
            TxnState::FatalError => "FATAL_ERROR",
        }
    }

    /// `State.isTransitionValid`.
    pub fn is_transition_valid(self, target: TxnState) -> bool {
        use TxnState::*;
        match target {
            Uninitialized => matches!(self, Ready | AbortableError),
            Initializing => matches!(self, Uninitialized | AbortingTransaction),
            Ready => matches!(self, Initializing | CommittingTransaction | AbortingTransaction),
            InTransaction => self == Ready,
            CommittingTransaction => self == InTransaction,
            AbortingTransaction => matches!(self, InTransaction | AbortableError),
            AbortableError => {
                matches!(self, InTransaction | CommittingTransaction | AbortableError | Initializing)
            }
            FatalError => true,
        }
    }
}

/// The kind of `lastError`, which decides what `maybeFailWithError` throws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnErrorKind {
    ProducerFenced,
    /// The other errors from a response (`error.exception()`), abortable or fatal.
    Response,
    /// A `KafkaException` of the client's own (unacknowledged sequences …).
    Client,
}

/// `lastError`: the exception the producer's error state came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnError {
    pub kind: TxnErrorKind,
    /// The error code it came from, if it came from a response.
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl TxnError {
    pub fn from_code(code: ErrorCode) -> Self {
        let kind = if code == ErrorCode::ProducerFenced {
            TxnErrorKind::ProducerFenced
        } else {
            TxnErrorKind::Response
        };
        TxnError { kind, code: Some(code), message: code.name().to_string() }
    }

    pub fn client(message: String) -> Self {
        TxnError { kind: TxnErrorKind::Client, code: None, message }
    }
}

/// Requests one producer may have queued at most (one of each kind, plus a retried one).
pub const MAX_PENDING_REQUESTS: usize = 16;

#[derive(Clone)]
pub struct TransactionalState {
    pub transactional_id: String,
    pub transaction_timeout_ms: i32,
    pub state: TxnState,
    pub last_error: Option<TxnError>,
    pub transaction_coordinator: Option<NodeId>,
    pub group_coordinator: Option<NodeId>,
    /// `newPartitionsInTransaction`, `pendingPartitionsInTransaction`, `partitionsInTransaction`.
    pub new_partitions: BTreeSet<TopicPartition>,
    pub pending_partitions: BTreeSet<TopicPartition>,
    pub partitions_in_transaction: BTreeSet<TopicPartition>,
    pub pending_requests: Vec<TxnHandler>,
    /// The request in flight: its correlation id and handler.
    pub in_flight: Option<(u64, TxnHandler)>,
    pub transaction_started: bool,
    pub epoch_bump_required: bool,
    /// `pendingTxnOffsetCommits`, forgotten when a transaction completes (as librdkafka
    /// does; Java keeps it across an abort, see `complete_transaction`).
    pub pending_txn_offset_commits: BTreeMap<TopicPartition, i64>,
    /// `pendingTransition`: the call whose result has not come yet, and its target state.
    pub pending_transition: Option<(TxnState, TxnOperation)>,
    /// No queued request is sent before this (a retried one waits `retry.backoff.ms`).
    pub retry_at_ms: i64,
    pub outcomes: Vec<TxnOutcome>,
    /// The call `transitionToFatalError` failed through `pendingTransition`: its request's
    /// handler fails the same result again, which Java's application sees once.
    pub failed_by_fatal_error: Option<TxnOperation>,
}

impl TransactionalState {
    pub fn new(transactional_id: String, transaction_timeout_ms: i32) -> Self {
        TransactionalState {
            transactional_id,
            transaction_timeout_ms,
            state: TxnState::Uninitialized,
            last_error: None,
            transaction_coordinator: None,
            group_coordinator: None,
            new_partitions: BTreeSet::new(),
            pending_partitions: BTreeSet::new(),
            partitions_in_transaction: BTreeSet::new(),
            pending_requests: Vec::new(),
            in_flight: None,
            transaction_started: false,
            epoch_bump_required: false,
            pending_txn_offset_commits: BTreeMap::new(),
            pending_transition: None,
            retry_at_ms: i64::MIN,
            outcomes: Vec::new(),
            failed_by_fatal_error: None,
        }
    }

    pub fn has_error(&self) -> bool {
        matches!(self.state, TxnState::AbortableError | TxnState::FatalError)
    }

    pub fn is_completing(&self) -> bool {
        matches!(self.state, TxnState::CommittingTransaction | TxnState::AbortingTransaction)
    }

    /// `transitionTo`: `Err` with `IllegalStateException`'s words when not allowed.
    pub fn transition_to(&mut self, target: TxnState, error: Option<TxnError>) -> Result<(), String> {
        if !self.state.is_transition_valid(target) {
            return Err(format!(
                "TransactionalId {}: Invalid transition attempted from state {} to state {}",
                self.transactional_id,
                self.state.name(),
                target.name()
            ));
        }
        self.last_error =
            if matches!(target, TxnState::FatalError | TxnState::AbortableError) { error } else { None };
        self.state = target;
        Ok(())
    }

    /// `maybeFailWithError`, given the current producer id and epoch.
    pub fn maybe_fail_with_error(&self, id: (i64, i16)) -> Result<(), String> {
        if !self.has_error() {
            return Ok(());
        }
        let (producer_id, epoch) = id;
        let id_text = format!("(producerId={producer_id}, epoch={epoch})");
        match &self.last_error {
            Some(e) if e.kind == TxnErrorKind::ProducerFenced => Err(format!(
                "Producer with transactionalId '{}' and {id_text} has been fenced by another producer with the same transactionalId",
                self.transactional_id
            )),
            Some(e) if e.code == Some(ErrorCode::InvalidProducerEpoch) => Err(format!(
                "Producer with transactionalId '{}' and {id_text} attempted to produce with an old epoch",
                self.transactional_id
            )),
            _ => Err("Cannot execute transactional method because we are in an error state".into()),
        }
    }

    /// `throwIfPendingState`.
    fn throw_if_pending_state(&self, operation: &str) -> Result<(), String> {
        match self.pending_transition {
            Some((_, pending)) => Err(format!(
                "Cannot attempt operation `{operation}` because the previous call to `{}` timed out and must be retried",
                pending.name()
            )),
            None => Ok(()),
        }
    }

    /// `handleCachedTransactionRequestResult`: `Ok(true)` when the same call is already
    /// under way (the application waits on its result again), `Ok(false)` to go on.
    fn handle_cached(&self, next: TxnState, operation: TxnOperation) -> Result<bool, String> {
        match self.pending_transition {
            Some((state, _)) if state == next => Ok(true),
            Some(_) => self.throw_if_pending_state(operation.name()).map(|()| false),
            None => Ok(false),
        }
    }

    pub fn enqueue_request_handler(&mut self, handler: TxnHandler) {
        if self.pending_requests.len() >= MAX_PENDING_REQUESTS || self.pending_requests.contains(&handler) {
            return;
        }
        // After every queued request of the same or a higher priority (Java's
        // PriorityQueue, kept first-in first-out within a priority).
        let p = handler.request.priority();
        let at = self.pending_requests.iter().take_while(|h| h.request.priority() <= p).count();
        self.pending_requests.insert(at, handler);
    }

    pub fn enqueue_request(&mut self, request: TxnRequest, result: Option<TxnOperation>) {
        self.enqueue_request_handler(TxnHandler { request, result, is_retry: false });
    }

    /// `reenqueue`: the handler goes back to the queue, sent after `retry.backoff.ms`.
    pub fn reenqueue(&mut self, mut handler: TxnHandler, now_ms: i64, backoff_ms: i64) {
        handler.is_retry = true;
        self.retry_at_ms = now_ms.saturating_add(backoff_ms);
        self.enqueue_request_handler(handler);
    }

    /// `lookupCoordinator`: forget the coordinator and ask anew.
    pub fn lookup_coordinator(&mut self, key_type: CoordinatorType, key: String) {
        match key_type {
            CoordinatorType::Group => self.group_coordinator = None,
            CoordinatorType::Transaction => self.transaction_coordinator = None,
        }
        self.enqueue_request(TxnRequest::FindCoordinator { key_type, key }, None);
    }

    pub fn coordinator(&self, key_type: CoordinatorType) -> Option<NodeId> {
        match key_type {
            CoordinatorType::Group => self.group_coordinator,
            CoordinatorType::Transaction => self.transaction_coordinator,
        }
    }

    /// `initializeTransactions` (not an epoch bump).
    pub fn initialize_transactions(&mut self, id: (i64, i16)) -> Result<(), String> {
        self.maybe_fail_with_error(id)?;
        if self.handle_cached(TxnState::Initializing, TxnOperation::InitTransactions)? {
            return Ok(());
        }
        self.transition_to(TxnState::Initializing, None)?;
        self.enqueue_request(
            TxnRequest::InitProducerId { epoch_bump: false },
            Some(TxnOperation::InitTransactions),
        );
        self.pending_transition = Some((TxnState::Initializing, TxnOperation::InitTransactions));
        Ok(())
    }

    /// `beginTransaction`.
    pub fn begin_transaction(&mut self, id: (i64, i16)) -> Result<(), String> {
        self.throw_if_pending_state("beginTransaction")?;
        self.maybe_fail_with_error(id)?;
        self.transition_to(TxnState::InTransaction, None)
    }

    /// `beginCommit`.
    pub fn begin_commit(&mut self, id: (i64, i16)) -> Result<(), String> {
        if self.handle_cached(TxnState::CommittingTransaction, TxnOperation::CommitTransaction)? {
            return Ok(());
        }
        self.maybe_fail_with_error(id)?;
        self.transition_to(TxnState::CommittingTransaction, None)?;
        self.begin_completing_transaction(true);
        Ok(())
    }

    /// `beginAbort`.
    pub fn begin_abort(&mut self, id: (i64, i16)) -> Result<(), String> {
        if self.handle_cached(TxnState::AbortingTransaction, TxnOperation::AbortTransaction)? {
            return Ok(());
        }
        if self.state != TxnState::AbortableError {
            self.maybe_fail_with_error(id)?;
        }
        self.transition_to(TxnState::AbortingTransaction, None)?;
        self.new_partitions.clear();
        self.begin_completing_transaction(false);
        Ok(())
    }

    /// `beginCompletingTransaction`: the partitions not yet added, then EndTxn, then the
    /// epoch bump if one is needed (Java skips EndTxn after INVALID_PRODUCER_ID_MAPPING, but
    /// reads `lastError` after `transitionTo` cleared it, so EndTxn always goes).
    fn begin_completing_transaction(&mut self, committed: bool) {
        let operation =
            if committed { TxnOperation::CommitTransaction } else { TxnOperation::AbortTransaction };
        let target = if committed { TxnState::CommittingTransaction } else { TxnState::AbortingTransaction };
        self.pending_transition = Some((target, operation));
        if !self.new_partitions.is_empty() {
            self.enqueue_add_partitions();
        }
        let result = (!self.epoch_bump_required).then_some(operation);
        self.enqueue_request(TxnRequest::EndTxn { committed }, result);
        if self.epoch_bump_required {
            self.enqueue_request(TxnRequest::InitProducerId { epoch_bump: true }, Some(operation));
        }
    }

    /// `sendOffsetsToTransaction`.
    pub fn send_offsets_to_transaction(
        &mut self,
        id: (i64, i16),
        offsets: Vec<(TopicPartition, i64)>,
        group: ConsumerGroupMetadata,
    ) -> Result<(), String> {
        self.throw_if_pending_state("sendOffsetsToTransaction")?;
        self.maybe_fail_with_error(id)?;
        if self.state != TxnState::InTransaction {
            return Err(format!(
                "Cannot send offsets if a transaction is not in progress (currentState= {})",
                self.state.name()
            ));
        }
        self.enqueue_request(
            TxnRequest::AddOffsets { group, offsets },
            Some(TxnOperation::SendOffsetsToTransaction),
        );
        self.pending_transition = Some((TxnState::InTransaction, TxnOperation::SendOffsetsToTransaction));
        Ok(())
    }

    /// `maybeAddPartition`: a record for `tp` is being sent.
    pub fn maybe_add_partition(&mut self, tp: &TopicPartition, id: (i64, i16)) -> Result<(), String> {
        self.maybe_fail_with_error(id)?;
        self.throw_if_pending_state("send")?;
        if id.0 < 0 {
            return Err(format!(
                "Cannot add partition {}-{} to transaction before completing a call to initTransactions",
                tp.topic, tp.partition
            ));
        }
        if self.state != TxnState::InTransaction {
            // Two spaces, as Java writes it.
            return Err(format!(
                "Cannot add partition {}-{} to transaction while in state  {}",
                tp.topic,
                tp.partition,
                self.state.name()
            ));
        }
        if !self.partitions_in_transaction.contains(tp) && !self.pending_partitions.contains(tp) {
            self.new_partitions.insert(tp.clone());
        }
        Ok(())
    }

    /// `isSendToPartitionAllowed`.
    pub fn is_send_to_partition_allowed(&self, tp: &TopicPartition) -> bool {
        self.state != TxnState::FatalError && self.partitions_in_transaction.contains(tp)
    }

    /// `addPartitionsToTransactionHandler`.
    fn enqueue_add_partitions(&mut self) {
        self.pending_partitions.append(&mut self.new_partitions);
        let partitions = self.pending_partitions.iter().cloned().collect();
        self.enqueue_request(TxnRequest::AddPartitions { partitions }, None);
    }

    /// `TxnRequestHandler.fatalError` / `abortableError` / `fail`: the result fails.
    /// Java's result is one object that `transitionToFatalError` may have failed already
    /// (through `pendingTransition`): the application sees one failure, so it is told once.
    pub fn fail_result(&mut self, handler: &TxnHandler, message: String) {
        if let Some(op) = handler.result {
            if self.failed_by_fatal_error.take() != Some(op) {
                self.outcomes.push(TxnOutcome::Failed(op, message));
            }
            self.pending_transition = None;
        }
    }

    pub fn done_result(&mut self, handler: &TxnHandler) {
        if let Some(op) = handler.result {
            self.outcomes.push(TxnOutcome::Done(op));
            self.pending_transition = None;
        }
    }

    /// `transitionToFatalError`: the pending call fails with it as well.
    pub fn transition_to_fatal_error(&mut self, error: TxnError) {
        let message = error.message.clone();
        self.state = TxnState::FatalError;
        self.last_error = Some(error);
        if let Some((_, op)) = self.pending_transition.take() {
            self.outcomes.push(TxnOutcome::Failed(op, message));
            self.failed_by_fatal_error = Some(op);
        }
    }

    /// `transitionToAbortableError` (skipped while aborting).
    pub fn transition_to_abortable_error(&mut self, error: TxnError) {
        if self.state == TxnState::AbortingTransaction {
            return;
        }
        // FATAL_ERROR is left by nothing; the other states may become ABORTABLE_ERROR.
        if self.state != TxnState::FatalError {
            self.state = TxnState::AbortableError;
            self.last_error = Some(error);
        }
    }

    /// `maybeTransitionToErrorState` for a failed batch: PRODUCER_FENCED is fatal, any other
    /// error makes the transaction abortable (with an epoch bump outside a completion).
    pub fn batch_failed(&mut self, error: ErrorCode) {
        if error == ErrorCode::ProducerFenced {
            self.transition_to_fatal_error(TxnError::from_code(error));
        } else {
            if !self.is_completing() {
                self.epoch_bump_required = true;
            }
            self.transition_to_abortable_error(TxnError::from_code(error));
        }
    }

    /// `completeTransaction`: READY, or INITIALIZING when the epoch must be bumped.
    pub fn complete_transaction(&mut self, committed: bool) {
        self.state = if self.epoch_bump_required { TxnState::Initializing } else { TxnState::Ready };
        self.last_error = None;
        self.epoch_bump_required = false;
        self.transaction_started = false;
        self.new_partitions.clear();
        self.pending_partitions.clear();
        self.partitions_in_transaction.clear();
        // Not in Java's completeTransaction: its pendingTxnOffsetCommits outlives an abort
        // whose TxnOffsetCommit failed unsent, and the next transaction commits those
        // offsets (records skipped). librdkafka sends only each call's own offsets.
        self.pending_txn_offset_commits.clear();
        self.outcomes.push(TxnOutcome::Completed { committed });
    }

    /// `nextRequest`: the next request to send, if any may go now. EndTxn waits until no
    /// batch is incomplete; in an error state every request but a FindCoordinator (while
    /// abortable) fails with the error; an EndTxn of a transaction that added nothing
    /// completes it without asking the coordinator.
    pub fn next_request(&mut self, has_incomplete_batches: bool) -> Option<TxnHandler> {
        if !self.new_partitions.is_empty() {
            self.enqueue_add_partitions();
        }
        let first = self.pending_requests.first()?;
        if matches!(first.request, TxnRequest::EndTxn { .. }) && has_incomplete_batches {
            return None;
        }
        let mut handler = self.pending_requests.remove(0);
        if self.has_error()
            && !(self.state == TxnState::AbortableError
                && matches!(handler.request, TxnRequest::FindCoordinator { .. }))
        {
            let message = self.last_error.as_ref().map_or_else(String::new, |e| e.message.clone());
            self.fail_result(&handler, message);
            return None;
        }
        if let TxnRequest::EndTxn { committed } = handler.request {
            if !self.transaction_started {
                self.done_result(&handler);
                if self.state != TxnState::FatalError {
                    self.complete_transaction(committed);
                }
                if self.pending_requests.is_empty() {
                    return None;
                }
                handler = self.pending_requests.remove(0);
            }
        }
        Some(handler)
    }
}

//! The sender's transactional part (Java's `Sender.maybeSendAndPollTransactionalRequest`):
//! while the transaction is abortable or aborting, batches not yet drained fail
//! (`RecordAccumulator.abortUndrainedBatches`, "Failing batch since transaction was
//! aborted" unless an error says why); the next queued request goes to its coordinator
//! (FindCoordinator to the least loaded node), or, without a known coordinator, a
//! FindCoordinator is queued first (`maybeFindCoordinatorAndRetry`); a completing
//! transaction makes every batch ready at once (`RecordAccumulator.batchReady`'s
//! `transactionCompleting`). Answers are matched to the one request in flight by
//! correlation id. Invariant: at most one transactional request is in flight, and what
//! the handlers finish becomes events (`ClusterEvent::Transaction*`).

use super::handlers::{IdUpdate, TxnAnswer};
use super::state::{TxnHandler, TxnOperation, TxnOutcome, TxnRequest};
use crate::engine::client::producer::idempotence::ProducerIdAndEpoch;
use crate::engine::client::producer::{InFlight, ProducerNode};
use crate::engine::cluster::group_parts::OffsetCommitPartition;
use crate::engine::cluster::{ClusterEvent, Message, NodeId, Output, TimerKey, TimerKind};

impl ProducerNode {
    /// The producer id and epoch now, (-1, -1) without one.
    pub(crate) fn current_id(&self) -> (i64, i16) {
        let id = self.idempotence.as_ref().map_or(ProducerIdAndEpoch::NONE, |tm| tm.current());
        (id.producer_id, id.epoch)
    }

    /// Batches appended and not yet completed (`RecordAccumulator.hasIncomplete`), and
    /// records whose `send()` still waits for metadata.
    fn has_incomplete_batches(&self) -> bool {
        !self.accumulator.queues.is_empty()
            || !self.waiting.is_empty()
            || self.in_flight.values().any(|f| matches!(f, InFlight::Produce { .. }))
    }

    /// Runs before each drain.
    pub(crate) fn run_transactions(&mut self) {
        let Some(txn) = self.txn.as_mut() else { return };
        if let Some(tm) = self.idempotence.as_mut() {
            if std::mem::take(&mut tm.unresolved_in_transaction) {
                txn.epoch_bump_required = true;
                txn.transition_to_abortable_error(super::state::TxnError::client(
                    "The client hasn't received acknowledgment for some previously sent messages and can no longer retry them. It is safe to abort the transaction and continue.".into(),
                ));
            }
        }
        let completing = txn.is_completing();
        self.accumulator.flushing = self.rebuild_with.is_some() || completing;
        if txn.has_error() || txn.state == super::state::TxnState::AbortingTransaction {
            self.abort_undrained_batches();
        }
        self.maybe_send_transactional_request();
        self.emit_transaction_outcomes();
    }

    /// `Sender.run`'s shutdown: while closing, an ongoing transaction is aborted ("Aborting
    /// incomplete transaction due to shutdown"); whether one is still ongoing
    /// (`hasOngoingTransaction`), which `close()` waits for.
    pub(crate) fn abort_ongoing_transaction_on_close(&mut self) -> bool {
        let id = self.current_id();
        let Some(txn) = self.txn.as_mut() else { return false };
        let ongoing = matches!(
            txn.state,
            super::state::TxnState::InTransaction | super::state::TxnState::AbortableError
        ) || txn.is_completing();
        if ongoing && !txn.is_completing() && txn.begin_abort(id).is_err() {
            return false;
        }
        self.emit_transaction_outcomes();
        ongoing
    }

    /// `abortUndrainedBatches`: queued batches that never got a sequence fail.
    fn abort_undrained_batches(&mut self) {
        let error = self.txn.as_ref().and_then(|t| t.last_error.as_ref()).and_then(|e| e.code);
        let tps: Vec<_> = self.accumulator.queues.keys().cloned().collect();
        for tp in tps {
            let Some(queue) = self.accumulator.queues.get_mut(&tp) else { continue };
            let (undrained, kept): (Vec<_>, Vec<_>) =
                std::mem::take(queue).into_iter().partition(|b| b.producer_state.is_none());
            *queue = kept.into();
            if queue.is_empty() {
                self.accumulator.queues.remove(&tp);
            }
            for batch in undrained {
                let records = batch.records_count();
                match error {
                    Some(code) => self.fail_records(Some(batch.tp), code, records),
                    None => {
                        self.counts.failed += u64::from(records);
                        self.counts.in_flight = self.counts.in_flight.saturating_sub(u64::from(records));
                        self.event(ClusterEvent::SendAborted {
                            client_id: self.client_id,
                            tp: batch.tp,
                            records,
                        });
                    }
                }
            }
        }
    }

    fn maybe_send_transactional_request(&mut self) {
        let has_incomplete = self.has_incomplete_batches();
        let now_ms = self.now_ms;
        let least_loaded = self.least_loaded_node();
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.in_flight.is_some() || now_ms < txn.retry_at_ms {
            return;
        }
        let Some(handler) = txn.next_request(has_incomplete) else { return };
        let target = match handler.request.coordinator_type() {
            Some(key_type) => match txn.coordinator(key_type) {
                Some(node) => node,
                None => {
                    // `maybeFindCoordinatorAndRetry`.
                    let key = match &handler.request {
                        TxnRequest::TxnOffsetCommit { group } => group.group_id.clone(),
                        _ => txn.transactional_id.clone(),
                    };
                    txn.lookup_coordinator(key_type, key);
                    let mut handler = handler;
                    handler.is_retry = true;
                    txn.enqueue_request_handler(handler);
                    return self.maybe_send_transactional_request();
                }
            },
            None => match least_loaded {
                Some(node) => node,
                None => {
                    txn.reenqueue(handler, now_ms, self.config.retry_backoff_ms);
                    return;
                }
            },
        };
        self.send_transactional_request(target, handler);
    }

    fn send_transactional_request(&mut self, node: NodeId, handler: TxnHandler) {
        let correlation_id = self.take_correlation_id();
        let (producer_id, producer_epoch) = self.current_id();
        let Some(txn) = self.txn.as_mut() else { return };
        let transactional_id = txn.transactional_id.clone();
        let message = match &handler.request {
            TxnRequest::FindCoordinator { key_type, key } => {
                // The next FindCoordinator starts its least loaded node one further on.
                if let Some(tm) = self.idempotence.as_mut() {
                    tm.init_attempts += 1;
                }
                Message::FindCoordinatorRequest { correlation_id, key: key.clone(), key_type: *key_type }
            }
            TxnRequest::InitProducerId { epoch_bump } => {
                let (producer_id, producer_epoch) =
                    if *epoch_bump { (producer_id, producer_epoch) } else { (-1, -1) };
                Message::InitProducerIdRequest {
                    correlation_id,
                    transactional_id: Some(transactional_id),
                    transaction_timeout_ms: txn.transaction_timeout_ms,
                    producer_id,
                    producer_epoch,
                }
            }
            TxnRequest::AddPartitions { partitions } => Message::AddPartitionsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                partitions: partitions.clone(),
            },
            TxnRequest::AddOffsets { group, .. } => Message::AddOffsetsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                group_id: group.group_id.clone(),
            },
            TxnRequest::TxnOffsetCommit { group } => Message::TxnOffsetCommitRequest {
                correlation_id,
                transactional_id,
                group_id: group.group_id.clone(),
                producer_id,
                producer_epoch,
                generation_id: group.generation_id,
                member_id: group.member_id.clone(),
                group_instance_id: group.group_instance_id.clone(),
                offsets: txn
                    .pending_txn_offset_commits
                    .iter()
                    .map(|(tp, offset)| OffsetCommitPartition {
                        tp: tp.clone(),
                        committed_offset: *offset,
                        committed_leader_epoch: -1,
                        committed_metadata: String::new(),
                    })
                    .collect(),
            },
            TxnRequest::EndTxn { committed } => Message::EndTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                committed: *committed,
            },
        };
        txn.in_flight = Some((correlation_id, handler));
        self.send(node, message);
        self.in_flight.insert(correlation_id, InFlight::Transactional { node });
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: self.now_ms + self.config.request_timeout_ms });
    }

    /// The handler of the transactional request `correlation_id`, if it is the one in flight.
    fn take_txn_handler(&mut self, correlation_id: u64) -> Option<TxnHandler> {
        let txn = self.txn.as_mut()?;
        if txn.in_flight.as_ref().is_none_or(|(id, _)| *id != correlation_id) {
            return None;
        }
        let (_, handler) = txn.in_flight.take()?;
        self.in_flight.remove(&correlation_id);
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        Some(handler)
    }

    /// An answer to a transactional request; `false` if none was in flight under its id.
    pub(crate) fn handle_txn_answer(&mut self, correlation_id: u64, answer: TxnAnswer) -> bool {
        let Some(handler) = self.take_txn_handler(correlation_id) else { return false };
        let (now_ms, backoff_ms) = (self.now_ms, self.config.retry_backoff_ms);
        let Some(txn) = self.txn.as_mut() else { return false };
        if let IdUpdate::Set { producer_id, epoch, reset_sequences } =
            txn.handle_answer(handler, answer, now_ms, backoff_ms)
        {
            if let Some(tm) = self.idempotence.as_mut() {
                tm.producer_id_and_epoch = Some(ProducerIdAndEpoch { producer_id, epoch });
                if reset_sequences {
                    tm.entries.clear();
                    tm.partitions_with_unresolved_sequences.clear();
                }
            }
        }
        self.emit_transaction_outcomes();
        true
    }

    /// A transactional request ended without an answer (timeout, closed connection).
    pub(crate) fn txn_request_failed(&mut self, correlation_id: u64) {
        let (now_ms, backoff_ms) = (self.now_ms, self.config.retry_backoff_ms);
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.in_flight.as_ref().is_some_and(|(id, _)| *id == correlation_id) {
            if let Some((_, handler)) = txn.in_flight.take() {
                txn.handle_no_answer(handler, now_ms, backoff_ms);
            }
        }
    }

    /// Turns finished calls into events, and a fatal error into the idempotent state's
    /// (every batch fails with it, nothing more is drained).
    pub(crate) fn emit_transaction_outcomes(&mut self) {
        let Some(txn) = self.txn.as_mut() else { return };
        let outcomes = txn.take_outcomes();
        let transactional_id = txn.transactional_id.clone();
        let state = txn.state;
        let fatal_code = (state == super::state::TxnState::FatalError)
            .then(|| txn.last_error.as_ref().and_then(|e| e.code))
            .flatten();
        if let (Some(code), Some(tm)) = (fatal_code, self.idempotence.as_mut()) {
            tm.fatal_error.get_or_insert(code);
        }
        let (producer_id, producer_epoch) = self.current_id();
        for outcome in outcomes {
            let client_id = self.client_id;
            let transactional_id = transactional_id.clone();
            let event = match outcome {
                TxnOutcome::Done(TxnOperation::InitTransactions) => ClusterEvent::TransactionsInitialized {
                    client_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                },
                TxnOutcome::Done(TxnOperation::SendOffsetsToTransaction) => {
                    ClusterEvent::TransactionOffsetsSent {
                        client_id,
                        transactional_id,
                        producer_id,
                        producer_epoch,
                    }
                }
                // Commit and abort are told by `Completed`.
                TxnOutcome::Done(_) => continue,
                TxnOutcome::Completed { committed: true } => ClusterEvent::TransactionCommitted {
                    client_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                },
                TxnOutcome::Completed { committed: false } => ClusterEvent::TransactionAborted {
                    client_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                },
                TxnOutcome::Failed(op, message) => ClusterEvent::TransactionFailed {
                    client_id,
                    transactional_id,
                    operation: op.name().to_string(),
                    state: state.name().to_string(),
                    message,
                },
            };
            self.event(event);
        }
    }
}

//! The sender's idempotent parts (Java's `Sender.runOnce` with a `TransactionManager`):
//! `maybeResolveSequences`, a fatal error aborting every batch (`maybeAbortBatches`),
//! `bumpIdempotentEpochAndResetIdIfNeeded` (the local epoch bump rewrites the in-flight
//! batches' sequences from 0, `startSequencesAtBeginning`), `InitProducerId` to the least
//! loaded node (`NetworkClient.leastLoadedNode`) and its answer (`InitProducerIdHandler`:
//! retriable errors retried after `retry.backoff.ms`, INVALID_PRODUCER_EPOCH and
//! PRODUCER_FENCED fatal as PRODUCER_FENCED, others fatal), and the drain's checks
//! (`RecordAccumulator.shouldStopDrainBatchesForPartition`, the sequence a batch gets when
//! first drained). Invariant: no batch is drained without a valid producer id, and a
//! retried batch goes out only when it is the partition's first in flight.

use super::accumulator::Batch;
use super::{InFlight, ProducerNode};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{Message, NodeId, Output, TimerKey, TimerKind};
use crate::engine::error::ErrorCode;

impl ProducerNode {
    /// Runs before each drain.
    pub(crate) fn run_idempotence(&mut self) {
        let Some(tm) = self.idempotence.as_mut() else { return };
        tm.maybe_resolve_sequences();
        if let Some(error) = tm.fatal_error {
            for batch in self.accumulator.drain_all() {
                let records = batch.records_count();
                self.fail_records(Some(batch.tp), error, records);
            }
            return;
        }
        if tm.epoch_bump_required && !tm.transactional {
            for tp in tm.bump_idempotent_producer_epoch() {
                self.start_sequences_at_beginning(&tp);
            }
        }
        self.maybe_send_init_producer_id();
    }

    /// The in-flight batches of `tp` (queued for a retry or awaiting an answer) get
    /// sequences from 0 under the current epoch, in their old sequence order.
    fn start_sequences_at_beginning(&mut self, tp: &TopicPartition) {
        let Some(tm) = self.idempotence.as_mut() else { return };
        let in_flight = tm.entries.get(tp).map(|e| e.in_flight.clone()).unwrap_or_default();
        let mut batches: Vec<&mut Batch> = self
            .accumulator
            .batches_mut(tp)
            .chain(self.in_flight.values_mut().flat_map(|f| match f {
                InFlight::Produce { batches, .. } => batches.iter_mut().collect::<Vec<_>>(),
                _ => Vec::new(),
            }))
            .filter(|b| b.tp == *tp && b.base_sequence().is_some_and(|s| in_flight.contains(&s)))
            .collect();
        batches.sort_by_key(|b| b.base_sequence());
        let counts: Vec<i32> = batches.iter().map(|b| b.records_count() as i32).collect();
        let sequences = tm.start_sequences_at_beginning(tp, &counts);
        let current = tm.current();
        for (batch, sequence) in batches.into_iter().zip(sequences) {
            batch.producer_state = Some((current, sequence));
            batch.sequence_has_been_reset = true;
        }
    }

    /// `NetworkClient.leastLoadedNode`: the known broker with the fewest requests in
    /// flight (the bootstrap ones before any metadata). Java starts its search at a random
    /// node; here each attempt starts one node further, so a dead broker is not asked
    /// again and again.
    pub(crate) fn least_loaded_node(&self) -> Option<NodeId> {
        let nodes = if self.brokers.is_empty() { &self.config.bootstrap } else { &self.brokers };
        let start = self.idempotence.as_ref().map_or(0, |tm| tm.init_attempts as usize) % nodes.len().max(1);
        nodes
            .iter()
            .cycle()
            .skip(start)
            .take(nodes.len())
            .copied()
            .min_by_key(|n| self.requests_in_flight_to(*n))
    }

    fn maybe_send_init_producer_id(&mut self) {
        let now_ms = self.now_ms;
        let Some(tm) = self.idempotence.as_ref() else { return };
        // A transactional producer asks its coordinator, on `initTransactions` ([`super::txn`]).
        if tm.transactional || tm.has_producer_id() || tm.initializing || now_ms < tm.init_backoff_until_ms {
            return;
        }
        let Some(node) = self.least_loaded_node() else { return };
        let correlation_id = self.take_correlation_id();
        let message = Message::InitProducerIdRequest {
            correlation_id,
            transactional_id: None,
            transaction_timeout_ms: i32::MAX,
            producer_id: -1,
            producer_epoch: -1,
        };
        self.send(node, message);
        self.in_flight.insert(correlation_id, InFlight::InitProducerId { node });
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: now_ms + self.config.request_timeout_ms });
        if let Some(tm) = self.idempotence.as_mut() {
            tm.initializing = true;
            tm.init_attempts += 1;
        }
    }

    /// No answer (timeout, closed connection): asked again after `retry.backoff.ms`.
    pub(crate) fn init_producer_id_failed(&mut self) {
        let retry_at_ms = self.now_ms + self.config.retry_backoff_ms;
        if let Some(tm) = self.idempotence.as_mut() {
            tm.initializing = false;
            tm.init_backoff_until_ms = retry_at_ms;
        }
    }

    pub(crate) fn handle_init_producer_id_response(
        &mut self,
        correlation_id: u64,
        error: Option<ErrorCode>,
        producer_id: i64,
        producer_epoch: i16,
    ) {
        if !matches!(self.in_flight.get(&correlation_id), Some(InFlight::InitProducerId { .. })) {
            return;
        }
        self.in_flight.remove(&correlation_id);
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        match error {
            None => {
                if let Some(tm) = self.idempotence.as_mut() {
                    tm.initializing = false;
                    tm.producer_id_and_epoch =
                        Some(super::idempotence::ProducerIdAndEpoch { producer_id, epoch: producer_epoch });
                }
            }
            Some(e) if e.is_retriable() => self.init_producer_id_failed(),
            Some(e) => {
                let fatal = match e {
                    ErrorCode::InvalidProducerEpoch | ErrorCode::ProducerFenced => ErrorCode::ProducerFenced,
                    other => other,
                };
                self.refuse(format!("InitProducerId failed with {}: the producer cannot send", fatal.name()));
                if let Some(tm) = self.idempotence.as_mut() {
                    tm.initializing = false;
                    tm.fatal_error = Some(fatal);
                }
            }
        }
    }

    /// Whether the drain may take anything: without idempotence always; with it once the
    /// producer has an id and no fatal error.
    pub(crate) fn may_drain(&self) -> bool {
        self.idempotence.as_ref().is_none_or(|tm| tm.has_producer_id() && tm.fatal_error.is_none())
    }

    /// `RecordAccumulator.shouldStopDrainBatchesForPartition`.
    pub(crate) fn should_stop_drain_batches_for_partition(&self, tp: &TopicPartition) -> bool {
        if self.txn.as_ref().is_some_and(|t| !t.is_send_to_partition_allowed(tp)) {
            return true;
        }
        let (Some(tm), Some(first)) = (self.idempotence.as_ref(), self.accumulator.head(tp)) else {
            return false;
        };
        if first.producer_state.is_none() {
            // A new batch waits while older batches of another id or epoch are in flight,
            // or while earlier sequences are unresolved.
            if tm.has_inflight_batches(tp) && tm.has_stale_producer_id_and_epoch(tp) {
                return true;
            }
            if tm.has_unresolved_sequence(tp) {
                return true;
            }
        }
        // A retried batch goes out only as the partition's first in flight.
        matches!((tm.first_in_flight_sequence(tp), first.base_sequence()), (Some(f), Some(s)) if f != s)
    }

    /// A batch drained for the first time gets the partition's next sequence; every
    /// drained batch carries its producer state in its header.
    pub(crate) fn set_producer_state(&mut self, batch: &mut Batch) {
        let Some(tm) = self.idempotence.as_mut() else { return };
        if batch.producer_state.is_none() {
            batch.producer_state = Some(tm.assign_sequence(&batch.tp, batch.records_count() as i32));
        }
        batch.stamp();
    }

    /// `Sender.canRetry`'s last condition: Kafka's retriable errors, or the idempotent
    /// producer's (`TransactionManager.canRetry`).
    pub(crate) fn can_retry(&mut self, batch: &Batch, error: ErrorCode) -> bool {
        match (self.idempotence.as_mut(), batch.base_sequence()) {
            (Some(tm), Some(sequence)) => {
                tm.can_retry(error, &batch.tp, sequence, batch.sequence_has_been_reset)
            }
            _ => error.is_retriable(),
        }
    }

    /// An expired batch that was sent leaves its sequence unresolved if it was retried
    /// (`Sender.sendProducerData`: `failBatch(…, false)`, then `markSequenceUnresolved`).
    pub(crate) fn expired_batch_sequence(&mut self, batch: &Batch) {
        let (Some(tm), Some(sequence)) = (self.idempotence.as_mut(), batch.base_sequence()) else { return };
        tm.handle_failed_batch(&batch.tp, Some(sequence), ErrorCode::RequestTimedOut, false);
        if batch.attempts > 0 {
            tm.mark_sequence_unresolved(&batch.tp, sequence, batch.records_count() as i32);
        }
    }
}

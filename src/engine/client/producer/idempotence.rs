//! The idempotent producer's state, after the idempotent parts of the Java client's
//! `TransactionManager` (and its `TxnPartitionMap`/`TxnPartitionEntry`): the producer id
//! and epoch from `InitProducerId` (`InitProducerIdHandler`, sent to the least loaded
//! node with a null `transactional.id` and `transaction.timeout.ms` = `Integer.MAX_VALUE`),
//! and per partition the next sequence, the last acknowledged sequence and the base
//! sequences of the batches in flight (sent and not yet completed or failed, retries
//! included). `handleCompletedBatch`, `handleFailedBatch`, `canRetry`,
//! `requestEpochBumpForPartition`, `bumpIdempotentEpochAndResetIdIfNeeded` (KIP-360: the
//! idempotent producer bumps its epoch locally and restarts the sequences of the
//! partitions that failed at 0; at epoch `Short.MAX_VALUE` it asks for a new id),
//! `markSequenceUnresolved`/`maybeResolveSequences` follow the Java methods of those
//! names. Invariant: a partition's batches get consecutive sequences under one producer
//! id and epoch, and a batch keeps its sequence on every retry unless the epoch is bumped.

use crate::engine::cluster::messages::TopicPartition;
use crate::engine::error::ErrorCode;
use crate::engine::record::batch::{
    write_crc, BASE_SEQUENCE_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_BATCH_OVERHEAD,
};
use std::collections::{BTreeMap, BTreeSet};

/// `TxnPartitionEntry.NO_LAST_ACKED_SEQUENCE_NUMBER`.
pub const NO_LAST_ACKED_SEQUENCE_NUMBER: i32 = -1;

/// A producer id and epoch (`ProducerIdAndEpoch`); `NONE` is (-1, -1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProducerIdAndEpoch {
    pub producer_id: i64,
    pub epoch: i16,
}

impl ProducerIdAndEpoch {
    pub const NONE: ProducerIdAndEpoch = ProducerIdAndEpoch { producer_id: -1, epoch: -1 };

    pub fn is_valid(self) -> bool {
        self.producer_id >= 0
    }
}

/// `TxnPartitionEntry`: one partition's sequence state.
#[derive(Debug, Clone)]
pub struct TxnPartitionEntry {
    /// The id and epoch the sequences below belong to.
    pub producer_id_and_epoch: ProducerIdAndEpoch,
    pub next_sequence: i32,
    pub last_acked_sequence: i32,
    pub last_acked_offset: i64,
    /// Base sequences of the batches in flight.
    pub in_flight: BTreeSet<i32>,
}

impl TxnPartitionEntry {
    fn new(producer_id_and_epoch: ProducerIdAndEpoch) -> Self {
        TxnPartitionEntry {
            producer_id_and_epoch,
            next_sequence: 0,
            last_acked_sequence: NO_LAST_ACKED_SEQUENCE_NUMBER,
            last_acked_offset: -1,
            in_flight: BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TransactionManager {
    pub producer_id_and_epoch: Option<ProducerIdAndEpoch>,
    /// An `InitProducerId` is in flight (`State.INITIALIZING`).
    pub initializing: bool,
    /// `InitProducerId` requests sent so far.
    pub init_attempts: u64,
    /// No `InitProducerId` before this (after a retriable error, `retry.backoff.ms`).
    pub init_backoff_until_ms: i64,
    pub epoch_bump_required: bool,
    pub partitions_to_rewrite_sequences: BTreeSet<TopicPartition>,
    pub partitions_with_unresolved_sequences: BTreeMap<TopicPartition, i32>,
    pub entries: BTreeMap<TopicPartition, TxnPartitionEntry>,
    /// A fatal error (`transitionToFatalError`): every send fails with it from now on.
    pub fatal_error: Option<ErrorCode>,
    /// The producer is transactional (`isTransactional()`): no local epoch bump, and the
    /// cases below that bump it make the transaction abortable instead ([`super::txn`]).
    pub transactional: bool,
    /// `maybeResolveSequences` of a transactional producer found sequences it can no longer
    /// resolve: the transaction must be aborted (read and cleared by [`super::txn`]).
    pub unresolved_in_transaction: bool,
}

impl TransactionManager {
    pub fn current(&self) -> ProducerIdAndEpoch {
        self.producer_id_and_epoch.unwrap_or(ProducerIdAndEpoch::NONE)
    }

    pub fn has_producer_id(&self) -> bool {
        self.current().is_valid()
    }

    pub fn entry(&mut self, tp: &TopicPartition) -> &mut TxnPartitionEntry {
        let current = self.current();
        self.entries.entry(tp.clone()).or_insert_with(|| TxnPartitionEntry::new(current))
    }

    pub fn has_inflight_batches(&self, tp: &TopicPartition) -> bool {
        self.entries.get(tp).is_some_and(|e| !e.in_flight.is_empty())
    }

    pub fn has_stale_producer_id_and_epoch(&self, tp: &TopicPartition) -> bool {
        self.entries.get(tp).is_some_and(|e| e.producer_id_and_epoch != self.current())
    }

    /// `firstInFlightSequence`: the lowest base sequence in flight, if any.
    pub fn first_in_flight_sequence(&self, tp: &TopicPartition) -> Option<i32> {
        self.entries.get(tp)?.in_flight.first().copied()
    }

    pub fn last_acked_sequence(&self, tp: &TopicPartition) -> i32 {
        self.entries.get(tp).map_or(NO_LAST_ACKED_SEQUENCE_NUMBER, |e| e.last_acked_sequence)
    }

    fn is_next_sequence(&self, tp: &TopicPartition, sequence: i32) -> bool {
        sequence.wrapping_sub(self.last_acked_sequence(tp)) == 1
    }

    pub fn has_unresolved_sequence(&self, tp: &TopicPartition) -> bool {
        self.partitions_with_unresolved_sequences.contains_key(tp)
    }

    fn is_next_sequence_for_unresolved_partition(&self, tp: &TopicPartition, sequence: i32) -> bool {
        self.partitions_with_unresolved_sequences.get(tp) == Some(&sequence)
    }

    /// `maybeUpdateProducerIdAndEpoch`: a partition whose sequences belong to an older id
    /// or epoch and has nothing in flight starts again at sequence 0.
    pub fn maybe_update_producer_id_and_epoch(&mut self, tp: &TopicPartition) {
        if self.has_stale_producer_id_and_epoch(tp) && !self.has_inflight_batches(tp) {
            let current = self.current();
            self.entries.insert(tp.clone(), TxnPartitionEntry::new(current));
        }
    }

    /// Gives the next sequence of `tp` to a batch of `record_count` records and tracks
    /// it as in flight (`sequenceNumber`, `incrementSequenceNumber`, `addInFlightBatch`).
    pub fn assign_sequence(&mut self, tp: &TopicPartition, record_count: i32) -> (ProducerIdAndEpoch, i32) {
        self.maybe_update_producer_id_and_epoch(tp);
        let current = self.current();
        let entry = self.entry(tp);
        let sequence = entry.next_sequence;
        // `DefaultRecordBatch.incrementSequence`: sequences wrap at Integer.MAX_VALUE.
        entry.next_sequence = increment_sequence(sequence, record_count);
        entry.in_flight.insert(sequence);
        (current, sequence)
    }

    /// `handleCompletedBatch`.
    pub fn handle_completed_batch(
        &mut self,
        tp: &TopicPartition,
        base_sequence: i32,
        record_count: i32,
        base_offset: i64,
    ) {
        let entry = self.entry(tp);
        let last_sequence = increment_sequence(base_sequence, record_count - 1);
        entry.last_acked_sequence = entry.last_acked_sequence.max(last_sequence);
        if base_offset >= 0 {
            entry.last_acked_offset = entry.last_acked_offset.max(base_offset + i64::from(record_count) - 1);
        }
        entry.in_flight.remove(&base_sequence);
    }

    /// `requestEpochBumpForPartition`.
    pub fn request_epoch_bump_for_partition(&mut self, tp: &TopicPartition) {
        self.epoch_bump_required = true;
        self.partitions_to_rewrite_sequences.insert(tp.clone());
    }

    /// `canRetry` for an idempotent producer (`sequence_has_been_reset`: the batch's
    /// sequence was rewritten by an epoch bump).
    pub fn can_retry(
        &mut self,
        error: ErrorCode,
        tp: &TopicPartition,
        base_sequence: i32,
        sequence_has_been_reset: bool,
    ) -> bool {
        match error {
            ErrorCode::UnknownProducerId => {
                // The playground's ProduceResponse carries no log start offset to tell
                // the truncation case apart: the idempotent producer's last case holds
                // (a transactional one retries as Java does for logStartOffset -1).
                if !sequence_has_been_reset && !self.transactional {
                    self.request_epoch_bump_for_partition(tp);
                }
                true
            }
            ErrorCode::OutOfOrderSequenceNumber => {
                if !self.has_unresolved_sequence(tp)
                    && (sequence_has_been_reset || !self.is_next_sequence(tp, base_sequence))
                {
                    return true;
                }
                if self.transactional {
                    return false;
                }
                if !self.has_unresolved_sequence(tp)
                    || self.is_next_sequence_for_unresolved_partition(tp, base_sequence)
                {
                    self.request_epoch_bump_for_partition(tp);
                }
                true
            }
            other => other.is_retriable(),
        }
    }

    /// `handleFailedBatch` (with `maybeTransitionToErrorState`: PRODUCER_FENCED is fatal).
    pub fn handle_failed_batch(
        &mut self,
        tp: &TopicPartition,
        base_sequence: Option<i32>,
        error: ErrorCode,
        adjust_sequence_numbers: bool,
    ) {
        if error == ErrorCode::ProducerFenced {
            self.fatal_error = Some(error);
        }
        if let (Some(seq), Some(entry)) = (base_sequence, self.entries.get_mut(tp)) {
            entry.in_flight.remove(&seq);
        }
        if self.fatal_error.is_some() {
            return;
        }
        match error {
            // A transactional producer's sequences are not adjusted here (Java's
            // `adjustSequencesDueToFailedBatch`): the transaction is aborted instead.
            _ if self.transactional && error != ErrorCode::UnknownProducerId => {}
            ErrorCode::OutOfOrderSequenceNumber => self.request_epoch_bump_for_partition(tp),
            ErrorCode::UnknownProducerId => {
                self.entries.remove(tp);
                self.partitions_with_unresolved_sequences.remove(tp);
            }
            _ if adjust_sequence_numbers && base_sequence.is_some() => {
                self.request_epoch_bump_for_partition(tp)
            }
            _ => {}
        }
    }

    /// `markSequenceUnresolved`: a batch that was sent expired in the producer.
    pub fn mark_sequence_unresolved(&mut self, tp: &TopicPartition, base_sequence: i32, record_count: i32) {
        if let Some(entry) = self.entries.get_mut(tp) {
            entry.in_flight.remove(&base_sequence);
        }
        let next = increment_sequence(base_sequence, record_count);
        let v = self.partitions_with_unresolved_sequences.entry(tp.clone()).or_insert(next);
        *v = (*v).max(next);
    }

    /// `maybeResolveSequences`: once nothing is in flight for an unresolved partition,
    /// it is resolved if the last acknowledged sequence reaches its next sequence, else
    /// the epoch is bumped.
    pub fn maybe_resolve_sequences(&mut self) {
        let unresolved: Vec<TopicPartition> =
            self.partitions_with_unresolved_sequences.keys().cloned().collect();
        for tp in unresolved {
            if self.has_inflight_batches(&tp) {
                continue;
            }
            let next = self.entries.get(&tp).map_or(0, |e| e.next_sequence);
            if !self.is_next_sequence(&tp, next) {
                if self.transactional {
                    self.unresolved_in_transaction = true;
                } else {
                    self.request_epoch_bump_for_partition(&tp);
                }
            }
            self.partitions_with_unresolved_sequences.remove(&tp);
        }
    }

    /// `bumpIdempotentEpochAndResetIdIfNeeded`'s bump (`bumpIdempotentProducerEpoch`):
    /// returns the partitions whose in-flight batches must be given sequences from 0 under
    /// the new epoch (the caller rewrites them with [`Self::start_sequences_at_beginning`]).
    pub fn bump_idempotent_producer_epoch(&mut self) -> Vec<TopicPartition> {
        let current = self.current();
        if current.epoch == i16::MAX {
            // `resetIdempotentProducerId`: a new id is asked for.
            self.producer_id_and_epoch = None;
        } else if current.is_valid() {
            self.producer_id_and_epoch =
                Some(ProducerIdAndEpoch { producer_id: current.producer_id, epoch: current.epoch + 1 });
        }
        self.epoch_bump_required = false;
        let rewrite: Vec<TopicPartition> =
            std::mem::take(&mut self.partitions_to_rewrite_sequences).into_iter().collect();
        for tp in &rewrite {
            self.partitions_with_unresolved_sequences.remove(tp);
        }
        rewrite
    }

    /// `TxnPartitionEntry.startSequencesAtBeginning`: the in-flight batches of `tp`, given
    /// in base-sequence order with their record counts, get sequences from 0 under the
    /// current id and epoch; returns each one's new base sequence.
    pub fn start_sequences_at_beginning(&mut self, tp: &TopicPartition, record_counts: &[i32]) -> Vec<i32> {
        let current = self.current();
        let mut entry = TxnPartitionEntry::new(current);
        let mut sequence = 0;
        let mut assigned = Vec::with_capacity(record_counts.len());
        for count in record_counts {
            entry.in_flight.insert(sequence);
            assigned.push(sequence);
            sequence = increment_sequence(sequence, *count);
        }
        entry.next_sequence = sequence;
        self.entries.insert(tp.clone(), entry);
        assigned
    }
}

/// `DefaultRecordBatch.incrementSequence`: sequences wrap to 0 past `Integer.MAX_VALUE`.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// Writes producer id, epoch and base sequence into an encoded RecordBatch v2 and its
/// CRC anew (`MemoryRecordsBuilder.reopenAndRewriteProducerState` then `close`).
pub fn stamp_producer_state(batch: &mut [u8], id: ProducerIdAndEpoch, base_sequence: i32) {
    if batch.len() < RECORD_BATCH_OVERHEAD {
        return;
    }
    batch[PRODUCER_ID_OFFSET..PRODUCER_ID_OFFSET + 8].copy_from_slice(&id.producer_id.to_be_bytes());
    batch[PRODUCER_EPOCH_OFFSET..PRODUCER_EPOCH_OFFSET + 2].copy_from_slice(&id.epoch.to_be_bytes());
    batch[BASE_SEQUENCE_OFFSET..BASE_SEQUENCE_OFFSET + 4].copy_from_slice(&base_sequence.to_be_bytes());
    write_crc(batch);
}

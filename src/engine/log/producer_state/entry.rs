//! One producer's state in one partition (`ProducerStateEntry`, `BatchMetadata`): its
//! epoch, the metadata of its last [`NUM_BATCHES_TO_RETAIN`] batches (for duplicate
//! detection), the coordinator epoch and the first offset of its open transaction.
//! Invariant: `batch_metadata` holds at most five batches, ordered by sequence, all of
//! the current `producer_epoch` (a new epoch clears them: `maybeUpdateProducerEpoch`).

use crate::engine::record::batch::{BatchHeader, NO_PRODUCER_EPOCH, NO_SEQUENCE, NO_TIMESTAMP};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`: how many of a producer's last batches a
/// broker remembers; it matches the producer's `max.in.flight.requests.per.connection`
/// limit of 5 with idempotence.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// `DefaultRecordBatch.incrementSequence`: sequences wrap from `i32::MAX` to 0. Java's
/// `int` arithmetic wraps, so does this (a corrupt batch's negative delta, replayed at
/// recovery, must not panic).
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX.wrapping_sub(increment) {
        increment.wrapping_sub(i32::MAX.wrapping_sub(sequence)).wrapping_sub(1)
    } else {
        sequence.wrapping_add(increment)
    }
}

/// `DefaultRecordBatch.decrementSequence` (wrapping as Java's `int`).
pub fn decrement_sequence(sequence: i32, decrement: i32) -> i32 {
    if sequence < decrement {
        i32::MAX.wrapping_sub(decrement.wrapping_sub(sequence)).wrapping_add(1)
    } else {
        sequence.wrapping_sub(decrement)
    }
}

/// `DefaultRecordBatch.lastSequence`: the sequence of the batch's last record.
pub fn last_sequence(header: &BatchHeader) -> i32 {
    if header.base_sequence == NO_SEQUENCE {
        NO_SEQUENCE
    } else {
        increment_sequence(header.base_sequence, header.last_offset_delta)
    }
}

/// `BatchMetadata`: what the broker keeps of one appended batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchMetadata {
    pub last_seq: i32,
    pub last_offset: i64,
    pub offset_delta: i32,
    /// The batch's max timestamp (Kafka answers it as `logAppendTime` for a duplicate).
    pub timestamp_ms: i64,
}

impl BatchMetadata {
    pub fn first_seq(&self) -> i32 {
        decrement_sequence(self.last_seq, self.offset_delta)
    }

    pub fn first_offset(&self) -> i64 {
        self.last_offset - i64::from(self.offset_delta)
    }
}

/// `ProducerStateEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateEntry {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// Set by transaction markers only; -1 until the first one.
    pub coordinator_epoch: i32,
    pub last_timestamp_ms: i64,
    /// The first offset of the producer's open transaction, set only by a transactional batch.
    pub current_txn_first_offset: Option<i64>,
    pub batch_metadata: VecDeque<BatchMetadata>,
}

impl ProducerStateEntry {
    /// `ProducerStateEntry.empty`.
    pub fn empty(producer_id: i64) -> Self {
        ProducerStateEntry {
            producer_id,
            producer_epoch: NO_PRODUCER_EPOCH,
            coordinator_epoch: -1,
            last_timestamp_ms: NO_TIMESTAMP,
            current_txn_first_offset: None,
            batch_metadata: VecDeque::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.batch_metadata.is_empty()
    }

    pub fn first_seq(&self) -> i32 {
        self.batch_metadata.front().map_or(NO_SEQUENCE, BatchMetadata::first_seq)
    }

    pub fn last_seq(&self) -> i32 {
        self.batch_metadata.back().map_or(NO_SEQUENCE, |b| b.last_seq)
    }

    pub fn first_data_offset(&self) -> i64 {
        self.batch_metadata.front().map_or(-1, BatchMetadata::first_offset)
    }

    pub fn last_data_offset(&self) -> i64 {
        self.batch_metadata.back().map_or(-1, |b| b.last_offset)
    }

    pub fn last_offset_delta(&self) -> i32 {
        self.batch_metadata.back().map_or(0, |b| b.offset_delta)
    }

    /// `withProducerIdAndBatchMetadata(producerId, Optional.empty())`: the same epochs and
    /// transaction, no batches (what a `ProducerAppendInfo` starts from).
    pub(crate) fn without_batches(&self) -> Self {
        ProducerStateEntry { batch_metadata: VecDeque::new(), ..self.clone() }
    }

    /// `addBatch`.
    pub fn add_batch(&mut self, epoch: i16, last_seq: i32, last_offset: i64, offset_delta: i32, ts_ms: i64) {
        self.maybe_update_producer_epoch(epoch);
        self.add_batch_metadata(BatchMetadata { last_seq, last_offset, offset_delta, timestamp_ms: ts_ms });
        self.last_timestamp_ms = ts_ms;
    }

    /// `maybeUpdateProducerEpoch`: a new epoch forgets the old epoch's batches.
    pub fn maybe_update_producer_epoch(&mut self, epoch: i16) -> bool {
        if self.producer_epoch != epoch {
            self.batch_metadata.clear();
            self.producer_epoch = epoch;
            true
        } else {
            false
        }
    }

    fn add_batch_metadata(&mut self, batch: BatchMetadata) {
        if self.batch_metadata.len() == NUM_BATCHES_TO_RETAIN {
            self.batch_metadata.pop_front();
        }
        self.batch_metadata.push_back(batch);
    }

    /// `update(ProducerStateEntry nextEntry)`: takes the appended batches and the
    /// transaction state of `next`.
    pub fn update(&mut self, next: ProducerStateEntry) {
        self.maybe_update_producer_epoch(next.producer_epoch);
        for b in next.batch_metadata {
            self.add_batch_metadata(b);
        }
        self.coordinator_epoch = next.coordinator_epoch;
        self.current_txn_first_offset = next.current_txn_first_offset;
        self.last_timestamp_ms = next.last_timestamp_ms;
    }

    /// `update(producerEpoch, coordinatorEpoch, lastTimestamp)`: what an end transaction
    /// marker leaves: the transaction closed, the marker's epochs and timestamp.
    pub fn update_for_marker(&mut self, producer_epoch: i16, coordinator_epoch: i32, ts_ms: i64) {
        self.maybe_update_producer_epoch(producer_epoch);
        self.coordinator_epoch = coordinator_epoch;
        self.current_txn_first_offset = None;
        self.last_timestamp_ms = ts_ms;
    }

    /// `findDuplicateBatch`: the retained batch with exactly this epoch and sequence range.
    pub fn find_duplicate_batch(&self, header: &BatchHeader) -> Option<BatchMetadata> {
        if header.producer_epoch != self.producer_epoch {
            return None;
        }
        self.batch_with_sequence_range(header.base_sequence, last_sequence(header))
    }

    /// `batchWithSequenceRange`.
    pub fn batch_with_sequence_range(&self, first_seq: i32, last_seq: i32) -> Option<BatchMetadata> {
        self.batch_metadata.iter().find(|b| b.first_seq() == first_seq && b.last_seq == last_seq).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DefaultRecordBatch` sequence arithmetic wraps at `Integer.MAX_VALUE`.
    #[test]
    fn sequences_wrap_at_int_max() {
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(decrement_sequence(0, 1), i32::MAX);
        assert_eq!(decrement_sequence(5, 2), 3);
        let b = BatchMetadata { last_seq: 1, last_offset: 10, offset_delta: 3, timestamp_ms: 0 };
        assert_eq!((b.first_seq(), b.first_offset()), (i32::MAX - 1, 7));
    }

    /// Only the last five batches are kept, and a new epoch forgets them.
    #[test]
    fn keeps_five_batches_and_clears_on_new_epoch() {
        let mut e = ProducerStateEntry::empty(1);
        for i in 0..7 {
            e.add_batch(0, i, i64::from(i), 0, 100);
        }
        assert_eq!(e.batch_metadata.len(), NUM_BATCHES_TO_RETAIN);
        assert_eq!((e.first_seq(), e.last_seq()), (2, 6));
        e.add_batch(1, 0, 7, 0, 100);
        assert_eq!((e.producer_epoch, e.batch_metadata.len(), e.first_seq()), (1, 1, 0));
    }
}

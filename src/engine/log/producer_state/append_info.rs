//! Validation of one producer's batches before they reach the log (`ProducerAppendInfo`):
//! `checkProducerEpoch`, `checkSequence` and `appendDataBatch`, followed method by method.
//! Invariant: nothing here changes the partition's producer state; the validated result,
//! [`ProducerAppendInfo::to_entry`], is applied by `ProducerStateManager.update` only
//! once the whole request's batches were appended.
//!
//! KIP-360: when the broker knows no epoch for a producer (its batches were all removed
//! by retention or DeleteRecords, or the producer is new here) any sequence is accepted,
//! so the produce path no longer answers `UNKNOWN_PRODUCER_ID`.
//! Since Kafka 2.7 a lower epoch is `InvalidProducerEpochException`
//! (`INVALID_PRODUCER_EPOCH`, 47), not `ProducerFencedException`.
//!
//! Transactions (`appendEndTxnMarker`, `checkCoordinatorEpoch`): a transactional data
//! batch with no open transaction opens one at its first offset (a started
//! [`TxnMetadata`]); a plain batch while one is open is `INVALID_TXN_STATE` (48); an end
//! marker checks the producer epoch as a data batch does and refuses a coordinator epoch
//! below the last one seen with `TRANSACTION_COORDINATOR_FENCED` (52) — both only logged
//! for replication — and completes the open transaction ([`CompletedTxn`]), if any (a
//! marker with no data before it completes nothing).

use super::entry::{last_sequence, ProducerStateEntry};
use super::txn::{CompletedTxn, TxnMetadata};
use crate::engine::error::{ErrorKind, KafkaError, Result};
use crate::engine::record::batch::{BatchHeader, NO_PRODUCER_EPOCH, NO_SEQUENCE};
use crate::engine::txn::marker::{ControlRecordType, EndTransactionMarker};
use serde::{Deserialize, Serialize};

/// `AppendOrigin`: how much an append is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppendOrigin {
    /// A produce request: epoch and sequence checked.
    Client,
    /// A follower's fetched batches: already validated by the leader, never refused.
    Replication,
    /// The group or transaction coordinator: epoch checked, no sequence.
    Coordinator,
}

/// `ProducerAppendInfo`.
#[derive(Debug, Clone)]
pub struct ProducerAppendInfo {
    topic_partition: String,
    producer_id: i64,
    current_entry: ProducerStateEntry,
    origin: AppendOrigin,
    updated_entry: ProducerStateEntry,
    /// `transactions`: the transactions these batches opened.
    started_transactions: Vec<TxnMetadata>,
}

impl ProducerAppendInfo {
    pub fn new(
        topic_partition: String,
        producer_id: i64,
        current_entry: ProducerStateEntry,
        origin: AppendOrigin,
    ) -> Self {
        let updated_entry = current_entry.without_batches();
        ProducerAppendInfo {
            topic_partition,
            producer_id,
            current_entry,
            origin,
            updated_entry,
            started_transactions: Vec::new(),
        }
    }

    pub fn producer_id(&self) -> i64 {
        self.producer_id
    }

    /// `toEntry` with `startedTransactions`.
    pub fn into_parts(self) -> (ProducerStateEntry, Vec<TxnMetadata>) {
        (self.updated_entry, self.started_transactions)
    }

    /// `append` for a data batch whose offsets are already assigned; a control batch's
    /// marker goes through [`Self::append_end_txn_marker`] (its record must be decoded).
    pub fn append(&mut self, header: &BatchHeader) -> Result<()> {
        if header.is_control_batch() {
            return Ok(());
        }
        self.append_data_batch(
            header.producer_epoch,
            header.base_sequence,
            last_sequence(header),
            header.max_timestamp,
            header.base_offset,
            header.last_offset(),
            header.is_transactional(),
        )
    }

    /// `appendDataBatch`.
    #[allow(clippy::too_many_arguments)]
    pub fn append_data_batch(
        &mut self,
        epoch: i16,
        first_seq: i32,
        last_seq: i32,
        last_timestamp_ms: i64,
        first_offset: i64,
        last_offset: i64,
        is_transactional: bool,
    ) -> Result<()> {
        self.check_producer_epoch(epoch, first_offset)?;
        if self.origin == AppendOrigin::Client {
            self.check_sequence(epoch, first_seq, first_offset)?;
        }
        let offset_delta = (last_offset - first_offset) as i32;
        self.updated_entry.add_batch(epoch, last_seq, last_offset, offset_delta, last_timestamp_ms);
        match (self.updated_entry.current_txn_first_offset, is_transactional) {
            (Some(_), false) => Err(KafkaError::new(ErrorKind::ExpectedTransactionalWrite {
                producer_id: self.producer_id,
                offset: first_offset,
                topic_partition: self.topic_partition.clone(),
            })),
            (None, true) => {
                self.updated_entry.current_txn_first_offset = Some(first_offset);
                self.started_transactions.push(TxnMetadata::new(self.producer_id, first_offset));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `appendEndTxnMarker`: `offset` is the control batch's base offset, `ts_ms` its
    /// record's timestamp.
    pub fn append_end_txn_marker(
        &mut self,
        marker: &EndTransactionMarker,
        producer_epoch: i16,
        offset: i64,
        ts_ms: i64,
    ) -> Result<Option<CompletedTxn>> {
        self.check_producer_epoch(producer_epoch, offset)?;
        self.check_coordinator_epoch(marker, offset)?;
        let completed = self.updated_entry.current_txn_first_offset.map(|first_offset| CompletedTxn {
            producer_id: self.producer_id,
            first_offset,
            last_offset: offset,
            is_aborted: marker.control_type() == ControlRecordType::Abort,
        });
        self.updated_entry.update_for_marker(producer_epoch, marker.coordinator_epoch(), ts_ms);
        Ok(completed)
    }

    /// `checkCoordinatorEpoch`.
    fn check_coordinator_epoch(&self, marker: &EndTransactionMarker, offset: i64) -> Result<()> {
        let current = self.updated_entry.coordinator_epoch;
        if current > marker.coordinator_epoch() && self.origin != AppendOrigin::Replication {
            return Err(KafkaError::new(ErrorKind::CoordinatorEpochFenced {
                producer_id: self.producer_id,
                offset,
                topic_partition: self.topic_partition.clone(),
                epoch: marker.coordinator_epoch(),
                current,
            }));
        }
        Ok(())
    }

    /// `checkProducerEpoch`: a lower epoch is refused from clients, let through (Kafka
    /// logs a warning) from replication.
    fn check_producer_epoch(&self, epoch: i16, offset: i64) -> Result<()> {
        if epoch < self.updated_entry.producer_epoch && self.origin != AppendOrigin::Replication {
            return Err(KafkaError::new(ErrorKind::InvalidProducerEpoch {
                producer_id: self.producer_id,
                offset,
                topic_partition: self.topic_partition.clone(),
                epoch,
                last_epoch: self.updated_entry.producer_epoch,
            }));
        }
        Ok(())
    }

    /// `checkSequence` (without the transaction-verification part).
    fn check_sequence(&self, epoch: i16, append_first_seq: i32, offset: i64) -> Result<()> {
        let updated = &self.updated_entry;
        if epoch != updated.producer_epoch {
            if append_first_seq != 0 && updated.producer_epoch != NO_PRODUCER_EPOCH {
                return Err(KafkaError::new(ErrorKind::NewEpochSequence {
                    producer_id: self.producer_id,
                    offset,
                    topic_partition: self.topic_partition.clone(),
                    request_epoch: epoch,
                    seq: append_first_seq,
                    current_epoch: updated.producer_epoch,
                }));
            }
            return Ok(());
        }
        let current_last_seq = if !updated.is_empty() {
            updated.last_seq()
        } else if epoch == self.current_entry.producer_epoch {
            self.current_entry.last_seq()
        } else {
            NO_SEQUENCE
        };
        // No epoch known (all the producer's batches gone by retention or DeleteRecords):
        // any sequence is accepted (KIP-360).
        if self.current_entry.producer_epoch == NO_PRODUCER_EPOCH
            || in_sequence(current_last_seq, append_first_seq)
        {
            return Ok(());
        }
        Err(KafkaError::new(ErrorKind::OutOfOrderSequence {
            producer_id: self.producer_id,
            offset,
            topic_partition: self.topic_partition.clone(),
            incoming_seq: append_first_seq,
            current_last_seq,
        }))
    }
}

/// `inSequence`: the next sequence, wrapping after `i32::MAX`.
fn in_sequence(last_seq: i32, next_seq: i32) -> bool {
    i64::from(next_seq) == i64::from(last_seq) + 1 || (next_seq == 0 && last_seq == i32::MAX)
}

//! A transactional id's metadata on its coordinator and every transition it may make,
//! as `kafka.coordinator.transaction.TransactionMetadata` does it: a `prepare*` method
//! checks the move against [`TransactionState::valid_previous_states`], sets the pending
//! state and returns the target ([`TxnTransitMetadata`]) to be written to
//! `__transaction_state`; once written, `complete_transition_to` checks the target again
//! (epoch, partitions, timeout, start time) and applies it. Invariants: at most one
//! transition is pending; an epoch at or above `i16::MAX - 1` is exhausted (the coordinator
//! keeps `i16::MAX` to fence with); every refusal is Kafka's exception with Kafka's words.
//! No clock: every timestamp is a parameter.

use super::error::{TxnError, TxnResult};
use super::state::{TransactionState, TransactionState::*, TransactionVersion};
use std::collections::BTreeSet;

pub use super::transit::{
    is_epoch_exhausted, TopicPartition, TxnTransitMetadata, NO_PRODUCER_EPOCH, NO_PRODUCER_ID,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    /// The producer id of the last committed transaction (before a rotation).
    pub previous_producer_id: i64,
    /// The producer id handed out when an EndTxn overflowed the epoch (TV_2).
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub txn_timeout_ms: i32,
    pub state: TransactionState,
    pub topic_partitions: BTreeSet<TopicPartition>,
    /// When the first partition was added; -1 outside a transaction.
    pub txn_start_timestamp_ms: i64,
    pub txn_last_update_timestamp_ms: i64,
    pub client_transaction_version: TransactionVersion,
    /// The state a prepared transition leads to, until it completes.
    pub pending_state: Option<TransactionState>,
    /// A fence whose write failed: the next fence does not bump the epoch again.
    pub has_failed_epoch_fence: bool,
}

impl TransactionMetadata {
    /// The constructor's arguments in Kafka's order (partitions start empty).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        transactional_id: impl Into<String>,
        producer_id: i64,
        previous_producer_id: i64,
        next_producer_id: i64,
        producer_epoch: i16,
        last_producer_epoch: i16,
        txn_timeout_ms: i32,
        state: TransactionState,
        txn_start_timestamp_ms: i64,
        txn_last_update_timestamp_ms: i64,
        client_transaction_version: TransactionVersion,
    ) -> Self {
        TransactionMetadata {
            transactional_id: transactional_id.into(),
            producer_id,
            previous_producer_id,
            next_producer_id,
            producer_epoch,
            last_producer_epoch,
            txn_timeout_ms,
            state,
            topic_partitions: BTreeSet::new(),
            txn_start_timestamp_ms,
            txn_last_update_timestamp_ms,
            client_transaction_version,
            pending_state: None,
            has_failed_epoch_fence: false,
        }
    }

    pub fn add_partitions(&mut self, partitions: impl IntoIterator<Item = TopicPartition>) {
        self.topic_partitions.extend(partitions);
    }

    /// `removePartition`: a marker was written for it (only while preparing to end).
    pub fn remove_partition(&mut self, tp: &TopicPartition) -> TxnResult<()> {
        if self.state != PrepareCommit && self.state != PrepareAbort {
            return Err(TxnError::IllegalState(format!(
                "Transaction metadata's current state is {}, and its pending state is {:?} while trying to remove partitions whose txn marker has been sent, this is not expected",
                self.state, self.pending_state
            )));
        }
        self.topic_partitions.remove(tp);
        Ok(())
    }

    pub fn is_producer_epoch_exhausted(&self) -> bool {
        is_epoch_exhausted(self.producer_epoch)
    }

    pub fn pending_transition_in_progress(&self) -> bool {
        self.pending_state.is_some()
    }

    /// `prepareNoTransit`: the current state as a target, without a pending state.
    pub fn prepare_no_transit(&self) -> TxnTransitMetadata {
        TxnTransitMetadata {
            producer_id: self.producer_id,
            prev_producer_id: self.previous_producer_id,
            next_producer_id: self.next_producer_id,
            producer_epoch: self.producer_epoch,
            last_producer_epoch: self.last_producer_epoch,
            txn_timeout_ms: self.txn_timeout_ms,
            txn_state: self.state,
            topic_partitions: self.topic_partitions.clone(),
            txn_start_timestamp_ms: self.txn_start_timestamp_ms,
            txn_last_update_timestamp_ms: self.txn_last_update_timestamp_ms,
            client_transaction_version: TransactionVersion::Tv0,
        }
    }

    /// `prepareFenceProducerEpoch`: bump the epoch (unless a fence failed before) on the
    /// way to aborting a transaction an older producer left open.
    pub fn prepare_fence_producer_epoch(&mut self) -> TxnResult<TxnTransitMetadata> {
        if self.producer_epoch == i16::MAX {
            return Err(TxnError::IllegalState(
                "Cannot fence producer with epoch equal to Short.MaxValue since this would overflow".into(),
            ));
        }
        let bumped = if self.has_failed_epoch_fence { self.producer_epoch } else { self.producer_epoch + 1 };
        let partitions = self.topic_partitions.clone();
        self.prepare_transition_to_v0(
            PrepareEpochFence,
            self.producer_id,
            bumped,
            NO_PRODUCER_EPOCH,
            self.txn_timeout_ms,
            partitions,
            self.txn_start_timestamp_ms,
            self.txn_last_update_timestamp_ms,
        )
    }

    /// `prepareIncrementProducerEpoch` (InitProducerId): `expected_producer_epoch` is
    /// what the producer says it had (KIP-360); a stale one is `PRODUCER_FENCED`.
    pub fn prepare_increment_producer_epoch(
        &mut self,
        new_txn_timeout_ms: i32,
        expected_producer_epoch: Option<i16>,
        update_timestamp_ms: i64,
    ) -> TxnResult<TxnTransitMetadata> {
        if self.is_producer_epoch_exhausted() {
            return Err(TxnError::IllegalState(format!(
                "Cannot allocate any more producer epochs for producerId {}",
                self.producer_id
            )));
        }
        let bumped = self.producer_epoch.wrapping_add(1);
        let (next_epoch, last_epoch) = match expected_producer_epoch {
            // A new producer: bump, forget the last epoch (-1 → 0 for a new id).
            None => (bumped, NO_PRODUCER_EPOCH),
            // The producer continues after an error: bump and remember the epoch it had.
            Some(e) if self.producer_epoch == NO_PRODUCER_EPOCH || e == self.producer_epoch => {
                (bumped, self.producer_epoch)
            }
            // A retry of a bump that succeeded: answer the current epoch again.
            Some(e) if e == self.last_producer_epoch => (self.producer_epoch, self.last_producer_epoch),
            Some(_) => return Err(TxnError::ProducerFenced),
        };
        self.prepare_transition_to_v0(
            Empty,
            self.producer_id,
            next_epoch,
            last_epoch,
            new_txn_timeout_ms,
            BTreeSet::new(),
            -1,
            update_timestamp_ms,
        )
    }

    /// `prepareProducerIdRotation`: a new producer id at epoch 0 (the epoch ran out).
    pub fn prepare_producer_id_rotation(
        &mut self,
        new_producer_id: i64,
        new_txn_timeout_ms: i32,
        update_timestamp_ms: i64,
        record_last_epoch: bool,
    ) -> TxnResult<TxnTransitMetadata> {
        if matches!(self.state, Ongoing | PrepareAbort | PrepareCommit) {
            return Err(TxnError::IllegalState(
                "Cannot rotate producer ids while a transaction is still pending".into(),
            ));
        }
        let last = if record_last_epoch { self.producer_epoch } else { NO_PRODUCER_EPOCH };
        self.prepare_transition_to_v0(
            Empty,
            new_producer_id,
            0,
            last,
            new_txn_timeout_ms,
            BTreeSet::new(),
            -1,
            update_timestamp_ms,
        )
    }

    /// `prepareAddPartitions`: a transaction starts (or grows); its start time is the
    /// first add's.
    pub fn prepare_add_partitions(
        &mut self,
        added: impl IntoIterator<Item = TopicPartition>,
        update_timestamp_ms: i64,
    ) -> TxnResult<TxnTransitMetadata> {
        let start = match self.state {
            Empty | CompleteAbort | CompleteCommit => update_timestamp_ms,
            _ => self.txn_start_timestamp_ms,
        };
        let mut partitions = self.topic_partitions.clone();
        partitions.extend(added);
        self.prepare_transition_to_v0(
            Ongoing,
            self.producer_id,
            self.producer_epoch,
            self.last_producer_epoch,
            self.txn_timeout_ms,
            partitions,
            start,
            update_timestamp_ms,
        )
    }

    /// `prepareAbortOrCommit` (EndTxn): under TV_2 the epoch is bumped here.
    pub fn prepare_abort_or_commit(
        &mut self,
        new_state: TransactionState,
        client_transaction_version: TransactionVersion,
        next_producer_id: i64,
        update_timestamp_ms: i64,
    ) -> TxnResult<TxnTransitMetadata> {
        let (epoch, last_epoch) = if client_transaction_version.supports_epoch_bump() {
            // Kafka: "We already ensured that we do not overflow here."
            (self.producer_epoch.wrapping_add(1), self.producer_epoch)
        } else {
            (self.producer_epoch, self.last_producer_epoch)
        };
        let partitions = self.topic_partitions.clone();
        self.prepare_transition_to(
            new_state,
            self.producer_id,
            next_producer_id,
            epoch,
            last_epoch,
            self.txn_timeout_ms,
            partitions,
            self.txn_start_timestamp_ms,
            update_timestamp_ms,
            client_transaction_version,
        )
    }

    /// `prepareComplete`: every marker is written. Under TV_2, an epoch that overflowed
    /// moves to the next producer id at epoch 0.
    pub fn prepare_complete(&mut self, update_timestamp_ms: i64) -> TxnResult<TxnTransitMetadata> {
        let new_state = if self.state == PrepareCommit { CompleteCommit } else { CompleteAbort };
        self.has_failed_epoch_fence = false;
        let (producer_id, epoch) = if self.client_transaction_version.supports_epoch_bump()
            && self.next_producer_id != NO_PRODUCER_ID
        {
            (self.next_producer_id, 0)
        } else {
            (self.producer_id, self.producer_epoch)
        };
        self.prepare_transition_to(
            new_state,
            producer_id,
            NO_PRODUCER_ID,
            epoch,
            self.producer_epoch,
            self.txn_timeout_ms,
            BTreeSet::new(),
            self.txn_start_timestamp_ms,
            update_timestamp_ms,
            self.client_transaction_version,
        )
    }

    /// `prepareDead`: the id expires (its record becomes a tombstone).
    pub fn prepare_dead(&mut self) -> TxnResult<TxnTransitMetadata> {
        self.prepare_transition_to_v0(
            Dead,
            self.producer_id,
            self.producer_epoch,
            self.last_producer_epoch,
            self.txn_timeout_ms,
            BTreeSet::new(),
            self.txn_start_timestamp_ms,
            self.txn_last_update_timestamp_ms,
        )
    }

    /// Kafka's 8-argument `prepareTransitionTo`: no next producer id, TV_0.
    #[allow(clippy::too_many_arguments)]
    fn prepare_transition_to_v0(
        &mut self,
        state: TransactionState,
        producer_id: i64,
        epoch: i16,
        last_epoch: i16,
        timeout_ms: i32,
        partitions: BTreeSet<TopicPartition>,
        start_ms: i64,
        update_ms: i64,
    ) -> TxnResult<TxnTransitMetadata> {
        self.prepare_transition_to(
            state,
            producer_id,
            NO_PRODUCER_ID,
            epoch,
            last_epoch,
            timeout_ms,
            partitions,
            start_ms,
            update_ms,
            TransactionVersion::Tv0,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn prepare_transition_to(
        &mut self,
        state: TransactionState,
        producer_id: i64,
        next_producer_id: i64,
        epoch: i16,
        last_epoch: i16,
        timeout_ms: i32,
        partitions: BTreeSet<TopicPartition>,
        start_ms: i64,
        update_ms: i64,
        client_transaction_version: TransactionVersion,
    ) -> TxnResult<TxnTransitMetadata> {
        if let Some(pending) = self.pending_state {
            return Err(TxnError::IllegalState(format!(
                "Preparing transaction state transition to {state} while it already a pending state {pending}"
            )));
        }
        if producer_id < 0 {
            return Err(TxnError::IllegalArgument(format!("Illegal new producer id {producer_id}")));
        }
        // A new id's epoch is -1 until its first bump, and may stay so until Dead.
        if state != Dead && epoch < 0 {
            return Err(TxnError::IllegalArgument(format!("Illegal new producer epoch {epoch}")));
        }
        if !state.valid_previous_states().contains(&self.state) {
            return Err(TxnError::IllegalState(format!(
                "Preparing transaction state transition to {state} failed since the target state {state} is not a valid previous state of the current state {}",
                self.state
            )));
        }
        self.pending_state = Some(state);
        Ok(TxnTransitMetadata {
            producer_id,
            prev_producer_id: self.producer_id,
            next_producer_id,
            producer_epoch: epoch,
            last_producer_epoch: last_epoch,
            txn_timeout_ms: timeout_ms,
            txn_state: state,
            topic_partitions: partitions,
            txn_start_timestamp_ms: start_ms,
            txn_last_update_timestamp_ms: update_ms,
            client_transaction_version,
        })
    }

    /// `completeTransitionTo`: the target was written to the log; check it against the
    /// pending state and the current metadata, then apply it.
    pub fn complete_transition_to(&mut self, t: &TxnTransitMetadata) -> TxnResult<()> {
        let Some(to) = self.pending_state else {
            return Err(TxnError::IllegalState(format!(
                "TransactionalId {} completing transaction state transition while it does not have a pending state",
                self.transactional_id
            )));
        };
        if to != t.txn_state {
            return Err(self.transition_failure(t));
        }
        let bump_v2 = t.client_transaction_version.supports_epoch_bump();
        match to {
            Empty => {
                if (self.producer_epoch != t.producer_epoch && !self.valid_producer_epoch_bump(t))
                    || !t.topic_partitions.is_empty()
                    || t.txn_start_timestamp_ms != -1
                {
                    return Err(self.transition_failure(t));
                }
                self.txn_timeout_ms = t.txn_timeout_ms;
                self.producer_epoch = t.producer_epoch;
                self.last_producer_epoch = t.last_producer_epoch;
                self.producer_id = t.producer_id;
                self.previous_producer_id = t.prev_producer_id;
            }
            Ongoing => {
                if !self.valid_producer_epoch(t)
                    || !self.topic_partitions.is_subset(&t.topic_partitions)
                    || self.txn_timeout_ms != t.txn_timeout_ms
                {
                    return Err(self.transition_failure(t));
                }
                self.txn_start_timestamp_ms = t.txn_start_timestamp_ms;
                self.add_partitions(t.topic_partitions.iter().cloned());
            }
            PrepareAbort | PrepareCommit => {
                if !self.valid_producer_epoch(t)
                    || self.topic_partitions != t.topic_partitions
                    || self.txn_timeout_ms != t.txn_timeout_ms
                    || self.txn_start_timestamp_ms != t.txn_start_timestamp_ms
                {
                    return Err(self.transition_failure(t));
                }
                if bump_v2 {
                    self.producer_epoch = t.producer_epoch;
                    self.last_producer_epoch = t.last_producer_epoch;
                    self.next_producer_id = t.next_producer_id;
                }
            }
            CompleteAbort | CompleteCommit => {
                if !self.valid_producer_epoch(t)
                    || self.txn_timeout_ms != t.txn_timeout_ms
                    || t.txn_start_timestamp_ms == -1
                {
                    return Err(self.transition_failure(t));
                }
                self.txn_start_timestamp_ms = t.txn_start_timestamp_ms;
                self.topic_partitions.clear();
                if bump_v2 {
                    self.producer_epoch = t.producer_epoch;
                    self.last_producer_epoch = t.last_producer_epoch;
                    self.previous_producer_id = t.prev_producer_id;
                    self.producer_id = t.producer_id;
                    self.next_producer_id = t.next_producer_id;
                }
            }
            // Never completed: a fence is followed at once by a PrepareAbort.
            PrepareEpochFence => return Err(self.transition_failure(t)),
            Dead => {
                return Err(TxnError::IllegalState(format!(
                    "TransactionalId {} is trying to complete a transition to {to}. This means that the transactionalId was being expired, and the only acceptable completion of this operation is to remove the transaction metadata from the cache, not to persist the {to} in the log.",
                    self.transactional_id
                )))
            }
        }
        self.client_transaction_version = t.client_transaction_version;
        self.txn_last_update_timestamp_ms = t.txn_last_update_timestamp_ms;
        self.pending_state = None;
        self.state = to;
        Ok(())
    }

    fn valid_producer_epoch(&self, t: &TxnTransitMetadata) -> bool {
        let v2 = t.client_transaction_version.supports_epoch_bump();
        let overflow_complete =
            v2 && matches!(t.txn_state, CompleteCommit | CompleteAbort) && t.producer_epoch == 0;
        let epoch = if overflow_complete || (v2 && matches!(t.txn_state, PrepareCommit | PrepareAbort)) {
            t.last_producer_epoch
        } else {
            t.producer_epoch
        };
        let producer_id = if overflow_complete { t.prev_producer_id } else { t.producer_id };
        epoch == self.producer_epoch && producer_id == self.producer_id
    }

    fn valid_producer_epoch_bump(&self, t: &TxnTransitMetadata) -> bool {
        i32::from(t.producer_epoch) == i32::from(self.producer_epoch) + 1
            || (t.producer_epoch == 0 && t.producer_id != self.producer_id)
    }

    fn transition_failure(&self, t: &TxnTransitMetadata) -> TxnError {
        TxnError::IllegalState(format!(
            "TransactionalId {} failed transition to state {t:?} due to unexpected metadata",
            self.transactional_id
        ))
    }
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
mod tests;

//! `TransactionStateManager.appendTransactionToLog`: a transition's target is written to
//! the id's `__transaction_state` partition with acks=all (timeout: the transaction's
//! timeout) and applied with `completeTransitionTo` only once durable and only if the
//! coordinator epoch is still the one it was written in (else NOT_COORDINATOR). A failed
//! write resets the pending state (unless the caller retries it) and its error is mapped
//! as Kafka maps it (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, UNKNOWN_SERVER_ERROR).

use super::requests::EndOrigin;
use super::{Effect, PendingCompleteTxn, TransactionCoordinator, TxnTimer, Waiter};
use crate::engine::error::ErrorCode;
use crate::engine::txn::log_record::{key_to_bytes, value_to_bytes};
use crate::engine::txn::state::TransactionVersion;
use crate::engine::txn::transit::{TopicPartition, TxnTransitMetadata};

/// What happens once a write is durable (or failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AppendCallback {
    InitProducerId {
        to: Waiter,
        producer_id: i64,
        producer_epoch: i16,
    },
    AddPartitions {
        to: Waiter,
        partitions: Vec<TopicPartition>,
    },
    AddOffsets {
        to: Waiter,
    },
    /// A PrepareCommit/PrepareAbort (`sendTxnMarkersCallback`).
    EndTxn {
        origin: EndOrigin,
        producer_id: i64,
        producer_epoch: i16,
        committed: bool,
        is_epoch_fence: bool,
    },
    /// CompleteCommit/CompleteAbort after the markers (`tryAppendToLog`).
    Complete {
        txn: PendingCompleteTxn,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingAppend {
    pub partition: u32,
    pub transactional_id: String,
    pub coordinator_epoch: i32,
    pub new_metadata: TxnTransitMetadata,
    /// The HW that makes the write durable, and the leader epoch it was written in.
    pub started: Option<(i64, i32)>,
    /// `retryOnError`: keep the pending state on COORDINATOR_NOT_AVAILABLE.
    pub retry_on_unavailable: bool,
    pub callback: AppendCallback,
}

/// The `__transaction_state` value version the coordinator writes (TV_0: value v0).
pub const TRANSACTION_VERSION_LEVEL: TransactionVersion = TransactionVersion::Tv0;

impl TransactionCoordinator {
    pub(crate) fn append_transaction_to_log(
        &mut self,
        now_ms: i64,
        transactional_id: &str,
        coordinator_epoch: i32,
        new_metadata: TxnTransitMetadata,
        callback: AppendCallback,
        retry_on_unavailable: bool,
    ) {
        match self.state_of(transactional_id) {
            Err(e) => {
                return self.run_callback(now_ms, transactional_id, coordinator_epoch, callback, Some(e))
            }
            Ok(None) => {
                return self.run_callback(
                    now_ms,
                    transactional_id,
                    coordinator_epoch,
                    callback,
                    Some(ErrorCode::NotCoordinator),
                )
            }
            Ok(Some(epoch)) if epoch != coordinator_epoch => {
                return self.run_callback(
                    now_ms,
                    transactional_id,
                    coordinator_epoch,
                    callback,
                    Some(ErrorCode::NotCoordinator),
                )
            }
            Ok(Some(_)) => {}
        }
        let value = match value_to_bytes(&new_metadata, TRANSACTION_VERSION_LEVEL) {
            Ok(v) => v,
            Err(e) => {
                self.illegal_state(e.to_string());
                return self.run_callback(
                    now_ms,
                    transactional_id,
                    coordinator_epoch,
                    callback,
                    Some(ErrorCode::UnknownServerError),
                );
            }
        };
        let partition = self.partition_for(transactional_id);
        let id = self.next_append_id();
        let timeout_ms = i64::from(new_metadata.txn_timeout_ms.max(1));
        self.appends.insert(
            id,
            PendingAppend {
                partition,
                transactional_id: transactional_id.to_string(),
                coordinator_epoch,
                new_metadata,
                started: None,
                retry_on_unavailable,
                callback,
            },
        );
        self.timers.insert(TxnTimer::Append { id }, now_ms + timeout_ms);
        let key = key_to_bytes(transactional_id);
        self.push_effect(Effect::Append { id, partition, key, value });
    }

    /// The broker appended write `id` (durable at `required_offset` in `leader_epoch`) or refused it.
    pub fn append_started(&mut self, now_ms: i64, id: u64, outcome: Result<(i64, i32), ErrorCode>) {
        match outcome {
            Ok(started) => {
                if let Some(a) = self.appends.get_mut(&id) {
                    a.started = Some(started);
                }
            }
            Err(e) => self.append_completed(now_ms, id, Some(e)),
        }
    }

    /// Writes the broker must watch: `(id, partition, required_offset, leader_epoch)`.
    pub fn started_appends(&self) -> Vec<(u64, u32, i64, i32)> {
        self.appends
            .iter()
            .filter_map(|(id, a)| a.started.map(|(offset, epoch)| (*id, a.partition, offset, epoch)))
            .collect()
    }

    /// `updateCacheCallback`: write `id` is durable (`None`) or failed.
    pub fn append_completed(&mut self, now_ms: i64, id: u64, error: Option<ErrorCode>) {
        let Some(a) = self.appends.remove(&id) else { return };
        self.timers.remove(&TxnTimer::Append { id });
        let mut error = error.map(append_error_to_response);
        let state = self.state_of(&a.transactional_id);
        match error {
            None => match state {
                Err(e) => error = Some(e),
                Ok(None) => error = Some(ErrorCode::NotCoordinator),
                Ok(Some(epoch)) if epoch != a.coordinator_epoch => error = Some(ErrorCode::NotCoordinator),
                Ok(Some(_)) => {
                    let applied = self
                        .metadata_mut(&a.transactional_id)
                        .map(|m| m.complete_transition_to(&a.new_metadata));
                    if let Some(Err(e)) = applied {
                        self.illegal_state(e.to_string());
                        error = Some(ErrorCode::UnknownServerError);
                    } else {
                        self.report_state(&a.transactional_id);
                    }
                }
            },
            Some(e) => {
                let retry = a.retry_on_unavailable && e == ErrorCode::CoordinatorNotAvailable;
                if state == Ok(Some(a.coordinator_epoch)) && !retry {
                    if let Some(m) = self.metadata_mut(&a.transactional_id) {
                        m.pending_state = None;
                    }
                }
            }
        }
        self.run_callback(now_ms, &a.transactional_id, a.coordinator_epoch, a.callback, error);
    }

    fn run_callback(
        &mut self,
        now_ms: i64,
        transactional_id: &str,
        coordinator_epoch: i32,
        callback: AppendCallback,
        error: Option<ErrorCode>,
    ) {
        match callback {
            AppendCallback::InitProducerId { to, producer_id, producer_epoch } => {
                self.on_init_producer_id_stored(to, error, Some((producer_id, producer_epoch)))
            }
            AppendCallback::AddPartitions { to, partitions } => {
                self.answer_add_partitions(to, &partitions, error)
            }
            AppendCallback::AddOffsets { to } => self.answer_add_offsets(to, error),
            AppendCallback::EndTxn { origin, producer_id, producer_epoch, committed, is_epoch_fence } => {
                let fence = (committed, is_epoch_fence);
                let id = transactional_id;
                self.on_end_txn_prepared(
                    now_ms,
                    id,
                    coordinator_epoch,
                    origin,
                    producer_id,
                    producer_epoch,
                    fence,
                    error,
                )
            }
            AppendCallback::Complete { txn } => self.on_completion_stored(now_ms, txn, error),
        }
    }
}

/// `appendTransactionToLog`'s mapping of a log append error to the client's.
pub(crate) fn append_error_to_response(error: ErrorCode) -> ErrorCode {
    match error {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend
        | ErrorCode::RequestTimedOut => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderOrFollower | ErrorCode::KafkaStorageError => ErrorCode::NotCoordinator,
        ErrorCode::MessageTooLarge | ErrorCode::RecordListTooLarge => ErrorCode::UnknownServerError,
        other => other,
    }
}

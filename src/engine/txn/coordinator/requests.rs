//! The client requests (`TransactionCoordinator.handleInitProducerId`,
//! `handleAddPartitionsToTransaction`, `endTransaction`, `abortTimedOutTransactions`;
//! `KafkaApis.handleAddOffsetsToTxnRequest`, which adds the group's `__consumer_offsets`
//! partition): each checks the id's metadata as Kafka does, prepares the transition and
//! writes it; the answer follows the write. An ongoing transaction met by InitProducerId
//! or by its timeout is fenced (PrepareEpochFence: the epoch bumped) and aborted.

use super::append::AppendCallback;
use super::ProducerIdSource;
use super::{to_cluster_tp, TransactionCoordinator, Waiter};
use crate::engine::cluster::messages::{Message, TxnPartitionResult};
use crate::engine::error::ErrorCode;
use crate::engine::group::coordinator::placement::{partition_for as group_partition_for, OFFSETS_TOPIC};
use crate::engine::txn::error::TxnError;
use crate::engine::txn::metadata::{
    is_epoch_exhausted, TransactionMetadata, NO_PRODUCER_EPOCH, NO_PRODUCER_ID,
};
use crate::engine::txn::state::{TransactionState::*, TransactionVersion};
use crate::engine::txn::transit::{TopicPartition, TxnTransitMetadata};

/// Who ends a transaction: a client's EndTxn, an InitProducerId fencing an ongoing
/// transaction (answered CONCURRENT_TRANSACTIONS), or the timeout task (no answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndOrigin {
    Client(Waiter),
    InitFence(Waiter),
    Timeout,
}

/// What AddPartitionsToTxn or AddOffsetsToTxn adds.
pub(crate) enum AddTarget {
    Partitions(Vec<TopicPartition>),
    Offsets(String),
}

impl TransactionCoordinator {
    pub(crate) fn handle_init_producer_id(
        &mut self,
        now_ms: i64,
        to: Waiter,
        transactional_id: &str,
        txn_timeout_ms: i32,
        (expected_id, expected_epoch): (i64, i16),
        pids: &mut dyn ProducerIdSource,
    ) {
        let expected = match (expected_id == NO_PRODUCER_ID, expected_epoch == NO_PRODUCER_EPOCH) {
            (true, true) => None,
            (false, false) => Some((expected_id, expected_epoch)),
            // `InitProducerIdRequest`: both set or neither.
            _ => return self.answer_init_error(to, ErrorCode::InvalidRequest),
        };
        if transactional_id.is_empty() {
            return self.answer_init_error(to, ErrorCode::InvalidRequest);
        }
        if !self.config.validate_transaction_timeout_ms(txn_timeout_ms) {
            return self.answer_init_error(to, ErrorCode::InvalidTransactionTimeout);
        }
        let coordinator_epoch = match self.state_of(transactional_id) {
            Err(e) => return self.answer_init_error(to, e),
            Ok(Some(epoch)) => epoch,
            Ok(None) => {
                let producer_id = match pids.generate_producer_id() {
                    Ok(id) => id,
                    Err(e) => return self.answer_init_error(to, e),
                };
                let created = TransactionMetadata::new(
                    transactional_id,
                    producer_id,
                    NO_PRODUCER_ID,
                    NO_PRODUCER_ID,
                    NO_PRODUCER_EPOCH,
                    NO_PRODUCER_EPOCH,
                    txn_timeout_ms,
                    Empty,
                    -1,
                    now_ms,
                    TransactionVersion::Tv0,
                );
                let partition = self.partition_for(transactional_id);
                let Some(p) = self.partitions.get_mut(&partition) else { return };
                p.transactions.insert(transactional_id.to_string(), created);
                p.coordinator_epoch
            }
        };
        let transit = match self.prepare_init_producer_id_transit(
            now_ms,
            transactional_id,
            txn_timeout_ms,
            expected,
            pids,
        ) {
            Ok(t) => t,
            Err(e) => return self.answer_init_error(to, e),
        };
        if transit.txn_state == PrepareEpochFence {
            let origin = EndOrigin::InitFence(to);
            self.end_transaction(
                now_ms,
                transactional_id,
                transit.producer_id,
                transit.producer_epoch,
                false,
                origin,
            );
        } else {
            let callback = AppendCallback::InitProducerId {
                to,
                producer_id: transit.producer_id,
                producer_epoch: transit.producer_epoch,
            };
            self.append_transaction_to_log(
                now_ms,
                transactional_id,
                coordinator_epoch,
                transit,
                callback,
                false,
            );
        }
    }

    /// `prepareInitProducerIdTransit`.
    fn prepare_init_producer_id_transit(
        &mut self,
        now_ms: i64,
        transactional_id: &str,
        txn_timeout_ms: i32,
        expected: Option<(i64, i16)>,
        pids: &mut dyn ProducerIdSource,
    ) -> Result<TxnTransitMetadata, ErrorCode> {
        let Some(m) = self.metadata_mut(transactional_id) else { return Err(ErrorCode::NotCoordinator) };
        let valid_producer_id = |(id, epoch): (i64, i16)| {
            m.producer_epoch == NO_PRODUCER_EPOCH
                || id == m.producer_id
                || (id == m.previous_producer_id && is_epoch_exhausted(epoch))
        };
        if m.pending_transition_in_progress() {
            return Err(ErrorCode::ConcurrentTransactions);
        }
        if !expected.is_none_or(valid_producer_id) {
            return Err(ErrorCode::ProducerFenced);
        }
        let result = match m.state {
            PrepareAbort | PrepareCommit => return Err(ErrorCode::ConcurrentTransactions),
            CompleteAbort | CompleteCommit | Empty => {
                if m.is_producer_epoch_exhausted() && expected.is_none_or(|(_, e)| e == m.producer_epoch) {
                    let new_id = pids.generate_producer_id()?;
                    m.prepare_producer_id_rotation(new_id, txn_timeout_ms, now_ms, expected.is_some())
                } else {
                    m.prepare_increment_producer_epoch(txn_timeout_ms, expected.map(|(_, e)| e), now_ms)
                }
            }
            Ongoing => m.prepare_fence_producer_epoch(),
            Dead | PrepareEpochFence => Err(TxnError::IllegalState(format!(
                "Found transactionalId {transactional_id} with state {}. This is illegal as we should never have transitioned to this state.",
                m.state
            ))),
        };
        result.map_err(|e| self.txn_error(e))
    }

    /// A refusal from the metadata as the client sees it.
    fn txn_error(&mut self, e: TxnError) -> ErrorCode {
        match e {
            TxnError::ProducerFenced => ErrorCode::ProducerFenced,
            other => {
                self.illegal_state(other.to_string());
                ErrorCode::UnknownServerError
            }
        }
    }

    fn answer_init_error(&mut self, to: Waiter, error: ErrorCode) {
        let message = Message::InitProducerIdResponse {
            correlation_id: to.correlation_id,
            error: Some(error),
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
        };
        self.send(to, message);
    }

    pub(crate) fn on_init_producer_id_stored(
        &mut self,
        to: Waiter,
        error: Option<ErrorCode>,
        done: Option<(i64, i16)>,
    ) {
        match (error, done) {
            (None, Some((producer_id, producer_epoch))) => {
                let message = Message::InitProducerIdResponse {
                    correlation_id: to.correlation_id,
                    error: None,
                    producer_id,
                    producer_epoch,
                };
                self.send(to, message)
            }
            (e, _) => self.answer_init_error(to, e.unwrap_or(ErrorCode::UnknownServerError)),
        }
    }

    pub(crate) fn handle_add_partitions(
        &mut self,
        now_ms: i64,
        to: Waiter,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        target: AddTarget,
    ) {
        let partitions = match &target {
            AddTarget::Partitions(p) => p.clone(),
            AddTarget::Offsets(group_id) => {
                let n = group_partition_for(group_id, self.offsets_partition_count);
                vec![TopicPartition::new(OFFSETS_TOPIC, n as i32)]
            }
        };
        let answer = |c: &mut Self, error: Option<ErrorCode>| match &target {
            AddTarget::Partitions(p) => c.answer_add_partitions(to, p, error),
            AddTarget::Offsets(_) => c.answer_add_offsets(to, error),
        };
        if transactional_id.is_empty() {
            return answer(self, Some(ErrorCode::InvalidRequest));
        }
        let coordinator_epoch = match self.state_of(transactional_id) {
            Err(e) => return answer(self, Some(e)),
            Ok(None) => return answer(self, Some(ErrorCode::InvalidProducerIdMapping)),
            Ok(Some(epoch)) => epoch,
        };
        let Some(m) = self.metadata_mut(transactional_id) else { return };
        let prepared = if m.producer_id != producer_id {
            Err(Some(ErrorCode::InvalidProducerIdMapping))
        } else if m.producer_epoch != producer_epoch {
            Err(Some(ErrorCode::ProducerFenced))
        } else if m.pending_transition_in_progress() || matches!(m.state, PrepareCommit | PrepareAbort) {
            Err(Some(ErrorCode::ConcurrentTransactions))
        } else if m.state == Ongoing && partitions.iter().all(|tp| m.topic_partitions.contains(tp)) {
            // Already in the transaction: answered at once.
            Err(None)
        } else {
            m.prepare_add_partitions(partitions, now_ms).map_err(|e| Some(self.txn_error(e)))
        };
        match prepared {
            Err(error) => answer(self, error),
            Ok(transit) => {
                let callback = match target {
                    AddTarget::Partitions(partitions) => AppendCallback::AddPartitions { to, partitions },
                    AddTarget::Offsets(_) => AppendCallback::AddOffsets { to },
                };
                self.append_transaction_to_log(
                    now_ms,
                    transactional_id,
                    coordinator_epoch,
                    transit,
                    callback,
                    false,
                )
            }
        }
    }

    pub(crate) fn answer_add_partitions(
        &mut self,
        to: Waiter,
        partitions: &[TopicPartition],
        error: Option<ErrorCode>,
    ) {
        let results =
            partitions.iter().map(|tp| TxnPartitionResult { tp: to_cluster_tp(tp), error }).collect();
        self.send(to, Message::AddPartitionsToTxnResponse { correlation_id: to.correlation_id, results });
    }

    pub(crate) fn answer_add_offsets(&mut self, to: Waiter, error: Option<ErrorCode>) {
        self.send(to, Message::AddOffsetsToTxnResponse { correlation_id: to.correlation_id, error });
    }

    /// `abortTimedOutTransactions`: every Ongoing transaction past its timeout with no
    /// transition pending is fenced (epoch bumped) and aborted.
    pub(crate) fn abort_timed_out_transactions(&mut self, now_ms: i64, _pids: &mut dyn ProducerIdSource) {
        let mut timed_out = Vec::new();
        for p in self.partitions.values().filter(|p| !p.loading) {
            for (id, m) in &p.transactions {
                if !m.pending_transition_in_progress()
                    && m.state == Ongoing
                    && m.txn_start_timestamp_ms + i64::from(m.txn_timeout_ms) < now_ms
                {
                    timed_out.push(id.clone());
                }
            }
        }
        for id in timed_out {
            let Some(m) = self.metadata_mut(&id) else { continue };
            if m.pending_transition_in_progress() {
                continue;
            }
            match m.prepare_fence_producer_epoch() {
                Ok(t) => self.end_transaction(
                    now_ms,
                    &id,
                    t.producer_id,
                    t.producer_epoch,
                    false,
                    EndOrigin::Timeout,
                ),
                Err(e) => self.illegal_state(e.to_string()),
            }
        }
    }
}

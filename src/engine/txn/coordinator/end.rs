//! `TransactionCoordinator.endTransaction` under TV_0 (EndTxn, and the aborts a fence or
//! a timeout starts): an Ongoing transaction moves to PrepareCommit/PrepareAbort,
//! written with acks=all; once durable the client is answered, the transaction is
//! prepared to complete and its markers go out ([`super::markers`]). A retry after the
//! end is answered from the state (NONE, CONCURRENT_TRANSACTIONS or INVALID_TXN_STATE).

use super::append::AppendCallback;
use super::requests::EndOrigin;
use super::{PendingCompleteTxn, TransactionCoordinator};
use crate::engine::cluster::messages::Message;
use crate::engine::error::ErrorCode;
use crate::engine::txn::metadata::{NO_PRODUCER_EPOCH, NO_PRODUCER_ID};
use crate::engine::txn::state::{TransactionState::*, TransactionVersion};

impl TransactionCoordinator {
    pub(crate) fn end_transaction(
        &mut self,
        now_ms: i64,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        committed: bool,
        origin: EndOrigin,
    ) {
        if transactional_id.is_empty() {
            return self.answer_end(origin, Some(ErrorCode::InvalidRequest));
        }
        let coordinator_epoch = match self.state_of(transactional_id) {
            Err(e) => return self.answer_end(origin, Some(e)),
            Ok(None) => return self.answer_end(origin, Some(ErrorCode::InvalidProducerIdMapping)),
            Ok(Some(epoch)) => epoch,
        };
        let from_client = matches!(origin, EndOrigin::Client(_));
        let Some(m) = self.metadata_mut(transactional_id) else { return };
        let mut is_epoch_fence = false;
        // TV_1 and below: strict equality for a client, the fence's bumped epoch otherwise.
        let valid_epoch =
            (!from_client || producer_epoch == m.producer_epoch) && producer_epoch >= m.producer_epoch;
        let fencing = m.pending_state == Some(PrepareEpochFence);
        let mut illegal = None;
        let prepared = if m.producer_id != producer_id {
            Err(Some(ErrorCode::InvalidProducerIdMapping))
        } else if !valid_epoch {
            Err(Some(ErrorCode::ProducerFenced))
        } else if m.pending_transition_in_progress() && !fencing {
            Err(Some(ErrorCode::ConcurrentTransactions))
        } else {
            match m.state {
                Ongoing => {
                    let next = if committed { PrepareCommit } else { PrepareAbort };
                    if next == PrepareAbort && fencing {
                        is_epoch_fence = true;
                        m.pending_state = None;
                        m.producer_epoch = producer_epoch;
                        m.last_producer_epoch = NO_PRODUCER_EPOCH;
                    }
                    m.prepare_abort_or_commit(next, TransactionVersion::Tv0, NO_PRODUCER_ID, now_ms).map_err(
                        |e| {
                            illegal = Some(e.to_string());
                            Some(ErrorCode::UnknownServerError)
                        },
                    )
                }
                CompleteCommit if committed => Err(None),
                CompleteAbort if !committed => Err(None),
                PrepareCommit if committed => Err(Some(ErrorCode::ConcurrentTransactions)),
                PrepareAbort if !committed => Err(Some(ErrorCode::ConcurrentTransactions)),
                CompleteCommit | CompleteAbort | PrepareCommit | PrepareAbort | Empty => {
                    Err(Some(ErrorCode::InvalidTxnState))
                }
                state @ (Dead | PrepareEpochFence) => {
                    illegal = Some(format!(
                        "Found transactionalId {transactional_id} with state {state}. This is illegal as we should never have transitioned to this state."
                    ));
                    Err(Some(ErrorCode::UnknownServerError))
                }
            }
        };
        if let Some(reason) = illegal {
            self.illegal_state(reason);
        }
        match prepared {
            Err(error) => self.answer_end(origin, error),
            Ok(transit) => {
                let callback =
                    AppendCallback::EndTxn { origin, producer_id, producer_epoch, committed, is_epoch_fence };
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

    /// `sendTxnMarkersCallback`: the PrepareCommit/PrepareAbort write is done (or failed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_end_txn_prepared(
        &mut self,
        now_ms: i64,
        transactional_id: &str,
        coordinator_epoch: i32,
        origin: EndOrigin,
        producer_id: i64,
        producer_epoch: i16,
        (committed, is_epoch_fence): (bool, bool),
        error: Option<ErrorCode>,
    ) {
        if let Some(error) = error {
            if is_epoch_fence && self.state_of(transactional_id) == Ok(Some(coordinator_epoch)) {
                if let Some(m) = self.metadata_mut(transactional_id) {
                    m.has_failed_epoch_fence = true;
                }
            }
            return self.answer_end(origin, Some(error));
        }
        match self.state_of(transactional_id) {
            Err(e) => return self.answer_end(origin, Some(e)),
            Ok(None) => {
                self.illegal_state(format!(
                    "The coordinator still owns the transaction partition for {transactional_id}, but there is no metadata in the cache; this is not expected"
                ));
                return self.answer_end(origin, Some(ErrorCode::UnknownServerError));
            }
            Ok(Some(epoch)) if epoch != coordinator_epoch => {
                return self.answer_end(origin, Some(ErrorCode::NotCoordinator))
            }
            Ok(Some(_)) => {}
        }
        let Some(m) = self.metadata_mut(transactional_id) else { return };
        let outcome = if m.producer_id != producer_id {
            Err(ErrorCode::InvalidProducerIdMapping)
        } else if m.producer_epoch != producer_epoch {
            Err(ErrorCode::ProducerFenced)
        } else if m.pending_transition_in_progress() {
            Err(ErrorCode::ConcurrentTransactions)
        } else {
            match m.state {
                PrepareCommit if committed => Ok(()),
                PrepareAbort if !committed => Ok(()),
                _ => Err(ErrorCode::InvalidTxnState),
            }
        };
        if let Err(e) = outcome {
            return self.answer_end(origin, Some(e));
        }
        let snapshot = (m.producer_id, m.producer_epoch, m.topic_partitions.clone());
        match m.prepare_complete(now_ms) {
            Ok(new_metadata) => {
                self.answer_end(origin, None);
                let txn = PendingCompleteTxn {
                    transactional_id: transactional_id.to_string(),
                    coordinator_epoch,
                    committed,
                    producer_id: snapshot.0,
                    producer_epoch: snapshot.1,
                    new_metadata,
                };
                self.add_txn_markers_to_send(now_ms, txn, snapshot.2);
            }
            Err(e) => {
                self.illegal_state(e.to_string());
                self.answer_end(origin, Some(ErrorCode::UnknownServerError));
            }
        }
    }

    /// EndTxn's answer (TV_0: producer id and epoch -1); a fence started by
    /// InitProducerId answers CONCURRENT_TRANSACTIONS when it went through, so that the
    /// client retries and gets the next epoch.
    pub(crate) fn answer_end(&mut self, origin: EndOrigin, error: Option<ErrorCode>) {
        match origin {
            EndOrigin::Client(to) => {
                let message = Message::EndTxnResponse {
                    correlation_id: to.correlation_id,
                    error,
                    producer_id: NO_PRODUCER_ID,
                    producer_epoch: NO_PRODUCER_EPOCH,
                };
                self.send(to, message)
            }
            EndOrigin::InitFence(to) => {
                let message = Message::InitProducerIdResponse {
                    correlation_id: to.correlation_id,
                    error: Some(error.unwrap_or(ErrorCode::ConcurrentTransactions)),
                    producer_id: NO_PRODUCER_ID,
                    producer_epoch: NO_PRODUCER_EPOCH,
                };
                self.send(to, message)
            }
            EndOrigin::Timeout => {}
        }
    }
}

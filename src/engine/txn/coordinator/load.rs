//! Becoming and ceasing to be a transaction coordinator (`TransactionCoordinator.onElection`
//! / `onResignation`, `TransactionStateManager.loadTransactionsForTxnTopicPartition`):
//! a newly led `__transaction_state` partition is read from its log start to its log end
//! (the last record of an id wins, a tombstone removes it), COORDINATOR_LOAD_IN_PROGRESS
//! meanwhile; then each transaction left in PrepareCommit or PrepareAbort is prepared to
//! complete and its markers are sent again. The coordinator epoch is the partition's
//! leader epoch. On resignation the partition's transactions, queued markers and writes
//! in flight go (the writes are answered NOT_COORDINATOR).

use super::{PendingCompleteTxn, TransactionCoordinator, TxnPartition, TxnTimer};
use crate::engine::error::ErrorCode;
use crate::engine::record::{decode_batch, split_batches};
use crate::engine::txn::log_record::{read_txn_record_key, read_txn_record_value, TxnRecordKey};
use crate::engine::txn::metadata::TransactionMetadata;
use crate::engine::txn::state::TransactionState;
use std::collections::BTreeMap;

impl TransactionCoordinator {
    /// This broker now leads `__transaction_state-{partition}` in `leader_epoch`.
    pub fn on_elected(&mut self, now_ms: i64, partition: u32, leader_epoch: i32) {
        if self.partitions.get(&partition).is_some_and(|p| p.coordinator_epoch == leader_epoch) {
            return;
        }
        if self.partitions.contains_key(&partition) {
            self.on_resigned(now_ms, partition);
        }
        self.remove_markers_for_txn_topic_partition(partition);
        let entry =
            TxnPartition { coordinator_epoch: leader_epoch, loading: true, transactions: BTreeMap::new() };
        self.partitions.insert(partition, entry);
        self.timers.insert(TxnTimer::Load { partition }, now_ms);
        if !self.timers.contains_key(&TxnTimer::AbortTimedOut) {
            self.arm_abort_timer(now_ms);
        }
    }

    /// `loadTransactionMetadata` over the partition's bytes, then the cache and the
    /// markers of the transactions pending completion.
    pub fn load(&mut self, now_ms: i64, partition: u32, log: &[u8]) {
        let Some(entry) = self.partitions.get(&partition) else { return };
        if !entry.loading {
            return;
        }
        let coordinator_epoch = entry.coordinator_epoch;
        let mut loaded: BTreeMap<String, TransactionMetadata> = BTreeMap::new();
        let mut problem = None;
        'batches: for view in split_batches(log) {
            let batch = match view.and_then(|v| decode_batch(v.bytes)) {
                Ok(b) => b,
                Err(e) => {
                    problem = Some(e.to_string());
                    break;
                }
            };
            if batch.header.is_control_batch() {
                continue;
            }
            for record in batch.records {
                let Some(key) = &record.key else {
                    problem = Some("Transaction state log's key should not be null".to_string());
                    break 'batches;
                };
                let outcome = read_txn_record_key(key).and_then(|k| match k {
                    TxnRecordKey::Txn { transactional_id, .. } => {
                        read_txn_record_value(&transactional_id, record.value.as_deref())
                            .map(|m| Some((transactional_id, m)))
                    }
                    // "Unknown message key … Ignoring it."
                    TxnRecordKey::Unknown { .. } => Ok(None),
                });
                match outcome {
                    Ok(Some((id, Some(m)))) => {
                        loaded.insert(id, m);
                    }
                    Ok(Some((id, None))) => {
                        loaded.remove(&id);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        // Kafka logs the error and keeps what it loaded so far.
                        problem = Some(e.to_string());
                        break 'batches;
                    }
                }
            }
        }
        if let Some(p) = problem.take() {
            self.illegal_state(format!(
                "Error loading transactions from transaction log __transaction_state-{partition}: {p}"
            ));
        }
        let mut pending = Vec::new();
        for (id, m) in loaded.iter_mut() {
            let committed = match m.state {
                TransactionState::PrepareCommit => true,
                TransactionState::PrepareAbort => false,
                _ => continue,
            };
            let snapshot = (m.producer_id, m.producer_epoch, m.topic_partitions.clone());
            match m.prepare_complete(now_ms) {
                Ok(new_metadata) => pending.push((
                    PendingCompleteTxn {
                        transactional_id: id.clone(),
                        coordinator_epoch,
                        committed,
                        producer_id: snapshot.0,
                        producer_epoch: snapshot.1,
                        new_metadata,
                    },
                    snapshot.2,
                )),
                Err(e) => problem = Some(e.to_string()),
            }
        }
        if let Some(p) = problem {
            self.illegal_state(p);
        }
        let ids: Vec<String> = loaded.keys().cloned().collect();
        if let Some(entry) = self.partitions.get_mut(&partition) {
            entry.transactions = loaded;
            entry.loading = false;
        }
        for id in ids {
            self.report_state(&id);
        }
        for (txn, partitions) in pending {
            self.add_txn_markers_to_send(now_ms, txn, partitions);
        }
    }

    /// This broker no longer leads `__transaction_state-{partition}`.
    pub fn on_resigned(&mut self, now_ms: i64, partition: u32) {
        if self.partitions.remove(&partition).is_none() {
            return;
        }
        self.timers.remove(&TxnTimer::Load { partition });
        self.remove_markers_for_txn_topic_partition(partition);
        let failed: Vec<u64> =
            self.appends.iter().filter(|(_, a)| a.partition == partition).map(|(id, _)| *id).collect();
        for id in failed {
            self.append_completed(now_ms, id, Some(ErrorCode::NotLeaderOrFollower));
        }
        if self.partitions.is_empty() {
            self.timers.remove(&TxnTimer::AbortTimedOut);
        }
    }
}

//! The partition log's transaction parts (`UnifiedLog`, `LogSegment`): the end marker a
//! transaction coordinator writes (`UnifiedLog.appendAsLeader` with
//! `AppendOrigin.COORDINATOR`: the control batch is checked by the producer state,
//! `ProducerAppendInfo.appendEndTxnMarker`, never refused as a client's would be), the
//! aborted transaction index each segment keeps (`UnifiedLog.append` →
//! `LogSegment.updateTxnIndex`, with `ProducerStateManager.lastStableOffset` computed
//! before `completeTxn`), its rebuild at recovery (`LogSegment.recover` replays every
//! batch into a producer state of its own), and the read_committed side of a read:
//! `UnifiedLog.collectAbortedTransactions` from the segment holding the fetch offset on,
//! up to `LogSegment.fetchUpperBoundOffset` (the offset index entry past the fetched
//! bytes, else the next segment's base offset, else the log end offset).
//!
//! Invariant: an entry is in the `.txnindex` of the segment holding its ABORT marker,
//! entries in marker order; the rebuild gives the entries the appends gave.
//! Storage decision: like `.index` and `.timeindex`, the `.txnindex` is derived from the
//! `.log` and rebuilt at recovery; the CLI log dir and a segment's download write it as
//! Kafka's file. A rebuild starts from the log start offset: a transaction whose first
//! batch was deleted by retention before its ABORT marker gets no entry (Kafka keeps the
//! old file instead).

use super::partition_log::{LogAppendInfo, PartitionLog};
use super::producer_log::load_producers;
use super::producer_state::{AppendOrigin, CompletedTxn, ProducerStateManager};
use crate::engine::cluster::txn_parts::AbortedTransaction;
use crate::engine::error::{Corruption, KafkaError, Result};
use crate::engine::record::batch::set_log_append_time;
use crate::engine::record::{MemoryRecords, TimestampType};
use crate::engine::store::StoreOp;
use crate::engine::txn::marker::{end_txn_marker_batch, ControlRecordType, EndTransactionMarker};
use crate::engine::txn::txn_index::TransactionIndex;

/// One `WritableTxnMarker` as it applies to one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndTxnMarkerAppend {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub coordinator_epoch: i32,
    /// COMMIT (true) or ABORT (false).
    pub committed: bool,
}

impl PartitionLog {
    /// The coordinator's end marker appended as leader: a control batch at the log end
    /// offset (`MemoryRecords.withEndTransactionMarker`, timestamp `now_ms`), checked by
    /// its producer's state (`INVALID_PRODUCER_EPOCH` for an older producer epoch,
    /// `TRANSACTION_COORDINATOR_FENCED` for an older coordinator epoch); an ABORT that
    /// completes a transaction adds its `.txnindex` entry.
    pub fn append_end_txn_marker_as_leader(
        &mut self,
        now_ms: i64,
        marker: EndTxnMarkerAppend,
        leader_epoch: i32,
    ) -> Result<LogAppendInfo> {
        let control_type =
            if marker.committed { ControlRecordType::Commit } else { ControlRecordType::Abort };
        let invalid = |e: crate::engine::txn::TxnError| {
            KafkaError::corrupt(Corruption::InvalidRecord { detail: e.to_string() })
        };
        let end_marker =
            EndTransactionMarker::new(control_type, marker.coordinator_epoch).map_err(invalid)?;
        let offset = self.log_end_offset();
        let mut batch = end_txn_marker_batch(
            offset,
            now_ms,
            leader_epoch,
            marker.producer_id,
            marker.producer_epoch,
            &end_marker,
        )
        .map_err(invalid)?;
        let log_append = self.config.message_timestamp_type == TimestampType::LogAppendTime;
        if log_append {
            set_log_append_time(&mut batch, now_ms);
        }
        let tp = format!("{}-{}", self.topic, self.partition);
        let mut info = self.producer_state.prepare_update(&tp, marker.producer_id, AppendOrigin::Coordinator);
        let completed = info.append_end_txn_marker(&end_marker, marker.producer_epoch, offset, now_ms)?;
        let rolled = self.maybe_roll(now_ms, batch.len() as u32, now_ms, offset);
        let segment_id = self.segment_id(self.active_segment().map_or(offset, |s| s.base_offset));
        if let Some(active) = self.segments.last_mut() {
            let position = active.size_bytes();
            let bytes = MemoryRecords::from(batch);
            active.append(offset, now_ms, offset, 1, bytes.clone());
            self.pending.push(StoreOp::Append { segment: segment_id, position, bytes });
        }
        self.producer_state.update(info);
        if let Some(txn) = completed {
            let last_stable_offset = self.producer_state.last_stable_offset(&txn);
            self.update_txn_index(&txn, last_stable_offset);
            // The transaction was opened by a batch of this log (`currentTxnFirstOffset`).
            let _ = self.producer_state.complete_txn(&txn);
        }
        self.producer_state.update_map_end_offset(offset + 1);
        Ok(LogAppendInfo {
            first_offset: offset,
            last_offset: offset,
            records_count: 1,
            log_append_time_ms: if log_append { now_ms } else { -1 },
            max_timestamp_ms: now_ms,
            rolled,
            duplicate: false,
        })
    }

    /// `LogSegment.updateTxnIndex`: an aborted transaction's entry goes to the segment
    /// holding its marker.
    pub(crate) fn update_txn_index(&mut self, txn: &CompletedTxn, last_stable_offset: i64) {
        let Some(entry) = txn.aborted_txn(last_stable_offset) else { return };
        if let Some(segment) = self.segments.iter_mut().rev().find(|s| s.base_offset <= txn.last_offset) {
            // Kafka throws when last offsets do not increase; a marker is always past the
            // entries before it, so the refusal cannot happen here.
            let _ = segment.txn_index.append(entry);
        }
    }

    /// Rebuilds every segment's `.txnindex` from its batches (`LogSegment.recover`:
    /// `txnIndex.reset()`, then `updateProducerState` batch by batch).
    pub(crate) fn rebuild_txn_indexes(&mut self) {
        // No control batch, no entry: the producers need not be replayed.
        let any_marker =
            self.segments.iter().any(|s| s.batches_from(0).flatten().any(|v| v.header.is_control_batch()));
        if !any_marker {
            for segment in &mut self.segments {
                segment.txn_index = TransactionIndex::new(segment.base_offset);
            }
            return;
        }
        let tp = format!("{}-{}", self.topic, self.partition);
        let mut state = ProducerStateManager::new(self.log_start_offset);
        for i in 0..self.segments.len() {
            let mut index = TransactionIndex::new(self.segments[i].base_offset);
            for view in self.segments[i].batches_from(0).flatten() {
                for (txn, last_stable_offset) in load_producers(&mut state, &tp, view.bytes) {
                    if let Some(entry) = txn.aborted_txn(last_stable_offset) {
                        let _ = index.append(entry);
                    }
                }
            }
            self.segments[i].txn_index = index;
        }
    }

    /// `UnifiedLog.collectAbortedTransactions(startOffset, upperBoundOffset)`: the
    /// aborted transactions overlapping `[fetch_offset, upper_bound_offset)`, segment by
    /// segment from the one holding `fetch_offset` until an entry's LSO reaches the bound.
    pub fn collect_aborted_transactions(
        &self,
        fetch_offset: i64,
        upper_bound_offset: i64,
    ) -> Vec<AbortedTransaction> {
        let start = self.segments.partition_point(|s| s.base_offset <= fetch_offset).saturating_sub(1);
        let mut out = Vec::new();
        for segment in self.segments.iter().skip(start) {
            // A corrupt entry (a version Kafka does not know) ends the search, as the
            // exception ends Kafka's read.
            let Ok(found) = segment.txn_index.collect_aborted_txns(fetch_offset, upper_bound_offset) else {
                break;
            };
            out.extend(
                found
                    .aborted_transactions
                    .iter()
                    .map(|t| AbortedTransaction { producer_id: t.producer_id, first_offset: t.first_offset }),
            );
            if found.is_complete {
                break;
            }
        }
        out
    }

    /// `UnifiedLog.addAbortedTransactions` for a read of `fetched_bytes` bytes from
    /// `fetch_offset`: the upper bound is `LogSegment.fetchUpperBoundOffset` (the first
    /// offset index entry at or past the read's end position), else the next segment's
    /// base offset, else the log end offset.
    pub fn aborted_transactions_for_read(
        &self,
        fetch_offset: i64,
        fetched_bytes: u32,
    ) -> Vec<AbortedTransaction> {
        let i = self.segments.partition_point(|s| s.base_offset <= fetch_offset).saturating_sub(1);
        let Some(segment) = self.segments.get(i) else { return Vec::new() };
        let start_position = segment.translate_offset(fetch_offset).unwrap_or(segment.size_bytes());
        let end_position = start_position.saturating_add(fetched_bytes);
        let upper_bound_offset = segment
            .offset_index
            .entries
            .iter()
            .find(|e| e.position >= end_position)
            .map(|e| segment.base_offset + i64::from(e.relative_offset))
            .or_else(|| self.segments.get(i + 1).map(|s| s.base_offset))
            .unwrap_or_else(|| self.log_end_offset());
        self.collect_aborted_transactions(fetch_offset, upper_bound_offset)
    }
}

#[cfg(test)]
#[path = "txn_log_tests.rs"]
mod tests;

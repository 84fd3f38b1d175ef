//! A partition's producer state (`ProducerStateManager`): the idempotent producers that
//! wrote to this log, each with its epoch and last five batches, the offset the state
//! is complete up to (`mapEndOffset`), and the `.snapshot` files taken at segment rolls.
//! Kafka's `storage/.../log/ProducerStateManager.java`, followed method by method:
//! `prepareUpdate`, `update`, `updateMapEndOffset`, `takeSnapshot`, `truncateAndReload`,
//! `loadFromSnapshot`, `truncateFullyAndStartAt`, `onLogStartOffsetIncremented`,
//! `removeExpiredProducers`, `removeStraySnapshots`, `deleteSnapshotsBefore`.
//!
//! The engine has no files: a snapshot is kept here as its bytes (what the store holds
//! under its file name), and every snapshot written or deleted is also returned to the
//! [`crate::engine::log::PartitionLog`] to become a store op. Invariants: snapshot keys are
//! the `mapEndOffset` they were taken at; `last_snap_offset ≤ last_map_offset`; a
//! producer's entry never holds more than five batches, all of its current epoch; a
//! transaction is in `ongoing_txns` (keyed by its first offset) from its first batch to
//! its marker, then in `unreplicated_txns` until the high watermark passes its marker
//! (`firstUnstableOffset`, `completeTxn`, `lastStableOffset`, `onHighWatermarkUpdated`).
//! Transaction verification (KIP-890) is not modelled.
//!
//! Decisions, from Kafka's source (trunk, Oct 2024):
//! * a duplicate (a batch equal, by epoch and sequence range, to one of its producer's
//!   last five) is answered as a success with the original batch's offsets and its
//!   timestamp as `logAppendTime` (`UnifiedLog.append`); `DUPLICATE_SEQUENCE_NUMBER` (46)
//!   is what brokers before 0.11.0.1 sent and is never sent here;
//! * a lower epoch is `INVALID_PRODUCER_EPOCH` (47, `InvalidProducerEpochException`,
//!   since 2.7), not `PRODUCER_FENCED`; a gap, or a new epoch not starting at 0, is
//!   `OUT_OF_ORDER_SEQUENCE_NUMBER` (45);
//! * `UNKNOWN_PRODUCER_ID` (59) is never answered by the produce path (KIP-360): a
//!   producer the partition does not know is accepted at any sequence;
//! * a log start offset moving forward (retention, DeleteRecords) removes snapshots below
//!   it with their segments but keeps the producers (`onLogStartOffsetIncremented`);
//!   producers go only by `producer.id.expiration.ms`.

pub mod append_info;
pub mod entry;
pub mod snapshot;
pub mod txn;

pub use append_info::{AppendOrigin, ProducerAppendInfo};
pub use entry::{BatchMetadata, ProducerStateEntry, NUM_BATCHES_TO_RETAIN};
pub use snapshot::{read_snapshot, snapshot_file_name, write_snapshot, CorruptSnapshot};
pub use txn::{CompletedTxn, TxnMetadata};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `producer.id.expiration.ms` (a broker config; Kafka's default, one day).
pub const PRODUCER_ID_EXPIRATION_MS_DEFAULT: i64 = 86_400_000;
/// `producer.id.expiration.check.interval.ms` (Kafka's default, ten minutes).
pub const PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_DEFAULT: i64 = 600_000;

/// A change to the snapshot files, for the log to persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotChange {
    Written { offset: i64, bytes: Vec<u8> },
    Deleted { offset: i64 },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateManager {
    producers: BTreeMap<i64, ProducerStateEntry>,
    /// The snapshot files by offset, as their bytes.
    snapshots: BTreeMap<i64, Vec<u8>>,
    last_map_offset: i64,
    last_snap_offset: i64,
    /// Open transactions by first offset (`ongoingTxns`).
    ongoing_txns: BTreeMap<i64, TxnMetadata>,
    /// Completed transactions whose marker is not yet below the high watermark.
    unreplicated_txns: BTreeMap<i64, TxnMetadata>,
    /// Snapshot writes and deletions not yet handed to the log.
    #[serde(skip)]
    changes: Vec<SnapshotChange>,
}

impl ProducerStateManager {
    pub fn new(log_start_offset: i64) -> Self {
        ProducerStateManager {
            last_map_offset: log_start_offset,
            last_snap_offset: log_start_offset,
            ..Default::default()
        }
    }

    pub fn active_producers(&self) -> &BTreeMap<i64, ProducerStateEntry> {
        &self.producers
    }

    pub fn is_empty(&self) -> bool {
        self.producers.is_empty() && self.unreplicated_txns.is_empty()
    }

    /// `firstUnstableOffset`: the first offset of the earliest transaction that is open
    /// or whose marker is not yet replicated.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        let unreplicated = self.unreplicated_txns.keys().next().copied();
        let undecided = self.first_undecided_offset();
        match (unreplicated, undecided) {
            (Some(u), Some(d)) => Some(u.min(d)),
            (u, d) => u.or(d),
        }
    }

    /// `UnifiedLog.lastStableOffset`: the first unstable offset if it is below the high
    /// watermark, else the high watermark. Completed transactions whose marker is below
    /// `high_watermark` count as replicated even if [`Self::on_high_watermark_updated`]
    /// has not pruned them yet.
    pub fn last_stable_offset_at(&self, high_watermark: i64) -> i64 {
        let unreplicated = self
            .unreplicated_txns
            .values()
            .find(|t| t.last_offset.is_none_or(|last| last >= high_watermark))
            .map(|t| t.first_offset);
        [unreplicated, self.first_undecided_offset()].into_iter().flatten().fold(high_watermark, i64::min)
    }

    /// `firstUndecidedOffset`: the first offset of the earliest open transaction.
    pub fn first_undecided_offset(&self) -> Option<i64> {
        self.ongoing_txns.keys().next().copied()
    }

    /// The open transactions, by first offset.
    pub fn ongoing_txns(&self) -> impl Iterator<Item = &TxnMetadata> + '_ {
        self.ongoing_txns.values()
    }

    /// `onHighWatermarkUpdated`: completed transactions whose marker is below the high
    /// watermark stop holding the LSO.
    pub fn on_high_watermark_updated(&mut self, high_watermark: i64) {
        self.remove_unreplicated_transactions(high_watermark);
    }

    fn remove_unreplicated_transactions(&mut self, offset: i64) {
        self.unreplicated_txns.retain(|_, t| t.last_offset.is_none_or(|last| last >= offset));
    }

    /// `lastStableOffset(CompletedTxn)`: the LSO written with an aborted transaction's
    /// `.txnindex` entry — the first offset of another producer's open transaction, or
    /// the offset after the marker.
    pub fn last_stable_offset(&self, completed: &CompletedTxn) -> i64 {
        self.ongoing_txns
            .values()
            .find(|t| t.producer_id != completed.producer_id)
            .map_or(completed.last_offset + 1, |t| t.first_offset)
    }

    /// `completeTxn`: the transaction waits in `unreplicated_txns` for the high
    /// watermark. Kafka throws `IllegalArgumentException` for one never started.
    pub fn complete_txn(&mut self, completed: &CompletedTxn) -> Result<(), String> {
        let mut txn = self.ongoing_txns.remove(&completed.first_offset).ok_or_else(|| {
            format!(
                "Attempted to complete transaction {completed:?} which was not started (producer {})",
                completed.producer_id
            )
        })?;
        txn.last_offset = Some(completed.last_offset);
        self.unreplicated_txns.insert(completed.first_offset, txn);
        Ok(())
    }

    /// `mapEndOffset`: the state covers every batch below it.
    pub fn map_end_offset(&self) -> i64 {
        self.last_map_offset
    }

    pub fn snapshot_offsets(&self) -> impl Iterator<Item = i64> + '_ {
        self.snapshots.keys().copied()
    }

    pub fn snapshot_bytes(&self, offset: i64) -> Option<&[u8]> {
        self.snapshots.get(&offset).map(Vec::as_slice)
    }

    pub fn latest_snapshot_offset(&self) -> Option<i64> {
        self.snapshots.keys().next_back().copied()
    }

    /// The snapshot writes and deletions since the last call.
    pub fn take_changes(&mut self) -> Vec<SnapshotChange> {
        std::mem::take(&mut self.changes)
    }

    /// `lastEntry`.
    pub fn last_entry(&self, producer_id: i64) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    /// `prepareUpdate`.
    pub fn prepare_update(
        &self,
        topic_partition: &str,
        producer_id: i64,
        origin: AppendOrigin,
    ) -> ProducerAppendInfo {
        let current = self
            .producers
            .get(&producer_id)
            .cloned()
            .unwrap_or_else(|| ProducerStateEntry::empty(producer_id));
        ProducerAppendInfo::new(topic_partition.to_string(), producer_id, current, origin)
    }

    /// `update`.
    pub fn update(&mut self, info: ProducerAppendInfo) {
        let producer_id = info.producer_id();
        let (updated, started) = info.into_parts();
        match self.producers.get_mut(&producer_id) {
            Some(current) => current.update(updated),
            None => {
                self.producers.insert(producer_id, updated);
            }
        }
        for txn in started {
            self.ongoing_txns.insert(txn.first_offset, txn);
        }
    }

    /// `updateMapEndOffset`.
    pub fn update_map_end_offset(&mut self, offset: i64) {
        self.last_map_offset = offset;
    }

    /// `takeSnapshot`: only when the state moved past the last snapshot.
    pub fn take_snapshot(&mut self) -> bool {
        if self.last_map_offset <= self.last_snap_offset {
            return false;
        }
        let bytes = write_snapshot(&self.producers);
        self.snapshots.insert(self.last_map_offset, bytes.clone());
        self.changes.push(SnapshotChange::Written { offset: self.last_map_offset, bytes });
        self.last_snap_offset = self.last_map_offset;
        true
    }

    /// A snapshot found in the store at recovery (`loadSnapshots`).
    pub fn add_stored_snapshot(&mut self, offset: i64, bytes: Vec<u8>) {
        self.snapshots.insert(offset, bytes);
    }

    fn remove_and_delete_snapshot(&mut self, offset: i64) {
        if self.snapshots.remove(&offset).is_some() {
            self.changes.push(SnapshotChange::Deleted { offset });
        }
    }

    /// `removeAndMarkSnapshotForDeletion` for a deleted segment (`deleteProducerSnapshots`).
    pub fn delete_snapshot_of_segment(&mut self, base_offset: i64) {
        self.remove_and_delete_snapshot(base_offset);
    }

    /// `deleteSnapshotsBefore` (exclusive).
    pub fn delete_snapshots_before(&mut self, offset: i64) {
        let old: Vec<i64> = self.snapshots.range(..offset).map(|(o, _)| *o).collect();
        old.into_iter().for_each(|o| self.remove_and_delete_snapshot(o));
    }

    /// `removeStraySnapshots`: snapshots without a segment go, except the latest one if it
    /// is above every segment (written at a clean shutdown).
    pub fn remove_stray_snapshots(&mut self, segment_base_offsets: &[i64]) {
        let max_segment = segment_base_offsets.iter().copied().max();
        let mut latest_stray: Option<i64> = None;
        let offsets: Vec<i64> = self.snapshots.keys().copied().collect();
        for offset in offsets {
            if !segment_base_offsets.contains(&offset) {
                if let Some(prev) = latest_stray.replace(offset) {
                    self.remove_and_delete_snapshot(prev);
                }
            }
        }
        if let (Some(stray), Some(max)) = (latest_stray, max_segment) {
            if stray < max {
                self.remove_and_delete_snapshot(stray);
            }
        }
    }

    /// `isProducerExpired`: idle past `producer.id.expiration.ms`, no open transaction.
    fn is_expired(now_ms: i64, expiration_ms: i64, e: &ProducerStateEntry) -> bool {
        e.current_txn_first_offset.is_none() && now_ms - e.last_timestamp_ms >= expiration_ms
    }

    /// `removeExpiredProducers`.
    pub fn remove_expired_producers(&mut self, now_ms: i64, expiration_ms: i64) -> usize {
        let before = self.producers.len();
        self.producers.retain(|_, e| !Self::is_expired(now_ms, expiration_ms, e));
        before - self.producers.len()
    }

    /// `loadProducerEntry`: an entry with an open transaction reopens it.
    fn load_producer_entry(&mut self, e: ProducerStateEntry) {
        if let Some(first_offset) = e.current_txn_first_offset {
            self.ongoing_txns.insert(first_offset, TxnMetadata::new(e.producer_id, first_offset));
        }
        self.producers.insert(e.producer_id, e);
    }

    /// `loadFromSnapshot`: the latest readable snapshot; a corrupt one is deleted and the
    /// next older one tried (`CorruptSnapshotException`). Returns the corruptions met.
    fn load_from_snapshot(
        &mut self,
        log_start_offset: i64,
        now_ms: i64,
        expiration_ms: i64,
    ) -> Vec<CorruptSnapshot> {
        let mut corrupt = Vec::new();
        while let Some((&offset, bytes)) = self.snapshots.iter().next_back() {
            match read_snapshot(bytes) {
                Ok(entries) => {
                    for e in entries {
                        if !Self::is_expired(now_ms, expiration_ms, &e) {
                            self.load_producer_entry(e);
                        }
                    }
                    self.last_snap_offset = offset;
                    self.last_map_offset = offset;
                    return corrupt;
                }
                Err(e) => {
                    corrupt.push(e);
                    self.remove_and_delete_snapshot(offset);
                }
            }
        }
        self.last_snap_offset = log_start_offset;
        self.last_map_offset = log_start_offset;
        corrupt
    }

    /// `truncateAndReload`: drops snapshots out of `(log_start_offset, log_end_offset]`
    /// and, unless the state already ends at `log_end_offset`, reloads from the latest
    /// snapshot left (the caller then replays the log from [`Self::map_end_offset`]).
    pub fn truncate_and_reload(
        &mut self,
        log_start_offset: i64,
        log_end_offset: i64,
        now_ms: i64,
        expiration_ms: i64,
    ) -> Vec<CorruptSnapshot> {
        let out: Vec<i64> = self
            .snapshots
            .keys()
            .copied()
            .filter(|o| *o > log_end_offset || *o <= log_start_offset)
            .collect();
        out.into_iter().for_each(|o| self.remove_and_delete_snapshot(o));
        if log_end_offset != self.last_map_offset {
            self.producers.clear();
            self.ongoing_txns.clear();
            // The log end offset is at most the high watermark here (Kafka's assumption).
            self.unreplicated_txns.clear();
            return self.load_from_snapshot(log_start_offset, now_ms, expiration_ms);
        }
        self.on_log_start_offset_incremented(log_start_offset);
        Vec::new()
    }

    /// `onLogStartOffsetIncremented` (Kafka keeps the producers: they expire by time).
    pub fn on_log_start_offset_incremented(&mut self, log_start_offset: i64) {
        self.remove_unreplicated_transactions(log_start_offset);
        if self.last_map_offset < log_start_offset {
            self.last_map_offset = log_start_offset;
        }
        self.last_snap_offset = self.latest_snapshot_offset().unwrap_or(log_start_offset);
    }

    /// `truncateFullyAndStartAt`.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) {
        self.producers.clear();
        self.ongoing_txns.clear();
        self.unreplicated_txns.clear();
        let all: Vec<i64> = self.snapshots.keys().copied().collect();
        all.into_iter().for_each(|o| self.remove_and_delete_snapshot(o));
        self.last_snap_offset = 0;
        self.last_map_offset = offset;
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod txn_tests;

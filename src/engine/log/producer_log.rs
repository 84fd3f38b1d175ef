//! What a partition log does with its producer state (`UnifiedLog`'s producer parts):
//! `analyzeAndValidateProducerState` before a leader's append, `updateProducers` with
//! origin REPLICATION for a follower's, `rebuildProducerState` after truncation and at
//! restart (latest snapshot at or below the point, then the log after it), and the
//! snapshot files written at roll and deleted with their segments
//! (`deleteProducerSnapshots`), persisted as store ops. A follower's or a rebuild's
//! control batches end their producers' transactions (`loadProducersFromRecords`:
//! `updateProducers` per batch, then `completeTxn` for each completed one); a client may
//! not write control batches (`LogValidator`).
//!
//! Storage decision: a snapshot is a small binary file of one partition; it is stored as
//! a broker metadata document ([`StoreOp::PutMeta`], removed by [`StoreOp::DeleteMeta`])
//! named `<topic>-<partition>/<20-digit offset>.snapshot` — its Kafka path under the log
//! dir — whose value is the file's bytes in lower-case hex. That reuses the backends'
//! document store (memory and IndexedDB) unchanged; the CLI's log dir writes the real
//! binary file at that path. Invariant: every snapshot the manager holds has been handed
//! out as a `PutMeta`, every one it dropped as a `DeleteMeta`, in order.

use super::partition_log::PartitionLog;
use super::producer_state::{
    snapshot_file_name, AppendOrigin, BatchMetadata, CompletedTxn, CorruptSnapshot, ProducerAppendInfo,
    ProducerStateManager, SnapshotChange,
};
use crate::engine::error::{Corruption, ErrorCode, ErrorKind, KafkaError, Result};
use crate::engine::faults::{self, Fault};
use crate::engine::record::batch::{BatchHeader, NO_PRODUCER_ID};
use crate::engine::record::split_batches;
use crate::engine::store::StoreOp;
use crate::engine::txn::marker::decode_control_batch;
use std::collections::BTreeMap;

/// The metadata document name of a snapshot: `<topic>-<partition>/<offset>.snapshot`.
pub fn snapshot_meta_name(topic: &str, partition: u32, offset: i64) -> String {
    format!("{topic}-{partition}/{}", snapshot_file_name(offset))
}

/// `(topic, partition, offset)` of a snapshot document name, if it is one.
pub fn parse_snapshot_meta_name(name: &str) -> Option<(String, u32, i64)> {
    let (dir, file) = name.split_once('/')?;
    let offset = super::producer_state::snapshot::offset_from_snapshot_file_name(file)?;
    let (topic, partition) = dir.rsplit_once('-')?;
    Some((topic.to_string(), partition.parse().ok()?, offset))
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hex document, or `None` if it is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// What [`PartitionLog::analyze_and_validate_producer_state`] found.
pub(crate) enum ProducerCheck {
    /// The validated appends, to apply once the batches are in the log.
    Append(BTreeMap<i64, ProducerAppendInfo>),
    /// A batch the producer already wrote: nothing is appended, the original answered.
    Duplicate(BatchMetadata),
}

impl PartitionLog {
    fn topic_partition(&self) -> String {
        format!("{}-{}", self.topic, self.partition)
    }

    /// `LogValidator.validateBatch` for a client's batch: no control batch (markers come
    /// from the transaction coordinator only).
    pub(crate) fn validate_not_control(&self, h: &BatchHeader) -> Result<()> {
        if !h.is_control_batch() {
            return Ok(());
        }
        Err(KafkaError {
            code: ErrorCode::InvalidRecord,
            kind: ErrorKind::Corrupt {
                corruption: Corruption::InvalidRecord {
                    detail: format!(
                        "Clients are not allowed to write control records in topic partition {}",
                        self.topic_partition()
                    ),
                },
            },
        })
    }

    /// `LogValidator`: a batch with a producer id must carry a sequence.
    pub(crate) fn validate_sequence(&self, h: &BatchHeader) -> Result<()> {
        if h.producer_id > NO_PRODUCER_ID && h.base_sequence < 0 {
            return Err(KafkaError {
                code: ErrorCode::InvalidRecord,
                kind: ErrorKind::Corrupt {
                    corruption: Corruption::InvalidRecord {
                        detail: format!(
                            "Invalid sequence number {} in record batch with producerId {} in topic partition {}",
                            h.base_sequence,
                            h.producer_id,
                            self.topic_partition()
                        ),
                    },
                },
            });
        }
        Ok(())
    }

    /// `UnifiedLog.analyzeAndValidateProducerState` for a client's batches, offsets
    /// already assigned: the first batch equal to one of its producer's last five is a
    /// duplicate (the whole request is answered with it, as Kafka returns at once).
    pub(crate) fn analyze_and_validate_producer_state(
        &self,
        batches: &[u8],
        origin: AppendOrigin,
    ) -> Result<ProducerCheck> {
        let mut updated: BTreeMap<i64, ProducerAppendInfo> = BTreeMap::new();
        let tp = self.topic_partition();
        for view in split_batches(batches) {
            let h = view?.header;
            if h.producer_id <= NO_PRODUCER_ID {
                continue;
            }
            // A test-only bug (break-engine) lets duplicates through.
            // Only a client's batches are checked for duplicates (`origin == CLIENT`).
            if origin == AppendOrigin::Client && !faults::on(Fault::SkipDuplicateDetection) {
                if let Some(d) =
                    self.producer_state.last_entry(h.producer_id).and_then(|e| e.find_duplicate_batch(&h))
                {
                    return Ok(ProducerCheck::Duplicate(d));
                }
            }
            let info = updated
                .entry(h.producer_id)
                .or_insert_with(|| self.producer_state.prepare_update(&tp, h.producer_id, origin));
            if faults::on(Fault::SkipDuplicateDetection) {
                // The broken broker also stops checking sequences (or the duplicate would
                // still be refused as out of order).
                continue;
            }
            info.append(&h)?;
        }
        Ok(ProducerCheck::Append(updated))
    }

    /// After a leader's append: the producers' new state and `updateMapEndOffset`.
    pub(crate) fn apply_producer_appends(
        &mut self,
        updated: BTreeMap<i64, ProducerAppendInfo>,
        last_offset: i64,
    ) {
        for info in updated.into_values() {
            self.producer_state.update(info);
        }
        self.producer_state.update_map_end_offset(last_offset + 1);
    }

    /// `loadProducersFromRecords` (origin REPLICATION: a follower's fetched batches, or
    /// a rebuild): never refused; a batch Kafka's loader would reject is skipped. Returns
    /// the transactions completed, already marked complete, each with the last stable
    /// offset its `.txnindex` entry takes (computed before it completes, as
    /// `UnifiedLog.append` does).
    pub(crate) fn load_producers_from_records(&mut self, batches: &[u8]) -> Vec<(CompletedTxn, i64)> {
        let tp = self.topic_partition();
        load_producers(&mut self.producer_state, &tp, batches)
    }

    /// Hands the manager's snapshot writes and deletions to the store.
    pub(crate) fn persist_snapshot_changes(&mut self) {
        for change in self.producer_state.take_changes() {
            let op = match change {
                SnapshotChange::Written { offset, bytes } => StoreOp::PutMeta {
                    broker_id: self.broker_id,
                    name: snapshot_meta_name(self.topic.as_str(), self.partition, offset),
                    value: to_hex(&bytes),
                },
                SnapshotChange::Deleted { offset } => StoreOp::DeleteMeta {
                    broker_id: self.broker_id,
                    name: snapshot_meta_name(self.topic.as_str(), self.partition, offset),
                },
            };
            self.pending.push(op);
        }
    }

    /// `UnifiedLog.rebuildProducerState(lastOffset)`: reloads from the latest snapshot in
    /// `(log start, last_offset]` and replays the batches after it, taking snapshots at
    /// the last two segments' base offsets and at `last_offset`. Returns the corrupt
    /// snapshots met (deleted, as Kafka does).
    pub fn rebuild_producer_state(&mut self, last_offset: i64, now_ms: i64) -> Vec<CorruptSnapshot> {
        let mut to_snapshot: Vec<i64> = self.segments.iter().rev().take(2).map(|s| s.base_offset).collect();
        to_snapshot.push(last_offset);
        let empty_before =
            self.producer_state.is_empty() && self.producer_state.map_end_offset() >= last_offset;
        let expiration_ms = self.producer_id_expiration_ms;
        let corrupt = self.producer_state.truncate_and_reload(
            self.log_start_offset,
            last_offset,
            now_ms,
            expiration_ms,
        );
        if last_offset > self.producer_state.map_end_offset() && !empty_before {
            let from = self.producer_state.map_end_offset();
            let mut chunks: Vec<(i64, Vec<u8>)> = Vec::new();
            for (i, seg) in self.segments.iter().enumerate() {
                let next_base = self.segments.get(i + 1).map_or(i64::MAX, |n| n.base_offset);
                if next_base <= from || seg.base_offset >= last_offset {
                    continue;
                }
                let mut bytes = Vec::new();
                for view in seg.batches_from(0).flatten() {
                    let h = view.header;
                    if h.last_offset() >= from.max(self.log_start_offset) && h.base_offset < last_offset {
                        bytes.extend_from_slice(view.bytes);
                    }
                }
                chunks.push((seg.base_offset, bytes));
            }
            for (base, bytes) in chunks {
                let start = base.max(self.producer_state.map_end_offset()).max(self.log_start_offset);
                self.producer_state.update_map_end_offset(start);
                if to_snapshot.contains(&base) {
                    self.producer_state.take_snapshot();
                }
                let _ = self.load_producers_from_records(&bytes);
            }
        }
        self.producer_state.update_map_end_offset(last_offset);
        self.producer_state.take_snapshot();
        self.persist_snapshot_changes();
        corrupt
    }

    /// `LogLoader`'s producer part at a broker's restart: the stored snapshots
    /// (`(offset, bytes)`), stray ones removed, then the state rebuilt to the log end.
    pub fn load_producer_state(&mut self, stored: Vec<(i64, Vec<u8>)>, now_ms: i64) -> Vec<CorruptSnapshot> {
        for (offset, bytes) in stored {
            self.producer_state.add_stored_snapshot(offset, bytes);
        }
        let bases: Vec<i64> = self.segments.iter().map(|s| s.base_offset).collect();
        self.producer_state.remove_stray_snapshots(&bases);
        let leo = self.log_end_offset();
        self.rebuild_producer_state(leo, now_ms)
    }

    /// `UnifiedLog.removeExpiredProducers` (the `PeriodicProducerExpirationCheck` task).
    pub fn remove_expired_producers(&mut self, now_ms: i64) -> usize {
        let expiration_ms = self.producer_id_expiration_ms;
        self.producer_state.remove_expired_producers(now_ms, expiration_ms)
    }

    /// `UnifiedLog.updateHighWatermark` → `onHighWatermarkUpdated`: completed
    /// transactions whose marker is below the high watermark stop holding the LSO.
    pub fn on_high_watermark_updated(&mut self, high_watermark: i64) {
        self.producer_state.on_high_watermark_updated(high_watermark);
    }

    /// The partition's producer state.
    pub fn producer_state(&self) -> &super::producer_state::ProducerStateManager {
        &self.producer_state
    }
}

/// [`PartitionLog::load_producers_from_records`] over any producer state (the `.txnindex`
/// rebuild replays the log into a state of its own).
pub(crate) fn load_producers(
    state: &mut ProducerStateManager,
    tp: &str,
    batches: &[u8],
) -> Vec<(CompletedTxn, i64)> {
    let mut loaded: BTreeMap<i64, ProducerAppendInfo> = BTreeMap::new();
    let mut completed: Vec<CompletedTxn> = Vec::new();
    for view in split_batches(batches).flatten() {
        let h = view.header;
        if h.producer_id <= NO_PRODUCER_ID {
            continue;
        }
        let info = loaded
            .entry(h.producer_id)
            .or_insert_with(|| state.prepare_update(tp, h.producer_id, AppendOrigin::Replication));
        if !h.is_control_batch() {
            let _ = info.append(&h);
            continue;
        }
        // The marker's record timestamp is the batch's max timestamp (one record).
        // An empty control batch (its transaction cleaned away) completes nothing.
        let marker = decode_control_batch(view.bytes).ok().and_then(|c| c.marker);
        if let Some(m) = marker {
            if let Ok(Some(txn)) =
                info.append_end_txn_marker(&m, h.producer_epoch, h.base_offset, h.max_timestamp)
            {
                completed.push(txn);
            }
        }
    }
    for info in loaded.into_values() {
        state.update(info);
    }
    // Each completed transaction was opened by a batch above or a loaded state.
    let mut done = Vec::with_capacity(completed.len());
    for txn in completed {
        let last_stable_offset = state.last_stable_offset(&txn);
        if state.complete_txn(&txn).is_ok() {
            done.push((txn, last_stable_offset));
        }
    }
    done
}

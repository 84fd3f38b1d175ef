//! Log compaction of one partition log, as Kafka's cleaner does it
//! (`LogCleanerManager.cleanableOffsets` / `cleanableRatio`, `Cleaner.doClean`,
//! `buildOffsetMap`, `groupSegmentsBySize`, `cleanInto` with `shouldRetainRecord`, and
//! `MemoryRecords.filterTo` with KIP-534 delete horizons).
//!
//! The cleanable range runs from the first dirty offset (where the last cleaning ended)
//! to the first uncleanable one: never the active segment, never at or past the high
//! watermark (the last stable offset, there being no transactions), never a segment
//! whose newest record is younger than `min.compaction.lag.ms`. A log is cleaned only when
//! that dirty range is at least `min.cleanable.dirty.ratio` of its bytes. Then every
//! record below the end of the dirty range survives only if it is the newest for its key
//! (records without a key go); a tombstone survives until the delete horizon its batch
//! was given the first time a cleaning kept it (`now + delete.retention.ms`). Batches
//! keep their base and last offsets (offsets inside get gaps); consecutive segments are
//! merged while they fit in `segment.bytes`.
//!
//! Invariants: no offset moves; the log start and end offsets do not change; the newest
//! record of every key below the first uncleanable offset is kept; every rewritten
//! segment is a Delete then an Append of the same segment id.

use super::partition_log::PartitionLog;
use super::recovery::{recover_segment, RecoveryReport};
use super::segment::LogSegment;
use crate::engine::record::{decode_batch, BatchBuilder, BatchOptions, Compression, Record};
use crate::engine::store::StoreOp;
use std::collections::BTreeMap;

/// What one cleaning did.
#[derive(Debug, Clone, PartialEq)]
pub struct CleaningResult {
    /// Offsets of the records removed, ascending.
    pub removed_offsets: Vec<i64>,
    /// Where the next cleaning's dirty range starts (Kafka's cleaner checkpoint).
    pub first_dirty_offset: i64,
    /// The dirty ratio that made the log eligible.
    pub dirty_ratio: f64,
    /// Base offsets of the segments before and after.
    pub segments_before: Vec<i64>,
    pub segments_after: Vec<i64>,
}

/// `OffsetsToClean`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanableOffsets {
    pub first_dirty_offset: i64,
    pub first_uncleanable_offset: i64,
}

impl PartitionLog {
    /// `cleanableOffsets` from the last cleaning's end (`None`: never cleaned).
    pub fn cleanable_offsets(
        &self,
        last_clean_offset: Option<i64>,
        high_watermark: i64,
        now_ms: i64,
    ) -> CleanableOffsets {
        let checkpoint = last_clean_offset.unwrap_or(self.log_start_offset);
        let first_dirty_offset = if checkpoint < self.log_start_offset || checkpoint > self.log_end_offset() {
            self.log_start_offset
        } else {
            checkpoint
        };
        let mut first_uncleanable =
            high_watermark.min(self.active_segment().map_or(i64::MAX, |s| s.base_offset));
        let lag_ms = self.config.min_compaction_lag_ms.max(0);
        if lag_ms > 0 {
            let closed = &self.segments[..self.segments.len().saturating_sub(1)];
            if let Some(young) = closed
                .iter()
                .filter(|s| s.next_offset > first_dirty_offset)
                .find(|s| s.largest_timestamp_ms() > now_ms - lag_ms)
            {
                first_uncleanable = first_uncleanable.min(young.base_offset);
            }
        }
        CleanableOffsets {
            first_dirty_offset,
            first_uncleanable_offset: first_uncleanable.max(first_dirty_offset),
        }
    }

    /// `cleanableRatio`: bytes of the segments in the dirty range over those of every
    /// segment up to its end.
    pub fn dirty_ratio(&self, offsets: CleanableOffsets) -> (u64, f64) {
        let overlapping = |from: i64, to: i64| -> u64 {
            self.segments
                .iter()
                .filter(|s| s.next_offset > from && s.base_offset < to)
                .map(|s| u64::from(s.size_bytes()))
                .sum()
        };
        let clean_bytes = overlapping(i64::MIN, offsets.first_dirty_offset);
        let cleanable_bytes = overlapping(offsets.first_dirty_offset, offsets.first_uncleanable_offset);
        let total = clean_bytes + cleanable_bytes;
        let ratio = if total == 0 { 0.0 } else { cleanable_bytes as f64 / total as f64 };
        (cleanable_bytes, ratio)
    }

    /// One cleaning if the log is due one: `None` when its dirty ratio is below
    /// `min.cleanable.dirty.ratio` or nothing is cleanable.
    pub fn clean(
        &mut self,
        last_clean_offset: Option<i64>,
        high_watermark: i64,
        now_ms: i64,
    ) -> Option<CleaningResult> {
        let offsets = self.cleanable_offsets(last_clean_offset, high_watermark, now_ms);
        let (cleanable_bytes, dirty_ratio) = self.dirty_ratio(offsets);
        if cleanable_bytes == 0 || dirty_ratio < self.config.min_cleanable_dirty_ratio.0 {
            return None;
        }
        let upper = offsets.first_uncleanable_offset;
        // `buildOffsetMap`: the newest offset of each key in the dirty range.
        let mut newest: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        let mut latest_offset = -1i64;
        for segment in self
            .segments
            .iter()
            .filter(|s| s.next_offset > offsets.first_dirty_offset && s.base_offset < upper)
        {
            for view in segment.batches_from(0).flatten() {
                if view.header.base_offset < offsets.first_dirty_offset || view.header.base_offset >= upper {
                    continue;
                }
                latest_offset = latest_offset.max(view.header.last_offset());
                if view.header.is_control_batch() {
                    continue;
                }
                let Ok(batch) = decode_batch(view.bytes) else { continue };
                for r in batch.records {
                    if let Some(key) = r.key {
                        newest.insert(key, r.offset);
                    }
                }
            }
        }
        if latest_offset < 0 {
            return None;
        }
        let end_offset = latest_offset + 1;
        let segments_before: Vec<i64> = self.segments.iter().map(|s| s.base_offset).collect();
        let groups = self.group_segments_by_size(end_offset);
        let mut removed_offsets = Vec::new();
        let mut rebuilt: Vec<(usize, usize, LogSegment)> = Vec::new();
        for (from, to) in groups {
            let mut bytes = Vec::new();
            for segment in &self.segments[from..to] {
                for view in segment.batches_from(0).flatten() {
                    let kept =
                        self.filter_batch(view.bytes, &newest, latest_offset, now_ms, &mut removed_offsets);
                    bytes.extend_from_slice(&kept);
                }
            }
            let base = self.segments[from].base_offset;
            let next = self.segments[to - 1].next_offset;
            let (mut seg, _) =
                recover_segment(base, &bytes, base, &self.config, now_ms, &mut RecoveryReport::default());
            seg.next_offset = seg.next_offset.max(next);
            seg.created_ms = self.segments[from].created_ms;
            // The merged segments' aborted transactions stay indexed with their markers
            // (this cleaner keeps every control batch, so every ABORT marker).
            for old in &self.segments[from..to] {
                for txn in old.txn_index.all_aborted_txns().unwrap_or_default() {
                    let _ = seg.txn_index.append(txn);
                }
            }
            seg.on_become_inactive();
            rebuilt.push((from, to, seg));
        }
        // Replace from the end so the indexes of earlier groups stay valid.
        for (from, to, seg) in rebuilt.into_iter().rev() {
            for old in &self.segments[from..to] {
                self.pending.push(StoreOp::Delete { segment: self.segment_id(old.base_offset) });
            }
            // `UnifiedLog.replaceSegments` → `deleteProducerSnapshots`: the snapshots of
            // the segments merged away go (the group's first base offset stays).
            let merged: Vec<i64> = self.segments[from..to]
                .iter()
                .map(|s| s.base_offset)
                .filter(|b| *b != seg.base_offset)
                .collect();
            merged.into_iter().for_each(|b| self.producer_state.delete_snapshot_of_segment(b));
            let id = self.segment_id(seg.base_offset);
            let log = seg.log_bytes().to_vec();
            if !log.is_empty() {
                self.pending.push(StoreOp::Append { segment: id, position: 0, bytes: log.into() });
            }
            self.segments.splice(from..to, [seg]);
        }
        self.persist_snapshot_changes();
        removed_offsets.sort_unstable();
        Some(CleaningResult {
            removed_offsets,
            first_dirty_offset: end_offset,
            dirty_ratio,
            segments_before,
            segments_after: self.segments.iter().map(|s| s.base_offset).collect(),
        })
    }

    /// `groupSegmentsBySize` over the segments below `end_offset` (never the active
    /// one): runs of consecutive segments whose total size fits in `segment.bytes`, as
    /// `[from, to)` index ranges.
    fn group_segments_by_size(&self, end_offset: i64) -> Vec<(usize, usize)> {
        let last = self.segments.len().saturating_sub(1);
        let count = self.segments[..last].iter().take_while(|s| s.base_offset < end_offset).count();
        let max = u64::from(self.config.segment_bytes);
        let mut groups = Vec::new();
        let mut from = 0;
        while from < count {
            let mut to = from + 1;
            let mut size = u64::from(self.segments[from].size_bytes());
            while to < count {
                let next = u64::from(self.segments[to].size_bytes());
                let offsets_fit = self.segments[to].next_offset - 1 - self.segments[from].base_offset
                    <= i64::from(i32::MAX);
                if size + next > max || !offsets_fit {
                    break;
                }
                size += next;
                to += 1;
            }
            groups.push((from, to));
            from = to;
        }
        groups
    }

    /// `filterTo` for one batch: its retained records rebuilt with the same base and last
    /// offsets (the bytes unchanged when nothing goes and no delete horizon is due); an
    /// empty result drops the batch. Removed offsets are appended to `removed`.
    fn filter_batch(
        &self,
        bytes: &[u8],
        newest: &BTreeMap<Vec<u8>, i64>,
        latest_offset: i64,
        now_ms: i64,
        removed: &mut Vec<i64>,
    ) -> Vec<u8> {
        let Ok(batch) = decode_batch(bytes) else { return bytes.to_vec() };
        let h = batch.header;
        if h.is_control_batch() || h.base_offset > latest_offset {
            return bytes.to_vec();
        }
        let horizon = h.has_delete_horizon_ms().then_some(h.base_timestamp);
        let retain = |r: &Record| {
            if r.offset > latest_offset {
                return true;
            }
            let Some(key) = &r.key else { return false };
            let newest_for_key = newest.get(key).is_none_or(|o| r.offset >= *o);
            let keep_tombstone = horizon.is_none_or(|h| now_ms < h);
            newest_for_key && (r.value.is_some() || keep_tombstone)
        };
        let kept: Vec<_> = batch.records.iter().filter(|r| retain(r)).collect();
        removed.extend(batch.records.iter().filter(|r| !retain(r)).map(|r| r.offset));
        let needs_horizon = horizon.is_none() && kept.iter().any(|r| r.value.is_none());
        if kept.is_empty() {
            return Vec::new();
        }
        if kept.len() == batch.records.len() && !needs_horizon {
            return bytes.to_vec();
        }
        let options = BatchOptions {
            base_offset: h.base_offset,
            partition_leader_epoch: h.partition_leader_epoch,
            compression: h.compression().unwrap_or(Compression::None),
            timestamp_type: h.timestamp_type(),
            is_transactional: h.is_transactional(),
            is_control_batch: false,
            producer_id: h.producer_id,
            producer_epoch: h.producer_epoch,
            base_sequence: h.base_sequence,
        };
        let mut builder = BatchBuilder::new(options);
        if let Some(at) = horizon.or(needs_horizon.then(|| now_ms + self.config.delete_retention_ms)) {
            builder = builder.with_delete_horizon_ms(at);
        }
        for r in kept {
            let delta = (r.offset - h.base_offset) as i32;
            builder.append_at(delta, r.timestamp_ms, r.key.as_deref(), r.value.as_deref(), &r.headers);
        }
        builder.override_last_offset_delta(h.last_offset_delta);
        builder.build().unwrap_or_else(|_| bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topic::TopicConfig;

    fn append(log: &mut PartitionLog, ts: i64, key: &str, value: Option<&str>) {
        let mut b = BatchBuilder::new(BatchOptions::default());
        b.append(ts, Some(key.as_bytes()), value.map(str::as_bytes), &[]);
        log.append_as_leader(ts, &b.build().unwrap(), 0).unwrap();
    }

    #[test]
    fn a_kept_tombstone_gets_a_delete_horizon_and_keeps_its_timestamp() {
        let config =
            TopicConfig::from_pairs([("segment.bytes", "100"), ("delete.retention.ms", "1000")]).unwrap();
        let mut log = PartitionLog::new(1, "t", 0, config, 0);
        append(&mut log, 100, "a", Some("1"));
        append(&mut log, 200, "a", None);
        append(&mut log, 300, "b", Some("1"));
        let result = log.clean(None, 3, 5_000).unwrap();
        assert_eq!(result.removed_offsets, vec![0]);
        let tombstone = log.segments[1].batches_from(0).next().unwrap().unwrap();
        assert!(tombstone.header.has_delete_horizon_ms());
        assert_eq!(tombstone.header.base_timestamp, 6_000, "now + delete.retention.ms");
        let decoded = decode_batch(tombstone.bytes).unwrap();
        assert_eq!((decoded.records[0].offset, decoded.records[0].timestamp_ms), (1, 200));
        // Before the horizon it stays; after it, it goes (with the batch).
        assert!(log.clean(None, 3, 5_999).is_some_and(|r| r.removed_offsets.is_empty()));
        assert_eq!(log.clean(None, 3, 6_000).unwrap().removed_offsets, vec![1]);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (0, 3));
    }
}

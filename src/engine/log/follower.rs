//! The follower's side of a partition log: appending batches exactly as the leader sent
//! them (`appendAsFollower`: offsets and leader epochs kept, CRC and offset order
//! checked) and truncating the tail back to an offset (`truncateTo`, KIP-101/279), both
//! recorded as [`StoreOp`]s. Invariant: after either call the segments stay contiguous,
//! the last one is active, and the log end offset is the end of the last whole batch.

use super::partition_log::{LogAppendInfo, PartitionLog};
use super::segment::{LogSegment, RollParams};
use crate::engine::error::{Corruption, KafkaError, Result};
use crate::engine::record::{split_batches, verify_crc, MemoryRecords};
use crate::engine::store::StoreOp;

fn invalid(detail: String) -> KafkaError {
    KafkaError::corrupt(Corruption::InvalidRecord { detail })
}

impl PartitionLog {
    /// Appends fetched batches as they are. Returns `None` for an empty fetch. Refuses
    /// (changing nothing) a batch with a bad CRC, or offsets that start below the log end
    /// offset or do not grow.
    pub fn append_as_follower(
        &mut self,
        now_ms: i64,
        batches: &MemoryRecords,
    ) -> Result<Option<LogAppendInfo>> {
        let mut next = self.log_end_offset();
        let first_offset = next;
        // Every batch is checked before any is appended (a refusal changes nothing).
        let mut any = false;
        for view in split_batches(batches) {
            let view = view?;
            verify_crc(view.bytes)?;
            let h = view.header;
            if h.base_offset < next || h.last_offset() < h.base_offset {
                return Err(invalid(format!(
                    "fetched batch at offset {} where offset {next} or later was expected",
                    h.base_offset
                )));
            }
            any = true;
            next = h.last_offset() + 1;
        }
        if !any {
            return Ok(None);
        }
        let mut records_count = 0u64;
        let mut max_ts = -1i64;
        let mut rolled = false;
        // Read again (all well-formed now): one batch at a time, appended.
        for view in split_batches(batches).flatten() {
            let h = view.header;
            let (base, last, ts, count) =
                (h.base_offset, h.last_offset(), h.max_timestamp, h.records_count.max(0) as u64);
            let at = view.position as usize;
            let bytes = batches.slice(at, at + view.bytes.len());
            rolled |= self.follower_maybe_roll(now_ms, bytes.len() as u32, ts, last, base);
            let segment_id = self.segment_id(self.active_segment().map_or(base, |s| s.base_offset));
            if let Some(active) = self.segments.last_mut() {
                let position = active.size_bytes();
                let stored = bytes.clone();
                active.append(last, ts, last, count, bytes);
                self.pending.push(StoreOp::Append { segment: segment_id, position, bytes: stored });
            }
            records_count += count;
            max_ts = max_ts.max(ts);
        }
        // `UnifiedLog.append` with origin REPLICATION: the producers' state follows,
        // unchecked, and an aborted transaction's entry goes to its marker's `.txnindex`.
        for (txn, last_stable_offset) in self.load_producers_from_records(batches) {
            self.update_txn_index(&txn, last_stable_offset);
        }
        self.producer_state.update_map_end_offset(next);
        Ok(Some(LogAppendInfo {
            first_offset,
            last_offset: next - 1,
            records_count,
            log_append_time_ms: -1,
            max_timestamp_ms: max_ts,
            rolled,
            duplicate: false,
        }))
    }

    /// Rolls before a fetched batch when the active segment is full, or when the batch
    /// does not follow on from it (a gap left by the leader's compaction or truncation).
    fn follower_maybe_roll(
        &mut self,
        now_ms: i64,
        size_bytes: u32,
        max_ts: i64,
        last: i64,
        base: i64,
    ) -> bool {
        let params = RollParams {
            max_segment_ms: self.config.segment_ms,
            max_segment_bytes: self.config.segment_bytes,
            max_timestamp_in_messages_ms: max_ts,
            max_offset_in_messages: last,
            messages_size_bytes: size_bytes,
            now_ms,
        };
        let jitter_ms = self.roll_jitter_ms();
        let Some(active) = self.active_segment() else { return false };
        let should = active.should_roll(&params, jitter_ms);
        if should {
            self.roll(now_ms);
        }
        if let Some(active) = self.segments.last_mut() {
            if active.is_empty() && active.base_offset < base {
                // An empty active segment starts where the next batch does.
                active.base_offset = base;
                active.txn_index = crate::engine::txn::txn_index::TransactionIndex::new(base);
                active.next_offset = base;
                active.offset_of_max_timestamp_so_far = base;
            }
        }
        should
    }

    /// Removes every batch holding an offset ≥ `target_offset` (a batch that straddles it
    /// goes whole). Returns the number of records removed. Below the log start offset the
    /// log is emptied and restarted at `target_offset`.
    pub fn truncate_to(&mut self, now_ms: i64, target_offset: i64) -> u64 {
        if target_offset >= self.log_end_offset() {
            return 0;
        }
        if target_offset <= self.log_start_offset {
            return self.truncate_fully_and_start_at(now_ms, target_offset);
        }
        let mut removed = 0u64;
        while self.segments.len() > 1 && self.segments.last().is_some_and(|s| s.base_offset >= target_offset)
        {
            if let Some(seg) = self.segments.pop() {
                removed += seg.records_count;
                self.pending.push(StoreOp::Delete { segment: self.segment_id(seg.base_offset) });
                self.producer_state.delete_snapshot_of_segment(seg.base_offset);
            }
        }
        let Some(last) = self.segments.pop() else { return removed };
        let sizes = (self.config.index_interval_bytes, self.config.segment_index_bytes);
        let (kept, cut) = rebuild_before(&last, target_offset, sizes);
        removed += cut;
        let size_bytes = kept.size_bytes();
        self.pending.push(StoreOp::Truncate { segment: self.segment_id(kept.base_offset), size_bytes });
        self.segments.push(kept);
        // `UnifiedLog.truncateTo`: the producer state is rebuilt up to the new end.
        let _corrupt = self.rebuild_producer_state(target_offset, now_ms);
        removed
    }
}

impl PartitionLog {
    /// `truncateFullyAndStartAt`: deletes every segment and restarts the log, empty, at
    /// `start_offset` (a follower that fell behind the leader's log start offset).
    /// Returns the number of records removed.
    pub fn truncate_fully_and_start_at(&mut self, now_ms: i64, start_offset: i64) -> u64 {
        let mut removed = 0u64;
        for seg in std::mem::take(&mut self.segments) {
            removed += seg.records_count;
            self.pending.push(StoreOp::Delete { segment: self.segment_id(seg.base_offset) });
        }
        let start = start_offset.max(0);
        self.segments.push(LogSegment::new(
            start,
            self.config.index_interval_bytes,
            self.config.segment_index_bytes,
            now_ms,
        ));
        self.log_start_offset = start;
        self.producer_state.truncate_fully_and_start_at(start);
        self.persist_snapshot_changes();
        removed
    }
}

/// A copy of `seg` holding only the batches that end before `target_offset`, with its
/// indexes rebuilt; and how many records were left out.
fn rebuild_before(
    seg: &LogSegment,
    target_offset: i64,
    (index_interval_bytes, segment_index_bytes): (u32, u32),
) -> (LogSegment, u64) {
    let mut kept =
        LogSegment::new(seg.base_offset, index_interval_bytes, segment_index_bytes, seg.created_ms);
    let mut removed = 0u64;
    let mut cutting = false;
    for view in seg.batches_from(0).flatten() {
        let h = view.header;
        let count = h.records_count.max(0) as u64;
        cutting |= h.last_offset() >= target_offset;
        if cutting {
            removed += count;
        } else {
            let bytes = seg.log_slice(view.position, view.position + view.bytes.len() as u32);
            kept.append(h.last_offset(), h.max_timestamp, h.last_offset(), count, bytes);
        }
    }
    // `LogSegment.truncateTo` → `txnIndex.truncateTo(offset)`.
    kept.txn_index = seg.txn_index.clone();
    let _ = kept.txn_index.truncate_to(target_offset);
    (kept, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::record::{BatchBuilder, BatchOptions};
    use crate::engine::topic::TopicConfig;

    fn batch(values: &[&str]) -> Vec<u8> {
        let mut b = BatchBuilder::new(BatchOptions::default());
        values.iter().for_each(|v| b.append(0, None, Some(v.as_bytes()), &[]));
        b.build().unwrap()
    }

    fn leader_log() -> PartitionLog {
        let config = TopicConfig { segment_bytes: 200, ..TopicConfig::default() };
        let mut log = PartitionLog::new(1, "t", 0, config, 0);
        for (i, values) in [&["a", "b"][..], &["c"], &["d", "e", "f"], &["g"]].iter().enumerate() {
            log.append_as_leader(0, &batch(values), i as i32).unwrap();
        }
        log
    }

    #[test]
    fn a_follower_copies_batches_as_sent_and_refuses_gaps_backwards() {
        let leader = leader_log();
        let mut follower = PartitionLog::new(2, "t", 0, leader.config.clone(), 0);
        let mut data = Vec::new();
        while follower.log_end_offset() < leader.log_end_offset() {
            let chunk =
                leader.read(follower.log_end_offset(), u32::MAX, leader.log_end_offset()).unwrap().records;
            follower.append_as_follower(0, &chunk).unwrap().unwrap();
            data.extend_from_slice(&chunk);
        }
        let segments = |log: &PartitionLog| {
            log.segments().iter().flat_map(|s| s.log_bytes().to_vec()).collect::<Vec<u8>>()
        };
        assert_eq!(segments(&follower), data, "byte for byte, offsets and epochs kept");
        assert_eq!(segments(&follower), segments(&leader));
        let data = MemoryRecords::from(data);
        assert!(follower.append_as_follower(0, &data).is_err(), "offsets below the LEO are refused");
        let mut corrupt = leader.read(6, u32::MAX, 7).unwrap().records.to_vec();
        let last = corrupt.len() - 1;
        corrupt[last] ^= 0xff;
        let mut other = PartitionLog::new(3, "t", 0, leader.config.clone(), 0);
        other.append_as_follower(0, &data.slice(0, data.len() - corrupt.len())).unwrap();
        assert!(other.append_as_follower(0, &MemoryRecords::from(corrupt)).is_err(), "a bad CRC is refused");
        assert_eq!(other.log_end_offset(), 6);
    }

    #[test]
    fn truncation_removes_whole_batches_across_segments_and_persists() {
        let mut log = leader_log();
        assert!(log.segments().len() > 1, "small segments rolled");
        log.take_store_ops();
        let removed = log.truncate_to(0, 4);
        assert_eq!(removed, 4, "the batch holding offset 4 goes whole: d e f g");
        assert_eq!(log.log_end_offset(), 3);
        let ops = log.take_store_ops();
        assert!(ops.iter().any(|op| matches!(op, StoreOp::Truncate { .. } | StoreOp::Delete { .. })));
        log.append_as_leader(0, &batch(&["x"]), 9).unwrap();
        assert_eq!(log.log_end_offset(), 4);
        assert_eq!(log.truncate_to(0, 10), 0, "nothing beyond the LEO to cut");
        assert_eq!(log.truncate_fully_and_start_at(0, 20), 4);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (20, 20));
    }
}

//! Retention by `retention.ms` and `retention.bytes` (`UnifiedLog.deleteOldSegments`):
//! whole segments are deleted oldest first, never past the high watermark; when every
//! segment goes, a new empty active segment is rolled first; the log start offset moves
//! to the first remaining segment's base offset. Only logs whose `cleanup.policy`
//! includes `delete` are trimmed (a `compact` log such as `__consumer_offsets` is not).
//!
//! [`PartitionLog::delete_old_segments_breached`] is Kafka's own order for the
//! replicated broker (`deleteLogStartOffsetBreachedSegments`, then
//! `deleteRetentionSizeBreachedSegments`, then `deleteRetentionMsBreachedSegments`), with
//! Kafka's `SegmentDeletionReason`s; [`PartitionLog::maybe_increment_log_start_offset`]
//! is `UnifiedLog.maybeIncrementLogStartOffset` (never past the high watermark).

use super::partition_log::PartitionLog;
use super::segment::LogSegment;
use crate::engine::store::StoreOp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetentionReason {
    /// `retention.ms` breached.
    Time,
    /// `retention.bytes` breached.
    Size,
}

/// Why a segment was deleted (Kafka's `SegmentDeletionReason` subclasses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentDeletionReason {
    /// Every offset of the segment is below the log start offset (`StartOffsetBreach`:
    /// the leader's log start moved by DeleteRecords or a follower's from the leader's).
    StartOffsetBreach,
    /// `retention.bytes` breached (`RetentionSizeBreach`).
    RetentionSizeBreach,
    /// `retention.ms` breached (`RetentionMsBreach`).
    RetentionMsBreach,
}

/// A segment removed by [`PartitionLog::delete_old_segments_breached`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentDeletion {
    pub base_offset: i64,
    pub next_offset: i64,
    pub size_bytes: u32,
    pub reason: SegmentDeletionReason,
}

/// A segment removed by retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSegment {
    pub base_offset: i64,
    pub next_offset: i64,
    pub size_bytes: u32,
    pub reason: RetentionReason,
}

impl SegmentDeletion {
    fn as_deleted(&self, reason: RetentionReason) -> DeletedSegment {
        DeletedSegment {
            base_offset: self.base_offset,
            next_offset: self.next_offset,
            size_bytes: self.size_bytes,
            reason,
        }
    }
}

impl PartitionLog {
    /// Runs one retention check at `now_ms` (as the broker's `kafka-log-retention` task
    /// does every `log.retention.check.interval.ms`), with `high_watermark` as the bound.
    pub fn delete_old_segments(&mut self, now_ms: i64, high_watermark: i64) -> Vec<DeletedSegment> {
        let mut deleted = Vec::new();
        if !self.config.deletes_old_segments() {
            return deleted;
        }
        if self.config.retention_ms >= 0 {
            let retention_ms = self.config.retention_ms;
            let gone = self.delete_while(high_watermark, now_ms, |s, _| {
                now_ms - s.largest_timestamp_ms() > retention_ms
            });
            deleted.extend(gone.iter().map(|d| d.as_deleted(RetentionReason::Time)));
        }
        if self.config.retention_bytes >= 0 {
            let mut diff = self.size_bytes() as i64 - self.config.retention_bytes;
            let gone = self.delete_while(high_watermark, now_ms, |s, _| {
                if diff - i64::from(s.size_bytes()) >= 0 {
                    diff -= i64::from(s.size_bytes());
                    true
                } else {
                    false
                }
            });
            deleted.extend(gone.iter().map(|d| d.as_deleted(RetentionReason::Size)));
        }
        deleted
    }

    /// `UnifiedLog.deleteOldSegments` as the replicated broker's `kafka-log-retention`
    /// task runs it: segments wholly below the log start offset first (for every log,
    /// whatever its `cleanup.policy`), then, if the policy includes `delete`, by
    /// `retention.bytes`, then by `retention.ms`; never a segment reaching past
    /// `high_watermark`, never the last one if empty.
    pub fn delete_old_segments_breached(&mut self, now_ms: i64, high_watermark: i64) -> Vec<SegmentDeletion> {
        let start = self.log_start_offset;
        // `delete_while` tags its deletions StartOffsetBreach; the later rules retag theirs.
        let mut deleted =
            self.delete_while(high_watermark, now_ms, |_, next| next.is_some_and(|n| n.base_offset <= start));
        if !self.config.deletes_old_segments() {
            return deleted;
        }
        let size = self.size_bytes() as i64;
        if self.config.retention_bytes >= 0 && size >= self.config.retention_bytes {
            let mut diff = size - self.config.retention_bytes;
            let from = deleted.len();
            deleted.extend(self.delete_while(high_watermark, now_ms, |s, _| {
                let fits = diff - i64::from(s.size_bytes()) >= 0;
                if fits {
                    diff -= i64::from(s.size_bytes());
                }
                fits
            }));
            deleted[from..].iter_mut().for_each(|d| d.reason = SegmentDeletionReason::RetentionSizeBreach);
        }
        if self.config.retention_ms >= 0 {
            let retention_ms = self.config.retention_ms;
            let from = deleted.len();
            deleted.extend(self.delete_while(high_watermark, now_ms, |s, _| {
                now_ms - s.largest_timestamp_ms() > retention_ms
            }));
            deleted[from..].iter_mut().for_each(|d| d.reason = SegmentDeletionReason::RetentionMsBreach);
        }
        deleted
    }

    /// `UnifiedLog.maybeIncrementLogStartOffset`: moves the log start offset forward to
    /// `new_log_start_offset` (which may fall inside a segment: reads below it are
    /// refused, and the segments wholly below it go at the next retention check).
    /// `Err` with the high watermark if asked past it (Kafka's `OffsetOutOfRangeException`);
    /// `Ok(true)` if it moved.
    pub fn maybe_increment_log_start_offset(
        &mut self,
        new_log_start_offset: i64,
        high_watermark: i64,
    ) -> Result<bool, i64> {
        if new_log_start_offset > high_watermark {
            return Err(high_watermark);
        }
        if new_log_start_offset > self.log_start_offset {
            self.log_start_offset = new_log_start_offset;
            self.producer_state.on_log_start_offset_incremented(new_log_start_offset);
            return Ok(true);
        }
        Ok(false)
    }

    /// `deletableSegments` + `deleteSegments`; the reasons are filled in by the caller.
    fn delete_while<F>(&mut self, high_watermark: i64, now_ms: i64, mut predicate: F) -> Vec<SegmentDeletion>
    where
        F: FnMut(&LogSegment, Option<&LogSegment>) -> bool,
    {
        let leo = self.log_end_offset();
        let mut count = 0usize;
        while count < self.segments.len() {
            let segment = &self.segments[count];
            let next = self.segments.get(count + 1);
            let is_last_and_empty = next.is_none() && segment.is_empty();
            let upper_bound_offset = next.map_or(leo, |n| n.base_offset);
            if high_watermark >= upper_bound_offset && !is_last_and_empty && predicate(segment, next) {
                count += 1;
            } else {
                break;
            }
        }
        if count == 0 {
            return Vec::new();
        }
        if count == self.segments.len() {
            self.roll(now_ms);
        }
        let removed: Vec<LogSegment> = self.segments.drain(..count).collect();
        if let Some(first) = self.segments.first() {
            self.log_start_offset = self.log_start_offset.max(first.base_offset);
        }
        self.producer_state.on_log_start_offset_incremented(self.log_start_offset);
        let deleted = removed
            .into_iter()
            .map(|s| {
                self.pending.push(StoreOp::Delete { segment: self.segment_id(s.base_offset) });
                // `deleteProducerSnapshots`: the segment's snapshot goes with it.
                self.producer_state.delete_snapshot_of_segment(s.base_offset);
                SegmentDeletion {
                    base_offset: s.base_offset,
                    next_offset: s.next_offset,
                    size_bytes: s.size_bytes(),
                    reason: SegmentDeletionReason::StartOffsetBreach,
                }
            })
            .collect();
        self.persist_snapshot_changes();
        deleted
    }
}

//! Retention by `retention.ms` and `retention.bytes` (`UnifiedLog.deleteOldSegments`):
//! whole segments are deleted oldest first, never past the high watermark; when every
//! segment goes, a new empty active segment is rolled first; the log start offset moves
//! to the first remaining segment's base offset. Only logs whose `cleanup.policy`
//! includes `delete` are trimmed (a `compact` log such as `__consumer_offsets` is not).

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

/// A segment removed by retention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedSegment {
    pub base_offset: i64,
    pub next_offset: i64,
    pub size_bytes: u32,
    pub reason: RetentionReason,
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
            deleted.extend(self.delete_while(high_watermark, now_ms, RetentionReason::Time, |s, _| {
                now_ms - s.largest_timestamp_ms() > retention_ms
            }));
        }
        if self.config.retention_bytes >= 0 {
            let mut diff = self.size_bytes() as i64 - self.config.retention_bytes;
            deleted.extend(self.delete_while(high_watermark, now_ms, RetentionReason::Size, |s, _| {
                if diff - i64::from(s.size_bytes()) >= 0 {
                    diff -= i64::from(s.size_bytes());
                    true
                } else {
                    false
                }
            }));
        }
        deleted
    }

    /// `deletableSegments` + `deleteSegments`.
    fn delete_while<F>(
        &mut self,
        high_watermark: i64,
        now_ms: i64,
        reason: RetentionReason,
        mut predicate: F,
    ) -> Vec<DeletedSegment>
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
        removed
            .into_iter()
            .map(|s| {
                self.pending.push(StoreOp::Delete { segment: self.segment_id(s.base_offset) });
                DeletedSegment {
                    base_offset: s.base_offset,
                    next_offset: s.next_offset,
                    size_bytes: s.size_bytes(),
                    reason,
                }
            })
            .collect()
    }
}

//! ListOffsets on one partition log: earliest, latest, max timestamp, and the first
//! offset whose timestamp is at or after a given time (`fetchOffsetByTimestamp`), found
//! through the time index and then a scan, as Kafka does.

use super::partition_log::PartitionLog;
use crate::engine::record::decode_batch;
use serde::{Deserialize, Serialize};

/// `ListOffsetsRequest` special timestamps and the by-time lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    /// -2
    Earliest,
    /// -1
    Latest,
    /// -3 (KIP-734): the offset of the record with the largest timestamp.
    MaxTimestamp,
    /// The first offset whose timestamp is ≥ this.
    Timestamp(i64),
}

impl OffsetSpec {
    /// From the wire value: -2, -1, -3, or a timestamp.
    pub fn from_timestamp(ts: i64) -> OffsetSpec {
        match ts {
            -2 => OffsetSpec::Earliest,
            -1 => OffsetSpec::Latest,
            -3 => OffsetSpec::MaxTimestamp,
            t => OffsetSpec::Timestamp(t),
        }
    }
}

/// A ListOffsets answer: `offset` -1 with timestamp -1 when no record qualifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampAndOffset {
    pub timestamp_ms: i64,
    pub offset: i64,
}

const UNKNOWN: TimestampAndOffset = TimestampAndOffset { timestamp_ms: -1, offset: -1 };

impl PartitionLog {
    pub fn list_offset(&self, spec: OffsetSpec) -> TimestampAndOffset {
        match spec {
            OffsetSpec::Earliest => TimestampAndOffset { timestamp_ms: -1, offset: self.log_start_offset },
            OffsetSpec::Latest => TimestampAndOffset { timestamp_ms: -1, offset: self.log_end_offset() },
            OffsetSpec::MaxTimestamp => self
                .segments
                .iter()
                .filter(|s| s.max_timestamp_so_far_ms >= 0)
                .max_by_key(|s| s.max_timestamp_so_far_ms)
                .map_or(UNKNOWN, |s| TimestampAndOffset {
                    timestamp_ms: s.max_timestamp_so_far_ms,
                    offset: s.offset_of_max_timestamp_so_far,
                }),
            OffsetSpec::Timestamp(target) => self.offset_by_timestamp(target),
        }
    }

    fn offset_by_timestamp(&self, target: i64) -> TimestampAndOffset {
        let Some(segment) =
            self.segments.iter().find(|s| s.max_timestamp_so_far_ms >= target && !s.is_empty())
        else {
            return UNKNOWN;
        };
        let entry = segment.time_index.lookup(target);
        let from_offset = segment.base_offset + i64::from(entry.relative_offset);
        let position = segment.offset_index.lookup(entry.relative_offset).position;
        for view in segment.batches_from(position).flatten() {
            if view.header.last_offset() < from_offset || view.header.max_timestamp < target {
                continue;
            }
            let Ok(batch) = decode_batch(view.bytes) else { return UNKNOWN };
            if let Some(r) =
                batch.records.iter().find(|r| r.timestamp_ms >= target && r.offset >= self.log_start_offset)
            {
                return TimestampAndOffset { timestamp_ms: r.timestamp_ms, offset: r.offset };
            }
        }
        UNKNOWN
    }
}

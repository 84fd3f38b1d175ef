//! One log segment (`LogSegment`): the `.log` bytes from its base offset, its sparse
//! offset and time indexes, its aborted transaction index (`.txnindex`, entries added by
//! `updateTxnIndex` when an ABORT marker lands in it), and the roll rule. Appends follow `LogSegment.append`
//! exactly: an index entry is added *before* counting the appended bytes, once more than
//! `index.interval.bytes` have gone by since the last entry.

use super::index::{OffsetIndex, TimeIndex};
use super::segment_log::{SegmentBatches, SegmentLog};
use crate::engine::record::batch::NO_TIMESTAMP;
use crate::engine::record::{split_batches, MemoryRecords};
use crate::engine::txn::txn_index::TransactionIndex;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The 20-digit zero-padded file-name prefix Kafka derives from a base offset.
pub fn filename_prefix_from_offset(offset: i64) -> String {
    format!("{offset:020}")
}

/// What decides whether an append must start a new segment (`RollParams`).
#[derive(Debug, Clone, Copy)]
pub struct RollParams {
    pub max_segment_ms: i64,
    pub max_segment_bytes: u32,
    pub max_timestamp_in_messages_ms: i64,
    pub max_offset_in_messages: i64,
    pub messages_size_bytes: u32,
    pub now_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSegment {
    pub base_offset: i64,
    pub(crate) log: SegmentLog,
    pub offset_index: OffsetIndex,
    pub time_index: TimeIndex,
    pub(crate) bytes_since_last_index_entry: u32,
    index_interval_bytes: u32,
    /// Largest record timestamp in the segment and the last offset of its batch.
    pub max_timestamp_so_far_ms: i64,
    pub offset_of_max_timestamp_so_far: i64,
    /// Max timestamp of the first batch: segment.ms counts from here.
    pub(crate) rolling_based_timestamp_ms: Option<i64>,
    pub created_ms: i64,
    /// The offset after the last record in the segment (base offset when empty).
    pub next_offset: i64,
    pub records_count: u64,
    /// The `.txnindex`: the transactions whose ABORT marker is in this segment.
    #[serde(default)]
    pub txn_index: TransactionIndex,
}

impl LogSegment {
    pub fn new(base_offset: i64, index_interval_bytes: u32, segment_index_bytes: u32, now_ms: i64) -> Self {
        LogSegment {
            base_offset,
            log: SegmentLog::default(),
            offset_index: OffsetIndex::new(segment_index_bytes),
            time_index: TimeIndex::new(segment_index_bytes),
            bytes_since_last_index_entry: 0,
            index_interval_bytes,
            max_timestamp_so_far_ms: NO_TIMESTAMP,
            offset_of_max_timestamp_so_far: base_offset,
            rolling_based_timestamp_ms: None,
            created_ms: now_ms,
            next_offset: base_offset,
            records_count: 0,
            txn_index: TransactionIndex::new(base_offset),
        }
    }

    pub fn size_bytes(&self) -> u32 {
        self.log.len()
    }

    /// The `.log` bytes, contiguous (a copy when they came in several appends).
    pub fn log_bytes(&self) -> Cow<'_, [u8]> {
        self.log.bytes()
    }

    /// The `.log` bytes as appended, in order (each piece holds whole batches).
    pub fn log_chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.log.chunks()
    }

    /// The batches from byte `position` (a batch boundary) on, positions in the segment.
    pub fn batches_from(&self, position: u32) -> SegmentBatches<'_> {
        self.log.batches_from(position)
    }

    /// Bytes `[from, to)` of the `.log`, shared with the segment when they were one append.
    pub fn log_slice(&self, from: u32, to: u32) -> MemoryRecords {
        self.log.slice(from, to)
    }

    pub fn is_empty(&self) -> bool {
        self.log.is_empty()
    }

    /// Offsets stored relative to the base must fit in an int32.
    pub fn can_convert_to_relative_offset(&self, offset: i64) -> bool {
        // Checked: a recovered batch's offset may be anything (`ensureOffsetInRange`).
        offset.checked_sub(self.base_offset).is_some_and(|delta| (0..=i64::from(i32::MAX)).contains(&delta))
    }

    /// The time-based roll clock: first batch's max timestamp, else creation time.
    fn time_waited_for_roll_ms(&self, now_ms: i64, max_timestamp_in_messages_ms: i64) -> i64 {
        match self.rolling_based_timestamp_ms {
            Some(ts) if ts >= 0 => max_timestamp_in_messages_ms - ts,
            _ => now_ms - self.created_ms,
        }
    }

    /// `LogSegment.shouldRoll`.
    pub fn should_roll(&self, p: &RollParams, roll_jitter_ms: i64) -> bool {
        let reached_roll_ms = self.time_waited_for_roll_ms(p.now_ms, p.max_timestamp_in_messages_ms)
            > p.max_segment_ms - roll_jitter_ms;
        let size = i64::from(self.size_bytes());
        size > i64::from(p.max_segment_bytes) - i64::from(p.messages_size_bytes)
            || (size > 0 && reached_roll_ms)
            || self.offset_index.is_full()
            || self.time_index.is_full()
            || !self.can_convert_to_relative_offset(p.max_offset_in_messages)
    }

    /// Appends validated batches whose offsets are already assigned.
    pub fn append(
        &mut self,
        largest_offset: i64,
        largest_timestamp_ms: i64,
        shallow_offset_of_max_timestamp: i64,
        records_count: u64,
        batches: MemoryRecords,
    ) {
        if batches.is_empty() {
            return;
        }
        let physical_position = self.size_bytes();
        if self.rolling_based_timestamp_ms.is_none() {
            if let Some(Ok(first)) = split_batches(&batches).next() {
                self.rolling_based_timestamp_ms = Some(first.header.max_timestamp);
            }
        }
        let appended_bytes = batches.len() as u32;
        self.log.push(batches);
        if largest_timestamp_ms > self.max_timestamp_so_far_ms {
            self.max_timestamp_so_far_ms = largest_timestamp_ms;
            self.offset_of_max_timestamp_so_far = shallow_offset_of_max_timestamp;
        }
        if self.bytes_since_last_index_entry > self.index_interval_bytes {
            self.offset_index.append(self.relative(largest_offset), physical_position);
            self.time_index.maybe_append(
                self.max_timestamp_so_far_ms,
                self.relative(self.offset_of_max_timestamp_so_far),
                false,
            );
            self.bytes_since_last_index_entry = 0;
        }
        self.bytes_since_last_index_entry += appended_bytes;
        self.next_offset = largest_offset + 1;
        self.records_count += records_count;
    }

    fn relative(&self, offset: i64) -> u32 {
        (offset - self.base_offset).clamp(0, i64::from(u32::MAX)) as u32
    }

    /// `onBecomeInactiveSegment`: the time index gets its final entry.
    pub fn on_become_inactive(&mut self) {
        if self.max_timestamp_so_far_ms >= 0 {
            let rel = self.relative(self.offset_of_max_timestamp_so_far);
            self.time_index.maybe_append(self.max_timestamp_so_far_ms, rel, true);
        }
    }

    /// The newest record timestamp, or the creation time for an empty segment
    /// (Kafka uses the file's last-modified time there).
    pub fn largest_timestamp_ms(&self) -> i64 {
        if self.max_timestamp_so_far_ms >= 0 {
            self.max_timestamp_so_far_ms
        } else {
            self.created_ms
        }
    }

    /// Byte position of the batch the offset index names for `offset`: no batch before it
    /// holds `offset` or later ones (where [`LogSegment::translate_offset`] starts its scan).
    pub fn index_position(&self, offset: i64) -> u32 {
        self.offset_index.lookup(self.relative(offset)).position
    }

    /// Byte position of the first batch whose last offset is ≥ `offset`
    /// (`translateOffset`): an index lookup, then a forward scan.
    pub fn translate_offset(&self, offset: i64) -> Option<u32> {
        let start = self.index_position(offset);
        if start > self.size_bytes() {
            return None;
        }
        for view in self.log.batches_from(start) {
            let view = view.ok()?;
            if view.header.last_offset() >= offset {
                return Some(view.position);
            }
        }
        None
    }

    /// The `.log`, `.index`, `.timeindex` and `.txnindex` files' bytes.
    pub fn files(&self) -> SegmentFiles {
        let prefix = filename_prefix_from_offset(self.base_offset);
        SegmentFiles {
            log_name: format!("{prefix}.log"),
            log: self.log.bytes().into_owned(),
            index_name: format!("{prefix}.index"),
            index: self.offset_index.to_bytes(),
            time_index_name: format!("{prefix}.timeindex"),
            time_index: self.time_index.to_bytes(),
            txn_index_name: format!("{prefix}.txnindex"),
            txn_index: self.txn_index.bytes().to_vec(),
        }
    }
}

/// A segment as Kafka's four files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentFiles {
    pub log_name: String,
    pub log: Vec<u8>,
    pub index_name: String,
    pub index: Vec<u8>,
    pub time_index_name: String,
    pub time_index: Vec<u8>,
    #[serde(default)]
    pub txn_index_name: String,
    #[serde(default)]
    pub txn_index: Vec<u8>,
}

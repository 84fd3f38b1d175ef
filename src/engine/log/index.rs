//! A segment's sparse indexes, as Kafka keeps them: the offset index (`.index`, 8-byte
//! entries: relative offset, byte position) and the time index (`.timeindex`, 12-byte
//! entries: timestamp, relative offset). Entries only grow; lookups return the greatest
//! entry at or below the target, as `OffsetIndex.lookup` / `TimeIndex.lookup` do.

use serde::{Deserialize, Serialize};

/// `OffsetIndex.ENTRY_SIZE`.
pub const OFFSET_INDEX_ENTRY_BYTES: u32 = 8;
/// `TimeIndex.ENTRY_SIZE`.
pub const TIME_INDEX_ENTRY_BYTES: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetIndexEntry {
    pub relative_offset: u32,
    pub position: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeIndexEntry {
    pub timestamp_ms: i64,
    pub relative_offset: u32,
}

/// The offset index of one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetIndex {
    pub entries: Vec<OffsetIndexEntry>,
    /// `segment.index.bytes / 8`, the preallocated capacity.
    pub max_entries: u32,
}

impl OffsetIndex {
    pub fn new(segment_index_bytes: u32) -> Self {
        OffsetIndex { entries: Vec::new(), max_entries: segment_index_bytes / OFFSET_INDEX_ENTRY_BYTES }
    }

    pub fn is_full(&self) -> bool {
        self.entries.len() as u32 >= self.max_entries
    }

    /// Appends an entry; Kafka refuses offsets that do not grow, and so do we (silently).
    pub fn append(&mut self, relative_offset: u32, position: u32) {
        if self.is_full() {
            return;
        }
        if self.entries.last().is_some_and(|e| e.relative_offset >= relative_offset) {
            return;
        }
        self.entries.push(OffsetIndexEntry { relative_offset, position });
    }

    /// The entry with the largest offset ≤ `relative_offset`, else `(0, 0)`.
    pub fn lookup(&self, relative_offset: u32) -> OffsetIndexEntry {
        let i = self.entries.partition_point(|e| e.relative_offset <= relative_offset);
        if i == 0 {
            OffsetIndexEntry { relative_offset: 0, position: 0 }
        } else {
            self.entries[i - 1]
        }
    }

    /// Removes entries at or past byte `position` (truncation of the log).
    pub fn truncate_to_position(&mut self, position: u32) {
        self.entries.retain(|e| e.position < position);
    }

    /// The `.index` file bytes (trimmed to its entries, as on roll/close).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.entries.len() * 8);
        for e in &self.entries {
            out.extend_from_slice(&e.relative_offset.to_be_bytes());
            out.extend_from_slice(&e.position.to_be_bytes());
        }
        out
    }
}

/// The time index of one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeIndex {
    pub entries: Vec<TimeIndexEntry>,
    /// `segment.index.bytes / 12`, the preallocated capacity.
    pub max_entries: u32,
}

impl TimeIndex {
    pub fn new(segment_index_bytes: u32) -> Self {
        TimeIndex { entries: Vec::new(), max_entries: segment_index_bytes / TIME_INDEX_ENTRY_BYTES }
    }

    pub fn is_full(&self) -> bool {
        self.entries.len() as u32 >= self.max_entries
    }

    pub fn last_entry(&self) -> Option<TimeIndexEntry> {
        self.entries.last().copied()
    }

    /// `TimeIndex.maybeAppend`: appends only a timestamp greater than the last one.
    pub fn maybe_append(&mut self, timestamp_ms: i64, relative_offset: u32, skip_full_check: bool) {
        if !skip_full_check && self.is_full() {
            return;
        }
        match self.entries.last() {
            Some(last) if timestamp_ms <= last.timestamp_ms || relative_offset < last.relative_offset => {}
            _ => self.entries.push(TimeIndexEntry { timestamp_ms, relative_offset }),
        }
    }

    /// The entry with the largest timestamp ≤ `timestamp_ms`, else `(-1, 0)` (the segment start).
    pub fn lookup(&self, timestamp_ms: i64) -> TimeIndexEntry {
        let i = self.entries.partition_point(|e| e.timestamp_ms <= timestamp_ms);
        if i == 0 {
            TimeIndexEntry { timestamp_ms: -1, relative_offset: 0 }
        } else {
            self.entries[i - 1]
        }
    }

    /// Removes entries for offsets at or past `relative_offset`.
    pub fn truncate_to_offset(&mut self, relative_offset: u32) {
        self.entries.retain(|e| e.relative_offset < relative_offset);
    }

    /// The `.timeindex` file bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.entries.len() * 12);
        for e in &self.entries {
            out.extend_from_slice(&e.timestamp_ms.to_be_bytes());
            out.extend_from_slice(&e.relative_offset.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_lookup_finds_floor_entry() {
        let mut idx = OffsetIndex::new(1024);
        idx.append(5, 100);
        idx.append(9, 300);
        idx.append(9, 400); // not growing: ignored
        assert_eq!(idx.lookup(4), OffsetIndexEntry { relative_offset: 0, position: 0 });
        assert_eq!(idx.lookup(5).position, 100);
        assert_eq!(idx.lookup(8).position, 100);
        assert_eq!(idx.lookup(100).position, 300);
        assert_eq!(idx.to_bytes(), vec![0, 0, 0, 5, 0, 0, 0, 100, 0, 0, 0, 9, 0, 0, 1, 44]);
    }

    #[test]
    fn time_index_only_grows() {
        let mut t = TimeIndex::new(120);
        t.maybe_append(10, 1, false);
        t.maybe_append(10, 2, false);
        t.maybe_append(20, 3, false);
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.lookup(15).relative_offset, 1);
        assert_eq!(t.lookup(5).timestamp_ms, -1);
        assert_eq!(t.to_bytes().len(), 24);
    }

    #[test]
    fn full_index_refuses_entries() {
        let mut idx = OffsetIndex::new(16);
        idx.append(1, 1);
        idx.append(2, 2);
        assert!(idx.is_full());
        idx.append(3, 3);
        assert_eq!(idx.entries.len(), 2);
    }
}

//! The leader epoch cache (`LeaderEpochFileCache`, KIP-101/279): for each leader epoch,
//! the first offset written in it. Followers and leaders use it to find where two logs
//! agree: `end_offset_for(epoch)` is the first offset of the next higher epoch (or the log
//! end offset for the latest epoch). Invariant: entries are strictly increasing in both
//! epoch and start offset; an assignment that would break this is ignored (as Kafka's
//! `assign` refuses it), and truncation removes entries so the invariant still holds.

use crate::engine::record::split_batches;
use serde::{Deserialize, Serialize};

/// Kafka's `UNDEFINED_EPOCH` / `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH: i32 = -1;
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the cache from the batches' `partitionLeaderEpoch` (recovery).
    pub fn from_log_bytes<'a>(segments: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut cache = Self::new();
        for bytes in segments {
            for view in split_batches(bytes).flatten() {
                cache.assign(view.header.partition_leader_epoch, view.header.base_offset);
            }
        }
        cache
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    /// The newest epoch, `UNDEFINED_EPOCH` when empty.
    pub fn latest_epoch(&self) -> i32 {
        self.entries.last().map_or(UNDEFINED_EPOCH, |e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset`, if it is newer than every entry.
    /// Kafka removes entries that the new one contradicts; a start offset below the
    /// previous entry's cannot happen for a log that only grows, so it is ignored here.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) {
        if epoch < 0 {
            return;
        }
        match self.entries.last() {
            Some(last) if epoch <= last.epoch || start_offset < last.start_offset => {}
            Some(last) if start_offset == last.start_offset => {
                // The previous epoch wrote nothing: the newer epoch replaces it.
                self.entries.pop();
                self.entries.push(EpochEntry { epoch, start_offset });
            }
            _ => self.entries.push(EpochEntry { epoch, start_offset }),
        }
    }

    /// `endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch ≤ the requested one
    /// and the offset where it ends (the next epoch's start, or `log_end_offset` for the
    /// latest epoch). `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)` when the requested epoch
    /// is undefined or newer than every epoch known.
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        const UNDEFINED: (i32, i64) = (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        if requested_epoch == UNDEFINED_EPOCH {
            return UNDEFINED;
        }
        if requested_epoch == self.latest_epoch() {
            return (requested_epoch, log_end_offset);
        }
        let higher = self.entries.iter().find(|e| e.epoch > requested_epoch);
        let floor = self.entries.iter().rev().find(|e| e.epoch <= requested_epoch);
        match (higher, floor) {
            (None, _) => UNDEFINED,
            (Some(h), None) => (requested_epoch, h.start_offset),
            (Some(h), Some(f)) => (f.epoch, h.start_offset),
        }
    }

    /// `truncateFromEnd`: forgets every epoch that starts at or after `end_offset`.
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        self.entries.retain(|e| e.start_offset < end_offset);
    }

    /// `truncateFromStart`: the log now starts at `start_offset`; the epoch holding it
    /// is kept, starting there.
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let keep_from = self.entries.iter().rposition(|e| e.start_offset <= start_offset).unwrap_or(0);
        self.entries.drain(..keep_from);
        if let Some(first) = self.entries.first_mut() {
            first.start_offset = first.start_offset.max(start_offset);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(entries: &[(i32, i64)]) -> LeaderEpochCache {
        let mut c = LeaderEpochCache::new();
        entries.iter().for_each(|&(e, o)| c.assign(e, o));
        c
    }

    #[test]
    fn end_offset_for_follows_kafka() {
        let c = cache(&[(0, 0), (2, 5), (4, 9)]);
        assert_eq!(c.end_offset_for(4, 12), (4, 12), "latest epoch ends at the LEO");
        assert_eq!(c.end_offset_for(2, 12), (2, 9));
        assert_eq!(c.end_offset_for(3, 12), (2, 9), "an unknown epoch maps to the floor");
        assert_eq!(c.end_offset_for(1, 12), (0, 5));
        assert_eq!(c.end_offset_for(5, 12), (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET));
        assert_eq!(c.end_offset_for(-1, 12), (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET));
        let late = cache(&[(3, 4)]);
        assert_eq!(late.end_offset_for(1, 8), (1, 4), "older than every epoch: ends at the first start");
    }

    #[test]
    fn assign_keeps_entries_increasing() {
        let mut c = cache(&[(0, 0), (1, 3)]);
        c.assign(1, 7);
        c.assign(0, 9);
        c.assign(2, 3);
        assert_eq!(
            c.entries(),
            &[EpochEntry { epoch: 0, start_offset: 0 }, EpochEntry { epoch: 2, start_offset: 3 }]
        );
    }

    #[test]
    fn truncation_from_both_ends() {
        let mut c = cache(&[(0, 0), (1, 3), (2, 6)]);
        c.truncate_from_end(6);
        assert_eq!(c.latest_epoch(), 1);
        c.truncate_from_start(4);
        assert_eq!(c.entries(), &[EpochEntry { epoch: 1, start_offset: 4 }]);
    }
}

//! The in-memory [`LogStore`]: what the simulation, the CLI and native tests use. It keeps
//! exactly what was applied, so a test can crash a broker (drop its state) and recover
//! from the store as the browser would from IndexedDB. A segment is kept as the appends
//! wrote it (one piece per append, sharing the appended bytes with the log that wrote
//! them: nothing is copied).

use super::{LogStore, StoreError};
use crate::engine::record::MemoryRecords;
use crate::engine::store::{SegmentId, StoreOp};
use std::borrow::Cow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    segments: BTreeMap<SegmentId, StoredSegment>,
    meta: BTreeMap<(u32, String), String>,
    /// Segments keep their lengths only, no bytes (see [`MemoryStore::forget_bytes`]).
    lengths_only: bool,
}

/// One segment's bytes: the appended pieces, in order (none in a lengths-only store).
#[derive(Debug, Clone, Default)]
struct StoredSegment {
    pieces: Vec<MemoryRecords>,
    len: u64,
}

impl StoredSegment {
    fn len(&self) -> u64 {
        self.len
    }

    fn push(&mut self, bytes: MemoryRecords, lengths_only: bool) {
        if bytes.is_empty() {
            return;
        }
        self.len += bytes.len() as u64;
        if !lengths_only {
            self.pieces.push(bytes);
        }
    }

    fn truncate(&mut self, size_bytes: u64) {
        if self.pieces.is_empty() {
            // Lengths only (a full segment with bytes always has pieces).
            self.len = self.len.min(size_bytes);
            return;
        }
        while self.len > size_bytes {
            let Some(last) = self.pieces.last_mut() else { break };
            let start = self.len - last.len() as u64;
            if start >= size_bytes {
                self.len = start;
                self.pieces.pop();
            } else {
                *last = last.slice(0, (size_bytes - start) as usize);
                self.len = size_bytes;
            }
        }
    }

    fn bytes(&self) -> Cow<'_, [u8]> {
        match self.pieces.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one.as_slice()),
            many => Cow::Owned(many.iter().flat_map(|piece| piece.iter().copied()).collect()),
        }
    }
}

fn misplaced(segment: &SegmentId, position: u32, size: u64) -> StoreError {
    StoreError::new(format!(
        "append to {}/{} at position {position}, but it holds {size} bytes",
        segment.dir_name(),
        segment.base_offset,
    ))
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops every segment's bytes and keeps only lengths from now on: the store still
    /// accepts and refuses writes exactly as before, but [`MemoryStore::segment_bytes`]
    /// gives `None` and [`LogStore::read`] an error. For a mirror whose bytes are kept
    /// elsewhere (a broker worker's: the engine holds the log, IndexedDB the durable copy).
    pub fn forget_bytes(&mut self) {
        self.lengths_only = true;
        for data in self.segments.values_mut() {
            data.pieces = Vec::new();
        }
    }

    /// Whether segments keep their bytes (false after [`MemoryStore::forget_bytes`]).
    pub fn keeps_bytes(&self) -> bool {
        !self.lengths_only
    }

    /// A segment's length in bytes, if the store has it.
    pub fn segment_len(&self, segment: &SegmentId) -> Option<u64> {
        self.segments.get(segment).map(StoredSegment::len)
    }

    /// Checks every append position first, so a refused batch changes nothing (as one
    /// IndexedDB transaction that aborts).
    fn check(&self, ops: &[StoreOp]) -> Result<(), StoreError> {
        if let [StoreOp::Append { segment, position, .. }] = ops {
            // One append (what a simulation step persists at a time): no map needed.
            let size = self.segments.get(segment).map_or(0, StoredSegment::len);
            return if size == u64::from(*position) {
                Ok(())
            } else {
                Err(misplaced(segment, *position, size))
            };
        }
        let mut sizes: BTreeMap<&SegmentId, u64> = BTreeMap::new();
        for op in ops {
            match op {
                StoreOp::Append { segment, position, bytes } => {
                    let size = sizes
                        .entry(segment)
                        .or_insert_with(|| self.segments.get(segment).map_or(0, StoredSegment::len));
                    if *size != u64::from(*position) {
                        return Err(misplaced(segment, *position, *size));
                    }
                    *size += bytes.len() as u64;
                }
                StoreOp::Truncate { segment, size_bytes } => {
                    let size = sizes
                        .entry(segment)
                        .or_insert_with(|| self.segments.get(segment).map_or(0, StoredSegment::len));
                    *size = (*size).min(u64::from(*size_bytes));
                }
                StoreOp::Delete { segment } => {
                    sizes.insert(segment, 0);
                }
                StoreOp::PutMeta { .. } | StoreOp::DeleteMeta { .. } => {}
            }
        }
        Ok(())
    }

    /// Applies writes synchronously, all or nothing (the async trait method calls this).
    pub fn apply_now(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        self.check(ops)?;
        ops.iter().for_each(|op| self.apply_checked(op));
        Ok(())
    }

    /// [`MemoryStore::apply_now`] of one write handed over.
    pub fn apply_owned(&mut self, op: StoreOp) -> Result<(), StoreError> {
        self.check(std::slice::from_ref(&op))?;
        match op {
            StoreOp::Append { segment, bytes, .. } => self.append(&segment, bytes),
            op => self.apply_checked(&op),
        }
        Ok(())
    }

    fn append(&mut self, segment: &SegmentId, bytes: MemoryRecords) {
        match self.segments.get_mut(segment) {
            Some(data) => data.push(bytes, self.lengths_only),
            None => {
                let mut data = StoredSegment::default();
                data.push(bytes, self.lengths_only);
                self.segments.insert(segment.clone(), data);
            }
        }
    }

    /// One write whose position was checked; appends go through [`MemoryStore::append`].
    fn apply_checked(&mut self, op: &StoreOp) {
        match op {
            StoreOp::Append { segment, bytes, .. } => self.append(segment, bytes.clone()),
            StoreOp::Truncate { segment, size_bytes } => {
                if let Some(data) = self.segments.get_mut(segment) {
                    data.truncate(u64::from(*size_bytes));
                }
            }
            StoreOp::Delete { segment } => {
                self.segments.remove(segment);
            }
            StoreOp::PutMeta { broker_id, name, value } => {
                // Keys are few and rewritten often: find the entry without building a key.
                let this_broker = self.meta.range_mut((*broker_id, String::new())..);
                match this_broker.take_while(|((b, _), _)| b == broker_id).find(|((_, n), _)| n == name) {
                    Some((_, stored)) => stored.clone_from(value),
                    None => {
                        self.meta.insert((*broker_id, name.clone()), value.clone());
                    }
                }
            }
            StoreOp::DeleteMeta { broker_id, name } => {
                self.meta.remove(&(*broker_id, name.clone()));
            }
        }
    }

    pub fn segment_ids(&self, broker_id: u32) -> Vec<SegmentId> {
        self.segments.keys().filter(|s| s.broker_id == broker_id).cloned().collect()
    }

    /// A segment's bytes, contiguous (a copy when it was written in several appends);
    /// `None` when the store has no such segment or keeps lengths only.
    pub fn segment_bytes(&self, segment: &SegmentId) -> Option<Cow<'_, [u8]>> {
        self.segments.get(segment).filter(|_| !self.lengths_only).map(StoredSegment::bytes)
    }

    /// [`MemoryStore::segment_bytes`] piece by piece as appended, for a reader that needs
    /// no contiguous copy (the final state's checksum of each segment).
    pub fn segment_pieces(&self, segment: &SegmentId) -> Option<impl Iterator<Item = &[u8]> + '_> {
        self.segments
            .get(segment)
            .filter(|_| !self.lengths_only)
            .map(|s| s.pieces.iter().map(|p| p.as_slice()))
    }

    pub fn meta_of(&self, broker_id: u32) -> Vec<(String, String)> {
        self.meta
            .iter()
            .filter(|((b, _), _)| *b == broker_id)
            .map(|((_, n), v)| (n.clone(), v.clone()))
            .collect()
    }

    /// Test hook: damages a segment the way a crash mid-write would (a torn tail).
    pub fn tear(&mut self, segment: &SegmentId, keep_bytes: u32) {
        if let Some(data) = self.segments.get_mut(segment) {
            data.truncate(u64::from(keep_bytes));
        }
    }
}

impl LogStore for MemoryStore {
    async fn apply(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        self.apply_now(ops)
    }

    async fn list_segments(&self, broker_id: u32) -> Result<Vec<SegmentId>, StoreError> {
        Ok(self.segment_ids(broker_id))
    }

    async fn read(&self, segment: &SegmentId, from: u32, to: u32) -> Result<Vec<u8>, StoreError> {
        let data =
            self.segments.get(segment).ok_or_else(|| StoreError::new(format!("no segment {segment:?}")))?;
        if self.lengths_only {
            return Err(StoreError::new(format!(
                "segment {}/{} is kept as its length only, not its bytes",
                segment.dir_name(),
                segment.base_offset
            )));
        }
        let data = data.bytes();
        let end = (to as usize).min(data.len());
        let start = (from as usize).min(end);
        Ok(data[start..end].to_vec())
    }

    async fn list_meta(&self, broker_id: u32) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.meta_of(broker_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(base_offset: u64) -> SegmentId {
        SegmentId { broker_id: 1, topic: "t".into(), partition: 0, base_offset }
    }

    #[test]
    fn a_refused_batch_changes_nothing() {
        let mut s = MemoryStore::new();
        let ops = [
            StoreOp::Append { segment: id(0), position: 0, bytes: vec![1, 2].into() },
            StoreOp::PutMeta { broker_id: 1, name: "m".into(), value: "v".into() },
            StoreOp::Append { segment: id(5), position: 3, bytes: vec![9].into() },
        ];
        assert!(s.apply_now(&ops).is_err());
        assert!(s.segment_ids(1).is_empty(), "no segment, not even an empty one");
        assert!(s.meta_of(1).is_empty());
        s.apply_now(&ops[..2]).unwrap();
        s.apply_now(&[
            StoreOp::Truncate { segment: id(0), size_bytes: 1 },
            StoreOp::Append { segment: id(0), position: 1, bytes: vec![7].into() },
        ])
        .unwrap();
        assert_eq!(s.segment_bytes(&id(0)).as_deref(), Some(&[1u8, 7][..]));
        s.apply_owned(StoreOp::Append { segment: id(0), position: 2, bytes: vec![8, 9].into() }).unwrap();
        assert!(s
            .apply_owned(StoreOp::Append { segment: id(0), position: 9, bytes: vec![1].into() })
            .is_err());
        s.tear(&id(0), 3);
        assert_eq!(s.segment_bytes(&id(0)).as_deref(), Some(&[1u8, 7, 8][..]));
    }

    #[test]
    fn a_lengths_only_store_refuses_what_a_full_one_refuses_and_reads_no_bytes() {
        let mut full = MemoryStore::new();
        full.apply_now(&[StoreOp::Append { segment: id(0), position: 0, bytes: vec![1, 2, 3].into() }])
            .unwrap();
        let mut lean = full.clone();
        lean.forget_bytes();
        assert!(!lean.keeps_bytes() && full.keeps_bytes());
        let batches: [&[StoreOp]; 4] = [
            &[StoreOp::Append { segment: id(0), position: 2, bytes: vec![9].into() }],
            &[
                StoreOp::Truncate { segment: id(0), size_bytes: 1 },
                StoreOp::Append { segment: id(0), position: 1, bytes: vec![4, 5].into() },
            ],
            &[StoreOp::Append { segment: id(0), position: 4, bytes: vec![6].into() }],
            &[
                StoreOp::Delete { segment: id(0) },
                StoreOp::Append { segment: id(0), position: 1, bytes: vec![7].into() },
            ],
        ];
        for ops in batches {
            let (a, b) = (full.apply_now(ops), lean.apply_now(ops));
            assert_eq!(a.map_err(|e| e.to_string()), b.map_err(|e| e.to_string()));
            assert_eq!(full.segment_len(&id(0)), lean.segment_len(&id(0)));
        }
        // The second batch truncated to 1 byte and appended 2; the first and the last
        // were refused (position 2 of 3 bytes; position 1 of a deleted segment).
        assert_eq!(lean.segment_len(&id(0)), Some(3));
        assert_eq!(
            lean.apply_now(&[StoreOp::Append { segment: id(0), position: 2, bytes: vec![1].into() }])
                .unwrap_err()
                .to_string(),
            "storage error: append to t-0/0 at position 2, but it holds 3 bytes"
        );
        assert_eq!(full.segment_bytes(&id(0)).as_deref(), Some(&[1u8, 4, 5][..]));
        assert!(lean.segment_bytes(&id(0)).is_none());
        use std::future::Future;
        let segment = id(0);
        let read = lean.read(&segment, 0, 3);
        let waker = std::task::Waker::noop();
        let got = std::pin::pin!(read).as_mut().poll(&mut std::task::Context::from_waker(waker));
        assert!(matches!(got, std::task::Poll::Ready(Err(_))), "a lengths-only store reads no bytes");
    }
}

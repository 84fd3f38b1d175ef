//! A segment's `.log` bytes as the appends left them: a run of [`MemoryRecords`] chunks,
//! each holding whole batches, at increasing byte positions. A leader's append and a
//! follower's fetched batches are kept as the very bytes they arrived in, and a fetch
//! that falls within one chunk is answered with a share of it, never a copy. Read
//! together, the chunks are exactly the contiguous file Kafka would write.

use crate::engine::error::Result;
use crate::engine::record::batch::BatchIter;
use crate::engine::record::{split_batches, BatchView, MemoryRecords};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

#[derive(Clone, Default)]
pub struct SegmentLog {
    chunks: Vec<MemoryRecords>,
    /// Byte position of each chunk in the segment.
    positions: Vec<u32>,
    len: u32,
}

impl SegmentLog {
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends whole batches.
    pub fn push(&mut self, chunk: MemoryRecords) {
        if chunk.is_empty() {
            return;
        }
        self.positions.push(self.len);
        self.len += chunk.len() as u32;
        self.chunks.push(chunk);
    }

    /// The chunks' bytes, in order.
    pub fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().map(|c| c.as_slice())
    }

    /// The index of the chunk holding byte `position`, if any.
    fn chunk_at(&self, position: u32) -> Option<usize> {
        if position >= self.len {
            return None;
        }
        Some(self.positions.partition_point(|p| *p <= position).saturating_sub(1))
    }

    /// The batches from byte `position` on (a batch boundary), with their positions in
    /// the segment; the walk stops at the first error, as over the contiguous file.
    pub fn batches_from(&self, position: u32) -> SegmentBatches<'_> {
        let first = self.chunk_at(position).unwrap_or(self.chunks.len());
        let (current, base) = match self.chunks.get(first) {
            Some(chunk) => {
                let skip = position.saturating_sub(self.positions[first]);
                (chunk.get(skip as usize..).unwrap_or_default(), self.positions[first] + skip)
            }
            None => (&[][..], 0),
        };
        SegmentBatches {
            chunks: self.chunks.get(first + 1..).unwrap_or_default(),
            positions: self.positions.get(first + 1..).unwrap_or_default(),
            current: split_batches(current),
            base,
            failed: false,
        }
    }

    /// Bytes `[from, to)`: a share of one chunk when they lie in one, else a copy of
    /// those bytes alone, chunk piece by chunk piece.
    pub fn slice(&self, from: u32, to: u32) -> MemoryRecords {
        let to = to.min(self.len);
        if from >= to {
            return MemoryRecords::new();
        }
        let Some(i) = self.chunk_at(from) else { return MemoryRecords::new() };
        let at = self.positions[i];
        if to - at <= self.chunks[i].len() as u32 {
            return self.chunks[i].slice((from - at) as usize, (to - at) as usize);
        }
        let mut out = Vec::with_capacity((to - from) as usize);
        for (chunk, &at) in self.chunks[i..].iter().zip(&self.positions[i..]) {
            if at >= to {
                break;
            }
            let start = from.saturating_sub(at) as usize;
            let end = ((to - at) as usize).min(chunk.len());
            out.extend_from_slice(chunk.get(start..end).unwrap_or_default());
        }
        MemoryRecords::from(out)
    }

    /// All the bytes, contiguous (borrowed when they are one chunk).
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match self.chunks.as_slice() {
            [] => Cow::Borrowed(&[]),
            [one] => Cow::Borrowed(one.as_slice()),
            many => {
                let mut out = Vec::with_capacity(self.len as usize);
                for chunk in many {
                    out.extend_from_slice(chunk);
                }
                Cow::Owned(out)
            }
        }
    }
}

/// The batches of a [`SegmentLog`] from a position on, chunk after chunk.
pub struct SegmentBatches<'a> {
    chunks: &'a [MemoryRecords],
    positions: &'a [u32],
    current: BatchIter<'a>,
    /// Position in the segment of the bytes `current` walks.
    base: u32,
    failed: bool,
}

impl<'a> Iterator for SegmentBatches<'a> {
    type Item = Result<BatchView<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.failed {
                return None;
            }
            match self.current.next() {
                Some(Ok(mut view)) => {
                    view.position += self.base;
                    return Some(Ok(view));
                }
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
                None => {
                    let (chunk, chunks) = self.chunks.split_first()?;
                    let (position, positions) = self.positions.split_first()?;
                    self.chunks = chunks;
                    self.positions = positions;
                    self.current = split_batches(chunk);
                    self.base = *position;
                }
            }
        }
    }
}

impl From<Vec<u8>> for SegmentLog {
    fn from(bytes: Vec<u8>) -> Self {
        let mut log = SegmentLog::default();
        log.push(MemoryRecords::from(bytes));
        log
    }
}

impl PartialEq for SegmentLog {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.chunks().flatten().eq(other.chunks().flatten())
    }
}

impl Eq for SegmentLog {}

impl fmt::Debug for SegmentLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.chunks().flatten()).finish()
    }
}

impl Serialize for SegmentLog {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // What the contiguous `Vec<u8>` writes: one sequence of numbers, its length first.
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len as usize))?;
        for byte in self.chunks().flatten() {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for SegmentLog {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<u8>::deserialize(d).map(SegmentLog::from)
    }
}

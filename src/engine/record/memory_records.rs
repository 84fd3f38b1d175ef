//! [`MemoryRecords`]: record batches' bytes held once and shared (Kafka's `MemoryRecords`
//! over a `ByteBuffer`). A batch built by a producer, appended by a leader or fetched by
//! a follower is carried by the request, kept by the segment and sent in fetch responses
//! without being copied: cloning or slicing shares the bytes. Immutable once made; empty
//! ones hold no buffer at all (an empty fetch answer allocates nothing). Serialized,
//! compared and printed exactly as the `Vec<u8>` it replaces.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

#[derive(Clone, Default)]
pub struct MemoryRecords {
    /// `None` when empty.
    buffer: Option<Rc<Vec<u8>>>,
    start: usize,
    end: usize,
}

impl MemoryRecords {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes `[from, to)` of these, sharing them (clamped to the length).
    pub fn slice(&self, from: usize, to: usize) -> MemoryRecords {
        let end = self.start + to.min(self.len());
        let start = (self.start + from).min(end);
        if start == end {
            return MemoryRecords::new();
        }
        MemoryRecords { buffer: self.buffer.clone(), start, end }
    }

    pub fn as_slice(&self) -> &[u8] {
        self.buffer.as_ref().and_then(|b| b.get(self.start..self.end)).unwrap_or_default()
    }
}

impl From<Vec<u8>> for MemoryRecords {
    fn from(bytes: Vec<u8>) -> Self {
        let end = bytes.len();
        if end == 0 {
            return MemoryRecords::new();
        }
        MemoryRecords { buffer: Some(Rc::new(bytes)), start: 0, end }
    }
}

impl From<&[u8]> for MemoryRecords {
    fn from(bytes: &[u8]) -> Self {
        MemoryRecords::from(bytes.to_vec())
    }
}

impl Deref for MemoryRecords {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for MemoryRecords {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for MemoryRecords {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for MemoryRecords {}

impl PartialEq<Vec<u8>> for MemoryRecords {
    fn eq(&self, other: &Vec<u8>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<[u8]> for MemoryRecords {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl fmt::Debug for MemoryRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

/// In a readable format (the journal's JSON) what `Vec<u8>` writes: a sequence of
/// numbers. In a binary one (bincode between the page and its workers) one run of bytes,
/// which costs a copy instead of a call per byte.
impl Serialize for MemoryRecords {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            self.as_slice().serialize(s)
        } else {
            s.serialize_bytes(self.as_slice())
        }
    }
}

impl<'de> Deserialize<'de> for MemoryRecords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            Vec::<u8>::deserialize(d).map(MemoryRecords::from)
        } else {
            d.deserialize_byte_buf(BytesVisitor).map(MemoryRecords::from)
        }
    }
}

struct BytesVisitor;

impl<'de> serde::de::Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("record batch bytes")
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_slices_and_reads_as_a_vec() {
        let r = MemoryRecords::from(vec![1u8, 2, 3, 4, 5]);
        let s = r.slice(1, 4);
        assert_eq!(&*s, &[2, 3, 4]);
        assert_eq!(&*s.slice(1, 9), &[3, 4]);
        assert_eq!(&*s.slice(5, 9), &[] as &[u8]);
        assert_eq!(format!("{s:?}"), format!("{:?}", vec![2u8, 3, 4]));
        assert_eq!(serde_json::to_string(&s).unwrap(), serde_json::to_string(&vec![2u8, 3, 4]).unwrap());
        let back: MemoryRecords = serde_json::from_str("[2,3,4]").unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn crosses_to_workers_as_one_run_of_bytes() {
        let r = MemoryRecords::from((0u8..=255).collect::<Vec<u8>>()).slice(3, 200);
        let bytes = bincode::serialize(&r).unwrap();
        // A length, then the bytes themselves.
        assert_eq!(bytes.len(), 8 + 197);
        assert_eq!(&bytes[8..], &*r);
        let back: MemoryRecords = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, r);
    }
}

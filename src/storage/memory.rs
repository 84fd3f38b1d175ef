//! The in-memory [`LogStore`]: what the simulation, the CLI and native tests use. It keeps
//! exactly what was applied, so a test can crash a broker (drop its state) and recover
//! from the store as the browser would from IndexedDB.

use super::{LogStore, SegmentId, StoreError, StoreOp};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    segments: BTreeMap<SegmentId, Vec<u8>>,
    meta: BTreeMap<(u32, String), String>,
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

    /// Checks every append position first, so a refused batch changes nothing (as one
    /// IndexedDB transaction that aborts).
    fn check(&self, ops: &[StoreOp]) -> Result<(), StoreError> {
        if let [StoreOp::Append { segment, position, .. }] = ops {
            // One append (what a simulation step persists at a time): no map needed.
            let size = self.segments.get(segment).map_or(0, |d| d.len() as u64);
            return if size == u64::from(*position) { Ok(()) } else { Err(misplaced(segment, *position, size)) };
        }
        let mut sizes: BTreeMap<&SegmentId, u64> = BTreeMap::new();
        for op in ops {
            match op {
                StoreOp::Append { segment, position, bytes } => {
                    let size = sizes
                        .entry(segment)
                        .or_insert_with(|| self.segments.get(segment).map_or(0, |d| d.len() as u64));
                    if *size != u64::from(*position) {
                        return Err(misplaced(segment, *position, *size));
                    }
                    *size += bytes.len() as u64;
                }
                StoreOp::Truncate { segment, size_bytes } => {
                    let size = sizes
                        .entry(segment)
                        .or_insert_with(|| self.segments.get(segment).map_or(0, |d| d.len() as u64));
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
        for op in ops {
            match op {
                StoreOp::Append { segment, bytes, .. } => match self.segments.get_mut(segment) {
                    Some(data) => data.extend_from_slice(bytes),
                    None => {
                        self.segments.insert(segment.clone(), bytes.clone());
                    }
                },
                StoreOp::Truncate { segment, size_bytes } => {
                    if let Some(data) = self.segments.get_mut(segment) {
                        data.truncate(*size_bytes as usize);
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
        Ok(())
    }

    pub fn segment_ids(&self, broker_id: u32) -> Vec<SegmentId> {
        self.segments.keys().filter(|s| s.broker_id == broker_id).cloned().collect()
    }

    pub fn segment_bytes(&self, segment: &SegmentId) -> Option<&[u8]> {
        self.segments.get(segment).map(Vec::as_slice)
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
            data.truncate(keep_bytes as usize);
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
        let data = self
            .segments
            .get(segment)
            .ok_or_else(|| StoreError::new(format!("no segment {segment:?}")))?;
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
            StoreOp::Append { segment: id(0), position: 0, bytes: vec![1, 2] },
            StoreOp::PutMeta { broker_id: 1, name: "m".into(), value: "v".into() },
            StoreOp::Append { segment: id(5), position: 3, bytes: vec![9] },
        ];
        assert!(s.apply_now(&ops).is_err());
        assert!(s.segment_ids(1).is_empty(), "no segment, not even an empty one");
        assert!(s.meta_of(1).is_empty());
        s.apply_now(&ops[..2]).unwrap();
        s.apply_now(&[
            StoreOp::Truncate { segment: id(0), size_bytes: 1 },
            StoreOp::Append { segment: id(0), position: 1, bytes: vec![7] },
        ])
        .unwrap();
        assert_eq!(s.segment_bytes(&id(0)), Some(&[1u8, 7][..]));
    }
}

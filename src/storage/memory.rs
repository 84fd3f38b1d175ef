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

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies writes synchronously (the async trait method calls this).
    pub fn apply_now(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        for op in ops {
            match op {
                StoreOp::Append { segment, position, bytes } => {
                    let data = self.segments.entry(segment.clone()).or_default();
                    if data.len() as u64 != u64::from(*position) {
                        return Err(StoreError::new(format!(
                            "append to {}/{} at position {position}, but it holds {} bytes",
                            segment.dir_name(),
                            segment.base_offset,
                            data.len()
                        )));
                    }
                    data.extend_from_slice(bytes);
                }
                StoreOp::Truncate { segment, size_bytes } => {
                    if let Some(data) = self.segments.get_mut(segment) {
                        data.truncate(*size_bytes as usize);
                    }
                }
                StoreOp::Delete { segment } => {
                    self.segments.remove(segment);
                }
                StoreOp::PutMeta { broker_id, name, value } => {
                    self.meta.insert((*broker_id, name.clone()), value.clone());
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

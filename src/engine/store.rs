//! What the engine asks storage to do: [`StoreOp`]s, handed out as `Output::Persist`,
//! about [`SegmentId`]s (one segment file of one partition on one broker). The engine owns
//! these types so it never imports a storage backend (the storage module applies them:
//! in memory natively, IndexedDB in the browser). Invariant: ops are applied in order, all
//! of one `apply` call together; offsets and sizes are `u32`/`u64`, never `usize`.

use crate::engine::cluster::messages::TopicName;
use crate::engine::record::MemoryRecords;
use serde::{Deserialize, Serialize};

/// One segment file of one partition on one broker, e.g. broker 1's
/// `orders-0/00000000000000000000.log`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SegmentId {
    pub broker_id: u32,
    pub topic: TopicName,
    pub partition: u32,
    pub base_offset: u64,
}

impl SegmentId {
    /// Kafka's directory name for the partition, `<topic>-<partition>`.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.topic, self.partition)
    }
}

/// A write to the store. Applied in order, all of one `apply` call together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreOp {
    /// Write `bytes` at byte `position` of the segment, which must equal its current size
    /// (appends only; a gap or overlap is an error). The bytes are shared with the log
    /// that wrote them, not copied.
    Append { segment: SegmentId, position: u32, bytes: MemoryRecords },
    /// Cut the segment to `size_bytes` (recovery of a torn tail, follower truncation).
    Truncate { segment: SegmentId, size_bytes: u32 },
    /// Remove the segment (retention).
    Delete { segment: SegmentId },
    /// Store a small document for a broker (topic configs, checkpoints), replacing any old one.
    PutMeta { broker_id: u32, name: String, value: String },
    /// Remove a metadata document.
    DeleteMeta { broker_id: u32, name: String },
}

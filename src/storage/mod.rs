//! Where partition logs live between runs. [`LogStore`] is the one storage abstraction:
//! append bytes at the end of a segment, read a segment, list segments, truncate or delete
//! a segment, keep small metadata documents; every batch of [`StoreOp`]s handed to
//! [`LogStore::apply`] is one unit (one IndexedDB transaction in the browser), so a broker
//! collects the writes of one step and syncs them together.
//!
//! Keys are laid out per broker, so several brokers can share one workspace database.
//! Offsets and sizes are `u64`/`u32`, never `usize` (usize is 32-bit on wasm32).

pub mod memory;

#[cfg(target_arch = "wasm32")]
pub mod idb;

use crate::engine::cluster::messages::TopicName;
use crate::engine::record::MemoryRecords;
use serde::{Deserialize, Serialize};
use std::fmt;

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

/// A storage failure, with the backend's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreError {
    pub detail: String,
}

impl StoreError {
    pub fn new(detail: impl Into<String>) -> Self {
        StoreError { detail: detail.into() }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "storage error: {}", self.detail)
    }
}

impl std::error::Error for StoreError {}

/// A place to keep segments. Async because the browser's IndexedDB is; the in-memory
/// backend's futures are ready at once.
#[allow(async_fn_in_trait)]
pub trait LogStore {
    /// Applies the writes as one unit.
    async fn apply(&mut self, ops: &[StoreOp]) -> Result<(), StoreError>;
    /// Every segment a broker has, in key order (topic, partition, base offset).
    async fn list_segments(&self, broker_id: u32) -> Result<Vec<SegmentId>, StoreError>;
    /// Bytes `[from, to)` of a segment (`to` is clamped to its size).
    async fn read(&self, segment: &SegmentId, from: u32, to: u32) -> Result<Vec<u8>, StoreError>;
    /// Every metadata document of a broker, as (name, value), in name order.
    async fn list_meta(&self, broker_id: u32) -> Result<Vec<(String, String)>, StoreError>;
}

//! Where partition logs live between runs. [`LogStore`] is the one storage abstraction:
//! append bytes at the end of a segment, read a segment, list segments, truncate or delete
//! a segment, keep small metadata documents; every batch of [`StoreOp`]s (the engine's
//! type, [`crate::engine::store`]: the engine hands them out as outputs) handed to
//! [`LogStore::apply`] is one unit (one IndexedDB transaction in the browser), so a broker
//! collects the writes of one step and syncs them together.
//!
//! Keys are laid out per broker, so several brokers can share one workspace database.
//! Offsets and sizes are `u64`/`u32`, never `usize` (usize is 32-bit on wasm32).

pub mod memory;

#[cfg(target_arch = "wasm32")]
pub mod idb;

#[cfg(not(target_arch = "wasm32"))]
use crate::engine::store::SegmentId;
use crate::engine::store::StoreOp;
use serde::{Deserialize, Serialize};

/// Only for `src/web/worker.rs` (the single-broker worker, to be deleted with it): the
/// engine owns this type; everything else imports it from [`crate::engine::store`].
#[cfg(target_arch = "wasm32")]
pub use crate::engine::store::SegmentId;
use std::fmt;

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

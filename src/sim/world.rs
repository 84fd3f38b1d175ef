//! How a run makes its nodes: a [`World`] builds node `id` fresh at its start, or again
//! after a crash, recovering from what its store kept. The scenario's world builds
//! brokers, the controller and clients; tests use small worlds of their own.

use crate::engine::cluster::{Node, NodeId};
use crate::storage::memory::MemoryStore;

pub trait World {
    /// Node `id` at `now_ms`: fresh when `restart` is false, else recovered from `store`.
    fn build(&self, id: NodeId, store: &MemoryStore, now_ms: i64, restart: bool) -> Box<dyn Node>;
}

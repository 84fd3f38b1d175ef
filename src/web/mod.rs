//! The browser driver: the broker's web worker (which owns a [`crate::engine::broker::Broker`]
//! and persists its writes to IndexedDB), the messages between it and the page, and the
//! page-side client that numbers requests and routes replies.

pub mod client;
pub mod cluster_view;
pub mod protocol;
pub mod worker;

/// Where trunk puts the broker worker's loader (`data-bin="broker_worker"`).
pub const BROKER_WORKER_PATH: &str = "/broker_worker.js";

/// Wall-clock milliseconds for the page's single-broker slice. Only the drivers read a
/// clock; the engine is always handed the time.
pub fn wall_clock_ms() -> i64 {
    js_sys::Date::now() as i64
}

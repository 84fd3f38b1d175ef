//! The browser drivers. The single-broker page: the broker's web worker (which owns a
//! [`crate::engine::broker::Broker`] and persists to IndexedDB), its messages and the
//! page-side client. The cluster view: the lockstep driver on the main thread
//! (`cluster_driver`), one node worker per broker (`node_worker`, `node_protocol`), and
//! the view it draws from (`cluster_view`, `cluster_picture`).

pub mod client;
pub mod cluster_commands;
pub mod cluster_driver;
pub mod cluster_picture;
pub mod cluster_view;
pub mod group_picture;
pub mod node_protocol;
pub mod node_worker;
pub mod protocol;
pub mod serial;
pub mod worker;

/// Where trunk puts the broker worker's loader (`data-bin="broker_worker"`).
pub const BROKER_WORKER_PATH: &str = "/broker_worker.js";

/// Wall-clock milliseconds for the page's single-broker slice. Only the drivers read a
/// clock; the engine is always handed the time.
pub fn wall_clock_ms() -> i64 {
    js_sys::Date::now() as i64
}

//! Messages between the cluster driver (in the run worker) and a node worker: open the node's
//! store, run a lockstep window, say whether it leads a partition, draw its replicas,
//! read one replica's log for the log panel (segments, files, records), and close for
//! good when the run is started over.
//! Every request carries an id the reply echoes.

use crate::engine::replica::config::BrokerConfig;
use crate::engine::replica::view::ReplicaPicture;
use crate::sim::lockstep::NodeWindow;
use crate::sim::TraceEntry;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NodeRequest {
    /// Open IndexedDB workspace `workspace` and load what node `node_id` stored there;
    /// the node is broker `node_id` with `config` (the scenario's broker configs, which
    /// the run worker resolved: the worker needs nothing else of the scenario).
    Open {
        workspace: String,
        config: BrokerConfig,
        node_id: u32,
    },
    /// Run a window. Its writes go to IndexedDB behind the reply, in order, several
    /// windows to a transaction (a broker writes to the page cache too).
    Window {
        window: NodeWindow,
        want_picture: bool,
    },
    /// Answer once every write so far is committed (before the page kills the worker,
    /// so a crash loses nothing the simulation's store would keep).
    Flush,
    /// Whether the node leads this partition now.
    Leads {
        topic: String,
        partition: u32,
    },
    Picture,
    /// Read one of its replicas' logs for the log panel.
    Inspect {
        topic: String,
        partition: u32,
        ask: LogAsk,
    },
    /// The run is started over: drop the writes not yet made, let the transaction in
    /// flight end, close the database and answer `Closed`; the node writes nothing after.
    Close,
}

pub use crate::sim::picture::log_ask::{LogAnswer, LogAsk};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeInput {
    pub id: u64,
    pub request: NodeRequest,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NodeReply {
    Opened {
        segments_loaded: u32,
    },
    Ran {
        trace: Vec<TraceEntry>,
        picture: Option<Vec<ReplicaPicture>>,
        /// The worker's wasm memory after the window (bytes; it never shrinks), for the
        /// page's memory figures (`window.kafkaPlaygroundMemory()`).
        wasm_bytes: u64,
    },
    Leads(bool),
    Flushed,
    Picture(Vec<ReplicaPicture>),
    Inspected(LogAnswer),
    /// Storage failed or the request came before `Open`; the words say which.
    Failed {
        detail: String,
    },
    /// The node closed its store for good (the answer to `Close`).
    Closed,
}

/// The size of this thread's wasm memory in bytes (`WebAssembly.Memory.buffer.byteLength`):
/// a worker's or the page's; 0 if it cannot be read.
pub fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0, |b| b.byte_length() as u64)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeOutput {
    pub id: u64,
    pub node_id: u32,
    pub reply: NodeReply,
}

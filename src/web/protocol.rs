//! Messages between the page and a broker worker. Every request carries an id the reply
//! echoes; every reply carries the broker's fresh snapshot and the events since the last
//! reply, so the page's state is fed by what the engine did, never by polling.

use crate::engine::broker::api::{Request, Response};
use crate::engine::broker::snapshot::BrokerSnapshot;
use crate::engine::broker::BrokerEvent;
use serde::{Deserialize, Serialize};

/// Records per partition the snapshot carries (the counts stay exact).
pub const SNAPSHOT_RECORDS_PER_PARTITION: u32 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkerRequest {
    /// Open the workspace's database and recover this broker from it.
    Open { workspace: String, broker_id: u32, now_ms: i64 },
    /// A Kafka request to the broker.
    Broker { now_ms: i64, request: Request },
    /// Delete the whole workspace database and start empty.
    Reset { now_ms: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerInput {
    pub id: u64,
    pub request: WorkerRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkerReply {
    /// The broker is ready; `segments_loaded` counts what came back from IndexedDB.
    Opened {
        segments_loaded: u32,
    },
    Answered {
        response: Response,
    },
    /// Storage failed or the broker was not opened; the words say which.
    Failed {
        detail: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerOutput {
    pub id: u64,
    pub reply: WorkerReply,
    pub events: Vec<BrokerEvent>,
    pub snapshot: Option<BrokerSnapshot>,
}

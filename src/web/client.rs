//! The page's side of a broker worker: spawns it, numbers requests, and hands every
//! reply to one callback (the UI's reducer). Dropping the client terminates the worker.

use super::protocol::{WorkerInput, WorkerOutput, WorkerRequest};
use super::worker::BrokerWorker;
use gloo_worker::{Spawnable, WorkerBridge};
use std::cell::Cell;

pub struct BrokerClient {
    bridge: WorkerBridge<BrokerWorker>,
    next_id: Cell<u64>,
}

impl BrokerClient {
    /// Starts the worker at `path`; every reply goes to `on_reply`.
    pub fn spawn(path: &str, on_reply: impl Fn(WorkerOutput) + 'static) -> Self {
        let bridge = BrokerWorker::spawner().callback(on_reply).spawn(path);
        BrokerClient { bridge, next_id: Cell::new(1) }
    }

    /// Sends a request; returns its id.
    pub fn send(&self, request: WorkerRequest) -> u64 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        self.bridge.send(WorkerInput { id, request });
        id
    }
}

//! The driver's side of the broker workers: spawning one per broker and opening its store,
//! sending requests, and taking their replies (traces of a window, pictures, inspections,
//! the answers a leader crash waits for); once every worker has answered a window, it
//! runs here and the next turn starts.

use super::{wall_ms, ClusterDriver, Inner, Waiting, NODE_WORKER_LOADER};
use crate::engine::cluster::NodeId;
use crate::web::node_protocol::{wasm_memory_bytes, NodeInput, NodeOutput, NodeReply, NodeRequest};
use crate::web::node_worker::NodeWorker;
use gloo_worker::{Spawnable, WorkerBridge};

impl Inner {
    pub(super) fn send(&mut self, node: NodeId, request: NodeRequest) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        self.last_worker_traffic_ms = wall_ms();
        if let Some(w) = self.workers.get(&node) {
            w.send(NodeInput { id, request });
        }
        id
    }

    /// Starts broker `id`'s worker and opens its store.
    pub(super) fn spawn(&mut self, id: NodeId) {
        let bridge = self.standby.take().unwrap_or_else(|| self.new_worker());
        self.workers.insert(id, bridge);
        let request = NodeRequest::Open {
            workspace: self.workspace.clone(),
            config: self.broker_world.config.clone(),
            node_id: id,
        };
        self.send(id, request);
    }

    /// A node worker whose replies come to this driver; it loads at once and runs no
    /// broker until it is sent `Open`.
    pub(super) fn new_worker(&self) -> WorkerBridge<NodeWorker> {
        let (me, generation) = (self.me.clone(), self.retire.generation);
        NodeWorker::spawner()
            .callback(move |out: NodeOutput| {
                if let Some(inner) = me.upgrade() {
                    inner.borrow_mut().on_worker_output(generation, out);
                }
            })
            .spawn_with_loader(NODE_WORKER_LOADER)
    }

    pub(super) fn on_reply(&mut self, out: NodeOutput) {
        let node = out.node_id;
        self.last_worker_traffic_ms = wall_ms();
        match out.reply {
            NodeReply::Inspected(answer) => self.answer_inspection(out.id, answer),
            NodeReply::Failed { detail } => self.fail(format!("broker {node}: {detail}")),
            NodeReply::Picture(p) => {
                self.picture.replicas.insert(node, p);
                self.schedule_view();
            }
            NodeReply::Opened { .. } => {
                if let Waiting::Open(left) = &mut self.waiting {
                    left.remove(&node);
                    if left.is_empty() {
                        self.waiting = Waiting::Nothing;
                        self.turn();
                    }
                }
            }
            NodeReply::Ran { trace, picture, wasm_bytes } => {
                self.worker_wasm_bytes.insert(node, wasm_bytes);
                self.sim.install_trace(node, trace);
                if let Some(p) = picture {
                    self.picture.replicas.insert(node, p);
                    self.picture_at.insert(node, wall_ms());
                }
                self.answered(node);
            }
            NodeReply::Flushed => self.answered(node),
            NodeReply::Closed => {}
            NodeReply::Leads(leads) => {
                if let Waiting::Leader { left, leaders } = &mut self.waiting {
                    left.remove(&node);
                    if leads {
                        leaders.insert(node);
                    }
                    if left.is_empty() {
                        let leader = leaders.first().copied();
                        self.waiting = Waiting::Nothing;
                        self.sim.resolve_leader_crash(leader);
                        self.turn();
                    }
                }
            }
        }
    }

    /// A worker answered its window (or flushed before its crash): once all have, the
    /// window runs here and the next turn starts.
    pub(super) fn answered(&mut self, node: NodeId) {
        let (Waiting::Window { left, .. } | Waiting::Flush { left, .. }) = &mut self.waiting else { return };
        left.remove(&node);
        if !left.is_empty() {
            return;
        }
        if let Waiting::Window { plan, .. } | Waiting::Flush { plan, .. } =
            std::mem::replace(&mut self.waiting, Waiting::Nothing)
        {
            self.finish(&plan);
        }
        self.turn();
    }
}

impl ClusterDriver {
    /// The wasm memory of the run worker (`run`) and of each broker's worker as it last
    /// said (`workers`, by node id), in bytes, as JSON: with the page's own (`main`), what
    /// `window.kafkaPlaygroundMemory()` gives the memory benchmark. A crashed broker's figure is its last worker's.
    pub fn memory_json(&self) -> String {
        let i = self.inner.borrow();
        let workers: serde_json::Map<String, serde_json::Value> =
            i.worker_wasm_bytes.iter().map(|(id, bytes)| (id.to_string(), (*bytes).into())).collect();
        serde_json::json!({ "run": wasm_memory_bytes(), "workers": workers }).to_string()
    }
}

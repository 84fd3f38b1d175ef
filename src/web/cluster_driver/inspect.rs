//! The log panel's questions to a broker's worker (segments, a segment's files, a read)
//! and their answers, matched by request id. A question to a broker that is not running,
//! or whose worker ends (a crash) before it answers, is answered with a refusal, so the
//! panel never waits forever and the map of open questions stays bounded.

use super::{ClusterDriver, Inner};
use crate::engine::cluster::NodeId;
use crate::web::node_protocol::{LogAnswer, LogAsk, NodeRequest};
use yew::Callback;

/// Open questions at most; older ones are answered with a refusal.
const MAX_OPEN_INSPECTIONS: usize = 16;

impl ClusterDriver {
    /// Asks broker `broker` about its replica of `topic`-`partition`; `on_answer` gets
    /// the answer (or why there is none).
    pub fn inspect(
        &self,
        broker: NodeId,
        topic: String,
        partition: u32,
        ask: LogAsk,
        on_answer: Callback<LogAnswer>,
    ) {
        let mut i = self.inner.borrow_mut();
        if !i.workers.contains_key(&broker) {
            drop(i);
            on_answer.emit(LogAnswer::Refused(format!("broker {broker} is not running")));
            return;
        }
        if i.inspections.len() >= MAX_OPEN_INSPECTIONS {
            if let Some((_, (_, oldest))) = i.inspections.pop_first() {
                oldest.emit(LogAnswer::Refused("a newer question replaced this one".into()));
            }
        }
        let id = i.send(broker, NodeRequest::Inspect { topic, partition, ask });
        i.inspections.insert(id, (broker, on_answer));
    }
}

impl Inner {
    pub(super) fn answer_inspection(&mut self, id: u64, answer: LogAnswer) {
        if let Some((_, on_answer)) = self.inspections.remove(&id) {
            on_answer.emit(answer);
        }
    }

    /// Broker `node`'s worker ended: its open questions get a refusal.
    pub(super) fn drop_inspections(&mut self, node: NodeId) {
        let gone: Vec<u64> =
            self.inspections.iter().filter(|(_, (b, _))| *b == node).map(|(id, _)| *id).collect();
        for id in gone {
            if let Some((_, on_answer)) = self.inspections.remove(&id) {
                on_answer.emit(LogAnswer::Refused(format!("broker {node} crashed before it answered")));
            }
        }
    }
}

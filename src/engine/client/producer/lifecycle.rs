//! A producer's settings changed from the page. Java fixes a `KafkaProducer`'s configs
//! when it is built, so a change is what a learner's notebook does: `producer.close()`,
//! then `Producer({...})` again. `close()` (Java's `KafkaProducer.close` →
//! `Sender.initiateClose`) flushes, so every queued batch is sent at once, lingering or
//! not (`RecordAccumulator.beginFlush`), and waits until each send is acknowledged or
//! failed; the new producer, under the same client id, starts with nothing of the old
//! one's memory (metadata, sticky partitions, librdkafka topic partitioners) but the
//! record numbering of `{i}` and the counts the page shows. Sends asked for while the old
//! producer closes wait for the new one, as the notebook's next cell waits for `close()`.
//! A transactional producer's `close()` aborts its ongoing transaction and waits for the
//! abort (`Sender.run`'s shutdown loop).
//! Invariant: no batch is ever sent with settings other than those it was built with.
//! The settings are kept in the client's store ([`CONFIG_META`]), so a restarted or
//! reloaded client keeps them.

use super::{ProducerConfig, ProducerNode};
use crate::engine::cluster::command::Command;
use crate::engine::cluster::{ClusterEvent, Output};
use crate::engine::store::StoreOp;
use std::collections::BTreeMap;

/// The client store's entry that holds settings changed after the scenario's.
pub const CONFIG_META: &str = "producer.config";

/// Produce commands one closing producer holds for its successor at most.
pub const MAX_HELD_COMMANDS: usize = 64;

impl ProducerNode {
    /// `{"restart_with": {"configs": {name: value}}}`: these settings over the current
    /// ones, checked as `KafkaProducer`'s constructor checks them.
    pub(super) fn restart_with(&mut self, configs: &BTreeMap<String, String>) {
        let config =
            match self.next_config().with_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Ok(c) => c,
                Err(e) => {
                    self.refuse(format!("restart_with refused: {}", e.message));
                    return;
                }
            };
        if let Ok(value) = serde_json::to_string(&config) {
            let op = StoreOp::PutMeta { broker_id: self.client_id, name: CONFIG_META.into(), value };
            self.outputs.push_back(Output::Persist(op));
        }
        self.rebuild_with = Some(config);
        self.accumulator.flushing = true;
    }

    /// A produce command that waits for the producer that replaces this one (bounded).
    pub(super) fn hold(&mut self, command: Command) {
        if self.held.len() >= MAX_HELD_COMMANDS {
            self.refuse(format!(
                "produce refused: the producer is closing and already holds {MAX_HELD_COMMANDS} sends for the next one"
            ));
        } else {
            self.held.push(command);
        }
    }

    /// Once the closing producer's sends are all done, the new one takes its place and
    /// runs the sends that waited for it.
    pub(super) fn maybe_rebuild(&mut self) {
        let done = self.counts.in_flight == 0 && self.in_flight.is_empty() && self.waiting.is_empty();
        // A transactional producer's close aborts its ongoing transaction first.
        if !done || self.abort_ongoing_transaction_on_close() {
            return;
        }
        let Some(config) = self.rebuild_with.take() else { return };
        let mut fresh = ProducerNode::new(self.client_id, config, self.seed);
        fresh.now_ms = self.now_ms;
        // Late answers to the old producer's requests find no request of the new one.
        fresh.next_correlation_id = self.next_correlation_id;
        fresh.next_record_index = self.next_record_index;
        fresh.counts = self.counts;
        fresh.acknowledged = std::mem::take(&mut self.acknowledged);
        fresh.acknowledged_forgotten = self.acknowledged_forgotten;
        fresh.outputs = std::mem::take(&mut self.outputs);
        fresh.sender_timer_at_ms = self.sender_timer_at_ms;
        // Java keeps the compression estimates per JVM, and the process goes on.
        fresh.accumulator.estimator = std::mem::take(&mut self.accumulator.estimator);
        let held = std::mem::take(&mut self.held);
        *self = fresh;
        let configs = self.config.page_settings();
        self.event(ClusterEvent::ProducerRebuilt { client_id: self.client_id, configs });
        for command in held {
            self.handle_command(command);
        }
    }
}

/// The settings a restarted client process starts with: those kept in its store by an
/// earlier `restart_with`, else the scenario's.
pub fn stored_config(meta: &[(String, String)]) -> Option<ProducerConfig> {
    meta.iter().find(|(name, _)| name == CONFIG_META).and_then(|(_, v)| serde_json::from_str(v).ok())
}

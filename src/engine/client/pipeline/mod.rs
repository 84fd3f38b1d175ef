//! A consume-transform-produce process ([`PipelineNode`]), after Kafka's
//! `examples/.../ExactlyOnceMessageProcessor` and the Java docs of
//! `KafkaProducer.sendOffsetsToTransaction`: one process with a `read_committed` consumer
//! (`enable.auto.commit=false`) of the input topic and a transactional producer of the
//! output topic. Its application loop ([`app`]):
//!
//! ```text
//! producer.initTransactions();             // fences an earlier self, aborts its transaction
//! consumer.subscribe(input);
//! while (running) {
//!     records = consumer.poll();
//!     producer.beginTransaction();
//!     for (record : records) producer.send(output, record.key(), record.value() + "-ok");
//!     producer.sendOffsetsToTransaction(positions, consumer.groupMetadata());
//!     producer.commitTransaction();
//!   catch (ProducerFencedException …) → stop          // FATAL_ERROR
//!   catch (KafkaException) → abortTransaction(); seek to consumer.committed()
//! }
//! ```
//!
//! The two clients share the node (one process, one host): the producer numbers its
//! requests from [`PRODUCER_CORRELATION_BASE`], so an answer goes to the client that asked
//! (by its kind, and by correlation id for Metadata and FindCoordinator, which both ask),
//! and the `RequestTimeout` timers are kept apart the same way. A crash loses both; the
//! restarted process calls `initTransactions` again and resumes from the group's committed
//! offsets. Invariant: the consumer polls again only after the transaction holding the
//! previous poll's records and offsets has committed or aborted.

mod app;

pub use app::AppState;

use crate::engine::client::consumer::{ConsumerConfig, ConsumerNode, Subscription};
use crate::engine::client::producer::{ProducerConfig, ProducerNode};
use crate::engine::cluster::{Input, Message, Node, NodeId, NodeView, Output, TimerKey, TimerKind};
use std::collections::VecDeque;

/// The first correlation id of a pipeline's producer (its consumer counts from 1).
pub const PRODUCER_CORRELATION_BASE: u64 = 1 << 40;

/// What a pipeline reads, and where it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineTopics {
    pub input: String,
    pub output: String,
}

pub struct PipelineNode {
    id: NodeId,
    topics: PipelineTopics,
    consumer: ConsumerNode,
    producer: ProducerNode,
    outputs: VecDeque<Output>,
    app: app::App,
}

/// A pipeline's state: its topics, its application's state, and its consumer's and its
/// producer's (the producer's written from the node, see [`crate::engine::cluster::state`]).
pub struct PipelineState<'a>(&'a PipelineNode);

impl PipelineState<'_> {
    /// Every part but the producer's.
    fn small(&self) -> serde_json::Map<String, serde_json::Value> {
        let p = self.0;
        crate::engine::cluster::state::object(serde_json::json!({
            "client_id": p.id,
            "type": "pipeline",
            "input": p.topics.input,
            "output": p.topics.output,
            "application": p.app.json(),
            "consumer": p.consumer.state_json(),
        }))
    }

    /// [`serde::Serialize`]'s text through serde_json's pretty printer, written by hand.
    pub fn write_pretty(
        &self,
        out: &mut crate::engine::cluster::pretty::PrettyOut<'_>,
    ) -> std::io::Result<()> {
        let producer = self.0.producer.state();
        crate::engine::cluster::state::write_with_entry(out, &self.small(), "producer", |out| {
            producer.write_pretty(out)
        })
    }
}

impl serde::Serialize for PipelineState<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let producer = self.0.producer.state();
        crate::engine::cluster::state::WithEntry { small: self.small(), key: "producer", large: producer }
            .serialize(s)
    }
}

/// Which of the two clients an input is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Consumer,
    Producer,
    Both,
}

fn part_for_correlation(correlation_id: u64) -> Part {
    if correlation_id >= PRODUCER_CORRELATION_BASE {
        Part::Producer
    } else {
        Part::Consumer
    }
}

/// The client that asked for `message` (an answer) or that must hear of it.
fn part_for_message(message: &Message) -> Part {
    match message {
        Message::ProduceResponse { .. }
        | Message::InitProducerIdResponse { .. }
        | Message::AddPartitionsToTxnResponse { .. }
        | Message::AddOffsetsToTxnResponse { .. }
        | Message::TxnOffsetCommitResponse { .. }
        | Message::EndTxnResponse { .. } => Part::Producer,
        Message::MetadataResponse { correlation_id, .. }
        | Message::FindCoordinatorResponse { correlation_id, .. } => part_for_correlation(*correlation_id),
        Message::ConnectionClosed => Part::Both,
        _ => Part::Consumer,
    }
}

impl PipelineNode {
    /// The process `id` with its consumer's and producer's configs (the consumer's
    /// `enable.auto.commit` is off and its isolation `read_committed`: the caller's
    /// configs say so, see `crate::sim::scenario`).
    pub fn new(
        id: NodeId,
        topics: PipelineTopics,
        consumer: ConsumerConfig,
        producer: ProducerConfig,
        seed: u64,
    ) -> Self {
        let mut consumer = ConsumerNode::new(id, consumer, Subscription::Topics(vec![topics.input.clone()]));
        consumer.set_txn_app();
        let producer = ProducerNode::new(id, producer, seed).with_correlation_base(PRODUCER_CORRELATION_BASE);
        PipelineNode { id, topics, consumer, producer, outputs: VecDeque::new(), app: app::App::default() }
    }

    pub fn consumer(&self) -> &ConsumerNode {
        &self.consumer
    }

    pub fn producer(&self) -> &ProducerNode {
        &self.producer
    }

    pub fn topics(&self) -> &PipelineTopics {
        &self.topics
    }

    /// Where the application's loop is.
    pub fn app_state(&self) -> &AppState {
        &self.app.state
    }

    /// Transactions this process committed and aborted.
    pub fn transactions(&self) -> (u64, u64) {
        self.app.counts()
    }

    fn hand(&mut self, part: Part, now_ms: i64, input: Input) {
        match part {
            Part::Consumer => self.consumer.handle(now_ms, input),
            Part::Producer => self.producer.handle(now_ms, input),
            Part::Both => {
                self.consumer.handle(now_ms, input.clone());
                self.producer.handle(now_ms, input);
            }
        }
    }
}

impl Node for PipelineNode {
    fn node_id(&self) -> NodeId {
        self.id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        match input {
            Input::Deliver(envelope) => {
                let part = part_for_message(&envelope.message);
                self.hand(part, now_ms, Input::Deliver(envelope));
            }
            Input::Timer(key) => {
                let part = match key {
                    TimerKey { kind: TimerKind::Sender, .. } => Part::Producer,
                    TimerKey { kind: TimerKind::RequestTimeout, instance } => part_for_correlation(instance),
                    _ => Part::Consumer,
                };
                self.hand(part, now_ms, Input::Timer(key));
            }
            Input::Command(command) => self.command(now_ms, command),
        }
        self.settle(now_ms);
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        crate::engine::cluster::NodeState::Pipeline(PipelineState(self))
    }

    fn view(&self) -> NodeView<'_> {
        NodeView::Pipeline(self)
    }
}

#[cfg(test)]
mod tests;

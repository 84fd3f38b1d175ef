//! The cluster's moving parts as sans-IO state machines ([`Node`]): brokers, the KRaft
//! controller and clients. A node is handed inputs with the time (`handle`) and hands
//! back outputs (`poll_output`): messages to send, timers to arm, bytes to persist, events
//! for the picture. Drivers (the simulation natively, the page's router in the browser)
//! decide when and whether messages arrive; nodes never read a clock or draw randomness
//! of their own (a node that needs randomness is given a seed).

pub mod api_name;
pub mod command;
pub mod config_parts;
pub mod events;
pub mod group_parts;
pub mod log_parts;
pub mod messages;
pub mod metadata;
pub mod pretty;
pub mod state;
pub mod topic_name;
pub mod txn_parts;

use crate::engine::store::StoreOp;
pub use command::Command;
pub use events::ClusterEvent;
pub use messages::Message;
use serde::{Deserialize, Serialize};
pub use state::NodeState;

/// A node on the network. Conventions: brokers 1..=n, the controller 3000, clients from
/// 10000 (see [`CONTROLLER_ID`], [`FIRST_CLIENT_ID`]).
pub type NodeId = u32;

/// The KRaft controller's node id (`node.id` of the controller quorum's only voter).
pub const CONTROLLER_ID: NodeId = 3000;
/// Clients (producers, consumers) get ids from here.
pub const FIRST_CLIENT_ID: NodeId = 10_000;

/// A message in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: NodeId,
    pub to: NodeId,
    pub message: Message,
}

/// A timer a node asked for; it comes back as [`Input::Timer`] with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerKey {
    /// What the timer is for.
    #[serde(deserialize_with = "timer_kind_named")]
    pub kind: TimerKind,
    /// Which instance (e.g. a partition index or a request id); 0 if only one.
    pub instance: u64,
}

impl TimerKey {
    /// The only timer of its kind on its node (`instance` 0).
    pub const fn single(kind: TimerKind) -> Self {
        TimerKey { kind, instance: 0 }
    }
}

/// A timer kind by its name; a number (how journals written before the kinds had names
/// showed them) is refused with the reason: the number alone does not say which kind.
fn timer_kind_named<'de, D: serde::Deserializer<'de>>(d: D) -> Result<TimerKind, D::Error> {
    use serde::de::Error;
    if !d.is_human_readable() {
        return TimerKind::deserialize(d);
    }
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => Err(D::Error::custom(format!(
            "timer kind {n}: a journal written when timer kinds were numbers cannot be read; run the scenario again"
        ))),
        other => TimerKind::deserialize(other).map_err(D::Error::custom),
    }
}

/// What a timer is for, by name (the journal shows the name). Each node kind uses its
/// own kinds and refuses the others. Within one node the kinds keep the order of the
/// numbers they once were (timers due at the same time are ordered by key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TimerKind {
    /// Broker: the next heartbeat to the controller (`broker.heartbeat.interval.ms`).
    Heartbeat,
    /// Broker: the fetcher toward leader `instance` (next fetch or backoff).
    Fetcher,
    /// Broker: the ISR shrink check (`replica.lag.time.max.ms` / 2).
    IsrExpiration,
    /// Broker: an acks=all produce's `timeout.ms` (`instance` = its id).
    DelayedProduce,
    /// Broker: a fetch's `max.wait.ms` (`instance` = its id).
    DelayedFetch,
    /// Broker: the group coordinator's next deadline.
    GroupCoordinator,
    /// Broker: the log retention pass (`log.retention.check.interval.ms`).
    LogRetention,
    /// Broker: the log cleaner's next pass.
    LogCleaner,
    /// Broker: a DeleteRecords' `timeout_ms` (`instance` = its id).
    DelayedDeleteRecords,
    /// Controller: broker `instance`'s session (`broker.session.timeout.ms`).
    BrokerSession,
    /// Producer: the sender's next deadline (linger, retry backoff, delivery timeout).
    Sender,
    /// Consumer: the next deadline of the poll loop.
    Tick,
    /// Producer and consumer: `request.timeout.ms` of one request (`instance` = its
    /// correlation id).
    RequestTimeout,
    /// Broker: the transaction coordinator's next deadline.
    TxnCoordinator,
}

/// What a node is handed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// A message arrived.
    Deliver(Envelope),
    /// A timer the node armed is due.
    Timer(TimerKey),
    /// Something a user or a scenario asks of this node (produce N records, …); a
    /// command the node cannot carry out is answered with an event, never a panic.
    Command(#[serde(with = "command_text")] Command),
}

/// A command is JSON in the journal, and JSON text in binary encodings (the workers'
/// bincode): one shape everywhere, and the start signal's `true` or settings need a
/// self-describing format.
mod command_text {
    use super::Command;
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(c: &Command, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            c.serialize(s)
        } else {
            let text = serde_json::to_string(c).map_err(serde::ser::Error::custom)?;
            s.serialize_str(&text)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Command, D::Error> {
        if d.is_human_readable() {
            Command::deserialize(d)
        } else {
            let text = String::deserialize(d)?;
            Command::from_json(&text).map_err(D::Error::custom)
        }
    }
}

/// What a node hands back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output {
    Send(Envelope),
    /// Arm (or re-arm) a timer at absolute virtual time `at_ms`; the latest wins.
    SetTimer {
        key: TimerKey,
        at_ms: i64,
    },
    CancelTimer {
        key: TimerKey,
    },
    Persist(StoreOp),
    Event(ClusterEvent),
}

/// A sans-IO state machine: one input in, then drain `poll_output` until `None`.
pub trait Node {
    fn node_id(&self) -> NodeId;
    fn handle(&mut self, now_ms: i64, input: Input);
    /// [`Node::handle`] for a driver that keeps the input afterwards (the simulation's
    /// journal). The same outcome; a node that can read its input in place overrides it
    /// to spare copying the record bytes.
    fn handle_ref(&mut self, now_ms: i64, input: &Input) {
        self.handle(now_ms, input.clone());
    }
    fn poll_output(&mut self) -> Option<Output>;
    /// A stable JSON picture of the node's state, for the final-state report, replay
    /// comparison and the page: a `Serialize` that the report writes straight to its
    /// output (a broker's lists every record it holds), see [`NodeState`].
    fn state(&self) -> NodeState<'_>;
    /// [`Node::state`] as a tree: the same JSON, for readers that compare or look into it.
    fn state_json(&self) -> serde_json::Value {
        self.state().into_value()
    }
    /// The concrete node, for readers that need more than [`Node::state_json`]: the
    /// invariant checkers (a broker's replicas, a producer's acknowledgements), the
    /// page's picture and forms (the controller's own CreateTopics checks), crashing the
    /// leader of a partition. A closed enum of the engine's node kinds instead of an
    /// `Any` downcast: the kinds are known here, so a reader matches on them and no
    /// `as_any` is kept. Nodes outside the engine (test doubles) are [`NodeView::Other`].
    fn view(&self) -> NodeView<'_> {
        NodeView::Other
    }
}

/// A node seen as its concrete kind (see [`Node::view`]).
#[derive(Clone, Copy)]
pub enum NodeView<'a> {
    Broker(&'a crate::engine::replica::BrokerNode),
    Controller(&'a crate::engine::controller::ControllerNode),
    Producer(&'a crate::engine::client::producer::ProducerNode),
    Consumer(&'a crate::engine::client::consumer::ConsumerNode),
    /// A consume-transform-produce process: its producer and consumer are seen as
    /// [`NodeView::producer`] and [`NodeView::consumer`].
    Pipeline(&'a crate::engine::client::pipeline::PipelineNode),
    /// A node of a kind the engine does not define.
    Other,
}

impl<'a> NodeView<'a> {
    pub fn broker(self) -> Option<&'a crate::engine::replica::BrokerNode> {
        match self {
            NodeView::Broker(b) => Some(b),
            _ => None,
        }
    }
    pub fn controller(self) -> Option<&'a crate::engine::controller::ControllerNode> {
        match self {
            NodeView::Controller(c) => Some(c),
            _ => None,
        }
    }
    pub fn producer(self) -> Option<&'a crate::engine::client::producer::ProducerNode> {
        match self {
            NodeView::Producer(p) => Some(p),
            NodeView::Pipeline(p) => Some(p.producer()),
            _ => None,
        }
    }
    pub fn consumer(self) -> Option<&'a crate::engine::client::consumer::ConsumerNode> {
        match self {
            NodeView::Consumer(c) => Some(c),
            NodeView::Pipeline(p) => Some(p.consumer()),
            _ => None,
        }
    }
}

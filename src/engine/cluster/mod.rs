//! The cluster's moving parts as sans-IO state machines ([`Node`]): brokers, the KRaft
//! controller and clients. A node is handed inputs with the time (`handle`) and hands
//! back outputs (`poll_output`): messages to send, timers to arm, bytes to persist, events
//! for the picture. Drivers (the simulation natively, the page's router in the browser)
//! decide when and whether messages arrive; nodes never read a clock or draw randomness
//! of their own (a node that needs randomness is given a seed).

pub mod events;
pub mod messages;
pub mod metadata;
pub mod topic_name;

use crate::engine::store::StoreOp;
pub use events::ClusterEvent;
pub use messages::Message;
use serde::{Deserialize, Serialize};

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
    /// What the timer is for, in the node's own numbering (e.g. 0 = heartbeat).
    pub kind: u32,
    /// Which instance (e.g. a partition index or a request id); 0 if only one.
    pub instance: u64,
}

/// What a node is handed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// A message arrived.
    Deliver(Envelope),
    /// A timer the node armed is due.
    Timer(TimerKey),
    /// Something a user or a scenario asks of this node (produce N records, …), as JSON
    /// the node understands; unknown commands are answered with an event, never a panic.
    Command(#[serde(with = "command_text")] serde_json::Value),
}

/// A command is JSON in the journal, and JSON text in binary encodings (the workers'
/// bincode), which cannot carry a self-describing value.
mod command_text {
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            v.serialize(s)
        } else {
            s.serialize_str(&v.to_string())
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        if d.is_human_readable() {
            Value::deserialize(d)
        } else {
            let text = String::deserialize(d)?;
            serde_json::from_str(&text).map_err(D::Error::custom)
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
    /// comparison and the page.
    fn state_json(&self) -> serde_json::Value;
    /// The concrete node, for invariant checkers that read a broker's replicas directly.
    fn as_any(&self) -> &dyn std::any::Any;
}

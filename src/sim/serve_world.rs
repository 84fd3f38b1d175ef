//! The world of `kafka-playground serve`: the scenario's cluster (controller, brokers)
//! plus one node per real TCP connection. A connection's node is a mailbox: the wire
//! layer puts its decoded requests on the simulated wire from the connection's node id
//! ([`Sim::deliver_external`], journaled where the broker receives them, like any
//! message), and whatever the cluster sends back to that id lands in the shared
//! [`Outbox`], which the server drains and encodes. Nothing here reads a clock: the
//! server decides the virtual time of each arrival (the wall clock, at 1×), so the
//! journal of deliveries rebuilds a session with [`super::replay`] and this world.

use super::cluster_world::ClusterWorld;
use super::driver::{Action, Pending, Sim};
use super::network::{LinkConfig, Network};
use super::scenario::{Scenario, ScenarioError};
use super::world::World;
use crate::engine::cluster::{Envelope, Input, Node, NodeId, Output, CONTROLLER_ID};
use crate::storage::memory::MemoryStore;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Node ids of connections start here (above the scenario clients' 10 000…).
pub const FIRST_CONNECTION_ID: NodeId = 1_000_000;

/// Messages the cluster sent to connections, in delivery order.
pub type Outbox = Rc<RefCell<VecDeque<Envelope>>>;

/// A real client's connection as the cluster sees it: it only receives.
struct ConnectionNode {
    id: NodeId,
    outbox: Outbox,
}

impl Node for ConnectionNode {
    fn node_id(&self) -> NodeId {
        self.id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.handle_ref(now_ms, &input);
    }

    fn handle_ref(&mut self, _now_ms: i64, input: &Input) {
        if let Input::Deliver(env) = input {
            if env.to == self.id {
                self.outbox.borrow_mut().push_back(env.clone());
            }
        }
    }

    fn poll_output(&mut self) -> Option<Output> {
        None
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        crate::engine::cluster::NodeState::Tree(serde_json::json!({ "connection": self.id }))
    }
}

pub struct ServeWorld {
    cluster: ClusterWorld,
    outbox: Outbox,
}

impl World for ServeWorld {
    fn build(&self, id: NodeId, store: &MemoryStore, now_ms: i64, restart: bool) -> Box<dyn Node> {
        if id >= FIRST_CONNECTION_ID {
            return Box::new(ConnectionNode { id, outbox: self.outbox.clone() });
        }
        self.cluster.build(id, store, now_ms, restart)
    }
}

/// The world a `serve` journal replays with (connections' answers go nowhere).
pub fn serve_world(s: &Scenario, seed: u64, outbox: Outbox) -> Result<ServeWorld, ScenarioError> {
    Ok(ServeWorld { cluster: ClusterWorld::new(s, seed)?, outbox })
}

/// A running cluster of the scenario's brokers and controller, on a network without
/// latency of its own (the real network is the clients' TCP), started at virtual 0 ms.
pub fn build_serve_sim(s: &Scenario, seed: u64, outbox: Outbox) -> Result<Sim, ScenarioError> {
    let world = serve_world(s, seed, outbox)?;
    let network = Network::new(LinkConfig { latency_ms: 0, jitter_ms: 0, loss: 0.0 });
    let mut sim = Sim::new(seed, network, Box::new(world), serde_json::Value::Null);
    sim.set_scenario(s);
    sim.schedule(0, Action::Start(CONTROLLER_ID));
    for id in 1..=s.cluster.brokers {
        sim.schedule(0, Action::Start(id));
    }
    Ok(sim)
}

impl Sim {
    /// A message from outside the simulation (a real client's request) arriving now:
    /// queued behind everything already due now, delivered (and journaled) in order.
    pub fn deliver_external(&mut self, env: Envelope) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.insert((self.now_ms, seq), Pending::Deliver(env));
    }
}

//! One remote node's side of the lockstep: [`NodeRunner`] holds the node, its armed
//! timers and its store, runs a [`NodeWindow`] exactly as the driver would have (its
//! items in order, plus the timers it arms and that fall due inside the window), and
//! returns the trace of outputs and the writes to make durable. The page's broker
//! workers run one each; natively, tests run them in-thread to prove the lockstep equal
//! to the plain simulation.
//!
//! The store is what the node persisted, and a node restarted in the runner recovers
//! from it. A worker's runner keeps segment lengths only once the node is built
//! ([`NodeRunner::lengths_only_once_built`]: the engine holds the log, IndexedDB the
//! durable copy, and a crash ends the worker, so its store is never read again); the
//! writes it accepts and refuses stay exactly those of a full store. Such a runner never
//! recovers a node from lengths: a restart in it is refused with an event, so the caller
//! must give it a store with bytes first (the worker reloads IndexedDB).
//!
//! A broker worker builds its broker with a [`BrokerWorld`]: the broker's config and
//! nothing of the scenario, so the worker's wasm carries neither the scenario parser nor
//! the controller and clients it never runs. [`build_broker`] is the one way a broker is
//! built or recovered, shared with the scenario's world, so both build the same broker
//! (Kafka's `BrokerServer` startup: a fresh log, or `LogManager.loadLogs` after a crash).

use super::driver::TraceEntry;
use super::lockstep::{ItemKind, NodeWindow};
use super::world::World;
use crate::engine::cluster::{ClusterEvent, Command, Input, Node, NodeId, Output, TimerKey};
use crate::engine::replica::config::BrokerConfig;
use crate::engine::replica::BrokerNode;
use crate::engine::store::StoreOp;
use crate::storage::memory::MemoryStore;
use std::collections::BTreeMap;

pub struct NodeRunner {
    pub id: NodeId,
    node: Option<Box<dyn Node>>,
    timers: BTreeMap<TimerKey, i64>,
    pub store: MemoryStore,
    /// Drop the store's segment bytes once the node is built (a worker's runner).
    lengths_only_once_built: bool,
}

/// What a window produced.
#[derive(Debug, Default)]
pub struct WindowRun {
    pub trace: Vec<TraceEntry>,
    /// Writes applied to the store, in order, for a durable copy (IndexedDB).
    pub persisted: Vec<StoreOp>,
}

enum Local {
    Given(ItemKind),
    Timer { key: TimerKey, at_ms: i64 },
}

impl NodeRunner {
    /// A runner for node `id` with what its store already holds.
    pub fn new(id: NodeId, store: MemoryStore) -> Self {
        NodeRunner { id, node: None, timers: BTreeMap::new(), store, lengths_only_once_built: false }
    }

    /// This runner's store keeps segment lengths only once the node is built: the
    /// bytes are read at that build and never again (see the module's doc).
    pub fn lengths_only_once_built(mut self) -> Self {
        self.lengths_only_once_built = true;
        self
    }

    /// Whether running `window` would rebuild the node from its store's segment bytes,
    /// which this store no longer has: the caller must hand it a store with bytes first.
    pub fn needs_bytes_for(&self, window: &NodeWindow) -> bool {
        !self.store.keeps_bytes()
            && window.items.iter().any(|i| matches!(i.kind, ItemKind::Start { restart: true }))
    }

    pub fn node(&self) -> Option<&dyn Node> {
        self.node.as_deref()
    }

    /// The process dies: memory and timers go, the store stays.
    pub fn crash(&mut self) {
        self.node = None;
        self.timers.clear();
    }

    /// Runs the window's items and the node's own timers that sort before its end.
    pub fn run_window(&mut self, world: &dyn World, window: NodeWindow) -> WindowRun {
        let mut run = WindowRun::default();
        // Keyed by (time, sequence, position): held inputs share their resume's key.
        let mut queue: BTreeMap<(i64, u64, usize), Local> = window
            .items
            .into_iter()
            .enumerate()
            .map(|(n, i)| ((i.at_ms, i.seq, n), Local::Given(i.kind)))
            .collect();
        let mut next_seq = window.first_local_seq;
        while let Some(((at_ms, _, _), item)) = queue.pop_first() {
            let input = match item {
                Local::Given(ItemKind::Start { restart }) => {
                    self.timers.clear();
                    if restart && !self.store.keeps_bytes() {
                        // Recovering from lengths would give the node empty logs.
                        self.node = None;
                        let reason = "the node's store keeps segment lengths only: it cannot recover from it";
                        let refused = ClusterEvent::Refused { node_id: self.id, reason: reason.into() };
                        run.trace.push(TraceEntry { at_ms, outputs: vec![Output::Event(refused)] });
                        continue;
                    }
                    self.node = Some(world.build(self.id, &self.store, at_ms, restart));
                    if self.lengths_only_once_built {
                        self.store.forget_bytes();
                    }
                    Input::Command(Command::start())
                }
                Local::Given(ItemKind::Input(input)) => input,
                Local::Given(ItemKind::Held(input)) => {
                    if let Input::Timer(key) = &input {
                        self.timers.remove(key);
                    }
                    input
                }
                Local::Given(ItemKind::Timer { key, at_ms }) | Local::Timer { key, at_ms } => {
                    if self.timers.get(&key) != Some(&at_ms) {
                        continue;
                    }
                    self.timers.remove(&key);
                    Input::Timer(key)
                }
            };
            let Some(node) = self.node.as_mut() else { continue };
            node.handle(at_ms, input);
            let mut outputs = Vec::new();
            while let Some(out) = node.poll_output() {
                match out {
                    Output::SetTimer { key, at_ms: due } => {
                        let due = due.max(at_ms);
                        self.timers.insert(key, due);
                        if (due, next_seq) < window.end {
                            queue.insert((due, next_seq, 0), Local::Timer { key, at_ms: due });
                        }
                        next_seq += 1;
                        outputs.push(Output::SetTimer { key, at_ms: due });
                    }
                    Output::CancelTimer { key } => {
                        self.timers.remove(&key);
                        outputs.push(Output::CancelTimer { key });
                    }
                    Output::Persist(op) => match self.store.apply_now(std::slice::from_ref(&op)) {
                        Ok(()) => run.persisted.push(op),
                        Err(e) => outputs.push(Output::Event(ClusterEvent::Refused {
                            node_id: self.id,
                            reason: e.to_string(),
                        })),
                    },
                    other => outputs.push(other),
                }
            }
            run.trace.push(TraceEntry { at_ms, outputs });
        }
        run
    }
}

/// Broker `id` at `now_ms` with `config`: fresh when `restart` is false, else recovered
/// from the segments and meta `store` kept for it.
pub fn build_broker(
    id: NodeId,
    config: &BrokerConfig,
    store: &MemoryStore,
    now_ms: i64,
    restart: bool,
) -> BrokerNode {
    if !restart {
        return BrokerNode::new(id, config.clone(), now_ms);
    }
    let segments = store
        .segment_ids(id)
        .into_iter()
        .map(|seg| {
            let bytes = store.segment_bytes(&seg).unwrap_or_default().to_vec();
            (seg, bytes)
        })
        .collect();
    BrokerNode::recover(id, config.clone(), segments, store.meta_of(id), now_ms)
}

/// The world of a broker worker: every node it builds is a broker with this config (the
/// page sends it in `Open`, taken from the scenario's world on the main thread).
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerWorld {
    pub config: BrokerConfig,
}

impl World for BrokerWorld {
    fn build(&self, id: NodeId, store: &MemoryStore, now_ms: i64, restart: bool) -> Box<dyn Node> {
        Box::new(build_broker(id, &self.config, store, now_ms, restart))
    }
}

/// Which of `runners` leads `topic`-`partition` as its broker believes (the answer a
/// leader crash waits for, `Window::NeedLeader`).
pub fn leader_among(runners: &BTreeMap<NodeId, NodeRunner>, topic: &str, partition: u32) -> Option<NodeId> {
    runners.values().find_map(|r| {
        let broker = r.node()?.view().broker()?;
        broker.replica_state(topic, partition).filter(|v| v.is_leader).map(|_| r.id)
    })
}

/// Runs `sim` to `until_ms` (inclusive) in lockstep with in-thread runners for its
/// remote nodes: the page's protocol without the workers. Returns the events run.
pub fn run_lockstep_in_thread(
    sim: &mut super::Sim,
    world: &dyn World,
    runners: &mut BTreeMap<NodeId, NodeRunner>,
    until_ms: i64,
) -> u64 {
    use super::lockstep::Window;
    let mut steps = 0;
    loop {
        match sim.plan_window(until_ms.saturating_add(1)) {
            Window::Idle => break,
            Window::NeedLeader { topic, partition } => {
                sim.resolve_leader_crash(leader_among(runners, &topic, partition));
            }
            Window::Run(plan) => {
                for (id, window) in &plan.nodes {
                    let runner =
                        runners.entry(*id).or_insert_with(|| NodeRunner::new(*id, MemoryStore::default()));
                    let run = runner.run_window(world, window.clone());
                    sim.install_trace(*id, run.trace);
                }
                steps += sim.run_window(&plan);
                for id in &plan.crashes {
                    if let Some(r) = runners.get_mut(id) {
                        r.crash();
                    }
                }
            }
        }
    }
    sim.advance_to(until_ms);
    steps
}

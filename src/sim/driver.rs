//! The deterministic simulation driver: a virtual clock, one event queue ordered by
//! (time, sequence number), the seeded network, faults (crash, restart, pause, resume,
//! partition, heal) and the journal. Nothing here reads a clock or an unseeded RNG, and
//! every collection iterates in a fixed order, so (scenario, seed, commands) fix the run.
//! Invariant checkers run after every step.

use super::journal::{final_state, Journal, JournalEntry};
use super::network::{Fate, Network};
use super::world::World;
use crate::engine::cluster::{ClusterEvent, Envelope, Input, Node, NodeId, Output, TimerKey};
use crate::engine::rng::Rng;
use crate::storage::memory::MemoryStore;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// A node's process state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Up,
    /// Stopped (SIGSTOP): inputs wait until it resumes.
    Paused,
    Crashed,
}

/// Something the run does at a given time, besides delivering messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    Start(NodeId),
    Crash(NodeId),
    /// Crash whichever broker leads the partition at that moment (nothing if none does).
    CrashLeaderOf(String, u32),
    Restart(NodeId),
    /// Restart every crashed node.
    RestartCrashed,
    Pause(NodeId),
    Resume(NodeId),
    Partition(BTreeSet<NodeId>, BTreeSet<NodeId>),
    Heal,
    Command(NodeId, serde_json::Value),
}

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Deliver(Envelope),
    Timer { node: NodeId, key: TimerKey, at_ms: i64, incarnation: u64 },
    Act(Action),
}

/// A rule that must hold after every step; `Err` names what broke.
pub trait Invariant {
    fn name(&self) -> &'static str;
    fn check(&mut self, sim: &Sim) -> Result<(), String>;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub at_ms: i64,
    pub invariant: String,
    pub detail: String,
}

struct Slot {
    node: Option<Box<dyn Node>>,
    status: Status,
    incarnation: u64,
    timers: BTreeMap<TimerKey, i64>,
    held: Vec<Input>,
}

/// Counters of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    pub steps: u64,
    pub delivered: u64,
    pub lost: u64,
    pub cut: u64,
}

pub struct Sim {
    pub seed: u64,
    pub now_ms: i64,
    pub network: Network,
    pub stats: SimStats,
    rng: Rng,
    world: Box<dyn World>,
    slots: BTreeMap<NodeId, Slot>,
    stores: BTreeMap<NodeId, MemoryStore>,
    queue: BinaryHeap<Reverse<(i64, u64)>>,
    pending: BTreeMap<u64, Pending>,
    next_seq: u64,
    journal: Vec<JournalEntry>,
    timeline: Vec<(i64, NodeId, ClusterEvent)>,
    invariants: Vec<Box<dyn Invariant>>,
    violations: Vec<Violation>,
    scenario: serde_json::Value,
    /// The nodes whose state the current step changed (only they need checking).
    touched: Vec<NodeId>,
}

impl Sim {
    pub fn new(seed: u64, network: Network, world: Box<dyn World>, scenario: serde_json::Value) -> Self {
        Sim {
            seed,
            now_ms: 0,
            network,
            stats: SimStats::default(),
            rng: Rng::new(seed),
            world,
            slots: BTreeMap::new(),
            stores: BTreeMap::new(),
            queue: BinaryHeap::new(),
            pending: BTreeMap::new(),
            next_seq: 0,
            journal: Vec::new(),
            timeline: Vec::new(),
            invariants: Vec::new(),
            violations: Vec::new(),
            scenario,
            touched: Vec::new(),
        }
    }

    pub fn add_invariant(&mut self, invariant: Box<dyn Invariant>) {
        self.invariants.push(invariant);
    }

    /// Schedules an action at `at_ms` (never in the past).
    pub fn schedule(&mut self, at_ms: i64, action: Action) {
        self.push(at_ms.max(self.now_ms), Pending::Act(action));
    }

    fn push(&mut self, at_ms: i64, p: Pending) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.push(Reverse((at_ms, seq)));
        self.pending.insert(seq, p);
    }

    pub fn status(&self, node: NodeId) -> Option<Status> {
        self.slots.get(&node).map(|s| s.status)
    }

    pub fn node_ids(&self) -> Vec<NodeId> {
        self.slots.keys().copied().collect()
    }

    pub fn node(&self, id: NodeId) -> Option<&dyn Node> {
        self.slots.get(&id).and_then(|s| s.node.as_deref())
    }

    pub fn store(&self, id: NodeId) -> Option<&MemoryStore> {
        self.stores.get(&id)
    }

    pub fn timeline(&self) -> &[(i64, NodeId, ClusterEvent)] {
        &self.timeline
    }

    /// The nodes the last step handed an input to (state changes nowhere else).
    pub fn touched(&self) -> &[NodeId] {
        &self.touched
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn journal(&self) -> Journal {
        Journal { seed: self.seed, scenario: self.scenario.clone(), entries: self.journal.clone() }
    }

    /// Every node's state and store, as replay would rebuild it.
    pub fn final_state(&self) -> serde_json::Value {
        let states = self.slots.iter().map(|(id, s)| (*id, s.node.as_ref().map(|n| n.state_json())));
        final_state(states, &self.stores)
    }

    /// The time of the next queued event, if any.
    pub fn next_event_ms(&self) -> Option<i64> {
        self.queue.peek().map(|Reverse((at, _))| *at)
    }

    /// Runs events up to and including `until_ms`, at most `max_steps` of them; returns
    /// how many ran. The clock ends at `until_ms` unless the step budget ran out first.
    pub fn run_until(&mut self, until_ms: i64, max_steps: u64) -> u64 {
        let mut steps = 0;
        while steps < max_steps {
            match self.next_event_ms() {
                Some(at) if at <= until_ms => {
                    self.step();
                    steps += 1;
                }
                _ => {
                    self.now_ms = self.now_ms.max(until_ms);
                    break;
                }
            }
        }
        steps
    }

    /// Runs the earliest event. Returns false when nothing is queued.
    pub fn step(&mut self) -> bool {
        let Some(Reverse((at_ms, seq))) = self.queue.pop() else { return false };
        let Some(p) = self.pending.remove(&seq) else { return true };
        self.touched.clear();
        self.now_ms = self.now_ms.max(at_ms);
        self.stats.steps += 1;
        match p {
            Pending::Deliver(env) => {
                let to = env.to;
                self.deliver(to, Input::Deliver(env));
            }
            Pending::Timer { node, key, at_ms, incarnation } => {
                let due = self
                    .slots
                    .get(&node)
                    .is_some_and(|s| s.incarnation == incarnation && s.timers.get(&key) == Some(&at_ms));
                if due {
                    if let Some(s) = self.slots.get_mut(&node) {
                        s.timers.remove(&key);
                    }
                    self.deliver(node, Input::Timer(key));
                }
            }
            Pending::Act(action) => self.act(action),
        }
        self.check_invariants();
        true
    }

    fn check_invariants(&mut self) {
        let mut invariants = std::mem::take(&mut self.invariants);
        for inv in &mut invariants {
            if let Err(detail) = inv.check(self) {
                self.violations.push(Violation { at_ms: self.now_ms, invariant: inv.name().to_string(), detail });
            }
        }
        self.invariants = invariants;
    }

    fn act(&mut self, action: Action) {
        let now = self.now_ms;
        match action {
            Action::Start(id) => {
                let store = self.stores.entry(id).or_default();
                let node = self.world.build(id, store, now, false);
                let incarnation = self.slots.get(&id).map_or(0, |s| s.incarnation + 1);
                self.slots.insert(
                    id,
                    Slot { node: Some(node), status: Status::Up, incarnation, timers: BTreeMap::new(), held: Vec::new() },
                );
                self.journal.push(JournalEntry::Start { at_ms: now, node: id });
                self.deliver(id, Input::Command(serde_json::json!({ "start": true })));
            }
            Action::Crash(id) => {
                if let Some(s) = self.slots.get_mut(&id) {
                    if s.status != Status::Crashed {
                        s.node = None;
                        s.status = Status::Crashed;
                        s.timers.clear();
                        s.held.clear();
                        s.incarnation += 1;
                        self.journal.push(JournalEntry::Crash { at_ms: now, node: id });
                    }
                }
            }
            Action::CrashLeaderOf(topic, partition) => {
                let leader = self.slots.iter().find_map(|(id, s)| {
                    let broker = s.node.as_ref()?.as_any().downcast_ref::<crate::engine::replica::BrokerNode>()?;
                    broker.replica_state(&topic, partition).filter(|v| v.is_leader).map(|_| *id)
                });
                if let Some(id) = leader {
                    self.act(Action::Crash(id));
                }
            }
            Action::RestartCrashed => {
                let crashed: Vec<NodeId> =
                    self.slots.iter().filter(|(_, s)| s.status == Status::Crashed).map(|(id, _)| *id).collect();
                for id in crashed {
                    self.act(Action::Restart(id));
                }
            }
            Action::Restart(id) => {
                if self.slots.get(&id).is_some_and(|s| s.status == Status::Crashed) {
                    let store = self.stores.entry(id).or_default();
                    let node = self.world.build(id, store, now, true);
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.node = Some(node);
                        s.status = Status::Up;
                        s.incarnation += 1;
                    }
                    self.journal.push(JournalEntry::Restart { at_ms: now, node: id });
                    self.deliver(id, Input::Command(serde_json::json!({ "start": true })));
                }
            }
            Action::Pause(id) => {
                if let Some(s) = self.slots.get_mut(&id) {
                    if s.status == Status::Up {
                        s.status = Status::Paused;
                    }
                }
            }
            Action::Resume(id) => {
                let held = match self.slots.get_mut(&id) {
                    Some(s) if s.status == Status::Paused => {
                        s.status = Status::Up;
                        std::mem::take(&mut s.held)
                    }
                    _ => Vec::new(),
                };
                for input in held {
                    self.deliver(id, input);
                }
            }
            Action::Partition(a, b) => self.network.partition(a, b),
            Action::Heal => self.network.heal(),
            Action::Command(id, command) => self.deliver(id, Input::Command(command)),
        }
    }

    /// Hands one input to a node (held if paused, dropped if crashed) and carries out
    /// what it outputs.
    fn deliver(&mut self, id: NodeId, input: Input) {
        let now = self.now_ms;
        let Some(slot) = self.slots.get_mut(&id) else { return };
        match slot.status {
            Status::Crashed => return,
            Status::Paused => {
                slot.held.push(input);
                return;
            }
            Status::Up => {}
        }
        let Some(node) = slot.node.as_mut() else { return };
        self.stats.delivered += 1;
        if !self.touched.contains(&id) {
            self.touched.push(id);
        }
        self.journal.push(JournalEntry::Deliver { at_ms: now, node: id, input: input.clone() });
        node.handle(now, input);
        let mut outputs = Vec::new();
        while let Some(out) = node.poll_output() {
            outputs.push(out);
        }
        let incarnation = slot.incarnation;
        for out in outputs {
            match out {
                Output::Send(env) => match self.network.fate(&mut self.rng, now, env.from, env.to) {
                    Fate::ArriveAt(at) => self.push(at, Pending::Deliver(env)),
                    Fate::Lost => self.stats.lost += 1,
                    Fate::Cut => self.stats.cut += 1,
                },
                Output::SetTimer { key, at_ms } => {
                    let at = at_ms.max(now);
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.timers.insert(key, at);
                    }
                    self.push(at, Pending::Timer { node: id, key, at_ms: at, incarnation });
                }
                Output::CancelTimer { key } => {
                    if let Some(s) = self.slots.get_mut(&id) {
                        s.timers.remove(&key);
                    }
                }
                Output::Persist(op) => {
                    let store = self.stores.entry(id).or_default();
                    if let Err(e) = store.apply_now(std::slice::from_ref(&op)) {
                        self.timeline.push((now, id, ClusterEvent::Refused { node_id: id, reason: e.to_string() }));
                    }
                }
                Output::Event(e) => self.timeline.push((now, id, e)),
            }
        }
    }
}

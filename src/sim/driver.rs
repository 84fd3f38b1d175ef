//! The deterministic simulation driver: a virtual clock, one event queue ordered by
//! (time, sequence number), the seeded network, faults (crash, restart, pause, resume,
//! partition, heal) and the journal. Nothing here reads a clock or an unseeded RNG, and
//! every collection iterates in a fixed order, so (scenario, seed, commands) fix the run.
//! Invariant checkers run after every step.

use super::chunked::Chunked;
use super::journal::{final_state, Journal, JournalEntries, JournalEntry};
use super::network::{Fate, Network};
use super::queue::EventQueue;
use super::scenario::Scenario;
pub(super) use super::slot::{Slot, Timers};
use super::world::World;
use crate::engine::cluster::command::{Command, StartSpec};
use crate::engine::cluster::{ClusterEvent, Envelope, Input, Message, Node, NodeId, Output, TimerKey};
use crate::engine::rng::Rng;
use crate::storage::memory::MemoryStore;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

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
    /// Start a node with a start signal that may carry settings (`{"start": spec}`); a
    /// node already running ignores it.
    StartWith(NodeId, StartSpec),
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
    /// The next message of one API to a node is lost ([`super::network::LoseNext`]).
    LoseNext(super::network::LoseNext),
    Command(NodeId, Command),
    /// Producer, consumer, its name: the consumer's offsets to the transaction, read now.
    SendOffsetsToTransaction(NodeId, NodeId, String),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Pending {
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

/// What a remote node output for one input, computed where it runs (a web worker) and
/// handed back so this driver can carry the outputs out in the global order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEntry {
    pub at_ms: i64,
    /// Everything but `Persist` (the remote node persisted its writes itself).
    pub outputs: Vec<Output>,
}

/// What a run was made from, for its journal.
enum Source {
    Json(serde_json::Value),
    /// A scenario, turned into JSON when a journal is asked for.
    Scenario(Box<Scenario>),
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
    pub(super) world: Box<dyn World>,
    pub(super) slots: BTreeMap<NodeId, Slot>,
    pub(super) stores: BTreeMap<NodeId, MemoryStore>,
    /// Everything due, by (time, sequence number).
    pub(super) queue: EventQueue,
    pub(super) next_seq: u64,
    /// Nodes that run elsewhere (one web worker per broker); their outputs come as traces.
    pub(super) remote: BTreeSet<NodeId>,
    pub(super) traces: BTreeMap<NodeId, VecDeque<TraceEntry>>,
    /// Stores writes of this thread's nodes for a driver that mirrors them (IndexedDB).
    keep_persisted: bool,
    persisted: Vec<(NodeId, crate::engine::store::StoreOp)>,
    pub(super) journal: JournalEntries,
    pub(super) timeline: Chunked<(i64, NodeId, ClusterEvent)>,
    pub(super) causes: super::causes::Causes,
    /// Each in a cell: a checker reads the whole driver while it updates itself.
    invariants: Vec<RefCell<Box<dyn Invariant>>>,
    violations: Vec<Violation>,
    scenario: Source,
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
            queue: EventQueue::default(),
            next_seq: 0,
            remote: BTreeSet::new(),
            traces: BTreeMap::new(),
            keep_persisted: false,
            persisted: Vec::new(),
            journal: JournalEntries::default(),
            timeline: Chunked::default(),
            causes: Chunked::default(),
            invariants: Vec::new(),
            violations: Vec::new(),
            scenario: Source::Json(scenario),
            touched: Vec::new(),
        }
    }

    /// Makes `s` what the journal says the run was made from (as JSON, made only when a
    /// journal is asked for: most runs never are).
    pub(super) fn set_scenario(&mut self, s: &Scenario) {
        self.scenario = Source::Scenario(Box::new(s.clone()));
    }

    pub fn add_invariant(&mut self, invariant: Box<dyn Invariant>) {
        self.invariants.push(RefCell::new(invariant));
    }

    /// Schedules an action at `at_ms` (never in the past).
    pub fn schedule(&mut self, at_ms: i64, action: Action) {
        self.push(at_ms.max(self.now_ms), Pending::Act(action));
    }

    pub(super) fn push(&mut self, at_ms: i64, p: Pending) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.queue.insert((at_ms, seq), p);
    }

    /// Marks nodes as running elsewhere: the driver hands their outputs in as traces
    /// ([`Sim::install_trace`]) before the events that need them run.
    pub fn set_remote(&mut self, nodes: impl IntoIterator<Item = NodeId>) {
        self.remote.extend(nodes);
    }

    pub fn is_remote(&self, node: NodeId) -> bool {
        self.remote.contains(&node)
    }

    /// Keeps every write of this thread's nodes for [`Sim::take_persisted`].
    pub fn keep_persisted(&mut self, keep: bool) {
        self.keep_persisted = keep;
    }

    /// The writes of this thread's nodes since the last call, in order.
    pub fn take_persisted(&mut self) -> Vec<(NodeId, crate::engine::store::StoreOp)> {
        std::mem::take(&mut self.persisted)
    }

    /// Starts the run from stores kept by an earlier one (a page reload): every node
    /// is down at `now_ms`, with its store, until a restart recovers it.
    pub fn resume_from(&mut self, now_ms: i64, stores: BTreeMap<NodeId, MemoryStore>, nodes: &[NodeId]) {
        self.now_ms = now_ms;
        self.stores = stores;
        for id in nodes {
            self.slots.insert(
                *id,
                Slot {
                    node: None,
                    status: Status::Crashed,
                    incarnation: 0,
                    timers: Timers::default(),
                    held: Vec::new(),
                },
            );
        }
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

    /// The node, if it runs in this thread and is up or paused (not crashed), in one lookup.
    pub fn live_node(&self, id: NodeId) -> Option<&dyn Node> {
        let slot = self.slots.get(&id)?;
        match slot.status {
            Status::Up | Status::Paused => slot.node.as_deref(),
            Status::Crashed => None,
        }
    }

    pub fn stores(&self) -> &BTreeMap<NodeId, MemoryStore> {
        &self.stores
    }

    /// Messages on the wire: (arrival time, envelope), earliest first.
    pub fn in_flight(&self) -> impl Iterator<Item = (i64, &Envelope)> {
        self.queue.iter().filter_map(|((at, _), p)| match p {
            Pending::Deliver(env) => Some((*at, env)),
            _ => None,
        })
    }

    pub fn store(&self, id: NodeId) -> Option<&MemoryStore> {
        self.stores.get(&id)
    }

    pub fn timeline(&self) -> &Chunked<(i64, NodeId, ClusterEvent)> {
        &self.timeline
    }

    /// The nodes the last step handed an input to (state changes nowhere else).
    pub fn touched(&self) -> &[NodeId] {
        &self.touched
    }

    pub(super) fn push_violation(&mut self, v: Violation) {
        self.violations.push(v);
    }

    /// Moves the clock to `at_ms` when nothing is due before it (an idle page).
    pub fn advance_to(&mut self, at_ms: i64) {
        if self.next_event_ms().is_none_or(|t| t >= at_ms) {
            self.now_ms = self.now_ms.max(at_ms);
        }
    }

    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }

    /// The run's journal: every entry natively; in a tab that spilled the front of it
    /// (`Sim::take_journal_chunk`), only the kept ones.
    pub fn journal(&self) -> Journal {
        let (scenario, entries) = self.journal_parts();
        Journal { seed: self.seed, scenario, entries: entries.to_vec() }
    }

    /// The journal's scenario (as JSON) and its entries, borrowed: a writer streams them
    /// without the copy of every entry [`Sim::journal`] makes.
    pub fn journal_parts(&self) -> (serde_json::Value, &JournalEntries) {
        (self.journal_scenario(), &self.journal)
    }

    /// What the journal says the run was made from.
    pub fn journal_scenario(&self) -> serde_json::Value {
        match &self.scenario {
            Source::Json(json) => json.clone(),
            Source::Scenario(s) => serde_json::to_value(s).unwrap_or_default(),
        }
    }

    /// Every node's state and store, as replay would rebuild it.
    pub fn final_state(&self) -> serde_json::Value {
        let states = self.slots.iter().map(|(id, s)| (*id, s.node.as_ref().map(|n| n.state_json())));
        final_state(states, &self.stores)
    }

    /// The time of the next queued event, if any.
    pub fn next_event_ms(&self) -> Option<i64> {
        self.queue.first_key_value().map(|((at, _), _)| *at)
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
        let Some(((at_ms, _), p)) = self.queue.pop_first() else { return false };
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
        for k in 0..self.invariants.len() {
            let verdict = self.invariants[k].borrow_mut().check(self);
            if let Err(detail) = verdict {
                let invariant = self.invariants[k].borrow().name().to_string();
                self.violations.push(Violation { at_ms: self.now_ms, invariant, detail });
            }
        }
    }

    /// Hands one input to a node (held if paused; dropped if crashed, a message refused
    /// with a reset back to its sender) and carries out
    /// what it outputs.
    pub(super) fn deliver(&mut self, id: NodeId, input: Input) {
        let now = self.now_ms;
        let Some(slot) = self.slots.get_mut(&id) else { return };
        match slot.status {
            Status::Crashed => {
                if let Input::Deliver(env) = input {
                    self.refuse_connection(now, env);
                }
                return;
            }
            Status::Paused => {
                slot.held.push(input);
                return;
            }
            Status::Up => {}
        }
        if self.remote.contains(&id) {
            self.journal.push(JournalEntry::Deliver { at_ms: now, node: id, input });
            let outputs = match self.traces.get_mut(&id).and_then(VecDeque::pop_front) {
                Some(entry) if entry.at_ms == now => entry.outputs,
                other => {
                    let detail = format!(
                        "node {id} has no trace for an input at {now} ms (found {:?})",
                        other.map(|e| e.at_ms)
                    );
                    self.violations.push(Violation { at_ms: now, invariant: "lockstep".into(), detail });
                    return;
                }
            };
            let incarnation = self.delivered(id);
            for out in outputs {
                self.carry_out(id, now, incarnation, out);
            }
        } else {
            // The node is taken out of its slot while its outputs are carried out, one by
            // one as it hands them over (nothing it outputs reaches it back meanwhile).
            let Some(mut node) = slot.node.take() else { return };
            // The node reads the input in place; the journal then keeps it (no copy).
            node.handle_ref(now, &input);
            self.journal.push(JournalEntry::Deliver { at_ms: now, node: id, input });
            let incarnation = self.delivered(id);
            while let Some(out) = node.poll_output() {
                self.carry_out(id, now, incarnation, out);
            }
            if let Some(slot) = self.slots.get_mut(&id) {
                slot.node = Some(node);
            }
        }
    }

    /// A message reached a crashed node's host: the kernel resets the connection, and the
    /// reset travels back to the sender like any packet (it can be lost, or cut off). A
    /// reset is never answered with another.
    fn refuse_connection(&mut self, now: i64, env: Envelope) {
        if matches!(env.message, Message::ConnectionClosed) {
            return;
        }
        self.transmit(now, Envelope { from: env.to, to: env.from, message: Message::ConnectionClosed });
    }

    /// Puts a message on the wire at `now`: the network decides when it arrives, or
    /// that it is lost or cut off.
    pub(super) fn transmit(&mut self, now: i64, env: Envelope) {
        let fate = self.network.fate(&mut self.rng, now, env.from, env.to);
        // A one-shot loss after the fate was drawn, so it shifts no later randomness.
        if matches!(fate, Fate::ArriveAt(_))
            && self.network.take_lose_next(env.from, env.to, env.message.api_name())
        {
            self.stats.lost += 1;
            return;
        }
        match fate {
            Fate::ArriveAt(at) => self.push(at, Pending::Deliver(env)),
            Fate::Lost => self.stats.lost += 1,
            Fate::Cut => self.stats.cut += 1,
        }
    }

    /// Counts a delivered input to `id`; returns the node's incarnation.
    fn delivered(&mut self, id: NodeId) -> u64 {
        self.stats.delivered += 1;
        if !self.touched.contains(&id) {
            self.touched.push(id);
        }
        self.slots.get(&id).map_or(0, |s| s.incarnation)
    }

    /// Carries out one output of node `id` at `now`.
    fn carry_out(&mut self, id: NodeId, now: i64, incarnation: u64, out: Output) {
        match out {
            Output::Send(env) => self.transmit(now, env),
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
                let applied = if self.keep_persisted {
                    let applied = store.apply_now(std::slice::from_ref(&op));
                    if applied.is_ok() {
                        self.persisted.push((id, op));
                    }
                    applied
                } else {
                    // Nobody mirrors the write: the store keeps its bytes as they are.
                    store.apply_owned(op)
                };
                if let Err(e) = applied {
                    self.timeline.push((
                        now,
                        id,
                        ClusterEvent::Refused { node_id: id, reason: e.to_string() },
                    ))
                }
            }
            Output::Event(e) => self.timeline.push((now, id, e)),
        }
    }
}

//! Lockstep with conservative lookahead, for nodes that run elsewhere (the page's web
//! workers). No message arrives sooner than the smallest link latency after it is sent,
//! so every input a node will get before `now + lookahead` is already queued, except its
//! own timers, which it can arm and fire by itself. [`Sim::plan_window`] cuts such a
//! window and lists each remote node's inputs; each node runs its list (a
//! [`super::runner::NodeRunner`]) and hands back a trace; [`Sim::run_window`] then runs
//! the window here in the global (time, sequence) order, taking each remote node's
//! outputs from its trace. The journal, the network's random draws and every sequence
//! number are exactly those of a run with every node in this thread.
//!
//! Faults and other acts that change a node (start, crash, restart, pause, resume) end a
//! window and run alone. With zero lookahead a window is one event.

use super::driver::{Action, Pending, Sim, Status, TraceEntry, Violation};
use crate::engine::cluster::{Input, NodeId, TimerKey};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// One input a remote node must handle in a window, in its global order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowItem {
    pub at_ms: i64,
    pub seq: u64,
    pub kind: ItemKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    /// Build the node (fresh, or recovered from its store) and hand it `{"start": true}`.
    Start { restart: bool },
    /// Hand it this input.
    Input(Input),
    /// A timer that was armed for `at_ms`: fire it only if it still is.
    Timer { key: TimerKey, at_ms: i64 },
    /// An input held while the node was paused (a held timer is disarmed).
    Held(Input),
}

/// A remote node's share of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeWindow {
    /// The node may fire its own timers that sort before this (time, sequence) key.
    pub end: (i64, u64),
    /// Sequence numbers from here on are the node's own (timers it arms).
    pub first_local_seq: u64,
    pub items: Vec<WindowItem>,
}

/// What to run next.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// Nothing is queued up to the limit.
    Idle,
    /// The next act crashes whichever broker leads this partition; the driver must say
    /// which one does ([`Sim::resolve_leader_crash`]) before the window can be planned.
    NeedLeader { topic: String, partition: u32 },
    /// Run each node's items, install the traces, then [`Sim::run_window`].
    Run(Plan),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Events whose (time, sequence) key sorts before this run.
    pub end: (i64, u64),
    pub nodes: BTreeMap<NodeId, NodeWindow>,
    /// Remote nodes the window crashes (the driver stops their workers).
    pub crashes: Vec<NodeId>,
}

/// Whether an act changes a node's life (and so must run alone).
fn ends_window(p: &Pending) -> bool {
    match p {
        Pending::Act(a) => {
            !matches!(a, Action::Command(..) | Action::Partition(..) | Action::Heal | Action::LoseNext(..))
        }
        _ => false,
    }
}

impl Sim {
    /// The (time, sequence) key of the next queued event, if any: a place in the run
    /// (`crate::sim::timeline::Position`).
    pub fn next_key(&self) -> Option<(i64, u64)> {
        self.queue.first_key_value().map(|(key, _)| *key)
    }

    /// Whether the next queued event is an act that changes a node's life (a crash,
    /// restart, start, pause or resume): a picture drawn from the nodes is due before it.
    pub fn next_changes_a_node(&self) -> bool {
        self.queue.first_key_value().is_some_and(|(_, p)| ends_window(p))
    }

    /// The smallest time a message can take on any link.
    pub fn lookahead_ms(&self) -> i64 {
        self.network.min_latency_ms()
    }

    /// Plans the next window, running no events at or after `limit_ms` (exclusive).
    pub fn plan_window(&self, limit_ms: i64) -> Window {
        self.plan_window_before(limit_ms, (i64::MAX, u64::MAX))
    }

    /// Plans the next window as [`Sim::plan_window`] does, also running no event whose
    /// (time, sequence) key is `before` or after: a replay stops exactly where a command
    /// was given (`crate::sim::timeline::Position`).
    pub fn plan_window_before(&self, limit_ms: i64, before: (i64, u64)) -> Window {
        let Some((&(t0, seq0), head)) = self.queue.first_key_value() else { return Window::Idle };
        if t0 >= limit_ms || (t0, seq0) >= before {
            return Window::Idle;
        }
        let first_local_seq = self.next_seq;
        let mut nodes: BTreeMap<NodeId, NodeWindow> = BTreeMap::new();
        let single_end = (t0, seq0 + 1);
        let add = |nodes: &mut BTreeMap<NodeId, NodeWindow>, id: NodeId, item: WindowItem| {
            nodes
                .entry(id)
                .or_insert_with(|| NodeWindow { end: single_end, first_local_seq, items: Vec::new() })
                .items
                .push(item);
        };
        if ends_window(head) {
            let Pending::Act(action) = head else { return Window::Idle };
            let mut crashes = Vec::new();
            let start = |restart| WindowItem { at_ms: t0, seq: seq0, kind: ItemKind::Start { restart } };
            match action {
                Action::CrashLeaderOf(topic, partition) if !self.remote.is_empty() => {
                    return Window::NeedLeader { topic: topic.clone(), partition: *partition };
                }
                Action::Start(id) if self.remote.contains(id) => add(&mut nodes, *id, start(false)),
                // The page's "add broker": a declared broker starts (once: a started one
                // ignores it, as `act` does).
                Action::StartWith(id, _)
                    if self.remote.contains(id) && self.status(*id).is_none_or(|s| s == Status::Crashed) =>
                {
                    add(&mut nodes, *id, start(false))
                }
                Action::Restart(id)
                    if self.remote.contains(id) && self.status(*id) == Some(Status::Crashed) =>
                {
                    add(&mut nodes, *id, start(true))
                }
                Action::RestartCrashed => {
                    for (id, s) in &self.slots {
                        if self.remote.contains(id) && s.status == Status::Crashed {
                            add(&mut nodes, *id, start(true));
                        }
                    }
                }
                Action::Resume(id) if self.remote.contains(id) => {
                    if let Some(s) = self.slots.get(id).filter(|s| s.status == Status::Paused) {
                        for input in &s.held {
                            add(
                                &mut nodes,
                                *id,
                                WindowItem { at_ms: t0, seq: seq0, kind: ItemKind::Held(input.clone()) },
                            );
                        }
                    }
                }
                Action::Crash(id)
                    if self.remote.contains(id) && self.status(*id) != Some(Status::Crashed) =>
                {
                    crashes.push(*id)
                }
                _ => {}
            }
            return Window::Run(Plan { end: single_end, nodes, crashes });
        }
        let lookahead = self.lookahead_ms();
        let mut end =
            if lookahead > 0 { (t0.saturating_add(lookahead).min(limit_ms), 0) } else { single_end };
        end = end.min(before);
        for (&key, p) in self.queue.before(end) {
            if key >= end {
                break;
            }
            if ends_window(p) {
                end = key;
                break;
            }
            let (at, seq) = key;
            let (id, kind) = match p {
                Pending::Deliver(env) => (env.to, ItemKind::Input(Input::Deliver(env.clone()))),
                Pending::Timer { node, key, at_ms, incarnation } => {
                    if self.slots.get(node).map(|s| s.incarnation) != Some(*incarnation) {
                        continue;
                    }
                    (*node, ItemKind::Timer { key: *key, at_ms: *at_ms })
                }
                Pending::Act(Action::Command(id, command)) => {
                    (*id, ItemKind::Input(Input::Command(command.clone())))
                }
                Pending::Act(_) => continue,
            };
            if self.remote.contains(&id) && self.status(id) == Some(Status::Up) {
                add(&mut nodes, id, WindowItem { at_ms: at, seq, kind });
            }
        }
        for w in nodes.values_mut() {
            w.end = end;
        }
        Window::Run(Plan { end, nodes, crashes: Vec::new() })
    }

    /// Replaces the "crash the leader of …" act at the head of the queue by a crash of
    /// `leader` (or by nothing when no broker leads).
    pub fn resolve_leader_crash(&mut self, leader: Option<NodeId>) {
        let Some(head) = self.queue.first_mut() else { return };
        if let Pending::Act(Action::CrashLeaderOf(..)) = head {
            match leader {
                Some(id) => *head = Pending::Act(Action::Crash(id)),
                None => self.queue.remove_first(),
            }
        }
    }

    /// Hands in what a remote node output for its items, in order.
    pub fn install_trace(&mut self, node: NodeId, entries: Vec<TraceEntry>) {
        self.traces.entry(node).or_default().extend(entries);
    }

    /// Runs the planned window; returns the number of events run. Traces left unused
    /// mean a node and this driver disagree: that is reported as a violation.
    pub fn run_window(&mut self, plan: &Plan) -> u64 {
        let mut steps = 0;
        while self.queue.first_key_value().is_some_and(|(key, _)| *key < plan.end) {
            self.step();
            steps += 1;
        }
        let left: Vec<(NodeId, usize)> =
            self.traces.iter().filter(|(_, q)| !q.is_empty()).map(|(id, q)| (*id, q.len())).collect();
        for (id, n) in left {
            let detail = format!("node {id} traced {n} inputs this driver never delivered");
            self.push_violation(Violation { at_ms: self.now_ms, invariant: "lockstep".into(), detail });
            self.traces.insert(id, VecDeque::new());
        }
        steps
    }
}

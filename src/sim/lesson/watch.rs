//! Whether a lesson's task happened ([`TaskWatch`]): fed what the run shows after the
//! step began (its events, and nodes crashing and restarting, as the journal records
//! them), it reports done once the task's [`DoneWhen`] holds. The page feeds it from the
//! same run it draws; a test feeds it from a simulation. It reads names through the
//! scenario once, at the start, and then only compares ids.

use super::{DoneWhen, NodeWhen};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::sim::scenario::{NodeRef, Scenario, TopicPartitionRef};
use crate::sim::JournalEntry;

/// Something the run showed.
#[derive(Debug, Clone, Copy)]
pub enum Observed<'a> {
    Event(&'a ClusterEvent),
    Crashed(NodeId),
    Restarted(NodeId),
}

/// What the run showed since the last look, in the order it happened: the timeline's
/// events and the journal's crashes and restarts merged by virtual time, a crash or
/// restart before the events of its own moment (they are its consequences). Fed in two
/// separate runs, a restart and the rebalance it led to in one batch would reach the
/// watches in the wrong order, and the next step's watch — armed when the restart
/// completes this step's task — would miss the rebalance.
pub fn in_time_order<'a>(
    events: impl Iterator<Item = &'a (i64, NodeId, ClusterEvent)>,
    entries: impl Iterator<Item = &'a JournalEntry>,
) -> Vec<Observed<'a>> {
    let mut seen: Vec<(i64, u8, Observed<'a>)> =
        events.map(|(at_ms, _, e)| (*at_ms, 1, Observed::Event(e))).collect();
    seen.extend(entries.filter_map(|entry| match entry {
        JournalEntry::Crash { at_ms, node } => Some((*at_ms, 0, Observed::Crashed(*node))),
        JournalEntry::Restart { at_ms, node } => Some((*at_ms, 0, Observed::Restarted(*node))),
        _ => None,
    }));
    // Stable: within one stream the order is already the run's.
    seen.sort_by_key(|(at_ms, rank, _)| (*at_ms, *rank));
    seen.into_iter().map(|(_, _, o)| o).collect()
}

/// Feeds one batch of what the run showed ([`in_time_order`]) to a step's task watch
/// and to the next step's, armed by `arm_next` the moment the task completes (or already
/// armed): what follows the learner's action while they read is not missed. True when
/// the task completed in this batch.
pub fn feed_steps<'a>(
    current: &mut Option<TaskWatch>,
    next: &mut Option<TaskWatch>,
    observed: impl IntoIterator<Item = Observed<'a>>,
    mut arm_next: impl FnMut() -> Option<TaskWatch>,
) -> bool {
    let mut completed_now = false;
    for seen in observed {
        if let Some(w) = current {
            let was = w.done();
            w.observe(seen);
            completed_now |= !was && w.done();
        }
        if let Some(w) = next {
            w.observe(seen);
        }
        if completed_now && next.is_none() {
            *next = arm_next();
        }
    }
    completed_now
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    AnyBroker,
    AnyNode,
    Node(NodeId),
    LeaderOf(TopicPartition),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Goal {
    Crashed(Target),
    Restarted(Target),
    LeaderElected(TopicPartition),
    Acknowledged { client: NodeId, records: u64 },
    Consumed { client: NodeId, records: u64 },
    GroupStable(String),
    TopicCreated(Option<String>),
    SegmentsDeleted(TopicPartition),
}

/// One task's progress.
#[derive(Debug, Clone)]
pub struct TaskWatch {
    goal: Goal,
    broker_slots: u32,
    /// The leader of the `leader_of` partition as the run last showed it.
    leader: Option<NodeId>,
    counted: u64,
    done: bool,
}

fn tp(r: &TopicPartitionRef) -> TopicPartition {
    TopicPartition::new(r.topic.as_str(), r.partition)
}

fn client(s: &Scenario, name: &str) -> Result<NodeId, String> {
    s.node_id(&NodeRef::Named(name.to_string()))
}

fn target(s: &Scenario, n: &NodeWhen, any: Target) -> Result<Target, String> {
    Ok(match (n.broker, &n.leader_of, &n.client) {
        (Some(id), _, _) => Target::Node(id),
        (None, Some(r), _) => Target::LeaderOf(tp(r)),
        (None, None, Some(name)) => Target::Node(client(s, name)?),
        (None, None, None) => any,
    })
}

impl TaskWatch {
    /// A watch of `done_when` from now; `leader_now` is the current leader of the
    /// partition a `crashed.leader_of` task names (the caller reads it off the run).
    pub fn new(s: &Scenario, done_when: &DoneWhen, leader_now: Option<NodeId>) -> Result<TaskWatch, String> {
        let goal = match done_when {
            DoneWhen::Crashed(n) => Goal::Crashed(target(s, n, Target::AnyBroker)?),
            DoneWhen::Restarted(n) => Goal::Restarted(target(s, n, Target::AnyNode)?),
            DoneWhen::LeaderElected(r) => Goal::LeaderElected(tp(r)),
            DoneWhen::Acknowledged(c) => {
                Goal::Acknowledged { client: client(s, &c.client)?, records: u64::from(c.records) }
            }
            DoneWhen::Consumed(c) => {
                Goal::Consumed { client: client(s, &c.client)?, records: u64::from(c.records) }
            }
            DoneWhen::GroupStable(g) => Goal::GroupStable(g.group.clone()),
            DoneWhen::TopicCreated(t) => Goal::TopicCreated(t.name.clone()),
            DoneWhen::SegmentsDeleted(r) => Goal::SegmentsDeleted(tp(r)),
        };
        Ok(TaskWatch {
            goal,
            broker_slots: s.cluster.broker_slots(),
            leader: leader_now,
            counted: 0,
            done: false,
        })
    }

    /// The partition whose leader the caller should read off the run for [`Self::new`].
    pub fn leader_needed(done_when: &DoneWhen) -> Option<TopicPartition> {
        match done_when {
            DoneWhen::Crashed(NodeWhen { leader_of: Some(r), .. }) => Some(tp(r)),
            _ => None,
        }
    }

    pub fn done(&self) -> bool {
        self.done
    }

    fn hits(&self, t: &Target, node: NodeId) -> bool {
        match t {
            Target::AnyBroker => (1..=self.broker_slots).contains(&node),
            Target::AnyNode => true,
            Target::Node(id) => *id == node,
            Target::LeaderOf(_) => self.leader == Some(node),
        }
    }

    /// Takes in one thing the run showed.
    pub fn observe(&mut self, seen: Observed<'_>) {
        if self.done {
            return;
        }
        let done = match (&self.goal, seen) {
            (Goal::Crashed(t), Observed::Crashed(node)) => self.hits(t, node),
            (Goal::Restarted(t), Observed::Restarted(node)) => self.hits(t, node),
            (goal, Observed::Event(e)) => {
                if let (
                    Goal::Crashed(Target::LeaderOf(watched)),
                    ClusterEvent::LeaderElected { tp, leader, .. },
                ) = (goal, e)
                {
                    if tp == watched {
                        self.leader = *leader;
                    }
                }
                self.event_completes(e)
            }
            _ => false,
        };
        self.done = done;
    }

    fn event_completes(&mut self, e: &ClusterEvent) -> bool {
        match (&self.goal, e) {
            (Goal::LeaderElected(want), ClusterEvent::LeaderElected { tp, leader: Some(_), .. }) => {
                tp == want
            }
            (
                Goal::Acknowledged { client, records },
                ClusterEvent::SendAcknowledged { client_id, records: n, .. },
            ) if client_id == client => {
                self.counted += u64::from(*n);
                self.counted >= *records
            }
            (
                Goal::Consumed { client, records },
                ClusterEvent::RecordsConsumed { client_id, first_offset, last_offset, .. },
            ) if client_id == client => {
                self.counted += (last_offset - first_offset + 1).max(0) as u64;
                self.counted >= *records
            }
            (Goal::GroupStable(want), ClusterEvent::GroupStateChanged { group_id, to, .. }) => {
                group_id == want && to == "Stable"
            }
            (Goal::TopicCreated(want), ClusterEvent::TopicCreated { topic, .. }) => {
                want.as_ref().is_none_or(|w| w == topic)
            }
            (Goal::SegmentsDeleted(want), ClusterEvent::SegmentsDeleted { tp, base_offsets, .. }) => {
                tp == want && !base_offsets.is_empty()
            }
            _ => false,
        }
    }
}

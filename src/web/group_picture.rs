//! Builds the consumer groups' part of the [`super::cluster_view::ClusterView`]: each
//! group's state, generation, leader and assignor from the coordinators' events (they run
//! in the brokers' workers), each member from its consumer node (clients run on the main
//! thread) and its events, lag per partition from high watermarks and committed offsets,
//! and rebalance spans (from the JoinGroup a member sends to the assignment it gets, with
//! the time it processed nothing). Events are read once; every ring is bounded.

use super::cluster_view::{GroupView, LagView, MemberView, NoteView, RebalanceSpan, StartableConsumer};
use crate::engine::client::consumer::{ConsumerConfig, ConsumerNode, Lifecycle};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::ControllerNode;
use crate::engine::group::assignor::RebalanceProtocol;
use crate::sim::scenario::{ClientKind, Scenario};
use crate::sim::{Sim, Status};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const SPANS_KEPT: usize = 30;
const NOTES_KEPT: usize = 6;
const LAG_POINTS_KEPT: usize = 60;
/// Lag history keeps one point per this much virtual time.
const LAG_BUCKET_MS: i64 = 1_000;

#[derive(Default)]
struct GroupTrack {
    state: Option<String>,
    generation: i32,
    leader: Option<String>,
    protocol: Option<String>,
    coordinator: Option<NodeId>,
    reason: String,
    committed: BTreeMap<TopicPartition, i64>,
    history: BTreeMap<TopicPartition, VecDeque<(i64, i64)>>,
    spans: VecDeque<RebalanceSpan>,
    notes: VecDeque<NoteView>,
    /// Offsets the group has processed, per partition, as merged ranges.
    processed: BTreeMap<TopicPartition, Vec<(i64, i64)>>,
}

#[derive(Default)]
struct ClientTrack {
    group: Option<String>,
    member_id: String,
    last_heartbeat_ms: Option<i64>,
    owned: BTreeSet<TopicPartition>,
    stopped_since: Option<i64>,
    revoked: Vec<TopicPartition>,
    open: Option<RebalanceSpan>,
    ever_assigned: bool,
    consumed: u64,
    duplicates: u64,
    /// Its config as last seen running (a crashed process keeps showing it).
    config: Option<ConsumerConfig>,
}

#[derive(Default)]
pub struct GroupPicture {
    timeline_read: usize,
    groups: BTreeMap<String, GroupTrack>,
    clients: BTreeMap<NodeId, ClientTrack>,
    high_watermarks: BTreeMap<TopicPartition, i64>,
    member_clients: BTreeMap<String, NodeId>,
}

/// Adds `first..=last` to merged ranges; returns how many of those offsets were there.
fn add_range(ranges: &mut Vec<(i64, i64)>, first: i64, last: i64) -> u64 {
    let mut overlap = 0;
    for (a, b) in ranges.iter() {
        let (lo, hi) = ((*a).max(first), (*b).min(last));
        if lo <= hi {
            overlap += (hi - lo + 1) as u64;
        }
    }
    ranges.push((first, last));
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges.drain(..) {
        match merged.last_mut() {
            Some((_, pb)) if a <= *pb + 1 => *pb = (*pb).max(b),
            _ => merged.push((a, b)),
        }
    }
    *ranges = merged;
    overlap
}

fn pair(tp: &TopicPartition) -> (String, u32) {
    (tp.topic.to_string(), tp.partition)
}

fn push_bounded<T>(q: &mut VecDeque<T>, item: T, cap: usize) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(item);
}

fn consumer(sim: &Sim, id: NodeId) -> Option<&ConsumerNode> {
    sim.node(id).and_then(|n| n.as_any().downcast_ref::<ConsumerNode>())
}

fn client_name(s: &Scenario, id: NodeId) -> String {
    s.clients
        .get(id.saturating_sub(FIRST_CLIENT_ID) as usize)
        .map_or_else(|| id.to_string(), |c| c.id.clone())
}

fn declared_config(s: &Scenario, i: usize) -> Option<ConsumerConfig> {
    let c = s.clients.get(i)?;
    ConsumerConfig::from_pairs(c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).ok()
}

fn assignors(c: &ConsumerConfig) -> String {
    c.partition_assignment_strategy.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
}

impl GroupPicture {
    fn absorb(&mut self, sim: &Sim, s: &Scenario) {
        let timeline = sim.timeline();
        for (at, _, event) in timeline.iter_from(self.timeline_read) {
            let at = *at;
            match event {
                ClusterEvent::HighWatermarkAdvanced { tp, high_watermark, .. }
                    if !tp.topic.starts_with("__") =>
                {
                    let hw = self.high_watermarks.entry(tp.clone()).or_default();
                    *hw = (*hw).max(*high_watermark);
                }
                ClusterEvent::GroupStateChanged {
                    broker_id,
                    group_id,
                    to,
                    generation_id,
                    protocol,
                    leader,
                    reason,
                    ..
                } => {
                    let g = self.groups.entry(group_id.clone()).or_default();
                    g.state = Some(to.clone());
                    g.generation = *generation_id;
                    g.protocol = protocol.clone();
                    g.leader = leader.clone();
                    g.coordinator = Some(*broker_id);
                    g.reason = reason.clone();
                }
                ClusterEvent::MemberJoined { member_id, client, .. } => {
                    self.member_clients.insert(member_id.clone(), *client);
                }
                ClusterEvent::OffsetsCommitted { group_id, offsets, .. } => {
                    let g = self.groups.entry(group_id.clone()).or_default();
                    for (tp, o) in offsets {
                        g.committed.insert(tp.clone(), *o);
                    }
                }
                ClusterEvent::ConsumerJoining { client_id, group_id, member_id, .. } => {
                    let c = self.clients.entry(*client_id).or_default();
                    c.group = Some(group_id.clone());
                    if !member_id.is_empty() {
                        c.member_id = member_id.clone();
                    }
                    if c.open.is_none() {
                        c.open = Some(RebalanceSpan {
                            client: client_name(s, *client_id),
                            generation: -1,
                            joined_ms: at,
                            assigned_ms: None,
                            stopped_ms: if c.owned.is_empty() {
                                Some(c.stopped_since.unwrap_or(at))
                            } else {
                                None
                            },
                            revoked: c.revoked.iter().map(pair).collect(),
                            first: !c.ever_assigned,
                        });
                    }
                }
                ClusterEvent::PartitionsRevoked { client_id, group_id, revoked, .. } => {
                    let c = self.clients.entry(*client_id).or_default();
                    c.group = Some(group_id.clone());
                    let had = !c.owned.is_empty();
                    for tp in revoked {
                        c.owned.remove(tp);
                        c.revoked.push(tp.clone());
                    }
                    if had && c.owned.is_empty() {
                        c.stopped_since = Some(at);
                    }
                    if let Some(span) = c.open.as_mut() {
                        span.revoked.extend(revoked.iter().map(pair));
                        if c.owned.is_empty() && span.stopped_ms.is_none() {
                            span.stopped_ms = Some(at);
                        }
                    }
                }
                ClusterEvent::PartitionsAssigned {
                    client_id,
                    group_id,
                    member_id,
                    generation_id,
                    owned,
                    ..
                } => {
                    let c = self.clients.entry(*client_id).or_default();
                    c.group = Some(group_id.clone());
                    c.member_id = member_id.clone();
                    self.member_clients.insert(member_id.clone(), *client_id);
                    c.last_heartbeat_ms = Some(at);
                    c.owned = owned.iter().cloned().collect();
                    let mut span = c.open.take().unwrap_or_else(|| RebalanceSpan {
                        client: client_name(s, *client_id),
                        generation: *generation_id,
                        joined_ms: at,
                        assigned_ms: None,
                        stopped_ms: None,
                        revoked: Vec::new(),
                        first: !c.ever_assigned,
                    });
                    span.generation = *generation_id;
                    span.assigned_ms = Some(at);
                    c.ever_assigned = true;
                    c.revoked.clear();
                    c.stopped_since = if c.owned.is_empty() { Some(at) } else { None };
                    let g = self.groups.entry(group_id.clone()).or_default();
                    push_bounded(&mut g.spans, span, SPANS_KEPT);
                }
                ClusterEvent::HeartbeatAnswered { client_id, error: None, .. } => {
                    self.clients.entry(*client_id).or_default().last_heartbeat_ms = Some(at);
                }
                ClusterEvent::RecordsConsumed { client_id, tp, first_offset, last_offset } => {
                    let c = self.clients.entry(*client_id).or_default();
                    let n = (last_offset - first_offset + 1).max(0) as u64;
                    c.consumed += n;
                    if let Some(group) = c.group.clone() {
                        let g = self.groups.entry(group).or_default();
                        let dup = add_range(
                            g.processed.entry(tp.clone()).or_default(),
                            *first_offset,
                            *last_offset,
                        );
                        if let Some(c) = self.clients.get_mut(client_id) {
                            c.duplicates += dup;
                        }
                    }
                }
                ClusterEvent::ConsumerNote { client_id, note } => {
                    if let Some(group) = self.clients.get(client_id).and_then(|c| c.group.clone()) {
                        let g = self.groups.entry(group).or_default();
                        push_bounded(
                            &mut g.notes,
                            NoteView { at_ms: at, client: client_name(s, *client_id), note: note.clone() },
                            NOTES_KEPT,
                        );
                    }
                }
                _ => {}
            }
        }
        self.timeline_read = timeline.len();
    }

    /// The groups of `sim` now.
    pub fn view(&mut self, sim: &Sim, s: &Scenario) -> Vec<GroupView> {
        // Clients whose group is known before any event (a consumer waiting for a topic).
        for (i, c) in s.clients.iter().enumerate() {
            if c.kind != ClientKind::Consumer {
                continue;
            }
            let id = FIRST_CLIENT_ID + i as u32;
            let t = self.clients.entry(id).or_default();
            if let Some(node) = consumer(sim, id) {
                t.config = Some(node.config().clone());
                if t.group.is_none() || node.group_id() != t.group.as_deref() {
                    t.group = node.group_id().map(str::to_string);
                }
            } else if t.config.is_none() {
                t.config = declared_config(s, i);
                t.group = t.config.as_ref().and_then(|c| c.group_id.clone());
            }
            if sim.status(id) == Some(Status::Crashed) {
                // The process is gone: what it owned and its open rebalance with it.
                t.owned.clear();
                t.open = None;
                t.stopped_since = None;
                t.revoked.clear();
                t.ever_assigned = false;
            }
        }
        self.absorb(sim, s);
        let controller = sim.node(CONTROLLER_ID).and_then(|n| n.as_any().downcast_ref::<ControllerNode>());
        let mut names: BTreeSet<String> = self.groups.keys().cloned().collect();
        names.extend(self.clients.values().filter_map(|c| c.group.clone()));
        names.into_iter().map(|name| self.group_view(sim, s, controller, &name)).collect()
    }

    fn group_view(
        &mut self,
        sim: &Sim,
        s: &Scenario,
        controller: Option<&ControllerNode>,
        name: &str,
    ) -> GroupView {
        let now = sim.now_ms;
        let mut members = Vec::new();
        let mut startable = Vec::new();
        let mut topics: BTreeSet<String> = BTreeSet::new();
        let mut cooperative = true;
        for (i, spec) in s.clients.iter().enumerate() {
            let id = FIRST_CLIENT_ID + i as u32;
            let Some(t) = self.clients.get(&id) else { continue };
            if t.group.as_deref() != Some(name) {
                continue;
            }
            topics.extend(spec.subscribe.iter().flatten().cloned());
            let node = consumer(sim, id);
            let status = match (sim.status(id), node) {
                (None, _) => "not started",
                (Some(Status::Crashed), _) => "crashed",
                (Some(Status::Paused), _) => "paused",
                (Some(Status::Up), Some(n)) if !n.is_started() => "not started",
                (Some(Status::Up), Some(n)) => match n.lifecycle() {
                    Lifecycle::Closed => "closed",
                    Lifecycle::Failed(_) => "failed",
                    _ => "up",
                },
                (Some(Status::Up), None) => "up",
            };
            let Some(config) = t.config.clone() else { continue };
            if status == "not started" {
                if !spec.start {
                    startable.push(StartableConsumer {
                        id,
                        name: spec.id.clone(),
                        group_id: config.group_id.clone().unwrap_or_default(),
                        assignors: assignors(&config),
                        session_timeout_ms: config.session_timeout_ms,
                        heartbeat_interval_ms: config.heartbeat_interval_ms,
                    });
                }
                continue;
            }
            if matches!(status, "up" | "paused") && config.rebalance_protocol() == RebalanceProtocol::Eager {
                cooperative = false;
            }
            let mut assigned: Vec<(String, u32)> = match node {
                Some(n) => n.assignment().iter().map(pair).collect(),
                None => Vec::new(),
            };
            assigned.sort();
            members.push(MemberView {
                id,
                name: spec.id.clone(),
                status: status.to_string(),
                member_id: node
                    .map(|n| n.generation().member_id.clone())
                    .unwrap_or_else(|| t.member_id.clone()),
                group_instance_id: config.group_instance_id.clone(),
                member_state: node
                    .map_or_else(|| "Unjoined".to_string(), |n| format!("{:?}", n.member_state())),
                assigned,
                last_heartbeat_ms: t.last_heartbeat_ms,
                session_timeout_ms: config.session_timeout_ms,
                heartbeat_interval_ms: config.heartbeat_interval_ms,
                max_poll_interval_ms: config.max_poll_interval_ms,
                heartbeats_paused: node.is_some_and(|n| n.heartbeat().1),
                processing_ms_per_record: config.processing_time_per_record_ms,
                assignors: assignors(&config),
                records_consumed: t.consumed,
                duplicates: t.duplicates,
                waiting_for_topics: node.map(ConsumerNode::unknown_topics).unwrap_or_default(),
            });
        }
        let g = self.groups.entry(name.to_string()).or_default();
        let mut lag = Vec::new();
        if let Some(c) = controller {
            for topic in &topics {
                let Some(t) = c.image().topics.get(topic) else { continue };
                for p in 0..t.partitions.len() as u32 {
                    let tp = TopicPartition { topic: topic.into(), partition: p };
                    let log_end = self.high_watermarks.get(&tp).copied().unwrap_or(0);
                    let committed = g.committed.get(&tp).copied();
                    let value = (log_end - committed.unwrap_or(0)).max(0);
                    let history = g.history.entry(tp.clone()).or_default();
                    let bucket = now / LAG_BUCKET_MS;
                    match history.back_mut() {
                        Some(last) if last.0 / LAG_BUCKET_MS == bucket => *last = (now, value),
                        _ => push_bounded(history, (now, value), LAG_POINTS_KEPT),
                    }
                    lag.push(LagView {
                        topic: topic.clone(),
                        partition: p,
                        log_end,
                        committed,
                        lag: value,
                        history: history.iter().copied().collect(),
                    });
                }
            }
        }
        let leader_client =
            g.leader.as_ref().and_then(|m| self.member_clients.get(m)).map(|id| client_name(s, *id));
        let mut spans: Vec<RebalanceSpan> = g.spans.iter().cloned().collect();
        // Rebalances in progress show too, up to now.
        for m in &members {
            if let Some(open) = self.clients.get(&m.id).and_then(|c| c.open.clone()) {
                spans.push(open);
            }
        }
        GroupView {
            group_id: name.to_string(),
            state: g.state.clone().unwrap_or_else(|| "Unknown".into()),
            generation: g.generation,
            leader: g.leader.clone(),
            leader_client,
            protocol: g.protocol.clone(),
            rebalance_protocol: if cooperative && !members.is_empty() { "COOPERATIVE" } else { "EAGER" }
                .to_string(),
            coordinator: g.coordinator,
            reason: g.reason.clone(),
            members,
            lag,
            spans,
            startable,
            notes: g.notes.iter().cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_count_what_was_processed_before() {
        let mut r = Vec::new();
        assert_eq!(add_range(&mut r, 0, 9), 0);
        assert_eq!(add_range(&mut r, 20, 29), 0);
        assert_eq!(add_range(&mut r, 5, 24), 10, "5..=9 and 20..=24 again");
        assert_eq!(r, vec![(0, 29)]);
        assert_eq!(add_range(&mut r, 31, 31), 0);
        assert_eq!(r, vec![(0, 29), (31, 31)]);
    }
}

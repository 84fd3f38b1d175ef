//! Builds the consumer groups' part of the cluster view: each group's state, generation,
//! leader and assignor from the coordinators' events, each member from its consumer node
//! and its events, lag from high watermarks and committed offsets, rebalance spans (the
//! JoinGroup a member sends to the assignment it gets), each rebalance's figures
//! (`super::rebalances`) and reorderings (`super::order`). Consumers' crashes are read
//! from the journal. Events are read once; every ring is bounded.

use super::delivery::{live_processed, DeliveryTrack};
use super::group_util::{assignors, client_name, consumer, declared_config, pair, push_bounded};
use super::rebalances::Rebalances;
use super::view::{GroupView, LagView, MemberView, NoteView, RebalanceSpan, StartableConsumer};
use crate::engine::client::consumer::{ConsumerConfig, ConsumerNode, Lifecycle};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::is_internal_topic;
use crate::engine::controller::ControllerNode;
use crate::engine::group::assignor::RebalanceProtocol;
use crate::sim::scenario::{ClientKind, Scenario};
use crate::sim::JournalEntry;
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
    rebalances: Rebalances,
    delivery: DeliveryTrack,
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
    /// What the coordinator's current generation assigns it (kept through a crash).
    generation_assigned: Vec<TopicPartition>,
}

#[derive(Default)]
pub struct GroupPicture {
    timeline_read: usize,
    journal_read: usize,
    groups: BTreeMap<String, GroupTrack>,
    clients: BTreeMap<NodeId, ClientTrack>,
    high_watermarks: BTreeMap<TopicPartition, i64>,
    member_clients: BTreeMap<String, NodeId>,
    order: super::order::ReadOrder,
}

impl GroupPicture {
    /// Consumer processes that crashed since the last read, from the journal: (at, id).
    fn new_crashes(&mut self, sim: &Sim, s: &Scenario) -> VecDeque<(i64, NodeId)> {
        let mut crashes = VecDeque::new();
        for entry in sim.journal.iter_from(self.journal_read) {
            if let JournalEntry::Crash { at_ms, node } = entry {
                let i = node.saturating_sub(FIRST_CLIENT_ID) as usize;
                if *node >= FIRST_CLIENT_ID
                    && s.clients
                        .get(i)
                        .is_some_and(|c| matches!(c.kind, ClientKind::Consumer | ClientKind::Pipeline))
                {
                    crashes.push_back((*at_ms, *node));
                }
            }
        }
        self.journal_read = sim.journal.len();
        crashes
    }

    /// The process is gone: what it owned and its open rebalance with it; its partitions
    /// are unserved from now (the coordinator still assigns them to it).
    fn on_crash(&mut self, s: &Scenario, at: i64, id: NodeId) {
        let Some(c) = self.clients.get_mut(&id) else { return };
        let owned = std::mem::take(&mut c.owned);
        c.open = None;
        c.stopped_since = None;
        c.revoked.clear();
        c.ever_assigned = false;
        if let Some(group) = c.group.clone() {
            let g = self.groups.entry(group).or_default();
            g.rebalances.crashed(at, &client_name(s, id), owned.into_iter());
        }
    }

    fn absorb(&mut self, sim: &Sim, s: &Scenario) {
        let mut crashes = self.new_crashes(sim, s);
        let timeline = sim.timeline();
        for (at, _, event) in timeline.iter_from(self.timeline_read) {
            let at = *at;
            while let Some((crash_ms, id)) = crashes.front().copied().filter(|(t, _)| *t < at) {
                self.on_crash(s, crash_ms, id);
                crashes.pop_front();
            }
            match event {
                ClusterEvent::HighWatermarkAdvanced { tp, high_watermark, .. }
                    if !is_internal_topic(tp.topic.as_str()) =>
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
                    members,
                    ..
                } => {
                    let g = self.groups.entry(group_id.clone()).or_default();
                    g.state = Some(to.clone());
                    g.generation = *generation_id;
                    g.protocol = protocol.clone();
                    g.leader = leader.clone();
                    g.coordinator = Some(*broker_id);
                    g.reason = reason.clone();
                    g.rebalances.state_changed(at, to, *generation_id, reason);
                    // A member the coordinator no longer has is assigned nothing.
                    for c in self.clients.values_mut() {
                        if c.group.as_deref() == Some(group_id.as_str()) && !members.contains(&c.member_id) {
                            c.generation_assigned.clear();
                        }
                    }
                }
                ClusterEvent::MemberJoined { member_id, client, .. } => {
                    self.member_clients.insert(member_id.clone(), *client);
                }
                ClusterEvent::MemberRemoved { member_id, .. } => {
                    if let Some(c) =
                        self.member_clients.get(member_id).and_then(|id| self.clients.get_mut(id))
                    {
                        if c.member_id == *member_id {
                            c.generation_assigned.clear();
                        }
                    }
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
                        // Eager revoked everything just before joining: it had partitions.
                        let had_partitions = !c.owned.is_empty() || !c.revoked.is_empty();
                        c.open = Some(RebalanceSpan {
                            client: client_name(s, *client_id),
                            generation: -1,
                            joined_ms: at,
                            assigned_ms: None,
                            stopped_ms: if c.owned.is_empty() && had_partitions {
                                Some(c.stopped_since.unwrap_or(at))
                            } else {
                                None
                            },
                            revoked: c.revoked.iter().map(pair).collect(),
                            first: !c.ever_assigned,
                            had_partitions,
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
                        if c.owned.is_empty() && span.stopped_ms.is_none() && had {
                            span.had_partitions = true;
                            span.stopped_ms = Some(at);
                        }
                    }
                    let (name, owns_after) = (client_name(s, *client_id), c.owned.len());
                    let g = self.groups.entry(group_id.clone()).or_default();
                    g.rebalances.revoked(at, &name, revoked, owns_after);
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
                    let had_partitions = !c.owned.is_empty();
                    c.owned = owned.iter().cloned().collect();
                    c.generation_assigned = owned.clone();
                    let mut span = c.open.take().unwrap_or_else(|| RebalanceSpan {
                        client: client_name(s, *client_id),
                        generation: *generation_id,
                        joined_ms: at,
                        assigned_ms: None,
                        stopped_ms: None,
                        revoked: Vec::new(),
                        first: !c.ever_assigned,
                        had_partitions,
                    });
                    span.generation = *generation_id;
                    span.assigned_ms = Some(at);
                    c.ever_assigned = true;
                    c.revoked.clear();
                    // Still stopped only if it had partitions and got none back; an empty
                    // first assignment stops nothing (it never processed anything).
                    if !c.owned.is_empty() {
                        c.stopped_since = None;
                    }
                    let name = client_name(s, *client_id);
                    let g = self.groups.entry(group_id.clone()).or_default();
                    push_bounded(&mut g.spans, span, SPANS_KEPT);
                    g.rebalances.assigned(at, &name, *generation_id, owned);
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
                        let dup = g.delivery.consumed(*client_id, tp, *first_offset, *last_offset);
                        if let Some(c) = self.clients.get_mut(client_id) {
                            c.duplicates += dup;
                        }
                    }
                }
                ClusterEvent::RecordsSkipped { client_id, tp, first_offset, last_offset } => {
                    if let Some(group) = self.clients.get(client_id).and_then(|c| c.group.clone()) {
                        self.groups.entry(group).or_default().delivery.skipped(
                            tp,
                            *first_offset,
                            *last_offset,
                        );
                    }
                }
                ClusterEvent::ConsumerLag { client_id, tp, position, .. } => {
                    if let Some(group) = self.clients.get(client_id).and_then(|c| c.group.clone()) {
                        self.groups.entry(group).or_default().delivery.fetched(tp, *position);
                    }
                }
                ClusterEvent::CommitCompleted { client_id, group_id, offsets, error: None } => {
                    self.groups.entry(group_id.clone()).or_default().delivery.committed(*client_id, offsets);
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
        for (crash_ms, id) in crashes {
            self.on_crash(s, crash_ms, id);
        }
        self.timeline_read = timeline.len();
    }

    /// The groups of `sim` now.
    pub fn view(&mut self, sim: &Sim, s: &Scenario) -> Vec<GroupView> {
        self.order.absorb(sim);
        // Clients whose group is known before any event (a consumer waiting for a topic).
        for (i, c) in s.clients.iter().enumerate() {
            if !matches!(c.kind, ClientKind::Consumer | ClientKind::Pipeline) {
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
        }
        self.absorb(sim, s);
        // A crash the journal did not show (a run resumed from storage): from now.
        for i in 0..s.clients.len() {
            let id = FIRST_CLIENT_ID + i as u32;
            let owns = self.clients.get(&id).is_some_and(|c| !c.owned.is_empty());
            if owns && sim.status(id) == Some(Status::Crashed) {
                self.on_crash(s, sim.now_ms, id);
            }
        }
        let controller = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller());
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
        // Lost offsets per member, leaving out what live owners still process.
        let lost =
            self.groups.get(name).map(|g| g.delivery.lost(&live_processed(sim, s, name))).unwrap_or_default();
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
                coordinator_assigned: {
                    let mut a: Vec<(String, u32)> = t.generation_assigned.iter().map(pair).collect();
                    a.sort();
                    a
                },
                last_heartbeat_ms: t.last_heartbeat_ms,
                session_timeout_ms: config.session_timeout_ms,
                heartbeat_interval_ms: config.heartbeat_interval_ms,
                max_poll_interval_ms: config.max_poll_interval_ms,
                heartbeats_paused: node.is_some_and(|n| n.heartbeat().1),
                processing_ms_per_record: config.processing_time_per_record_ms,
                assignors: assignors(&config),
                records_consumed: t.consumed,
                duplicates: t.duplicates,
                reordered: self.order.reordered_by(id),
                duplicate_ranges: self
                    .groups
                    .get(name)
                    .map(|g| g.delivery.duplicates_of(id))
                    .unwrap_or_default(),
                lost: lost.get(&id).map_or(0, |l| l.0),
                lost_ranges: lost.get(&id).map(|l| l.1.clone()).unwrap_or_default(),
                enable_auto_commit: config.enable_auto_commit,
                commit_sync: super::group_util::commit_moment(spec, &config),
                isolation_level: config.isolation_level.config_value().to_string(),
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
        let (rebalances, unserved) = g.rebalances.view(now, |tp| {
            let tp = pair(tp);
            members.iter().find(|m| m.coordinator_assigned.contains(&tp)).map(|m| m.name.clone())
        });
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
            rebalances,
            unserved,
            states: g.rebalances.states(),
            ownership: g.rebalances.ownership(),
        }
    }
}

//! The cluster's invariants, checked after every step of a simulation (outside the
//! replicas, as TigerBeetle's state checker), incrementally so a long run stays linear:
//! * every replica: HW ≤ LEO, and the log start offset never goes back;
//! * a leader's HW never goes back within its epoch;
//! * replicas agree on the committed prefix: each committed batch of a topic with clean
//!   election is the same on every replica that ever commits it (kept in a history);
//! * a record acknowledged with `acks=all` on a topic with `min.insync.replicas` ≥ 2 and
//!   clean election is never lost: whenever the partition has a leader, that leader (the
//!   one the controller's metadata names, once it has caught up to that epoch) holds it;
//! * consumer groups: in a coordinator's Stable group every partition of the current
//!   generation's assignment belongs to at most one member, and — once every member has
//!   its assignment, with an eager protocol — to exactly one (every partition of each
//!   assigned topic); consumers that are Stable in the same group and generation never
//!   hold the same partition.

use super::driver::{Invariant, Sim, Status};
use super::scenario::Scenario;
use crate::engine::client::consumer::protocol::decode_assignment;
use crate::engine::client::consumer::{ConsumerNode, MemberState};
use crate::engine::client::producer::record_text::RecordText;
use crate::engine::client::producer::{AcknowledgedRecord, ProducerNode};
use crate::engine::group::coordinator::group::GroupState;
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::ControllerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::replica::view::{BatchSummary, ReplicaOffsets};
use crate::engine::replica::BrokerNode;
use std::collections::{BTreeMap, BTreeSet};

type Tp = (String, u32);
/// A partition by its index in the scenario's partition list (cheap map keys).
type TpIndex = usize;

/// Broker `id` if it is up or paused.
fn broker(sim: &Sim, id: NodeId) -> Option<&BrokerNode> {
    sim.live_node(id)?.as_any().downcast_ref::<BrokerNode>()
}

struct ReplicaRules {
    brokers: u32,
    topics: Vec<Tp>,
    /// The same partitions as broker map keys (looked up without allocating).
    keys: Vec<TopicPartition>,
    /// Per partition: its topic has clean election only, so committed batches never change.
    clean: Vec<bool>,
    /// Per replica ([`ReplicaRules::slot`]): a leader's epoch and HW.
    leader_hw: Vec<Option<(i32, i64)>>,
    log_start: Vec<Option<i64>>,
    /// Per replica, the offset below which its committed batches were already compared.
    checked: Vec<Option<i64>>,
    /// Per replica, its positions at its last passing check. Checking the same positions
    /// again finds nothing new (every rule reads only them, and no batch lies between
    /// `checked` = HW and HW), so such a replica is skipped.
    passed: Vec<Option<ReplicaOffsets>>,
    /// Per partition, every committed batch seen so far, by base offset.
    history: Vec<BTreeMap<i64, BatchSummary>>,
    /// The batches of the replica being checked (one buffer, reused).
    batches: Vec<BatchSummary>,
}

impl ReplicaRules {
    fn new(brokers: u32, topics: Vec<Tp>, clean: Vec<bool>) -> Self {
        let keys = topics.iter().map(|(topic, partition)| TopicPartition { topic: topic.into(), partition: *partition }).collect();
        let replicas = (brokers as usize + 1) * topics.len();
        ReplicaRules {
            brokers,
            keys,
            clean,
            leader_hw: vec![None; replicas],
            log_start: vec![None; replicas],
            checked: vec![None; replicas],
            passed: vec![None; replicas],
            history: vec![BTreeMap::new(); topics.len()],
            batches: Vec::new(),
            topics,
        }
    }

    /// Where replica (broker `b`, partition `i`) is kept in the per-replica vectors.
    fn slot(&self, b: NodeId, i: TpIndex) -> usize {
        b as usize * self.topics.len() + i
    }

    /// The rules for one replica at `v`; `batches` are its batches with last offset ≥ the
    /// `checked` offset (needed only when new committed ones may be among them).
    fn check_replica(&mut self, b: NodeId, i: TpIndex, v: &ReplicaOffsets, batches: &[BatchSummary]) -> Result<(), String> {
        let (topic, partition) = &self.topics[i];
        if v.high_watermark > v.log_end_offset {
            return Err(format!("broker {b} {topic}-{partition}: HW {} > LEO {}", v.high_watermark, v.log_end_offset));
        }
        let key = self.slot(b, i);
        let last_start = self.log_start[key].replace(v.log_start_offset).unwrap_or(i64::MIN);
        if v.log_start_offset < last_start {
            return Err(format!("broker {b} {topic}-{partition}: log start offset went back to {}", v.log_start_offset));
        }
        if v.is_leader {
            if let Some((epoch, hw)) = &self.leader_hw[key] {
                if *epoch == v.leader_epoch && v.high_watermark < *hw {
                    return Err(format!(
                        "broker {b} {topic}-{partition}: leader HW went back from {hw} to {} in epoch {epoch}",
                        v.high_watermark
                    ));
                }
            }
            self.leader_hw[key] = Some((v.leader_epoch, v.high_watermark));
        } else {
            self.leader_hw[key] = None;
        }
        if !self.clean[i] {
            return Ok(());
        }
        let history = &mut self.history[i];
        for batch in batches.iter().filter(|x| x.last_offset < v.high_watermark) {
            match history.get(&batch.base_offset) {
                Some(seen) if seen != batch => {
                    return Err(format!(
                        "{topic}-{partition}: broker {b} has committed batch {batch:?} where {seen:?} was committed before"
                    ))
                }
                Some(_) => {}
                None => {
                    history.insert(batch.base_offset, *batch);
                }
            }
        }
        self.checked[key] = Some(v.high_watermark);
        Ok(())
    }
}

impl Invariant for ReplicaRules {
    fn name(&self) -> &'static str {
        "replicas: HW ≤ LEO, committed prefixes agree, offsets only grow"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        // Only the brokers this step handed an input to can have changed (mostly one:
        // kept on the stack).
        let mut first: [(NodeId, Option<&BrokerNode>); 4] = [(0, None); 4];
        let (mut count, mut more) = (0, Vec::new());
        for &b in sim.touched().iter().filter(|b| (1..=self.brokers).contains(*b)) {
            match first.get_mut(count) {
                Some(slot) => {
                    *slot = (b, broker(sim, b));
                    count += 1;
                }
                None => more.push((b, broker(sim, b))),
            }
        }
        if count == 0 {
            return Ok(());
        }
        let touched = &first[..count];
        let mut batches = std::mem::take(&mut self.batches);
        let verdict = self.check_touched(|| touched.iter().chain(&more).copied(), &mut batches);
        self.batches = batches;
        verdict
    }
}

impl ReplicaRules {
    fn check_touched<'a, I>(&mut self, touched: impl Fn() -> I, batches: &mut Vec<BatchSummary>) -> Result<(), String>
    where
        I: Iterator<Item = (NodeId, Option<&'a BrokerNode>)>,
    {
        for i in 0..self.topics.len() {
            for (b, node) in touched() {
                let key = self.slot(b, i);
                let Some(v) = node.and_then(|n| n.replica_offsets(&self.keys[i])) else {
                    self.checked[key] = None;
                    self.passed[key] = None;
                    continue;
                };
                if self.passed[key] == Some(v) {
                    continue;
                }
                self.passed[key] = None;
                let from = self.checked[key].unwrap_or(i64::MIN);
                if v.log_end_offset < from {
                    // Truncated (or restarted shorter): compare again from where it now ends.
                    self.checked[key] = Some(v.log_end_offset.min(v.high_watermark));
                }
                // Batches matter only on a clean topic with committed offsets past `from`.
                batches.clear();
                if let Some(n) = node.filter(|_| self.clean[i] && v.high_watermark > from) {
                    n.replica_batches_from(&self.keys[i], from, batches);
                }
                self.check_replica(b, i, &v, batches)?;
                self.passed[key] = Some(v);
            }
        }
        Ok(())
    }
}

struct AckedWritesSurvive {
    clients: Vec<NodeId>,
    protected: BTreeSet<String>,
    acks_all: BTreeSet<NodeId>,
    /// How many of each producer's acknowledgements were folded in already.
    seen: BTreeMap<NodeId, usize>,
    /// Per topic and partition: the highest acknowledged offset and what it was checked
    /// against.
    max_acked: BTreeMap<String, BTreeMap<u32, Acked>>,
}

/// The highest acknowledged record of a partition.
struct Acked {
    offset: i64,
    value: RecordText,
    tp: TopicPartition,
    /// The leader and epoch the controller's metadata names (`Some(None)`: no leader),
    /// read again whenever the controller was handed an input (only then can it change).
    named: Option<Option<(NodeId, i32)>>,
    /// Whether the partition passed since `offset` or `named` last changed. The verdict
    /// reads only them and the named leader: until that broker is handed an input, it
    /// stands (a crash hands none, and a crashed leader passes).
    passed: bool,
}

impl Invariant for AckedWritesSurvive {
    fn name(&self) -> &'static str {
        "acks=all writes with min.insync.replicas ≥ 2 and clean election survive"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        if sim.touched().is_empty() {
            return Ok(());
        }
        for c in &self.clients {
            if !self.acks_all.contains(c) {
                continue;
            }
            let Some(p) = sim.node(*c).and_then(|n| n.as_any().downcast_ref::<ProducerNode>()) else { continue };
            let acked = p.acknowledged();
            let seen = self.seen.entry(*c).or_insert(0);
            // Acknowledgements come in runs of one topic (a batch): one topic lookup per run.
            let mut rest = acked.get(*seen..).unwrap_or_default();
            while let Some(first) = rest.first() {
                let run = rest.iter().take_while(|r| r.topic == first.topic).count();
                let (records, after) = rest.split_at(run);
                rest = after;
                if !self.protected.contains(&*first.topic) {
                    continue;
                }
                if !self.max_acked.contains_key(&*first.topic) {
                    self.max_acked.insert(first.topic.to_string(), BTreeMap::new());
                }
                let Some(partitions) = self.max_acked.get_mut(&*first.topic) else { continue };
                // A batch's records are a run of one partition: one map lookup per run.
                let mut records = records;
                while let Some(head) = records.first() {
                    let run = records.iter().take_while(|r| r.partition == head.partition).count();
                    let (same, after) = records.split_at(run);
                    records = after;
                    let entry = partitions.entry(head.partition).or_insert_with(|| Acked {
                        offset: -1,
                        value: head.value.clone(),
                        tp: TopicPartition { topic: head.topic.clone(), partition: head.partition },
                        named: None,
                        passed: false,
                    });
                    // The first record with the run's highest offset above the entry's.
                    let mut highest: Option<&AcknowledgedRecord> = None;
                    for r in same {
                        if r.offset > highest.map_or(entry.offset, |h| h.offset) {
                            highest = Some(r);
                        }
                    }
                    if let Some(r) = highest {
                        entry.offset = r.offset;
                        entry.value = r.value.clone();
                        entry.passed = false;
                    }
                }
            }
            *seen = acked.len();
        }
        let Some(controller) =
            sim.node(CONTROLLER_ID).and_then(|n| n.as_any().downcast_ref::<ControllerNode>())
        else {
            return Ok(());
        };
        let controller_touched = sim.touched().contains(&CONTROLLER_ID);
        let mut verdict = Ok(());
        'all: for (topic, partitions) in &mut self.max_acked {
            for (partition, acked) in partitions.iter_mut() {
                if controller_touched || acked.named.is_none() {
                    let state = controller.image().partition(topic, *partition);
                    let named = Some(state.and_then(|s| s.leader.map(|id| (id, s.leader_epoch))));
                    if acked.named != named {
                        acked.named = named;
                        acked.passed = false;
                    }
                }
                let leader = acked.named.flatten();
                if acked.passed && leader.is_none_or(|(id, _)| !sim.touched().contains(&id)) {
                    continue;
                }
                acked.passed = false;
                if let Err(e) = leader_holds(sim, topic, *partition, acked, leader) {
                    verdict = Err(e);
                    break 'all;
                }
                acked.passed = true;
            }
        }
        if verdict.is_err() {
            // Partitions after the failing one were not looked at: look at all next time.
            self.max_acked.values_mut().flat_map(BTreeMap::values_mut).for_each(|a| a.passed = false);
        }
        verdict
    }
}

/// Whether the leader the controller's metadata names (in that epoch) still holds the
/// acknowledged record. The named broker counts once it has caught up to the epoch (a
/// restarting broker replaying old metadata may briefly believe an old assignment; it
/// leads nothing until it catches up).
fn leader_holds(sim: &Sim, topic: &str, partition: u32, acked: &Acked, named: Option<(NodeId, i32)>) -> Result<(), String> {
    let Some((id, epoch)) = named else { return Ok(()) };
    let Some(leader) = broker(sim, id).and_then(|n| n.replica_offsets(&acked.tp)) else { return Ok(()) };
    if !leader.is_leader || leader.leader_epoch != epoch {
        return Ok(());
    }
    let offset = acked.offset;
    if leader.log_end_offset <= offset && leader.log_start_offset <= offset {
        return Err(format!(
            "record {topic}-{partition} offset {offset} (value {}) was acknowledged but the leader (epoch {}) no longer has it: its log ends at {}",
            acked.value, leader.leader_epoch, leader.log_end_offset
        ));
    }
    Ok(())
}

fn acked_invariant(s: &Scenario, protected: BTreeSet<String>, all_clients: bool) -> Box<dyn Invariant> {
    let clients: Vec<NodeId> = (0..s.clients.len()).map(|i| FIRST_CLIENT_ID + i as u32).collect();
    let acks_all = s
        .clients
        .iter()
        .zip(&clients)
        .filter(|(c, _)| all_clients || c.configs.get("acks").map_or(Some(Acks::All), |a| Acks::from_config(a)) == Some(Acks::All))
        .map(|(_, id)| *id)
        .collect();
    Box::new(AckedWritesSurvive {
        clients,
        protected,
        acks_all,
        seen: BTreeMap::new(),
        max_acked: BTreeMap::new(),
    })
}

/// The acknowledged-writes check over chosen topics and every client, whatever their
/// settings (a test uses it to show the checker does catch an unclean election's loss).
pub fn acked_writes_survive(s: &Scenario, topics: BTreeSet<String>) -> Box<dyn Invariant> {
    acked_invariant(s, topics, true)
}

struct GroupOwnership {
    brokers: u32,
    consumers: Vec<NodeId>,
    /// Topics that grew (CreatePartitions) and how much of the timeline was read for it:
    /// a group keeps the partition count its leader assigned from until it rebalances,
    /// which may be long after (the leader's next metadata refresh).
    grown: BTreeSet<String>,
    timeline_read: usize,
}

impl GroupOwnership {
    fn check_coordinators(&mut self, sim: &Sim) -> Result<(), String> {
        for (_, _, e) in sim.timeline().iter().skip(self.timeline_read) {
            if let ClusterEvent::PartitionsCreated { topic, .. } = e {
                self.grown.insert(topic.clone());
            }
        }
        self.timeline_read = sim.timeline().len();
        let controller = sim.node(CONTROLLER_ID).and_then(|n| n.as_any().downcast_ref::<ControllerNode>());
        for b in 1..=self.brokers {
            let Some(node) = broker(sim, b) else { continue };
            for (group_id, g) in &node.group_coordinator().groups {
                if g.state != GroupState::Stable {
                    continue;
                }
                let mut owner: BTreeMap<(String, u32), &str> = BTreeMap::new();
                for (member_id, m) in &g.members {
                    let Some(partitions) = decode_assignment(&m.assignment) else { continue };
                    for tp in partitions {
                        if let Some(other) = owner.insert((tp.topic.to_string(), tp.partition), member_id) {
                            return Err(format!(
                                "coordinator {b}: group {group_id} generation {} gives {}-{} to both {other} and {member_id}",
                                g.generation_id, tp.topic, tp.partition
                            ));
                        }
                    }
                }
                let synced = g.members.values().all(|m| m.awaiting_sync.is_none()) && g.pending_sync.is_empty();
                let eager = g.protocol_name.as_deref().is_some_and(|p| p != "cooperative-sticky");
                let Some(controller) = controller.filter(|_| synced && eager) else { continue };
                let topics: BTreeSet<&String> = owner.keys().map(|(t, _)| t).collect();
                for topic in topics {
                    let count = if self.grown.contains(topic.as_str()) {
                        // Assigned from the leader's metadata: no gap below the last owned.
                        owner.keys().filter(|(t, _)| t == topic).map(|(_, p)| p + 1).max().unwrap_or(0)
                    } else {
                        controller.image().topics.get(topic.as_str()).map_or(0, |t| t.partitions.len() as u32)
                    };
                    if let Some(p) = (0..count).find(|p| !owner.contains_key(&(topic.clone(), *p))) {
                        return Err(format!(
                            "coordinator {b}: Stable group {group_id} generation {} assigns {topic} but nobody owns {topic}-{p}",
                            g.generation_id
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_consumers(&self, sim: &Sim) -> Result<(), String> {
        let mut owner: BTreeMap<(String, i32, String, u32), NodeId> = BTreeMap::new();
        for c in &self.consumers {
            if !matches!(sim.status(*c), Some(Status::Up | Status::Paused)) {
                continue;
            }
            let Some(consumer) = sim.node(*c).and_then(|n| n.as_any().downcast_ref::<ConsumerNode>()) else { continue };
            let (Some(group), MemberState::Stable) = (consumer.group_id(), consumer.member_state()) else { continue };
            let generation = consumer.generation().generation_id;
            if generation < 0 {
                continue;
            }
            for tp in consumer.assignment() {
                let key = (group.to_string(), generation, tp.topic.to_string(), tp.partition);
                if let Some(other) = owner.insert(key, *c) {
                    return Err(format!(
                        "consumers {other} and {c} both own {}-{} in group {group} generation {generation}",
                        tp.topic, tp.partition
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Invariant for GroupOwnership {
    fn name(&self) -> &'static str {
        "consumer groups: a partition has at most one owner per generation (exactly one once synced, eager)"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        let touched = sim.touched();
        if touched.iter().any(|n| (1..=self.brokers).contains(n)) {
            self.check_coordinators(sim)?;
        }
        if touched.iter().any(|n| self.consumers.contains(n)) {
            self.check_consumers(sim)?;
        }
        Ok(())
    }
}

/// The consumer-group invariant for a scenario (also for checkers in tests).
pub fn group_ownership(s: &Scenario) -> Box<dyn Invariant> {
    let consumers = s
        .clients
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == super::scenario::ClientKind::Consumer)
        .map(|(i, _)| FIRST_CLIENT_ID + i as u32)
        .collect();
    Box::new(GroupOwnership { brokers: s.cluster.brokers, consumers, grown: BTreeSet::new(), timeline_read: 0 })
}

/// Installs the cluster invariants for a scenario.
pub fn install(sim: &mut Sim, s: &Scenario) {
    let topics: Vec<Tp> =
        s.topics.iter().flat_map(|t| (0..t.partitions.max(0) as u32).map(move |p| (t.name.clone(), p))).collect();
    let cluster_unclean = s.cluster.configs.get("unclean.leader.election.enable").is_some_and(|v| v == "true");
    let unclean = |t: &super::scenario::TopicSpec| {
        t.configs.get("unclean.leader.election.enable").map_or(cluster_unclean, |v| v == "true")
    };
    let clean: BTreeSet<String> = s.topics.iter().filter(|t| !unclean(t)).map(|t| t.name.clone()).collect();
    let clean_partitions = topics.iter().map(|(topic, _)| clean.contains(topic)).collect();
    sim.add_invariant(Box::new(ReplicaRules::new(s.cluster.brokers, topics, clean_partitions)));
    let protected = s
        .topics
        .iter()
        .filter(|t| {
            let min_isr = t.configs.get("min.insync.replicas").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
            min_isr >= 2 && !unclean(t)
        })
        .map(|t| t.name.clone())
        .collect();
    sim.add_invariant(acked_invariant(s, protected, false));
    if s.clients.iter().any(|c| c.kind == super::scenario::ClientKind::Consumer) {
        sim.add_invariant(group_ownership(s));
    }
}

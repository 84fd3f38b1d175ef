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
use crate::engine::client::producer::ProducerNode;
use crate::engine::group::coordinator::group::GroupState;
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::ControllerNode;
use crate::engine::replica::view::{BatchSummary, ReplicaView};
use crate::engine::replica::BrokerNode;
use std::collections::{BTreeMap, BTreeSet};

type Tp = (String, u32);
/// A partition by its index in the scenario's partition list (cheap map keys).
type TpIndex = usize;

fn broker(sim: &Sim, id: NodeId) -> Option<&BrokerNode> {
    if !matches!(sim.status(id), Some(Status::Up | Status::Paused)) {
        return None;
    }
    sim.node(id)?.as_any().downcast_ref::<BrokerNode>()
}

struct ReplicaRules {
    brokers: u32,
    topics: Vec<Tp>,
    /// Topics with clean election only: their committed batches never change.
    clean: BTreeSet<String>,
    leader_hw: BTreeMap<(NodeId, TpIndex), (i32, i64)>,
    log_start: BTreeMap<(NodeId, TpIndex), i64>,
    /// Per replica, the offset below which its committed batches were already compared.
    checked: BTreeMap<(NodeId, TpIndex), i64>,
    /// Every committed batch seen so far, by base offset.
    history: BTreeMap<TpIndex, BTreeMap<i64, BatchSummary>>,
}

impl ReplicaRules {
    fn check_replica(&mut self, b: NodeId, i: TpIndex, v: &ReplicaView) -> Result<(), String> {
        let (topic, partition) = &self.topics[i];
        if v.high_watermark > v.log_end_offset {
            return Err(format!("broker {b} {topic}-{partition}: HW {} > LEO {}", v.high_watermark, v.log_end_offset));
        }
        let key = (b, i);
        let last_start = self.log_start.insert(key, v.log_start_offset).unwrap_or(i64::MIN);
        if v.log_start_offset < last_start {
            return Err(format!("broker {b} {topic}-{partition}: log start offset went back to {}", v.log_start_offset));
        }
        if v.is_leader {
            if let Some((epoch, hw)) = self.leader_hw.get(&key) {
                if *epoch == v.leader_epoch && v.high_watermark < *hw {
                    return Err(format!(
                        "broker {b} {topic}-{partition}: leader HW went back from {hw} to {} in epoch {epoch}",
                        v.high_watermark
                    ));
                }
            }
            self.leader_hw.insert(key, (v.leader_epoch, v.high_watermark));
        } else {
            self.leader_hw.remove(&key);
        }
        if !self.clean.contains(topic) {
            return Ok(());
        }
        let history = self.history.entry(i).or_default();
        for batch in v.batches.iter().filter(|x| x.last_offset < v.high_watermark) {
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
        self.checked.insert(key, v.high_watermark);
        Ok(())
    }
}

impl Invariant for ReplicaRules {
    fn name(&self) -> &'static str {
        "replicas: HW ≤ LEO, committed prefixes agree, offsets only grow"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        // Only the brokers this step handed an input to can have changed.
        let touched: Vec<NodeId> = sim.touched().iter().copied().filter(|b| (1..=self.brokers).contains(b)).collect();
        for i in 0..self.topics.len() {
            for &b in &touched {
                let from = self.checked.get(&(b, i)).copied().unwrap_or(i64::MIN);
                let (topic, partition) = &self.topics[i];
                let Some(v) = broker(sim, b).and_then(|n| n.replica_state_from(topic, *partition, from)) else {
                    self.checked.remove(&(b, i));
                    continue;
                };
                if v.log_end_offset < from {
                    // Truncated (or restarted shorter): compare again from where it now ends.
                    self.checked.insert((b, i), v.log_end_offset.min(v.high_watermark));
                }
                self.check_replica(b, i, &v)?;
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
    /// The highest acknowledged offset per partition.
    max_acked: BTreeMap<Tp, (i64, String)>,
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
            for r in acked.iter().skip(*seen).filter(|r| self.protected.contains(&r.topic)) {
                let entry = self.max_acked.entry((r.topic.clone(), r.partition)).or_insert((-1, String::new()));
                if r.offset > entry.0 {
                    *entry = (r.offset, r.value.clone());
                }
            }
            *seen = acked.len();
        }
        let Some(controller) =
            sim.node(CONTROLLER_ID).and_then(|n| n.as_any().downcast_ref::<ControllerNode>())
        else {
            return Ok(());
        };
        for ((topic, partition), (offset, value)) in &self.max_acked {
            // The leader is the one the controller's metadata names, once that broker has
            // caught up to the epoch (a restarting broker replaying old metadata may
            // briefly believe an old assignment; it leads nothing until it catches up).
            let Some(state) = controller.image().partition(topic, *partition) else { continue };
            let Some(id) = state.leader else { continue };
            let Some(leader) = broker(sim, id).and_then(|n| n.replica_state_from(topic, *partition, i64::MAX)) else {
                continue;
            };
            if !leader.is_leader || leader.leader_epoch != state.leader_epoch {
                continue;
            }
            if leader.log_end_offset <= *offset && leader.log_start_offset <= *offset {
                return Err(format!(
                    "record {topic}-{partition} offset {offset} (value {value}) was acknowledged but the leader (epoch {}) no longer has it: its log ends at {}",
                    leader.leader_epoch, leader.log_end_offset
                ));
            }
        }
        Ok(())
    }
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
                        if let Some(other) = owner.insert((tp.topic.clone(), tp.partition), member_id) {
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
                let key = (group.to_string(), generation, tp.topic.clone(), tp.partition);
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
    sim.add_invariant(Box::new(ReplicaRules {
        brokers: s.cluster.brokers,
        topics,
        clean,
        leader_hw: BTreeMap::new(),
        log_start: BTreeMap::new(),
        checked: BTreeMap::new(),
        history: BTreeMap::new(),
    }));
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

//! The cluster's invariants, checked after every step of a simulation (outside the
//! replicas, as TigerBeetle's state checker), incrementally so a long run stays linear:
//! * every replica: log start ≤ HW ≤ LEO, and the log start offset never goes back;
//! * a leader's HW never goes back within its epoch;
//! * replicas agree on the committed prefix: each committed batch of a topic with clean
//!   election (and not compacted) is the same on every replica that ever commits it
//!   (kept in a history);
//! * a record acknowledged with `acks=all` on a topic with `min.insync.replicas` ≥ 2 and
//!   clean election is never lost: whenever the partition has a leader, that leader (the
//!   one the controller's metadata names, once it has caught up to that epoch) holds it;
//! * consumer groups: in a coordinator's Stable group every partition of the current
//!   generation's assignment belongs to at most one member, and — once every member has
//!   its assignment, with an eager protocol — to exactly one (every partition of each
//!   assigned topic); consumers that are Stable in the same group and generation never
//!   hold the same partition;
//! * idempotent producers: no replica's log holds two batches of one producer id and
//!   epoch with overlapping sequences ([`idempotence`]);
//! * transactions: a read_committed consumer never delivers a record of an aborted
//!   transaction, nor of one not committed yet ([`read_committed`]); a
//!   consume-transform-produce pipeline's committed output is its input below its
//!   committed offsets, each record once, in order ([`pipeline`]).
//!
//! The replica rules live in [`replicas`], the acknowledged writes in [`acked`]; the
//! consumer-group rules and the installation for a scenario here. Every rule has a test
//! that breaks the engine on purpose and sees it reported (tests/checkers_bite.rs).

use super::driver::{Invariant, Sim, Status};
use super::scenario::{ClientKind, Scenario};
use crate::engine::client::consumer::protocol::decode_assignment;
use crate::engine::client::consumer::MemberState;
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::group::coordinator::group::GroupState;
use crate::engine::replica::BrokerNode;
use std::collections::{BTreeMap, BTreeSet};

mod acked;
mod idempotence;
mod pipeline;
mod read_committed;
mod replicas;

type Tp = (String, u32);

/// Broker `id` if it is up or paused.
fn broker(sim: &Sim, id: NodeId) -> Option<&BrokerNode> {
    sim.live_node(id)?.view().broker()
}

fn acked_invariant(s: &Scenario, protected: BTreeSet<String>, all_clients: bool) -> Box<dyn Invariant> {
    let clients: Vec<NodeId> = (0..s.clients.len()).map(|i| FIRST_CLIENT_ID + i as u32).collect();
    let acks_all = s
        .clients
        .iter()
        .zip(clients)
        .filter(|(c, _)| {
            all_clients
                || c.configs.get("acks").map_or(Some(Acks::All), |a| Acks::from_config(a)) == Some(Acks::All)
        })
        .map(|(_, id)| id)
        .collect();
    Box::new(acked::AckedWritesSurvive::new(acks_all, protected))
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
        for (_, _, e) in sim.timeline().iter_from(self.timeline_read) {
            if let ClusterEvent::PartitionsCreated { topic, .. } = e {
                self.grown.insert(topic.clone());
            }
        }
        self.timeline_read = sim.timeline().len();
        let controller = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller());
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
                let synced =
                    g.members.values().all(|m| m.awaiting_sync.is_none()) && g.pending_sync.is_empty();
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
            let Some(consumer) = sim.node(*c).and_then(|n| n.view().consumer()) else {
                continue;
            };
            let (Some(group), MemberState::Stable) = (consumer.group_id(), consumer.member_state()) else {
                continue;
            };
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
        .filter(|(_, c)| matches!(c.kind, ClientKind::Consumer | ClientKind::Pipeline))
        .map(|(i, _)| FIRST_CLIENT_ID + i as u32)
        .collect();
    Box::new(GroupOwnership {
        brokers: s.cluster.broker_slots(),
        consumers,
        grown: BTreeSet::new(),
        timeline_read: 0,
    })
}

/// Installs the cluster invariants for a scenario.
pub fn install(sim: &mut Sim, s: &Scenario) {
    let topics: Vec<Tp> = s
        .topics
        .iter()
        .flat_map(|t| (0..t.partitions.max(0) as u32).map(move |p| (t.name.clone(), p)))
        .collect();
    let cluster_unclean =
        s.cluster.configs.get("unclean.leader.election.enable").is_some_and(|v| v == "true");
    let unclean = |t: &super::scenario::TopicSpec| {
        t.configs.get("unclean.leader.election.enable").map_or(cluster_unclean, |v| v == "true")
    };
    // A compacted topic's committed batches legitimately differ between replicas once one
    // of them has cleaned (each broker's cleaner rewrites its own log on its own schedule),
    // so only the offsets rules apply to it.
    let compacted = |t: &super::scenario::TopicSpec| {
        t.configs.get("cleanup.policy").is_some_and(|v| v.split(',').any(|p| p.trim() == "compact"))
    };
    let clean: BTreeSet<String> =
        s.topics.iter().filter(|t| !unclean(t) && !compacted(t)).map(|t| t.name.clone()).collect();
    let clean_partitions = topics.iter().map(|(topic, _)| clean.contains(topic)).collect();
    sim.add_invariant(Box::new(idempotence::NoDuplicates::new(s.cluster.broker_slots(), topics.clone())));
    sim.add_invariant(Box::new(idempotence::LsoBelowHighWatermark::new(
        s.cluster.broker_slots(),
        topics.clone(),
    )));
    sim.add_invariant(Box::new(replicas::ReplicaRules::new(
        s.cluster.broker_slots(),
        topics,
        clean_partitions,
    )));
    let protected = s
        .topics
        .iter()
        .filter(|t| {
            let min_isr =
                t.configs.get("min.insync.replicas").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
            min_isr >= 2 && !unclean(t)
        })
        .map(|t| t.name.clone())
        .collect();
    sim.add_invariant(acked_invariant(s, protected, false));
    if s.clients.iter().any(|c| matches!(c.kind, ClientKind::Consumer | ClientKind::Pipeline)) {
        sim.add_invariant(group_ownership(s));
    }
    let read_committed: BTreeSet<NodeId> = s
        .clients
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let level = |name: &str| c.configs.get(name).map(|v| v.trim());
            match c.kind {
                ClientKind::Consumer => level("isolation.level") == Some("read_committed"),
                // A pipeline's consumer reads committed unless told otherwise.
                ClientKind::Pipeline => level("consumer.isolation.level")
                    .or(level("isolation.level"))
                    .is_none_or(|v| v == "read_committed"),
                ClientKind::Producer => false,
            }
        })
        .map(|(i, _)| FIRST_CLIENT_ID + i as u32)
        .collect();
    for (i, c) in s.clients.iter().enumerate().filter(|(_, c)| c.kind == ClientKind::Pipeline) {
        let partitions = |topic: &Option<String>| {
            s.topics.iter().find(|t| Some(&t.name) == topic.as_ref()).map(|t| t.partitions.max(0) as u32)
        };
        if let (Some(input), Some(output)) = (partitions(&c.input), partitions(&c.output)) {
            let id = FIRST_CLIENT_ID + i as u32;
            sim.add_invariant(Box::new(pipeline::PipelineExactlyOnce::new(id, input, output)));
        }
    }
    if !read_committed.is_empty() {
        for rule in [read_committed::Rule::NoAborted, read_committed::Rule::NoUncommitted] {
            sim.add_invariant(Box::new(read_committed::ReadCommittedOnly::new(
                rule,
                s.cluster.broker_slots(),
                read_committed.clone(),
            )));
        }
    }
}

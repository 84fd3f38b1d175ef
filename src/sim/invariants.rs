//! The cluster's invariants, checked after every step of a simulation (outside the
//! replicas, as TigerBeetle's state checker): the high watermark never passes the log
//! end offset; replicas agree on every committed batch; a leader's high watermark never
//! goes back within its epoch and the log start offset never goes back; and a record
//! acknowledged with `acks=all` on a topic with `min.insync.replicas` ≥ 2 and clean
//! election is never lost while the partition has a leader.

use super::driver::{Invariant, Sim, Status};
use super::scenario::Scenario;
use crate::engine::client::producer::ProducerNode;
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::{NodeId, FIRST_CLIENT_ID};
use crate::engine::replica::view::ReplicaView;
use crate::engine::replica::BrokerNode;
use std::collections::{BTreeMap, BTreeSet};

fn broker(sim: &Sim, id: NodeId) -> Option<&BrokerNode> {
    if sim.status(id) != Some(Status::Up) && sim.status(id) != Some(Status::Paused) {
        return None;
    }
    sim.node(id)?.as_any().downcast_ref::<BrokerNode>()
}

/// Every live replica of every partition, as (broker, view).
fn replicas(sim: &Sim, brokers: u32, topics: &[(String, u32)]) -> Vec<((String, u32), Vec<(NodeId, ReplicaView)>)> {
    topics
        .iter()
        .map(|(t, p)| {
            let views = (1..=brokers).filter_map(|b| Some((b, broker(sim, b)?.replica_state(t, *p)?))).collect();
            ((t.clone(), *p), views)
        })
        .collect()
}

struct ReplicaRules {
    brokers: u32,
    topics: Vec<(String, u32)>,
    /// (broker, topic, partition) → (leader epoch, high watermark) last seen as leader.
    leader_hw: BTreeMap<(NodeId, String, u32), (i32, i64)>,
    log_start: BTreeMap<(NodeId, String, u32), i64>,
}

impl Invariant for ReplicaRules {
    fn name(&self) -> &'static str {
        "replicas: HW ≤ LEO, committed prefixes agree, offsets only grow"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        for ((topic, partition), views) in replicas(sim, self.brokers, &self.topics) {
            for (b, v) in &views {
                if v.high_watermark > v.log_end_offset {
                    return Err(format!("broker {b} {topic}-{partition}: HW {} > LEO {}", v.high_watermark, v.log_end_offset));
                }
                let key = (*b, topic.clone(), partition);
                let last_start = self.log_start.insert(key.clone(), v.log_start_offset).unwrap_or(i64::MIN);
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
            }
            for (i, (a, va)) in views.iter().enumerate() {
                for (b, vb) in &views[i + 1..] {
                    let bound = va.high_watermark.min(vb.high_watermark);
                    let ca: Vec<_> = va.batches.iter().filter(|x| x.last_offset < bound && x.base_offset >= vb.log_start_offset).collect();
                    let cb: Vec<_> = vb.batches.iter().filter(|x| x.last_offset < bound && x.base_offset >= va.log_start_offset).collect();
                    if ca != cb {
                        return Err(format!("{topic}-{partition}: brokers {a} and {b} disagree below offset {bound}"));
                    }
                }
            }
        }
        Ok(())
    }
}

struct AckedWritesSurvive {
    brokers: u32,
    clients: Vec<NodeId>,
    /// Topics whose acknowledged acks=all writes must never be lost.
    protected: BTreeSet<String>,
    acks_all: BTreeSet<NodeId>,
}

impl Invariant for AckedWritesSurvive {
    fn name(&self) -> &'static str {
        "acks=all writes with min.insync.replicas ≥ 2 and clean election survive"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        for c in &self.clients {
            if !self.acks_all.contains(c) {
                continue;
            }
            let Some(p) = sim.node(*c).and_then(|n| n.as_any().downcast_ref::<ProducerNode>()) else { continue };
            for r in p.acknowledged().iter().filter(|r| self.protected.contains(&r.topic)) {
                // A paused or cut-off old leader may still think it leads (a zombie, which
                // can no longer commit anything): the leader is the one with the newest epoch.
                let leader = (1..=self.brokers)
                    .filter_map(|b| broker(sim, b)?.replica_state(&r.topic, r.partition))
                    .filter(|v| v.is_leader)
                    .max_by_key(|v| v.leader_epoch);
                let Some(leader) = leader else { continue };
                let covered = leader.batches.iter().any(|x| x.base_offset <= r.offset && r.offset <= x.last_offset);
                if !covered && r.offset >= leader.log_start_offset {
                    return Err(format!(
                        "record {}-{} offset {} (value {}) was acknowledged but the leader (epoch {}) no longer has it",
                        r.topic, r.partition, r.offset, r.value, leader.leader_epoch
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The acknowledged-writes check over chosen topics, whatever their settings (a test
/// uses it to show the checker does catch the loss an unclean election causes).
pub fn acked_writes_survive(s: &Scenario, topics: BTreeSet<String>) -> Box<dyn Invariant> {
    let clients: Vec<NodeId> = (0..s.clients.len()).map(|i| FIRST_CLIENT_ID + i as u32).collect();
    let acks_all = clients.iter().copied().collect();
    Box::new(AckedWritesSurvive { brokers: s.cluster.brokers, clients, protected: topics, acks_all })
}

/// Installs the cluster invariants for a scenario.
pub fn install(sim: &mut Sim, s: &Scenario) {
    let topics: Vec<(String, u32)> =
        s.topics.iter().flat_map(|t| (0..t.partitions.max(0) as u32).map(move |p| (t.name.clone(), p))).collect();
    sim.add_invariant(Box::new(ReplicaRules {
        brokers: s.cluster.brokers,
        topics,
        leader_hw: BTreeMap::new(),
        log_start: BTreeMap::new(),
    }));
    let cluster_unclean = s.cluster.configs.get("unclean.leader.election.enable").is_some_and(|v| v == "true");
    let protected = s
        .topics
        .iter()
        .filter(|t| {
            let min_isr = t.configs.get("min.insync.replicas").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
            let unclean = t.configs.get("unclean.leader.election.enable").map_or(cluster_unclean, |v| v == "true");
            min_isr >= 2 && !unclean
        })
        .map(|t| t.name.clone())
        .collect();
    let clients: Vec<NodeId> = (0..s.clients.len()).map(|i| FIRST_CLIENT_ID + i as u32).collect();
    let acks_all = s
        .clients
        .iter()
        .zip(&clients)
        .filter(|(c, _)| c.configs.get("acks").map_or(Some(Acks::All), |a| Acks::from_config(a)) == Some(Acks::All))
        .map(|(_, id)| *id)
        .collect();
    sim.add_invariant(Box::new(AckedWritesSurvive { brokers: s.cluster.brokers, clients, protected, acks_all }));
}

//! Partition leadership (Kafka's `PartitionChangeBuilder` and `ReplicationControlManager`
//! `handleBrokerFenced` / `handleBrokerUnfenced`). A clean election picks the first
//! replica, in replica order, that is in the ISR and unfenced. An unclean one (only when
//! `unclean.leader.election.enable` is true for the topic) picks the first unfenced
//! replica and makes the ISR just it: records the old leader acknowledged may be lost.
//! Invariants: a fenced broker never becomes leader; an ISR is never emptied.

use super::config::{parse_bool, UNCLEAN_LEADER_ELECTION_ENABLE};
use super::ControllerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::{MetadataRecord, PartitionState};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::faults::{self, Fault};

/// First replica (in replica order) in `isr` that `live` accepts.
pub(crate) fn clean_leader(replicas: &[NodeId], isr: &[NodeId], live: &[NodeId]) -> Option<NodeId> {
    if faults::on(Fault::ElectOutsideIsr) {
        // A test-only bug (break-engine): an out-of-sync live replica first.
        let outside = replicas.iter().copied().find(|r| !isr.contains(r) && live.contains(r));
        if outside.is_some() {
            return outside;
        }
    }
    replicas.iter().copied().find(|r| isr.contains(r) && live.contains(r))
}

/// First live replica, in or out of the ISR.
pub(crate) fn unclean_leader(replicas: &[NodeId], live: &[NodeId]) -> Option<NodeId> {
    replicas.iter().copied().find(|r| live.contains(r))
}

impl ControllerNode {
    /// The topic's `unclean.leader.election.enable`, else the cluster default.
    pub(crate) fn unclean_enabled(&self, topic: &str) -> bool {
        self.image
            .topics
            .get(topic)
            .and_then(|t| t.configs.iter().find(|(k, _)| k == UNCLEAN_LEADER_ELECTION_ENABLE))
            .and_then(|(_, v)| parse_bool(UNCLEAN_LEADER_ELECTION_ENABLE, v).ok())
            .unwrap_or(self.config.unclean_leader_election_enable)
    }

    fn partitions(&self) -> Vec<(String, u32, PartitionState)> {
        let mut out = Vec::new();
        for (topic, t) in &self.image.topics {
            for (i, p) in t.partitions.iter().enumerate() {
                out.push((topic.clone(), i as u32, p.clone()));
            }
        }
        out
    }

    /// Appends a PartitionChange and reports the leader and ISR changes it made.
    pub(crate) fn change_partition(
        &mut self,
        topic: &str,
        partition: u32,
        isr: Option<Vec<NodeId>>,
        leader: Option<Option<NodeId>>,
        unclean: bool,
    ) {
        let Some(before) = self.image.partition(topic, partition).cloned() else { return };
        self.append(MetadataRecord::PartitionChange { topic: topic.to_string(), partition, isr, leader });
        let Some(after) = self.image.partition(topic, partition).cloned() else { return };
        let tp = TopicPartition { topic: topic.into(), partition };
        let removed: Vec<NodeId> = before.isr.iter().copied().filter(|b| !after.isr.contains(b)).collect();
        let added: Vec<NodeId> = after.isr.iter().copied().filter(|b| !before.isr.contains(b)).collect();
        if !removed.is_empty() {
            self.event(ClusterEvent::IsrShrunk { tp: tp.clone(), removed, isr: after.isr.clone() });
        }
        if !added.is_empty() {
            self.event(ClusterEvent::IsrExpanded { tp: tp.clone(), added, isr: after.isr.clone() });
        }
        if after.leader_epoch != before.leader_epoch {
            self.event(ClusterEvent::LeaderElected {
                tp,
                leader: after.leader,
                leader_epoch: after.leader_epoch,
                unclean,
            });
        }
    }

    /// After `broker_id` was fenced: it leaves every ISR it can leave without emptying
    /// it, and partitions it led get a new leader (or none).
    pub(crate) fn on_broker_fenced(&mut self, broker_id: NodeId) {
        let live = self.image.live_brokers();
        for (topic, partition, p) in self.partitions() {
            let in_isr = p.isr.contains(&broker_id);
            let leads = p.leader == Some(broker_id);
            if !in_isr && !leads {
                continue;
            }
            let mut isr = p.isr.clone();
            if in_isr && isr.len() > 1 {
                isr.retain(|b| *b != broker_id);
            }
            let isr_change = (isr != p.isr).then(|| isr.clone());
            if !leads {
                self.change_partition(&topic, partition, isr_change, None, false);
                continue;
            }
            match clean_leader(&p.replicas, &isr, &live) {
                Some(leader) => {
                    self.change_partition(&topic, partition, isr_change, Some(Some(leader)), false)
                }
                None => match unclean_leader(&p.replicas, &live).filter(|_| self.unclean_enabled(&topic)) {
                    Some(leader) => {
                        self.change_partition(&topic, partition, Some(vec![leader]), Some(Some(leader)), true)
                    }
                    None => self.change_partition(&topic, partition, isr_change, Some(None), false),
                },
            }
        }
    }

    /// After `broker_id` was unfenced: offline partitions it can lead get a leader — a
    /// clean one if it is in their ISR, else an unclean one where the topic allows it.
    pub(crate) fn on_broker_unfenced(&mut self, broker_id: NodeId) {
        let live = self.image.live_brokers();
        for (topic, partition, p) in self.partitions() {
            if p.leader.is_some() || !p.replicas.contains(&broker_id) {
                continue;
            }
            if let Some(leader) = clean_leader(&p.replicas, &p.isr, &live) {
                self.change_partition(&topic, partition, None, Some(Some(leader)), false);
            } else if self.unclean_enabled(&topic) {
                if let Some(leader) = unclean_leader(&p.replicas, &live) {
                    self.change_partition(&topic, partition, Some(vec![leader]), Some(Some(leader)), true);
                }
            }
        }
    }
}

//! The cluster metadata log (KRaft's `__cluster_metadata`): records the controller writes
//! and every broker replays into the same [`ClusterImage`]. Invariants kept by `apply`:
//! a partition's `partition_epoch` grows with every change, its `leader_epoch` grows
//! exactly when the leader changes, and the leader (if any) is in the ISR.

use super::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One record of the metadata log, named after Kafka's metadata record types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetadataRecord {
    RegisterBroker {
        broker_id: NodeId,
        broker_epoch: i64,
        incarnation: u64,
    },
    FenceBroker {
        broker_id: NodeId,
        broker_epoch: i64,
    },
    UnfenceBroker {
        broker_id: NodeId,
        broker_epoch: i64,
    },
    Topic {
        name: String,
        configs: Vec<(String, String)>,
    },
    Partition {
        topic: String,
        partition: u32,
        replicas: Vec<NodeId>,
        isr: Vec<NodeId>,
        leader: Option<NodeId>,
    },
    /// Kafka's `RemoveTopicRecord` (keyed by topic id in Kafka; the playground has no
    /// topic ids, so by name): the topic and all its partitions leave the image.
    RemoveTopic {
        name: String,
    },
    /// A dynamic broker config set at the cluster-wide default (Kafka's `ConfigRecord`
    /// with resource type BROKER and the empty resource name, as
    /// `kafka-configs --entity-type brokers --entity-default --alter` writes it).
    BrokerConfig {
        name: String,
        value: String,
    },
    /// A change to one partition: a new ISR and/or a new leader (`None` inside `Some`
    /// means "no leader", as Kafka's -1). A leader change bumps the leader epoch.
    PartitionChange {
        topic: String,
        partition: u32,
        isr: Option<Vec<NodeId>>,
        leader: Option<Option<NodeId>>,
    },
    /// Kafka's `ProducerIdsRecord`: the controller gave broker `broker_id` the block of
    /// producer ids that ends before `next_producer_id` (the first id of the next block).
    ProducerIds {
        broker_id: NodeId,
        broker_epoch: i64,
        next_producer_id: i64,
    },
}

/// A partition as the metadata says it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub replicas: Vec<NodeId>,
    pub isr: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerState {
    pub broker_epoch: i64,
    pub fenced: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicImage {
    pub configs: Vec<(String, String)>,
    pub partitions: Vec<PartitionState>,
}

/// The state the metadata log describes, up to `next_offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterImage {
    pub next_offset: i64,
    pub brokers: BTreeMap<NodeId, BrokerState>,
    pub topics: BTreeMap<String, TopicImage>,
    /// Dynamic broker configs of the cluster-wide default, by Kafka name.
    #[serde(default)]
    pub broker_configs: BTreeMap<String, String>,
    /// The first producer id of the next block the controller hands out (Kafka's
    /// `ProducerIdsImage.nextProducerId`; 0 before any block).
    #[serde(default)]
    pub next_producer_id: i64,
}

impl ClusterImage {
    /// Applies the next record of the log.
    pub fn apply(&mut self, record: &MetadataRecord) {
        self.next_offset += 1;
        match record {
            MetadataRecord::RegisterBroker { broker_id, broker_epoch, .. } => {
                // A registering broker stays fenced until it has caught up (Kafka unfences
                // on a heartbeat once its metadata offset is current).
                self.brokers.insert(*broker_id, BrokerState { broker_epoch: *broker_epoch, fenced: true });
            }
            MetadataRecord::FenceBroker { broker_id, .. } => {
                if let Some(b) = self.brokers.get_mut(broker_id) {
                    b.fenced = true;
                }
            }
            MetadataRecord::UnfenceBroker { broker_id, .. } => {
                if let Some(b) = self.brokers.get_mut(broker_id) {
                    b.fenced = false;
                }
            }
            MetadataRecord::Topic { name, configs } => {
                self.topics
                    .entry(name.clone())
                    .or_insert_with(|| TopicImage { configs: configs.clone(), partitions: Vec::new() });
            }
            MetadataRecord::RemoveTopic { name } => {
                self.topics.remove(name);
            }
            MetadataRecord::Partition { topic, partition, replicas, isr, leader } => {
                if let Some(t) = self.topics.get_mut(topic) {
                    let state = PartitionState {
                        replicas: replicas.clone(),
                        isr: isr.clone(),
                        leader: *leader,
                        leader_epoch: 0,
                        partition_epoch: 0,
                    };
                    let i = *partition as usize;
                    if i < t.partitions.len() {
                        t.partitions[i] = state;
                    } else if i == t.partitions.len() {
                        t.partitions.push(state);
                    }
                }
            }
            MetadataRecord::BrokerConfig { name, value } => {
                self.broker_configs.insert(name.clone(), value.clone());
            }
            MetadataRecord::ProducerIds { next_producer_id, .. } => {
                // `ProducerIdControlManager.replay`: ids only move forward.
                self.next_producer_id = self.next_producer_id.max(*next_producer_id);
            }
            MetadataRecord::PartitionChange { topic, partition, isr, leader } => {
                if let Some(p) = self.partition_mut(topic, *partition) {
                    if let Some(isr) = isr {
                        p.isr = isr.clone();
                    }
                    if let Some(leader) = leader {
                        p.leader = *leader;
                        p.leader_epoch += 1;
                    }
                    p.partition_epoch += 1;
                }
            }
        }
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Option<&PartitionState> {
        self.topics.get(topic)?.partitions.get(partition as usize)
    }

    fn partition_mut(&mut self, topic: &str, partition: u32) -> Option<&mut PartitionState> {
        self.topics.get_mut(topic)?.partitions.get_mut(partition as usize)
    }

    /// Brokers that are registered and not fenced.
    pub fn live_brokers(&self) -> Vec<NodeId> {
        self.brokers.iter().filter(|(_, b)| !b.fenced).map(|(id, _)| *id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leader_changes_bump_the_leader_epoch_isr_changes_do_not() {
        let mut img = ClusterImage::default();
        img.apply(&MetadataRecord::Topic { name: "t".into(), configs: vec![] });
        img.apply(&MetadataRecord::Partition {
            topic: "t".into(),
            partition: 0,
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            leader: Some(1),
        });
        img.apply(&MetadataRecord::PartitionChange {
            topic: "t".into(),
            partition: 0,
            isr: Some(vec![1, 2]),
            leader: None,
        });
        let p = img.partition("t", 0).unwrap();
        assert_eq!((p.leader_epoch, p.partition_epoch), (0, 1));
        img.apply(&MetadataRecord::PartitionChange {
            topic: "t".into(),
            partition: 0,
            isr: Some(vec![2]),
            leader: Some(Some(2)),
        });
        let p = img.partition("t", 0).unwrap();
        assert_eq!((p.leader, p.leader_epoch, p.partition_epoch), (Some(2), 1, 2));
        assert_eq!(img.next_offset, 4);
    }
}

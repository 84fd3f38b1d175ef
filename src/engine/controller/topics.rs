//! Topic creation (Kafka's `ReplicationControlManager.createTopic`) and the Metadata API
//! answered from the image. Replica placement is Kafka's classic rack-unaware
//! `assignReplicasToBrokers`: over the sorted unfenced brokers, partition `p`'s first
//! replica is broker `(p + start) % n` and the others follow at a shift that grows every
//! `n` partitions, so leaders and followers spread evenly. `start` and the shift are drawn
//! from `Rng(seed ^ offset of the Topic record)`: deterministic, also after recovery.
//! Invariant: a topic is written (Topic, then Partition × n) only once fully validated,
//! and only within the playground's bounds ([`crate::engine::limits`]: partitions per
//! topic, topics and partition replicas per cluster), checked before anything is
//! allocated for its partitions.

use super::config::{parse_bool, UNCLEAN_LEADER_ELECTION_ENABLE};
use super::ControllerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::MetadataRecord;
use crate::engine::cluster::{ClusterEvent, Message, NodeId};
use crate::engine::error::{ErrorCode, KafkaError};
use crate::engine::limits::{check_cluster_replicas, check_partition_count, check_topic_count, LimitError};
use crate::engine::rng::Rng;
use crate::engine::topic::{validate_topic_name, TopicConfig};

/// A refusal: Kafka's code and the message a client would print.
pub type Refusal = (ErrorCode, String);

/// A refusal as the page and the events feed say it: `CODE_NAME: message`.
pub fn refusal_text((code, text): Refusal) -> String {
    format!("{}: {text}", code.name())
}

fn limit_refusal(e: LimitError) -> Refusal {
    (e.code, e.message)
}

/// The message of an engine error without its leading code name.
pub(crate) fn message_of(e: &KafkaError) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", e.code.name());
    text.strip_prefix(&prefix).map_or(text.clone(), str::to_string)
}

/// Kafka's rack-unaware replica assignment over `brokers` (sorted).
pub fn assign_replicas(
    brokers: &[NodeId],
    partitions: u32,
    replication_factor: u32,
    rng: &mut Rng,
) -> Vec<Vec<NodeId>> {
    let n = brokers.len() as u32;
    if n == 0 {
        return Vec::new();
    }
    let start = rng.below(n);
    let mut shift = rng.below(n);
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start) % n;
        let mut replicas = vec![brokers[first as usize]];
        for j in 0..replication_factor.saturating_sub(1) {
            let index = (first + 1 + (shift + j) % (n - 1).max(1)) % n;
            replicas.push(brokers[index as usize]);
        }
        out.push(replicas);
    }
    out
}

/// A topic that passed every check of CreateTopics, ready to be written.
pub(crate) struct CheckedTopic {
    partitions: u32,
    replication_factor: u32,
    topic_config: TopicConfig,
    unclean: Option<bool>,
    live: Vec<NodeId>,
}

impl ControllerNode {
    /// Whether CreateTopics would accept this topic now, with the refusal Kafka would
    /// answer if not (the page checks a form with it before it sends the command).
    pub fn check_create_topic(
        &self,
        name: &str,
        partitions: i64,
        replication_factor: i64,
        configs: &[(String, String)],
        replica_assignment: Option<&[Vec<NodeId>]>,
    ) -> Result<(), Refusal> {
        self.checked_topic(name, partitions, replication_factor, configs, replica_assignment).map(|_| ())
    }

    /// Validates and writes a new topic; `-1` partitions or replication factor mean
    /// `num.partitions` / `default.replication.factor`.
    pub(crate) fn create_topic(
        &mut self,
        name: &str,
        partitions: i64,
        replication_factor: i64,
        configs: &[(String, String)],
        replica_assignment: Option<&[Vec<NodeId>]>,
    ) -> Result<(), Refusal> {
        let CheckedTopic { partitions, replication_factor, topic_config, unclean, live } =
            self.checked_topic(name, partitions, replication_factor, configs, replica_assignment)?;
        let mut rng =
            Rng::new(self.config.seed ^ (self.log.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let assignment = match replica_assignment {
            None => assign_replicas(&live, partitions, replication_factor, &mut rng),
            Some(manual) => manual.to_vec(),
        };
        let mut stored = topic_config.overrides();
        if let Some(unclean) = unclean {
            stored.push((UNCLEAN_LEADER_ELECTION_ENABLE.to_string(), unclean.to_string()));
        }
        self.append(MetadataRecord::Topic { name: name.to_string(), configs: stored });
        for (partition, replicas) in assignment.into_iter().enumerate() {
            let leader = replicas.first().copied();
            self.append(MetadataRecord::Partition {
                topic: name.to_string(),
                partition: partition as u32,
                isr: replicas.clone(),
                replicas,
                leader,
            });
        }
        self.event(ClusterEvent::TopicCreated { topic: name.to_string(), partitions, replication_factor });
        self.announce_leaders(name, 0..partitions);
        Ok(())
    }

    /// A LeaderElected event for each new partition of `name` (its first leader).
    fn announce_leaders(&mut self, name: &str, partitions: std::ops::Range<u32>) {
        for partition in partitions {
            if let Some(p) = self.image.partition(name, partition).cloned() {
                let tp = TopicPartition { topic: name.into(), partition };
                self.event(ClusterEvent::LeaderElected {
                    tp,
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    unclean: false,
                });
            }
        }
    }

    /// Every check of `ReplicationControlManager.createTopic`, in its order.
    fn checked_topic(
        &self,
        name: &str,
        partitions: i64,
        replication_factor: i64,
        configs: &[(String, String)],
        replica_assignment: Option<&[Vec<NodeId>]>,
    ) -> Result<CheckedTopic, Refusal> {
        let refuse = |e: KafkaError| (e.code, message_of(&e));
        validate_topic_name(name).map_err(refuse)?;
        if self.image.topics.contains_key(name) {
            return Err((ErrorCode::TopicAlreadyExists, format!("Topic '{name}' already exists.")));
        }
        let partitions = if partitions == -1 { i64::from(self.config.num_partitions) } else { partitions };
        let partitions = check_partition_count(partitions).map_err(limit_refusal)?;
        check_topic_count(self.image.topics.len() as u64).map_err(limit_refusal)?;
        let replication_factor = match replication_factor {
            -1 => self.config.default_replication_factor,
            rf if rf >= 1 && rf <= i64::from(i16::MAX) => rf as u32,
            _ => {
                return Err((
                    ErrorCode::InvalidReplicationFactor,
                    "Replication factor must be larger than 0, or -1 to use the default value.".to_string(),
                ))
            }
        };
        let mut unclean = None;
        let mut rest = Vec::new();
        for (k, v) in configs {
            if k == UNCLEAN_LEADER_ELECTION_ENABLE {
                unclean = Some(parse_bool(k, v).map_err(refuse)?);
            } else {
                rest.push((k.as_str(), v.as_str()));
            }
        }
        let mut topic_config =
            TopicConfig { min_insync_replicas: self.config.min_insync_replicas, ..TopicConfig::default() };
        for (k, v) in rest {
            topic_config.set(k, v).map_err(refuse)?;
        }
        if topic_config.min_insync_replicas > replication_factor {
            return Err((
                ErrorCode::InvalidConfig,
                format!(
                    "min.insync.replicas ({}) is larger than the replication factor ({replication_factor}): every write with acks=all would fail with NOT_ENOUGH_REPLICAS.",
                    topic_config.min_insync_replicas
                ),
            ));
        }
        let live = self.image.live_brokers();
        if replication_factor as usize > live.len() {
            return Err((
                ErrorCode::InvalidReplicationFactor,
                format!(
                    "Replication factor: {replication_factor} larger than available brokers: {}.",
                    live.len()
                ),
            ));
        }
        let new_replicas = u64::from(partitions) * u64::from(replication_factor);
        check_cluster_replicas(self.partition_replicas(), new_replicas).map_err(limit_refusal)?;
        if let Some(manual) = replica_assignment {
            check_manual_assignment(manual, partitions, replication_factor, &live)?;
        }
        Ok(CheckedTopic { partitions, replication_factor, topic_config, unclean, live })
    }

    /// Kafka's CreatePartitions (`kafka-topics --alter --partitions N`): grows a topic to
    /// `count` partitions with the topic's replication factor, placing the new replicas
    /// as topic creation places them; brokers create the new replicas when the records
    /// reach them, clients see the new count on their next metadata refresh.
    /// With `validate_only`, every check runs and nothing is written (the request's
    /// `validate_only`).
    pub(crate) fn create_partitions(
        &mut self,
        name: &str,
        count: i64,
        validate_only: bool,
    ) -> Result<(), Refusal> {
        let Some(topic) = self.image.topics.get(name) else {
            return Err((ErrorCode::UnknownTopicOrPartition, format!("The topic '{name}' does not exist.")));
        };
        let current = topic.partitions.len() as u32;
        let replication_factor = topic.partitions.first().map_or(1, |p| p.replicas.len() as u32);
        if count == i64::from(current) {
            return Err((ErrorCode::InvalidPartitions, format!("Topic already has {current} partitions.")));
        }
        if count < i64::from(current) {
            return Err((
                ErrorCode::InvalidPartitions,
                format!(
                    "Topic currently has {current} partitions, which is higher than the requested {count}."
                ),
            ));
        }
        let count = check_partition_count(count).map_err(limit_refusal)?;
        let new_replicas = u64::from(count - current) * u64::from(replication_factor);
        check_cluster_replicas(self.partition_replicas(), new_replicas).map_err(limit_refusal)?;
        let live = self.image.live_brokers();
        if replication_factor as usize > live.len() {
            return Err((
                ErrorCode::InvalidReplicationFactor,
                format!(
                    "Unable to replicate the partition {replication_factor} time(s): The target replication factor of {replication_factor} cannot be reached because only {} broker(s) are registered.",
                    live.len()
                ),
            ));
        }
        if validate_only {
            return Ok(());
        }
        let mut rng =
            Rng::new(self.config.seed ^ (self.log.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let assignment = assign_replicas(&live, count, replication_factor, &mut rng);
        for partition in current..count {
            let replicas = assignment.get(partition as usize).cloned().unwrap_or_default();
            let leader = replicas.first().copied();
            self.append(MetadataRecord::Partition {
                topic: name.to_string(),
                partition,
                isr: replicas.clone(),
                replicas,
                leader,
            });
        }
        self.event(ClusterEvent::PartitionsCreated { topic: name.to_string(), from: current, to: count });
        self.announce_leaders(name, current..count);
        Ok(())
    }

    /// Partition replicas over every topic, the quantity
    /// [`crate::engine::limits::MAX_PARTITION_REPLICAS_PER_CLUSTER`] bounds.
    fn partition_replicas(&self) -> u64 {
        let per_topic = self.image.topics.values();
        per_topic.flat_map(|t| t.partitions.iter()).map(|p| p.replicas.len() as u64).sum()
    }

    /// Metadata for `topics` (all topics when empty): unfenced brokers, every partition's
    /// leader, epochs and ISR, and the topics that do not exist.
    pub(crate) fn metadata_response(&self, correlation_id: u64, topics: &[String]) -> Message {
        let names: Vec<String> =
            if topics.is_empty() { self.image.topics.keys().cloned().collect() } else { topics.to_vec() };
        let mut partitions = Vec::new();
        let mut unknown_topics = Vec::new();
        for name in names {
            match self.image.topics.get(&name) {
                Some(t) => {
                    for (i, p) in t.partitions.iter().enumerate() {
                        partitions.push((
                            TopicPartition { topic: name.as_str().into(), partition: i as u32 },
                            p.clone(),
                        ));
                    }
                }
                None => unknown_topics.push(name),
            }
        }
        Message::MetadataResponse {
            correlation_id,
            brokers: self.image.live_brokers(),
            partitions,
            unknown_topics,
        }
    }
}

/// Checks a manual `replica_assignment` (`kafka-topics --replica-assignment 1:2:3,…`): one
/// list per partition, each as long as the replication factor, of distinct live brokers.
fn check_manual_assignment(
    manual: &[Vec<NodeId>],
    partitions: u32,
    replication_factor: u32,
    live: &[NodeId],
) -> Result<(), Refusal> {
    let bad = |text: String| Err((ErrorCode::InvalidReplicaAssignment, text));
    if manual.len() != partitions as usize {
        return bad(format!(
            "The replica assignment lists {} partitions, the topic has {partitions}.",
            manual.len()
        ));
    }
    for (p, replicas) in manual.iter().enumerate() {
        if replicas.len() != replication_factor as usize {
            return bad(format!(
                "Partition {p}: {} replicas, the replication factor is {replication_factor}.",
                replicas.len()
            ));
        }
        let distinct: std::collections::BTreeSet<_> = replicas.iter().collect();
        if distinct.len() != replicas.len() {
            return bad(format!("Partition {p}: a broker is listed twice in {replicas:?}."));
        }
        if let Some(b) = replicas.iter().find(|b| !live.contains(b)) {
            return bad(format!("Partition {p}: broker {b} is not an available broker."));
        }
    }
    Ok(())
}

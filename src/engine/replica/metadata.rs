//! How a broker follows the metadata log (KRaft's `BrokerMetadataPublisher` and
//! `ReplicaManager.applyDelta`): records are replayed in offset order into the image,
//! each once; every partition that names this broker gets a log on first sight and the
//! role the image gives it (leader, follower of the leader, offline); a removed topic's
//! replicas are deleted ([`super::delete_topic`]). The ISR a leader
//! asked for in an AlterPartition is applied only when the controller's answer or
//! metadata carries it. Invariant: a partition's state is only replaced by a newer
//! `partition_epoch` (or a newer leader epoch).

use super::partition::{Partition, Role};
use super::BrokerNode;
use crate::engine::cluster::messages::{IsolationLevel, Message, TopicPartition};
use crate::engine::cluster::metadata::{MetadataRecord, PartitionState};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::log::{LeaderEpochCache, OffsetSpec, PartitionLog};
use crate::engine::store::StoreOp;
use crate::engine::topic::TopicConfig;

pub const TOPIC_META_PREFIX: &str = "topics/";

impl BrokerNode {
    pub(crate) fn handle_metadata_update(
        &mut self,
        now_ms: i64,
        first_offset: i64,
        records: &[MetadataRecord],
    ) {
        let mut touched: Vec<TopicPartition> = Vec::new();
        for (i, record) in records.iter().enumerate() {
            let offset = first_offset + i as i64;
            if offset < self.image.next_offset {
                continue;
            }
            if offset > self.image.next_offset {
                // Records after a gap are dropped, quietly: Kafka's brokers pull the
                // metadata log from their own offset and never see one; the playground's
                // controller pushes, and a push meant for the broker's previous process
                // (a crash the controller has not seen yet) can reach its new one. The
                // next heartbeat's CurrentMetadataOffset has the controller send again
                // from the broker's offset (`ControllerNode::handle_heartbeat`), so nothing
                // is lost; the feed is no place for this internal step (issue 14, point 7).
                break;
            }
            self.image.apply(record);
            match record {
                MetadataRecord::RegisterBroker { broker_id, broker_epoch, incarnation }
                    if *broker_id == self.broker_id && *incarnation == self.incarnation =>
                {
                    self.broker_epoch = *broker_epoch;
                }
                MetadataRecord::RemoveTopic { name } => {
                    // At once, in log order: a topic re-created later in this update
                    // starts from empty logs.
                    touched.retain(|tp| tp.topic.as_str() != name.as_str());
                    self.delete_topic_replicas(name);
                    self.coordinator.on_topic_deleted(now_ms, name);
                }
                MetadataRecord::BrokerConfig { name, value } => self.reconfigure(now_ms, name, value),
                MetadataRecord::Partition { topic, partition, .. }
                | MetadataRecord::PartitionChange { topic, partition, .. } => {
                    let tp = TopicPartition { topic: topic.into(), partition: *partition };
                    if !touched.contains(&tp) {
                        touched.push(tp);
                    }
                }
                _ => {}
            }
        }
        for tp in touched {
            if let Some(state) = self.image.partition(&tp.topic, tp.partition).cloned() {
                self.apply_partition_state(now_ms, &tp, state);
            }
        }
    }

    /// Brings one partition to `state`: creates its log, changes role, or applies an ISR.
    pub(crate) fn apply_partition_state(&mut self, now_ms: i64, tp: &TopicPartition, state: PartitionState) {
        if !state.replicas.contains(&self.broker_id) && !self.partitions.contains_key(tp) {
            return;
        }
        if !self.partitions.contains_key(tp) {
            let Some(config) = self.topic_config(&tp.topic) else { return };
            let mut log = PartitionLog::new(self.broker_id, &tp.topic, tp.partition, config.clone(), now_ms);
            log.set_producer_id_expiration_ms(self.config.producer_id_expiration_ms);
            self.persist_topic(&tp.topic, &config);
            self.partitions.insert(tp.clone(), Partition::new(log, LeaderEpochCache::new(), 0));
        }
        let self_id = self.broker_id;
        let Some(p) = self.partitions.get_mut(tp) else { return };
        let old = p.state.clone();
        let newer_leader = state.leader_epoch > old.leader_epoch;
        if !newer_leader && state.partition_epoch <= old.partition_epoch && p.role != Role::Offline {
            return;
        }
        let new_role = match state.leader {
            Some(l) if l == self_id => Role::Leader,
            Some(_) if state.replicas.contains(&self_id) => Role::Follower,
            _ => Role::Offline,
        };
        let old_role = p.role;
        let leader_changed = newer_leader || new_role != old_role;
        p.state = state.clone();
        if p.pending_alter.is_some() && state.partition_epoch > old.partition_epoch {
            p.pending_alter = None;
        }
        if leader_changed {
            match new_role {
                Role::Leader => p.make_leader(self_id, now_ms),
                Role::Follower | Role::Offline => {
                    p.role = new_role;
                    p.followers.clear();
                    p.pending_alter = None;
                    p.fetch_backoff_until_ms = 0;
                }
            }
        } else if new_role == Role::Leader {
            // Replicas added by a reassignment get a fresh view.
            for r in state.replicas.iter().filter(|r| **r != self_id) {
                p.followers
                    .entry(*r)
                    .or_insert_with(|| super::partition::FollowerState::reset(now_ms, state.isr.contains(r)));
            }
        }
        if new_role == Role::Leader && old_role == Role::Leader && !newer_leader {
            self.report_isr_change(tp, &old.isr, &state.isr);
        }
        if new_role == Role::Leader {
            self.maybe_increment_high_watermark(now_ms, tp);
        }
        if new_role == Role::Follower {
            if let Some(leader) = state.leader {
                self.kick_fetcher(now_ms, leader);
            }
        }
    }

    fn report_isr_change(&mut self, tp: &TopicPartition, old: &[NodeId], new: &[NodeId]) {
        let removed: Vec<NodeId> = old.iter().filter(|r| !new.contains(r)).copied().collect();
        let added: Vec<NodeId> = new.iter().filter(|r| !old.contains(r)).copied().collect();
        if !removed.is_empty() {
            self.event(ClusterEvent::IsrShrunk { tp: tp.clone(), removed, isr: new.to_vec() });
        }
        if !added.is_empty() {
            self.event(ClusterEvent::IsrExpanded { tp: tp.clone(), added, isr: new.to_vec() });
        }
    }

    fn topic_config(&mut self, topic: &str) -> Option<TopicConfig> {
        let configs = self.image.topics.get(topic)?.configs.clone();
        match TopicConfig::from_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
            Ok(c) => Some(c),
            Err(e) => {
                self.refuse(format!("topic {topic} has configs this broker refuses ({e}); defaults used"));
                Some(TopicConfig::default())
            }
        }
    }

    fn persist_topic(&mut self, topic: &str, config: &TopicConfig) {
        let value = serde_json::to_string(&config.overrides()).unwrap_or_default();
        let op = StoreOp::PutMeta {
            broker_id: self.broker_id,
            name: format!("{TOPIC_META_PREFIX}{topic}"),
            value,
        };
        self.outputs.push_back(crate::engine::cluster::Output::Persist(op));
    }

    pub(crate) fn handle_alter_partition_response(
        &mut self,
        now_ms: i64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        state: Option<PartitionState>,
    ) {
        let Some(p) = self.partitions.get_mut(&tp) else { return };
        match (error, state) {
            (None, Some(state)) => {
                if state.leader_epoch == p.state.leader_epoch
                    && state.partition_epoch > p.state.partition_epoch
                {
                    self.apply_partition_state(now_ms, &tp, state);
                } else {
                    p.pending_alter = None;
                }
            }
            (error, _) => {
                // INVALID_UPDATE_VERSION, FENCED_LEADER_EPOCH, …: the metadata will bring the
                // state that won; the next ISR check may ask again.
                p.pending_alter = None;
                if let Some(e) = error {
                    let reason =
                        format!("AlterPartition for {}-{} refused: {}", tp.topic, tp.partition, e.name());
                    self.refuse(reason);
                }
            }
        }
    }

    /// Sends AlterPartition for a leader's partition, unless one is in flight.
    pub(crate) fn send_alter_partition(&mut self, now_ms: i64, tp: &TopicPartition, new_isr: Vec<NodeId>) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        p.pending_alter =
            Some(super::partition::PendingAlter { new_isr: new_isr.clone(), sent_at_ms: now_ms });
        let message = Message::AlterPartition {
            broker_id: self.broker_id,
            broker_epoch: self.broker_epoch,
            tp: tp.clone(),
            leader_epoch: p.state.leader_epoch,
            partition_epoch: p.state.partition_epoch,
            new_isr,
        };
        self.send(self.config.controller_id, message);
    }

    pub(crate) fn handle_metadata_request(&mut self, from: NodeId, correlation_id: u64, topics: Vec<String>) {
        let names: Vec<String> =
            if topics.is_empty() { self.image.topics.keys().cloned().collect() } else { topics };
        let mut partitions = Vec::new();
        let mut unknown_topics = Vec::new();
        for name in names {
            match self.image.topics.get(&name) {
                Some(t) => partitions.extend(t.partitions.iter().enumerate().map(|(i, s)| {
                    (TopicPartition { topic: name.as_str().into(), partition: i as u32 }, s.clone())
                })),
                None => unknown_topics.push(name),
            }
        }
        let brokers = self.image.live_brokers();
        self.send(from, Message::MetadataResponse { correlation_id, brokers, partitions, unknown_topics });
    }

    /// ListOffsets on the leader; `latest` is the high watermark (read_uncommitted).
    pub(crate) fn handle_list_offsets(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        tp: TopicPartition,
        timestamp_ms: i64,
        isolation_level: IsolationLevel,
    ) {
        let answer = match self.partitions.get(&tp) {
            None => Err(ErrorCode::UnknownTopicOrPartition),
            Some(p) if !p.is_leader() => Err(ErrorCode::NotLeaderOrFollower),
            Some(p) => {
                // `Partition.fetchOffsetForTimestamp`: the last fetchable offset is the
                // LSO under read_committed, the high watermark under read_uncommitted.
                let last_fetchable_offset = match isolation_level {
                    IsolationLevel::ReadCommitted => p.last_stable_offset(),
                    IsolationLevel::ReadUncommitted => p.high_watermark,
                };
                Ok(match OffsetSpec::from_timestamp(timestamp_ms) {
                    OffsetSpec::Latest => (-1, last_fetchable_offset),
                    OffsetSpec::Earliest => (-1, p.log.log_start_offset()),
                    spec => {
                        let found = p.log.list_offset(spec);
                        if found.offset >= last_fetchable_offset {
                            (-1, -1)
                        } else {
                            (found.timestamp_ms, found.offset)
                        }
                    }
                })
            }
        };
        let (error, (timestamp_ms, offset)) = match answer {
            Ok(found) => (None, found),
            Err(e) => (Some(e), (-1, -1)),
        };
        self.send(from, Message::ListOffsetsResponse { correlation_id, tp, error, offset, timestamp_ms });
    }

    /// OffsetForLeaderEpoch (`Partition.lastOffsetForLeaderEpoch`, leader only, as for a
    /// consumer): the current leader epoch fences as in a fetch (`getLocalLog`), then
    /// the epoch cache's `endOffsetFor` (-1, -1 when the epoch is unknown).
    pub(crate) fn handle_offset_for_leader_epoch(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        tp: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    ) {
        let answer = match self.partitions.get(&tp) {
            None => Err(ErrorCode::UnknownTopicOrPartition),
            Some(p) if current_leader_epoch >= 0 && current_leader_epoch < p.state.leader_epoch => {
                Err(ErrorCode::FencedLeaderEpoch)
            }
            Some(p) if current_leader_epoch > p.state.leader_epoch => Err(ErrorCode::UnknownLeaderEpoch),
            Some(p) if !p.is_leader() => Err(ErrorCode::NotLeaderOrFollower),
            Some(p) => Ok(p.epoch_cache.end_offset_for(leader_epoch, p.log_end_offset())),
        };
        let (error, (leader_epoch, end_offset)) = match answer {
            Ok(found) => (None, found),
            Err(e) => (Some(e), (-1, -1)),
        };
        let response =
            Message::OffsetForLeaderEpochResponse { correlation_id, tp, error, leader_epoch, end_offset };
        self.send(from, response);
    }
}

//! The producer's metadata cache (Java's `Metadata`/`ProducerMetadata`): which partitions
//! a topic has and who leads them. Refreshed when a topic is first used, when a leader is
//! unknown, and after errors that mean the cache is stale (NOT_LEADER_OR_FOLLOWER,
//! UNKNOWN_TOPIC_OR_PARTITION, timeouts, …), at most once per `retry.backoff.ms`.
//! Invariant (KIP-320): a partition's cached leader epoch never goes backwards, so an
//! answer from a broker with an older image does not undo a newer one.

use super::{InFlight, ProducerNode};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{Message, NodeId, Output, TimerKey, TimerKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record whose `send()` blocks in `waitOnMetadata`: its topic and the partition it
/// names (if any), the partition count the metadata has for the topic (`None`: unknown
/// topic), since when it waits, and how many records wait in all (it and those after it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedSend {
    pub topic: String,
    pub partition: Option<u32>,
    pub partition_count: Option<u32>,
    pub since_ms: i64,
    pub records_waiting: u64,
}

impl ProducerNode {
    /// The record whose `send()` blocks on metadata, if one does.
    pub fn blocked_send(&self) -> Option<BlockedSend> {
        let since_ms = self.blocked_since_ms?;
        let w = self.waiting.first()?;
        Some(BlockedSend {
            topic: w.topic.to_string(),
            partition: w.partition,
            partition_count: self.partition_count(&w.topic),
            since_ms,
            records_waiting: self.waiting.len() as u64,
        })
    }

    /// How many partitions the cached metadata has for `topic` (`None`: not known).
    pub(crate) fn partition_count(&self, topic: &str) -> Option<u32> {
        self.topics.get(topic).map(|t| t.len() as u32)
    }

    /// The leader of `tp` as cached, if any.
    pub(crate) fn leader_of(&self, tp: &TopicPartition) -> Option<NodeId> {
        self.topics.get(tp.topic.as_str())?.get(&tp.partition)?.leader
    }

    pub(crate) fn maybe_request_metadata(&mut self) {
        if !self.metadata_needed || self.metadata_in_flight || self.now_ms < self.metadata_backoff_until_ms {
            return;
        }
        let nodes =
            if self.brokers.is_empty() { self.config.bootstrap.clone() } else { self.brokers.clone() };
        if nodes.is_empty() {
            return;
        }
        let node = nodes[(self.metadata_requests_sent % nodes.len() as u64) as usize];
        self.metadata_requests_sent += 1;
        let mut topics: Vec<String> = self.topics.keys().cloned().collect();
        topics.extend(self.waiting.iter().map(|w| w.topic.to_string()));
        topics.extend(self.accumulator.queues.keys().map(|tp| tp.topic.to_string()));
        topics.sort();
        topics.dedup();
        let correlation_id = self.take_correlation_id();
        self.send(node, Message::MetadataRequest { correlation_id, topics });
        self.in_flight.insert(correlation_id, InFlight::Metadata { node });
        self.metadata_in_flight = true;
        self.metadata_needed = false;
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: self.now_ms + self.config.request_timeout_ms });
    }

    pub(crate) fn handle_metadata_response(
        &mut self,
        correlation_id: u64,
        brokers: Vec<NodeId>,
        partitions: Vec<(TopicPartition, PartitionState)>,
        unknown_topics: Vec<String>,
    ) {
        if !matches!(self.in_flight.get(&correlation_id), Some(InFlight::Metadata { .. })) {
            return;
        }
        self.in_flight.remove(&correlation_id);
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        self.metadata_in_flight = false;
        self.metadata_backoff_until_ms = self.now_ms + self.config.retry_backoff_ms;
        if !brokers.is_empty() {
            self.brokers = brokers;
        }
        let mut fresh: BTreeMap<String, BTreeMap<u32, PartitionState>> = BTreeMap::new();
        for (tp, state) in partitions {
            let cached = self.topics.get(tp.topic.as_str()).and_then(|t| t.get(&tp.partition));
            let state = match cached {
                Some(old) if old.leader_epoch > state.leader_epoch => old.clone(),
                _ => state,
            };
            fresh.entry(tp.topic.to_string()).or_default().insert(tp.partition, state);
        }
        for (topic, partitions) in fresh {
            self.unknown_topics.remove(&topic);
            self.topics.insert(topic, partitions);
        }
        for topic in unknown_topics {
            self.topics.remove(&topic);
            self.unknown_topics.insert(topic);
        }
        self.accumulator.metadata_refreshed();
        self.place_waiting_records();
        let leaderless = self.accumulator.queues.keys().any(|tp| self.leader_of(tp).is_none());
        if leaderless || !self.waiting.is_empty() {
            self.metadata_needed = true;
        }
    }
}

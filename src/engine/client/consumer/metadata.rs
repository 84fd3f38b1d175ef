//! The consumer's metadata (Java's `ConsumerMetadata`): for the subscribed topics (and, for
//! a group leader, its members'), refreshed every `metadata.max.age.ms`, after errors, and
//! every `retry.backoff.ms` while a subscribed topic does not exist — Kafka waits for it;
//! and which broker leads each partition.

use super::{ConsumerNode, Pending};
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::NodeId;
use std::collections::BTreeMap;

impl ConsumerNode {
    /// Topics metadata is wanted for: the subscription plus, for a leader, its members'.
    pub(super) fn metadata_topics(&self) -> Vec<String> {
        let mut topics = self.snapshot_topics();
        topics.extend(self.unknown_topics.iter().cloned());
        topics.extend(self.topics.keys().cloned());
        topics.sort();
        topics.dedup();
        topics
    }

    /// Never fetched, or older than `metadata.max.age.ms` (`Metadata.timeToNextUpdate` 0).
    pub(super) fn metadata_stale(&self) -> bool {
        self.metadata_refreshed_ms == i64::MIN
            || self.now_ms >= self.metadata_refreshed_ms + self.config.metadata_max_age_ms
    }

    pub(crate) fn maybe_request_metadata(&mut self) {
        let topics = self.metadata_topics();
        if topics.is_empty()
            || self.has_in_flight(|p| matches!(p, Pending::Metadata))
            || self.now_ms < self.metadata_next_ms
        {
            return;
        }
        let stale = self.metadata_stale();
        let missing = topics.iter().any(|t| !self.topics.contains_key(t));
        if !(self.metadata_refresh_needed || stale || missing) {
            return;
        }
        let Some(broker) = self.any_broker() else { return };
        self.metadata_refresh_needed = false;
        self.metadata_next_ms = self.now_ms + self.config.retry_backoff_ms;
        let timeout = self.config.request_timeout_ms;
        self.request(
            broker,
            Pending::Metadata,
            |correlation_id| Message::MetadataRequest { correlation_id, topics },
            timeout,
        );
    }

    pub(crate) fn handle_metadata_response(
        &mut self,
        correlation_id: u64,
        brokers: Vec<NodeId>,
        partitions: Vec<(TopicPartition, PartitionState)>,
        unknown_topics: Vec<String>,
    ) {
        if self.answered(correlation_id).is_none() {
            return;
        }
        self.metadata_refreshed_ms = self.now_ms;
        if !brokers.is_empty() {
            self.brokers = brokers;
        }
        let mut fresh: BTreeMap<String, Vec<PartitionState>> = BTreeMap::new();
        for (tp, state) in partitions {
            let list = fresh.entry(tp.topic.to_string()).or_default();
            let old = self.topics.get(tp.topic.as_str()).and_then(|ps| ps.get(tp.partition as usize));
            let state = match old {
                Some(o) if o.leader_epoch > state.leader_epoch => o.clone(),
                _ => state,
            };
            if tp.partition as usize == list.len() {
                list.push(state);
            }
        }
        for (topic, ps) in fresh {
            if self.unknown_topics.remove(&topic) {
                self.note(format!("topic {topic} now exists ({} partitions)", ps.len()));
            }
            self.topics.insert(topic, ps);
        }
        for topic in unknown_topics {
            self.topics.remove(&topic);
            if self.unknown_topics.insert(topic.clone()) && self.subscribed_topics().contains(&topic) {
                self.note(format!(
                    "subscribed topic {topic} does not exist (UNKNOWN_TOPIC_OR_PARTITION): waiting for it to be created"
                ));
            }
        }
        self.assign_after_metadata();
    }

    pub(super) fn leader_of(&self, tp: &TopicPartition) -> Option<(NodeId, i32)> {
        let p = self.topics.get(tp.topic.as_str())?.get(tp.partition as usize)?;
        Some((p.leader?, p.leader_epoch))
    }
}

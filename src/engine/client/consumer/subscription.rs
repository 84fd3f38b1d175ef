//! `subscribe`, `assign` and `unsubscribe`: what the consumer reads, and the topics that
//! follow from it.

use super::{ConsumerNode, Subscription};
use crate::engine::cluster::messages::TopicPartition;
use std::collections::BTreeSet;

impl ConsumerNode {
    /// `subscribe` / `assign` / `unsubscribe`.
    pub(crate) fn apply_subscription(&mut self, subscription: Subscription) {
        match &subscription {
            Subscription::None => {
                if !self.assigned.is_empty() {
                    self.revoke_all(false);
                }
                if self.generation.is_valid() {
                    self.leave_group("the consumer unsubscribed from all topics");
                }
            }
            Subscription::Topics(topics) => {
                if self.config.group_id.is_none() {
                    self.refuse(
                        "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration."
                            .into(),
                    );
                    return;
                }
                let mut topics = topics.clone();
                topics.sort();
                topics.dedup();
                self.metadata_refresh_needed = true;
                if matches!(self.subscription, Subscription::Assigned(_)) {
                    self.assigned.clear();
                }
                self.subscription = Subscription::Topics(topics);
                if self.joined_subscription != self.subscribed_topics() {
                    self.request_rejoin("subscription changed");
                }
                return;
            }
            Subscription::Assigned(partitions) => {
                let keep: BTreeSet<&TopicPartition> = partitions.iter().collect();
                self.assigned.retain(|tp, _| keep.contains(tp));
                for tp in partitions {
                    self.assigned.entry(tp.clone()).or_default();
                }
                self.metadata_refresh_needed = true;
            }
        }
        self.subscription = subscription;
    }

    pub(crate) fn subscribed_topics(&self) -> Vec<String> {
        match &self.subscription {
            Subscription::Topics(t) => t.clone(),
            Subscription::Assigned(ps) => {
                let mut t: Vec<String> = ps.iter().map(|tp| tp.topic.to_string()).collect();
                t.dedup();
                t
            }
            Subscription::None => Vec::new(),
        }
    }
}

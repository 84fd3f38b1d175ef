//! Topic deletion, as KRaft does it: `ControllerApis.deleteTopics` checks
//! `delete.topic.enable` first (TOPIC_DELETION_DISABLED for the whole request), then
//! resolves each name (`ReplicationControlManager.findTopicIds`: an unknown name is
//! UNKNOWN_TOPIC_OR_PARTITION) and `ReplicationControlManager.deleteTopic` writes one
//! `RemoveTopicRecord` ([`MetadataRecord::RemoveTopic`]). Brokers drop their replicas when
//! the record reaches them (`super::super::replica::delete_topic`).
//!
//! Internal topics: Kafka's controller deletes `__consumer_offsets` for a principal with
//! cluster authority (only an authorizer stops it, with TOPIC_AUTHORIZATION_FAILED). The
//! playground's group coordinator cannot lose its partitions, so its learner is a
//! principal without DELETE on internal topics: the answer is the authorizer's
//! TOPIC_AUTHORIZATION_FAILED, its message saying why.
//!
//! Invariant: the record is written only after every check passed, and the image never
//! names the topic after it.

use super::topics::Refusal;
use super::ControllerNode;
use crate::engine::cluster::metadata::MetadataRecord;
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

/// Kafka's `Topic.isInternal`: the topics the brokers create for themselves.
pub fn is_internal_topic(name: &str) -> bool {
    name == "__consumer_offsets" || name == "__transaction_state"
}

impl ControllerNode {
    /// Whether DeleteTopics would delete `name` now, with Kafka's refusal if not (the
    /// page checks its control with it before it sends the command).
    pub fn check_delete_topic(&self, name: &str) -> Result<u32, Refusal> {
        if !self.config.delete_topic_enable {
            return Err((ErrorCode::TopicDeletionDisabled, "Topic deletion is disabled.".to_string()));
        }
        if is_internal_topic(name) {
            return Err((
                ErrorCode::TopicAuthorizationFailed,
                format!(
                    "Topic authorization failed. {name} is an internal topic: the playground's principal has no DELETE permission on it (the group coordinator keeps its partitions)."
                ),
            ));
        }
        match self.image.topics.get(name) {
            None => Err((
                ErrorCode::UnknownTopicOrPartition,
                "This server does not host this topic-partition.".to_string(),
            )),
            Some(topic) => Ok(topic.partitions.len() as u32),
        }
    }

    /// DeleteTopics for one topic: checks, then one `RemoveTopicRecord`.
    pub(crate) fn delete_topic(&mut self, name: &str) -> Result<(), Refusal> {
        let partitions = self.check_delete_topic(name)?;
        self.append(MetadataRecord::RemoveTopic { name: name.to_string() });
        self.event(ClusterEvent::TopicDeleted { topic: name.to_string(), partitions });
        Ok(())
    }
}

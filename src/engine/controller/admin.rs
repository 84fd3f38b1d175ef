//! Admin requests the controller sends on the page's and the scenario's behalf, as
//! Kafka's `Admin` client would: `deleteRecords` goes to the partition's current leader
//! (from the controller's image) as a DeleteRecords request, and the leader's answer
//! becomes a [`ClusterEvent::RecordsDeleted`]. Invariant: nothing is sent for a
//! partition without a leader; that is said at once, with Kafka's error.

use super::ControllerNode;
use crate::engine::cluster::command::DeleteRecordsCommand;
use crate::engine::cluster::messages::{DeleteRecordsPartition, DeletedRecordsPartition, TopicPartition};
use crate::engine::cluster::{ClusterEvent, Message};
use crate::engine::error::ErrorCode;

/// How long the leader may take (Kafka's `Admin` default `timeout.ms`, 30 s).
const DELETE_RECORDS_TIMEOUT_MS: i64 = 30_000;

impl ControllerNode {
    /// `{"delete_records": {"topic", "partition", "offset"}}` (offset -1: the high watermark).
    pub(crate) fn delete_records_command(&mut self, spec: &DeleteRecordsCommand) {
        let (topic, partition, offset) = (spec.topic.as_str(), spec.partition, spec.offset);
        let tp = TopicPartition::new(topic, partition);
        let leader = self.image.partition(topic, partition).map(|p| p.leader);
        let error = match leader {
            None => ErrorCode::UnknownTopicOrPartition,
            Some(None) => ErrorCode::LeaderNotAvailable,
            Some(Some(leader)) => {
                let correlation_id = self.log.len() as u64;
                let partitions = vec![DeleteRecordsPartition { tp, offset }];
                let timeout_ms = DELETE_RECORDS_TIMEOUT_MS;
                self.send(leader, Message::DeleteRecordsRequest { correlation_id, timeout_ms, partitions });
                return;
            }
        };
        self.event(ClusterEvent::RecordsDeleted { tp, low_watermark: -1, error: Some(error) });
    }

    pub(crate) fn handle_delete_records_response(&mut self, partitions: Vec<DeletedRecordsPartition>) {
        for p in partitions {
            let event =
                ClusterEvent::RecordsDeleted { tp: p.tp, low_watermark: p.low_watermark, error: p.error };
            self.event(event);
        }
    }
}

//! Committed offsets of a deleted topic (`GroupCoordinator.onPartitionsDeleted`, called by
//! KRaft's `BrokerMetadataPublisher` when a `RemoveTopicRecord` is applied, and
//! `OffsetMetadataManager.onPartitionsDeleted`): every group of a `__consumer_offsets`
//! partition this coordinator has loaded forgets its offsets for the topic's partitions,
//! and a tombstone (`OffsetCommit` key, null value) per offset is appended so a coordinator
//! that loads the partition later forgets them too. Invariant: the cache drops an offset in
//! the same input that writes its tombstone; groups of partitions led elsewhere are left
//! to their own coordinator.

use super::records::{encode_key, RecordKey};
use super::{AppendCallback, GroupCoordinator};
use crate::engine::cluster::messages::TopicPartition;

/// Tombstones (a record key, no value) to append, per `__consumer_offsets` partition.
type Tombstones = Vec<(u32, Vec<(Vec<u8>, Option<Vec<u8>>)>)>;

impl GroupCoordinator {
    /// Drops every committed offset of `topic`'s partitions, with their tombstones.
    pub fn on_topic_deleted(&mut self, now_ms: i64, topic: &str) {
        let mut writes: Tombstones = Vec::new();
        let owned = &self.partitions;
        let offsets_partitions = self.offsets_partitions;
        for (group, offsets) in self.offsets.iter_mut() {
            let partition = super::placement::partition_for(group, offsets_partitions);
            if !owned.get(&partition).is_some_and(|p| p.loaded) {
                continue;
            }
            let gone: Vec<TopicPartition> =
                offsets.keys().filter(|tp| tp.topic.as_str() == topic).cloned().collect();
            if gone.is_empty() {
                continue;
            }
            let tombstones = gone
                .iter()
                .map(|tp| {
                    offsets.remove(tp);
                    let key = RecordKey::OffsetCommit {
                        group: group.clone(),
                        topic: tp.topic.to_string(),
                        partition: tp.partition as i32,
                    };
                    (encode_key(&key), None)
                })
                .collect();
            writes.push((partition, tombstones));
        }
        for (partition, records) in writes {
            self.append(now_ms, partition, records, AppendCallback::EmptyGroup);
        }
    }
}

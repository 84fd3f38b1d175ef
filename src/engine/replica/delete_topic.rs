//! A broker applying a `RemoveTopicRecord` (KRaft's `ReplicaManager.applyDelta` →
//! `stopPartitions(deletePartition = true)` → `LogManager.asyncDelete`): every replica of
//! the topic it hosts stops (no more fetching, produce and fetch answer
//! UNKNOWN_TOPIC_OR_PARTITION) and its log goes: every segment file is deleted from the
//! store, the topic's config document too, and the checkpoints are rewritten without it.
//!
//! Kafka renames the directory to `<topic>-<partition>.<uuid>-delete` and removes it
//! `file.delete.delay.ms` (60 s) later; nothing can read a renamed log, so the playground
//! removes the files at once: clients and the other brokers see the same thing.
//!
//! Invariant: after the record is applied, no partition, store document or checkpoint
//! entry of the topic is left on this broker (a restarted broker that missed the record
//! recovers the old replica, then drops it when the controller replays the record).

use super::metadata::TOPIC_META_PREFIX;
use super::BrokerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, Output};
use crate::engine::log::producer_log::snapshot_meta_name;
use crate::engine::store::StoreOp;

impl BrokerNode {
    /// Stops and deletes every replica of `topic` this broker hosts.
    pub(crate) fn delete_topic_replicas(&mut self, topic: &str) {
        let doomed: Vec<TopicPartition> =
            self.partitions.keys().filter(|tp| tp.topic.as_str() == topic).cloned().collect();
        if doomed.is_empty() {
            return;
        }
        let mut cleaned = false;
        for tp in doomed {
            let Some(mut p) = self.partitions.remove(&tp) else { continue };
            cleaned |= p.last_clean_offset.is_some();
            // Writes of this input come first, so the store never holds bytes of a
            // segment after its delete.
            let mut ops: Vec<StoreOp> = p.log.pending.drain(..).collect();
            let segments = p.log.segments();
            ops.extend(segments.iter().map(|s| StoreOp::Delete { segment: p.log.segment_id(s.base_offset) }));
            // The partition's producer state snapshots go with its directory.
            ops.extend(p.log.producer_state().snapshot_offsets().map(|offset| StoreOp::DeleteMeta {
                broker_id: self.broker_id,
                name: snapshot_meta_name(tp.topic.as_str(), tp.partition, offset),
            }));
            let event = ClusterEvent::ReplicaDeleted {
                broker_id: self.broker_id,
                tp,
                log_end_offset: p.log.log_end_offset(),
                segments: segments.len() as u32,
            };
            self.outputs.extend(ops.into_iter().map(Output::Persist));
            self.event(event);
        }
        let name = format!("{TOPIC_META_PREFIX}{topic}");
        self.outputs.push_back(Output::Persist(StoreOp::DeleteMeta { broker_id: self.broker_id, name }));
        // The high-watermark checkpoint follows the partition set by itself (flush_store_ops).
        self.log_start_changed = true;
        if cleaned {
            self.persist_cleaner_checkpoint();
        }
    }
}

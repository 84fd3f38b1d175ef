//! A broker's restart after a crash (`LogManager.loadLogs` for a replicated broker): every
//! partition log is recovered from its stored segments, its leader epoch cache rebuilt
//! from the batches' `partitionLeaderEpoch`, and its high watermark read back from
//! `replication-offset-checkpoint` (bounded by the recovered log), its log start offset
//! from `log-start-offset-checkpoint` (a partition whose segments retention deleted to
//! the last comes back empty at that offset, not at 0), and where its cleaner stopped from
//! `cleaner-offset-checkpoint`. The metadata image is
//! not stored: the broker registers again and the controller sends it the log from the
//! offset its heartbeat reports. Invariant: repairs made by recovery are the first
//! `Persist` outputs the recovered node hands back.

use super::metadata::TOPIC_META_PREFIX;
use super::partition::Partition;
use super::{BrokerConfig, BrokerNode};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, Output};
use crate::engine::faults::{self, Fault};
use crate::engine::log::checkpoint::{read_checkpoint, LOG_START_OFFSET_CHECKPOINT};
use crate::engine::log::producer_log::{from_hex, parse_snapshot_meta_name};
use crate::engine::log::{LeaderEpochCache, LogSegment, PartitionLog};
use crate::engine::store::SegmentId;
use crate::engine::topic::TopicConfig;
use std::collections::BTreeMap;

/// A partition's stored segments as `(base_offset, bytes)`.
type StoredSegments = Vec<(i64, Vec<u8>)>;

/// Kafka's file of each partition's high watermark.
pub const REPLICATION_OFFSET_CHECKPOINT: &str = "replication-offset-checkpoint";

impl BrokerNode {
    /// Rebuilds a broker from its store: segments as `(id, bytes)` and its metadata
    /// documents. Drain `poll_output` afterwards: it holds the recovery's repairs.
    pub fn recover(
        broker_id: NodeId,
        config: BrokerConfig,
        segments: Vec<(SegmentId, Vec<u8>)>,
        meta: Vec<(String, String)>,
        now_ms: i64,
    ) -> BrokerNode {
        let mut node = BrokerNode::new(broker_id, config, now_ms);
        let read = |name: &str| {
            meta.iter().find(|(n, _)| n == name).map(|(_, v)| read_checkpoint(v)).unwrap_or_default()
        };
        let checkpoint = read(REPLICATION_OFFSET_CHECKPOINT);
        let log_starts = read(LOG_START_OFFSET_CHECKPOINT);
        let cleaned_to = read(super::cleaner::CLEANER_OFFSET_CHECKPOINT);
        let mut topic_configs: BTreeMap<String, TopicConfig> = BTreeMap::new();
        for (name, value) in &meta {
            let Some(topic) = name.strip_prefix(TOPIC_META_PREFIX) else { continue };
            let pairs: Vec<(String, String)> = serde_json::from_str(value).unwrap_or_default();
            let config = TopicConfig::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .unwrap_or_default();
            topic_configs.insert(topic.to_string(), config);
        }
        // The producer state snapshots, by partition (`<topic>-<partition>/<offset>.snapshot`).
        let mut snapshots: BTreeMap<(String, u32), StoredSegments> = BTreeMap::new();
        for (name, value) in &meta {
            let Some((topic, partition, offset)) = parse_snapshot_meta_name(name) else { continue };
            match from_hex(value) {
                Some(bytes) => snapshots.entry((topic, partition)).or_default().push((offset, bytes)),
                // Kept as found: the log deletes it as a corrupt snapshot and rebuilds.
                None => snapshots.entry((topic, partition)).or_default().push((offset, Vec::new())),
            }
        }
        let mut by_partition: BTreeMap<(String, u32), StoredSegments> = BTreeMap::new();
        for (id, bytes) in segments {
            if id.broker_id == broker_id {
                by_partition
                    .entry((id.topic.to_string(), id.partition))
                    .or_default()
                    .push((id.base_offset as i64, bytes));
            }
        }
        // A log start recorded for a partition with no segment left: its log is empty there.
        for key in log_starts.keys() {
            if topic_configs.contains_key(&key.0) {
                by_partition.entry(key.clone()).or_default();
            }
        }
        for ((topic, partition), mut stored) in by_partition {
            stored.sort_by_key(|(base, _)| *base);
            let config = match topic_configs.get(&topic) {
                Some(c) => c.clone(),
                None => {
                    node.refuse(format!("broker {broker_id} found {topic}-{partition} without its topic configs; defaults used"));
                    TopicConfig::default()
                }
            };
            // A test-only bug (break-engine) forgets the checkpoint.
            let log_start = log_starts
                .get(&(topic.clone(), partition))
                .copied()
                .filter(|_| !faults::on(Fault::ForgetLogStartCheckpoint));
            let (mut log, _report) =
                PartitionLog::recover(broker_id, &topic, partition, config, stored, log_start, now_ms);
            log.set_producer_id_expiration_ms(node.config.producer_id_expiration_ms);
            let stored_snapshots = snapshots.remove(&(topic.clone(), partition)).unwrap_or_default();
            for corrupt in log.load_producer_state(stored_snapshots, now_ms) {
                node.refuse(format!(
                    "broker {broker_id} deleted a producer snapshot of {topic}-{partition}: {corrupt}"
                ));
            }
            node.outputs.extend(log.take_store_ops().into_iter().map(Output::Persist));
            let mut cache =
                LeaderEpochCache::from_log_bytes(log.segments().iter().flat_map(LogSegment::log_chunks));
            if log.log_start_offset() > 0 {
                cache.truncate_from_start(log.log_start_offset());
            }
            let high_watermark = checkpoint.get(&(topic.clone(), partition)).copied().unwrap_or(0);
            let mut p = Partition::new(log, cache, high_watermark);
            p.last_clean_offset = cleaned_to.get(&(topic.clone(), partition)).copied();
            let tp = TopicPartition { topic: topic.into(), partition };
            // In (topic, partition) order, as the partitions map.
            node.checkpointed_hw.push((tp.clone(), p.high_watermark));
            node.partitions.insert(tp, p);
        }
        node
    }
}

//! One broker: the partition logs it hosts and the requests it answers. Sans-IO: every
//! call takes `now_ms`; what must be persisted accumulates as [`StoreOp`]s and what the
//! picture should show as [`BrokerEvent`]s, both drained by the driver (a web worker in
//! the page, the simulation natively). Topic metadata is persisted as `topics/<name>`
//! documents and log start offsets as Kafka's `log-start-offset-checkpoint`.
//!
//! This is the single-broker core; replication (leaders, followers, ISR) builds on it.

pub mod api;
pub mod checkpoint;
pub mod snapshot;

use crate::engine::error::{ErrorKind, KafkaError, Result};
use crate::engine::log::{DeletedSegment, PartitionLog, RecoveryReport};
use crate::engine::store::{SegmentId, StoreOp};
use crate::engine::topic::{validate_partition_count, validate_topic_name, TopicConfig};
use api::{Request, Response};
use checkpoint::{read_checkpoint, write_checkpoint, LOG_START_OFFSET_CHECKPOINT};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const TOPIC_META_PREFIX: &str = "topics/";

/// A partition's stored segments as `(base_offset, bytes)`.
type StoredSegments = Vec<(i64, Vec<u8>)>;

/// What happened, for the picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerEvent {
    TopicCreated { topic: String, partitions: u32 },
    Appended { topic: String, partition: u32, first_offset: i64, last_offset: i64, rolled: bool },
    SegmentsDeleted { topic: String, partition: u32, segments: Vec<DeletedSegment>, log_start_offset: i64 },
    Recovered { topic: String, partition: u32, report: RecoveryReport },
}

/// A topic as the broker keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicState {
    pub name: String,
    pub config: TopicConfig,
    pub partitions: Vec<PartitionLog>,
}

/// The persisted description of a topic (`topics/<name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct TopicRecord {
    partitions: u32,
    configs: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broker {
    pub broker_id: u32,
    pub topics: BTreeMap<String, TopicState>,
    #[serde(skip)]
    pending: Vec<StoreOp>,
    #[serde(skip)]
    events: Vec<BrokerEvent>,
}

impl Broker {
    pub fn new(broker_id: u32) -> Self {
        Broker { broker_id, topics: BTreeMap::new(), pending: Vec::new(), events: Vec::new() }
    }

    /// Answers one request at `now_ms`.
    pub fn handle(&mut self, now_ms: i64, request: Request) -> Response {
        let result = match request {
            Request::CreateTopic { name, partitions, configs } => {
                self.create_topic(now_ms, &name, partitions, &configs)
            }
            Request::Produce { topic, partition, records, .. } => {
                self.produce(now_ms, &topic, partition, &records)
            }
            Request::Fetch { topic, partition, fetch_offset, max_bytes } => {
                self.log(&topic, partition).and_then(|log| {
                    let hw = log.log_end_offset();
                    let data = log.read(fetch_offset, max_bytes, hw)?;
                    Ok(Response::Fetched {
                        topic: topic.clone(),
                        partition,
                        high_watermark: hw,
                        log_start_offset: data.log_start_offset,
                        records: data.records.to_vec(),
                    })
                })
            }
            Request::ListOffsets { topic, partition, spec } => self.log(&topic, partition).map(|log| {
                Response::Offsets { topic: topic.clone(), partition, found: log.list_offset(spec) }
            }),
            Request::RetentionCheck => Ok(self.retention_check(now_ms)),
            Request::ExportSegment { topic, partition, base_offset } => {
                self.log(&topic, partition).and_then(|log| {
                    let files = log.segment_files(base_offset).ok_or_else(|| {
                        KafkaError::new(ErrorKind::OffsetOutOfRange {
                            offset: base_offset,
                            log_start_offset: log.log_start_offset(),
                            log_end_offset: log.log_end_offset(),
                        })
                    })?;
                    Ok(Response::Segment { topic: topic.clone(), partition, files })
                })
            }
        };
        self.collect_log_ops();
        result.unwrap_or_else(|error| Response::Error { error })
    }

    /// Writes to persist since the last call.
    pub fn take_store_ops(&mut self) -> Vec<StoreOp> {
        self.collect_log_ops();
        std::mem::take(&mut self.pending)
    }

    /// Events since the last call.
    pub fn take_events(&mut self) -> Vec<BrokerEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn log(&self, topic: &str, partition: u32) -> Result<&PartitionLog> {
        let t = self
            .topics
            .get(topic)
            .ok_or_else(|| KafkaError::new(ErrorKind::UnknownTopic { topic: topic.to_string() }))?;
        t.partitions.get(partition as usize).ok_or_else(|| {
            KafkaError::new(ErrorKind::UnknownPartition {
                topic: topic.to_string(),
                partition: i64::from(partition),
            })
        })
    }

    fn log_mut(&mut self, topic: &str, partition: u32) -> Result<&mut PartitionLog> {
        let t = self
            .topics
            .get_mut(topic)
            .ok_or_else(|| KafkaError::new(ErrorKind::UnknownTopic { topic: topic.to_string() }))?;
        t.partitions.get_mut(partition as usize).ok_or_else(|| {
            KafkaError::new(ErrorKind::UnknownPartition {
                topic: topic.to_string(),
                partition: i64::from(partition),
            })
        })
    }

    fn create_topic(
        &mut self,
        now_ms: i64,
        name: &str,
        partitions: i64,
        configs: &[(String, String)],
    ) -> Result<Response> {
        validate_topic_name(name)?;
        let count = validate_partition_count(partitions)?;
        let config = TopicConfig::from_pairs(configs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        if self.topics.contains_key(name) {
            return Err(KafkaError::new(ErrorKind::TopicAlreadyExists { topic: name.to_string() }));
        }
        let logs =
            (0..count).map(|p| PartitionLog::new(self.broker_id, name, p, config.clone(), now_ms)).collect();
        let record = TopicRecord { partitions: count, configs: config.overrides() };
        self.pending.push(StoreOp::PutMeta {
            broker_id: self.broker_id,
            name: format!("{TOPIC_META_PREFIX}{name}"),
            value: serde_json::to_string(&record).unwrap_or_default(),
        });
        self.topics.insert(name.to_string(), TopicState { name: name.to_string(), config, partitions: logs });
        self.events.push(BrokerEvent::TopicCreated { topic: name.to_string(), partitions: count });
        Ok(Response::TopicCreated { name: name.to_string(), partitions: count })
    }

    fn produce(&mut self, now_ms: i64, topic: &str, partition: u32, records: &[u8]) -> Result<Response> {
        let log = self.log_mut(topic, partition)?;
        let info = log.append_as_leader(now_ms, records, 0)?;
        self.events.push(BrokerEvent::Appended {
            topic: topic.to_string(),
            partition,
            first_offset: info.first_offset,
            last_offset: info.last_offset,
            rolled: info.rolled,
        });
        Ok(Response::Produced { topic: topic.to_string(), partition, info })
    }

    fn retention_check(&mut self, now_ms: i64) -> Response {
        let mut deleted = Vec::new();
        for t in self.topics.values_mut() {
            for log in &mut t.partitions {
                let hw = log.log_end_offset();
                let gone = log.delete_old_segments(now_ms, hw);
                if gone.is_empty() {
                    continue;
                }
                deleted.extend(gone.iter().map(|d| (t.name.clone(), log.partition, d.clone())));
                self.events.push(BrokerEvent::SegmentsDeleted {
                    topic: t.name.clone(),
                    partition: log.partition,
                    segments: gone,
                    log_start_offset: log.log_start_offset(),
                });
            }
        }
        if !deleted.is_empty() {
            self.pending.push(self.log_start_checkpoint());
        }
        Response::RetentionDone { deleted }
    }

    fn log_start_checkpoint(&self) -> StoreOp {
        let entries = self
            .topics
            .values()
            .flat_map(|t| {
                t.partitions.iter().map(|l| ((l.topic.to_string(), l.partition), l.log_start_offset()))
            })
            .collect();
        StoreOp::PutMeta {
            broker_id: self.broker_id,
            name: LOG_START_OFFSET_CHECKPOINT.to_string(),
            value: write_checkpoint(&entries),
        }
    }

    fn collect_log_ops(&mut self) {
        for t in self.topics.values_mut() {
            for log in &mut t.partitions {
                self.pending.extend(log.take_store_ops());
            }
        }
    }

    /// Rebuilds a broker from what its store holds: metadata documents and segments
    /// (`(id, bytes)`, in key order). Every partition log is recovered as Kafka does after
    /// an unclean shutdown; repairs become pending store ops, reports become events.
    pub fn recover(
        broker_id: u32,
        meta: &[(String, String)],
        segments: Vec<(SegmentId, Vec<u8>)>,
        now_ms: i64,
    ) -> Broker {
        let mut broker = Broker::new(broker_id);
        let checkpoint = meta
            .iter()
            .find(|(n, _)| n == LOG_START_OFFSET_CHECKPOINT)
            .map(|(_, v)| read_checkpoint(v))
            .unwrap_or_default();
        let mut by_partition: BTreeMap<(String, u32), StoredSegments> = BTreeMap::new();
        for (id, bytes) in segments {
            by_partition
                .entry((id.topic.to_string(), id.partition))
                .or_default()
                .push((id.base_offset as i64, bytes));
        }
        for (name, value) in meta {
            let Some(topic) = name.strip_prefix(TOPIC_META_PREFIX) else { continue };
            let Ok(record) = serde_json::from_str::<TopicRecord>(value) else { continue };
            let config =
                TopicConfig::from_pairs(record.configs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .unwrap_or_default();
            let mut logs = Vec::new();
            for p in 0..record.partitions {
                let key = (topic.to_string(), p);
                let stored = by_partition.remove(&key).unwrap_or_default();
                let start = checkpoint.get(&key).copied();
                let (mut log, report) =
                    PartitionLog::recover(broker_id, topic, p, config.clone(), stored, start, now_ms);
                broker.pending.extend(log.take_store_ops());
                broker.events.push(BrokerEvent::Recovered { topic: topic.to_string(), partition: p, report });
                logs.push(log);
            }
            broker
                .topics
                .insert(topic.to_string(), TopicState { name: topic.to_string(), config, partitions: logs });
        }
        // Segments of topics nobody knows any more: delete, as Kafka removes stray logs.
        for ((topic, partition), stored) in by_partition {
            for (base_offset, _) in stored {
                broker.pending.push(StoreOp::Delete {
                    segment: SegmentId {
                        broker_id,
                        topic: topic.as_str().into(),
                        partition,
                        base_offset: base_offset as u64,
                    },
                });
            }
        }
        broker
    }
}

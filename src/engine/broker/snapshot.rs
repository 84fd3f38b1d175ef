//! What the page draws of a broker: topics, partitions, segments and the newest records,
//! in a plain serializable form. Records are capped per partition so a snapshot stays
//! small however long the log grows; the counts stay exact.

use super::Broker;
use crate::engine::record::decode_batch;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Base offset of the segment holding it.
    pub segment_base_offset: i64,
    pub batch_base_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentView {
    pub base_offset: i64,
    pub next_offset: i64,
    pub size_bytes: u32,
    pub records_count: u64,
    pub largest_timestamp_ms: i64,
    pub offset_index_entries: u32,
    pub time_index_entries: u32,
    pub is_active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionView {
    pub partition: u32,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    pub high_watermark: i64,
    pub size_bytes: u64,
    pub segments: Vec<SegmentView>,
    /// The newest records (at most the cap), oldest first.
    pub records: Vec<RecordView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicView {
    pub name: String,
    /// Configs that differ from Kafka's defaults.
    pub config_overrides: Vec<(String, String)>,
    pub partitions: Vec<PartitionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub broker_id: u32,
    pub topics: Vec<TopicView>,
}

impl Broker {
    /// A picture of the broker with at most `max_records_per_partition` records each.
    pub fn snapshot(&self, max_records_per_partition: u32) -> BrokerSnapshot {
        let topics = self
            .topics
            .values()
            .map(|t| TopicView {
                name: t.name.clone(),
                config_overrides: t.config.overrides(),
                partitions: t
                    .partitions
                    .iter()
                    .map(|log| {
                        let segments: Vec<SegmentView> = log
                            .segments()
                            .iter()
                            .enumerate()
                            .map(|(i, s)| SegmentView {
                                base_offset: s.base_offset,
                                next_offset: s.next_offset,
                                size_bytes: s.size_bytes(),
                                records_count: s.records_count,
                                largest_timestamp_ms: s.largest_timestamp_ms(),
                                offset_index_entries: s.offset_index.entries.len() as u32,
                                time_index_entries: s.time_index.entries.len() as u32,
                                is_active: i + 1 == log.segments().len(),
                            })
                            .collect();
                        let mut records = Vec::new();
                        let cap = max_records_per_partition as usize;
                        for s in log.segments().iter().rev() {
                            let mut seg_records = Vec::new();
                            for view in s.batches_from(0).flatten() {
                                let Ok(batch) = decode_batch(view.bytes) else { continue };
                                seg_records.extend(batch.records.into_iter().map(|r| RecordView {
                                    offset: r.offset,
                                    timestamp_ms: r.timestamp_ms,
                                    key: r.key,
                                    value: r.value,
                                    headers: r.headers.into_iter().map(|h| (h.key, h.value)).collect(),
                                    segment_base_offset: s.base_offset,
                                    batch_base_offset: view.header.base_offset,
                                }));
                            }
                            seg_records.append(&mut records);
                            records = seg_records;
                            if records.len() >= cap {
                                break;
                            }
                        }
                        let skip = records.len().saturating_sub(cap);
                        records.drain(..skip);
                        PartitionView {
                            partition: log.partition,
                            log_start_offset: log.log_start_offset(),
                            log_end_offset: log.log_end_offset(),
                            high_watermark: log.log_end_offset(),
                            size_bytes: log.size_bytes(),
                            segments,
                            records,
                        }
                    })
                    .collect(),
            })
            .collect();
        BrokerSnapshot { broker_id: self.broker_id, topics }
    }
}

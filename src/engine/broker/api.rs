//! The requests a broker answers and its answers, modelled on Kafka's APIs (CreateTopics,
//! Produce, Fetch, ListOffsets, Metadata) plus the broker's own scheduled work
//! (the retention check). Errors travel as [`KafkaError`], with Kafka's codes.

use crate::engine::error::KafkaError;
use crate::engine::log::{DeletedSegment, LogAppendInfo, OffsetSpec, SegmentFiles, TimestampAndOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// CreateTopics for one topic: `partitions` is as typed (it may be ≤ 0: refused).
    CreateTopic {
        name: String,
        partitions: i64,
        configs: Vec<(String, String)>,
    },
    /// Produce one or more record batches (their bytes, concatenated) to one partition.
    Produce {
        topic: String,
        partition: u32,
        acks: i16,
        records: Vec<u8>,
    },
    /// Fetch from one partition, whole batches, at most `max_bytes` (at least one batch).
    Fetch {
        topic: String,
        partition: u32,
        fetch_offset: i64,
        max_bytes: u32,
    },
    ListOffsets {
        topic: String,
        partition: u32,
        spec: OffsetSpec,
    },
    /// The log retention task (`log.retention.check.interval.ms`), run now.
    RetentionCheck,
    /// Kafka's three files for one segment, for download.
    ExportSegment {
        topic: String,
        partition: u32,
        base_offset: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    TopicCreated { name: String, partitions: u32 },
    Produced { topic: String, partition: u32, info: LogAppendInfo },
    Fetched { topic: String, partition: u32, high_watermark: i64, log_start_offset: i64, records: Vec<u8> },
    Offsets { topic: String, partition: u32, found: TimestampAndOffset },
    RetentionDone { deleted: Vec<(String, u32, DeletedSegment)> },
    Segment { topic: String, partition: u32, files: SegmentFiles },
    Error { error: KafkaError },
}

impl Response {
    pub fn error(&self) -> Option<&KafkaError> {
        match self {
            Response::Error { error } => Some(error),
            _ => None,
        }
    }
}

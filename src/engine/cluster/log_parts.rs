//! The per-partition parts of the log APIs' messages ([`super::messages::Message`]):
//! what Produce, Fetch and DeleteRecords carry per partition, named as Kafka's generated
//! message classes name them.

use super::messages::{AbortedTransaction, TopicPartition};
use crate::engine::error::ErrorCode;
use crate::engine::record::MemoryRecords;
use serde::{Deserialize, Serialize};

/// One partition of a Produce request (`ProduceRequest.PartitionProduceData`): its batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducePartition {
    pub tp: TopicPartition,
    pub records: MemoryRecords,
}

/// One partition of a Produce response (`ProduceResponse.PartitionProduceResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedPartition {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    /// -1 on an error.
    pub base_offset: i64,
    /// -1 unless the topic uses LogAppendTime.
    pub log_append_time_ms: i64,
}

/// One partition of a Fetch request (`FetchRequest.FetchPartition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPartition {
    pub tp: TopicPartition,
    pub fetch_offset: i64,
    /// The epoch of the last batch the follower has (KIP-595 divergence check), -1 if none.
    pub last_fetched_epoch: i32,
    /// The leader epoch the fetcher believes current (KIP-320 fencing), -1 if unknown.
    pub current_leader_epoch: i32,
    /// A follower's own log start offset (the leader's low watermark for DeleteRecords);
    /// -1 from a consumer (and in journals written before the field existed).
    #[serde(default = "unknown_offset")]
    pub log_start_offset: i64,
}

fn unknown_offset() -> i64 {
    -1
}

/// The leader's answer that the follower's log diverged (KIP-595 `DivergingEpoch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEndOffset {
    pub epoch: i32,
    pub end_offset: i64,
}

/// One partition of a Fetch response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedPartition {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    pub high_watermark: i64,
    /// The LSO (`UnifiedLog.lastStableOffset`), reported whatever the isolation level.
    pub last_stable_offset: i64,
    pub log_start_offset: i64,
    pub diverging_epoch: Option<EpochEndOffset>,
    pub records: MemoryRecords,
    /// Aborted transactions overlapping the returned range, for a read_committed fetch
    /// (`None` under read_uncommitted, as Kafka sends null).
    #[serde(default)]
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
}

/// One partition of a DeleteRecords request (`DeleteRecordsPartition`): the offset the
/// log should start at (-1: the high watermark).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRecordsPartition {
    pub tp: TopicPartition,
    pub offset: i64,
}

/// One partition of a DeleteRecords response: the leader's low watermark, or an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedRecordsPartition {
    pub tp: TopicPartition,
    /// -1 on an error.
    pub low_watermark: i64,
    pub error: Option<ErrorCode>,
}

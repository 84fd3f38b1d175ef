//! The values a transition carries: a transaction's partitions
//! (`org.apache.kafka.common.TopicPartition`) and `TxnTransitMetadata`, the immutable
//! target state a `prepare*` method returns and `__transaction_state` stores
//! (core `TransactionMetadata.scala`). Also the epoch-exhaustion rule.

use super::state::{TransactionState, TransactionVersion};
use std::collections::BTreeSet;

pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;

/// A partition in a transaction (`org.apache.kafka.common.TopicPartition`; the log stores
/// the partition as int32).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

impl std::fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// `TxnTransitMetadata`: the state a transition leads to, as it is written to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnTransitMetadata {
    pub producer_id: i64,
    pub prev_producer_id: i64,
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub txn_timeout_ms: i32,
    pub txn_state: TransactionState,
    pub topic_partitions: BTreeSet<TopicPartition>,
    pub txn_start_timestamp_ms: i64,
    pub txn_last_update_timestamp_ms: i64,
    pub client_transaction_version: TransactionVersion,
}

/// `isEpochExhausted`: epochs ≥ `Short.MaxValue - 1` are not handed to producers.
pub fn is_epoch_exhausted(producer_epoch: i16) -> bool {
    producer_epoch >= i16::MAX - 1
}

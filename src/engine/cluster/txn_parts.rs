//! The parts of the transaction APIs' messages ([`super::messages::Message`]): what
//! AddPartitionsToTxn, EndTxn, WriteTxnMarkers and a read_committed Fetch carry per
//! partition and per marker, named as Kafka's generated message classes name them
//! (`AddPartitionsToTxnRequestData`, `WriteTxnMarkersRequestData.WritableTxnMarker`,
//! `FetchResponseData.AbortedTransaction`), and `isolation.level`.

use super::messages::TopicPartition;
use crate::engine::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// `isolation.level` (`IsolationLevel`): `read_uncommitted` (0, the Java consumer's default)
/// or `read_committed` (1: stop at the last stable offset, drop aborted batches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IsolationLevel {
    #[default]
    ReadUncommitted,
    ReadCommitted,
}

impl IsolationLevel {
    /// The config's value as Kafka spells it.
    pub fn from_config(value: &str) -> Option<IsolationLevel> {
        match value.trim() {
            "read_uncommitted" => Some(IsolationLevel::ReadUncommitted),
            "read_committed" => Some(IsolationLevel::ReadCommitted),
            _ => None,
        }
    }

    pub fn config_value(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    }

    /// The int8 a Fetch or ListOffsets request carries.
    pub fn wire(self) -> i8 {
        match self {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        }
    }

    pub fn is_read_uncommitted(&self) -> bool {
        *self == IsolationLevel::ReadUncommitted
    }
}

/// `FindCoordinatorRequest.key_type`: a group (0) or a transactional id (1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CoordinatorType {
    #[default]
    Group,
    Transaction,
}

impl CoordinatorType {
    pub fn is_group(&self) -> bool {
        *self == CoordinatorType::Group
    }

    pub fn wire(self) -> i8 {
        match self {
            CoordinatorType::Group => 0,
            CoordinatorType::Transaction => 1,
        }
    }
}

/// `FetchResponseData.AbortedTransaction`: a transaction aborted in the fetched range,
/// from the `.txnindex` entries that overlap it (`UnifiedLog.collectAbortedTransactions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    pub first_offset: i64,
}

/// One partition's result in an AddPartitionsToTxn or WriteTxnMarkers response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnPartitionResult {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
}

/// `WriteTxnMarkersRequestData.WritableTxnMarker`: one transaction's end, to be written
/// as a control batch into each listed partition the receiving broker leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WritableTxnMarker {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// `transaction_result`: true COMMIT, false ABORT.
    pub committed: bool,
    pub partitions: Vec<TopicPartition>,
    pub coordinator_epoch: i32,
}

/// `WriteTxnMarkersResponseData.WritableTxnMarkerResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WritableTxnMarkerResult {
    pub producer_id: i64,
    pub partitions: Vec<TxnPartitionResult>,
}

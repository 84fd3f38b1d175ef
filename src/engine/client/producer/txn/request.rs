//! What a transactional producer asks of its coordinators and what the application
//! awaits, after the Java client's `TransactionManager.TxnRequestHandler` subclasses, their
//! `Priority` and `TransactionalRequestResult`.

use crate::engine::cluster::command::ConsumerGroupMetadata;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::txn_parts::CoordinatorType;

/// The application calls whose outcome is awaited (`TransactionalRequestResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnOperation {
    InitTransactions,
    CommitTransaction,
    AbortTransaction,
    SendOffsetsToTransaction,
}

impl TxnOperation {
    pub fn name(self) -> &'static str {
        match self {
            TxnOperation::InitTransactions => "initTransactions",
            TxnOperation::CommitTransaction => "commitTransaction",
            TxnOperation::AbortTransaction => "abortTransaction",
            TxnOperation::SendOffsetsToTransaction => "sendOffsetsToTransaction",
        }
    }
}

/// One request to a coordinator (the `TxnRequestHandler` subclasses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnRequest {
    FindCoordinator { key_type: CoordinatorType, key: String },
    InitProducerId { epoch_bump: bool },
    AddPartitions { partitions: Vec<TopicPartition> },
    AddOffsets { group: ConsumerGroupMetadata, offsets: Vec<(TopicPartition, i64)> },
    TxnOffsetCommit { group: ConsumerGroupMetadata },
    EndTxn { committed: bool },
}

impl TxnRequest {
    /// `Priority`: FIND_COORDINATOR, INIT_PRODUCER_ID, ADD_PARTITIONS_OR_OFFSETS, END_TXN,
    /// EPOCH_BUMP.
    pub fn priority(&self) -> u8 {
        match self {
            TxnRequest::FindCoordinator { .. } => 0,
            TxnRequest::InitProducerId { epoch_bump: false } => 1,
            TxnRequest::AddPartitions { .. }
            | TxnRequest::AddOffsets { .. }
            | TxnRequest::TxnOffsetCommit { .. } => 2,
            TxnRequest::EndTxn { .. } => 3,
            TxnRequest::InitProducerId { epoch_bump: true } => 4,
        }
    }

    /// `coordinatorType()`: which coordinator the request goes to (`None`: FindCoordinator,
    /// to the least loaded node).
    pub fn coordinator_type(&self) -> Option<CoordinatorType> {
        match self {
            TxnRequest::FindCoordinator { .. } => None,
            TxnRequest::TxnOffsetCommit { .. } => Some(CoordinatorType::Group),
            _ => Some(CoordinatorType::Transaction),
        }
    }
}

/// A queued request and the call it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnHandler {
    pub request: TxnRequest,
    pub result: Option<TxnOperation>,
    pub is_retry: bool,
}

/// What a finished call tells the application (drained by the producer into events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnOutcome {
    Done(TxnOperation),
    /// The transaction completed (`completeTransaction`): committed or aborted.
    Completed {
        committed: bool,
    },
    Failed(TxnOperation, String),
}

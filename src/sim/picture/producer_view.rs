//! A producer client as the page's picture shows it ([`ProducerView`]): its settings,
//! counts and latest sends, its transaction coordinator, a pipeline's loop, and a send
//! blocked on metadata. Part of [`super::view`], which re-exports it.

use super::ledger::LostRecords;
use super::view::SendOutcome;
use crate::engine::client::producer::BlockedSend;
use crate::engine::cluster::NodeId;
use crate::sim::Status;
use serde::{Deserialize, Serialize};

/// Kafka's default `max.in.flight.requests.per.connection`.
fn five() -> u32 {
    5
}

fn built_in() -> String {
    "built_in".to_string()
}

/// One producer client and what became of its sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerView {
    pub id: NodeId,
    pub name: String,
    pub status: Status,
    pub acks: String,
    /// Its `partitioner` setting (`built_in`, Java's, unless set to one of librdkafka's).
    #[serde(default = "built_in")]
    pub partitioner: String,
    /// The running producer's `linger.ms`, `batch.size` and `compression.type`.
    #[serde(default)]
    pub linger_ms: i64,
    #[serde(default)]
    pub batch_size: u32,
    #[serde(default)]
    pub compression_type: String,
    /// Closing (its sends finishing) before it is built again with changed settings.
    #[serde(default)]
    pub closing: bool,
    /// Whether the running producer is idempotent, and its producer id and epoch once
    /// `InitProducerId` answered.
    #[serde(default)]
    pub enable_idempotence: bool,
    #[serde(default)]
    pub producer_id_and_epoch: Option<(i64, i16)>,
    /// A transactional producer's `transactional.id` and its `TransactionManager` state
    /// (`UNINITIALIZED`, `READY`, `IN_TRANSACTION`, `ABORTABLE_ERROR`, `FATAL_ERROR` …).
    #[serde(default)]
    pub transactional_id: Option<String>,
    #[serde(default)]
    pub transaction_state: Option<String>,
    /// Its `max.in.flight.requests.per.connection`.
    #[serde(default = "five")]
    pub max_in_flight_requests_per_connection: u32,
    pub acknowledged_records: u64,
    pub failed_records: u64,
    pub records_in_flight: u64,
    /// The latest outcomes, newest last.
    pub outcomes: Vec<SendOutcome>,
    /// Outcomes that came before the first of these (so each has a lasting number: the
    /// page keys its rows by it and redraws only new ones).
    #[serde(default)]
    pub outcomes_before: u64,
    /// Acknowledged records the partition's log no longer has (`super::ledger`).
    #[serde(default)]
    pub lost: Vec<LostRecords>,
    /// A consume-transform-produce pipeline's loop (`None` for a producer).
    #[serde(default)]
    pub pipeline: Option<PipelineFacts>,
    /// Its transactional id at its transaction coordinator (`None` before one reported it).
    #[serde(default)]
    pub txn_coordinator: Option<TxnCoordinatorView>,
    /// The record whose `send()` blocks on metadata, if one does.
    #[serde(default)]
    pub blocked_send: Option<BlockedSend>,
}

/// A transactional id as its transaction coordinator holds it (`TransactionMetadata`):
/// the coordinator's broker, Kafka's state name (Empty, Ongoing, PrepareCommit,
/// PrepareAbort, CompleteCommit, CompleteAbort, PrepareEpochFence, Dead), the partitions
/// in the transaction and when it began (-1 outside one: with `transaction.timeout.ms`
/// the coordinator aborts it after that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnCoordinatorView {
    pub broker: NodeId,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub state: String,
    pub partitions: Vec<(String, u32)>,
    pub txn_timeout_ms: i32,
    pub txn_start_timestamp_ms: i64,
}

/// What a pipeline's card says: its topics, where its loop is (`polling`,
/// `in_transaction`, …, `stopped`), its transactions and the records it processed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PipelineFacts {
    pub input: String,
    pub output: String,
    pub state: String,
    pub transactions_committed: u64,
    pub transactions_aborted: u64,
    pub records_processed: u64,
}

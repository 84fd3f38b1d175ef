//! The transaction coordinator on a broker ([`TransactionCoordinator`]), after core's
//! `TransactionCoordinator` and `TransactionStateManager`: a broker coordinates the
//! transactional ids whose `__transaction_state` partition (`partition_for`) it leads. It
//! serves InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn and
//! EndTxn ([`requests`]), writes every state change as a `__transaction_state` record
//! with acks=all before applying it (`appendTransactionToLog`, [`append`]), sends the
//! end markers to each partition's leader and then writes CompleteCommit/CompleteAbort
//! (`TransactionMarkerChannelManager`, [`markers`]), aborts transactions older than their
//! timeout (`abortTimedOutTransactions`), and on gaining a partition's leadership reads
//! it back and finishes what a PrepareCommit/PrepareAbort left open
//! (`loadTransactionsForTxnTopicPartition`, [`load`]).
//!
//! Transaction version: TV_0, what Kafka 3.x clients get (EndTxn below v5): EndTxn does
//! not bump the epoch and answers producer id and epoch -1/-1; `__transaction_state`
//! values are written at version 0. Producer-fenced answers are PRODUCER_FENCED (the
//! wire layer turns them into INVALID_PRODUCER_EPOCH for the request versions that
//! predate it, as `KafkaApis` does).
//!
//! Sans-IO inside the broker: requests come in through [`TransactionCoordinator::handle_request`],
//! deadlines through [`TransactionCoordinator::pop_due`], and [`Effect`]s go out. No clock:
//! `now_ms` is an argument. Invariants: a transition is applied only after its record is
//! durable and only in the coordinator epoch it was written in; every client request is
//! answered exactly once (or with NOT_COORDINATOR when the partition moves).

mod append;
pub mod config;
mod end;
mod load;
mod markers;
mod requests;
#[cfg(test)]
mod tests;

pub use config::TransactionCoordinatorConfig;
use markers::MarkerChannel;

use super::metadata::TransactionMetadata;
use super::partition::partition_for;
use super::transit::TxnTransitMetadata;
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use std::collections::{BTreeMap, VecDeque};

/// Kafka's internal topic of transaction states (`Topic.TRANSACTION_STATE_TOPIC_NAME`).
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// What the coordinator asks of its broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Send {
        to: NodeId,
        message: Message,
    },
    Event(ClusterEvent),
    /// Append this record to `__transaction_state-{partition}` as leader with acks=all,
    /// then report with `append_started(id, …)` and `append_completed(id, …)`.
    Append {
        id: u64,
        partition: u32,
        key: Vec<u8>,
        value: Vec<u8>,
    },
}

/// Where a new producer id comes from (the broker's producer id block).
pub trait ProducerIdSource {
    /// `generateProducerId`: an id, or the error to answer (COORDINATOR_LOAD_IN_PROGRESS).
    fn generate_producer_id(&mut self) -> Result<i64, ErrorCode>;
}

/// The leader of a partition as the broker's metadata says: `None` when the partition
/// does not exist, `Some(None)` when it has no leader now.
pub type LeaderLookup<'a> = &'a dyn Fn(&TopicPartition) -> Option<Option<NodeId>>;

/// A request's sender, to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiter {
    pub node: NodeId,
    pub correlation_id: u64,
}

/// A `__transaction_state` partition this broker leads (`TxnMetadataCacheEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnPartition {
    /// The partition's leader epoch when this broker became its leader.
    pub coordinator_epoch: i32,
    /// Being read (`loadingPartitions`): COORDINATOR_LOAD_IN_PROGRESS until done.
    pub loading: bool,
    pub transactions: BTreeMap<String, TransactionMetadata>,
}

/// The coordinator's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TxnTimer {
    /// Reading a newly led partition (the broker serves it with the log's bytes).
    Load { partition: u32 },
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`.
    AbortTimedOut,
    /// An append not durable within the transaction's timeout (`appendRecords` timeout).
    Append { id: u64 },
    /// A WriteTxnMarkers unanswered within `request.timeout.ms`.
    MarkerRequest { correlation_id: u64 },
    /// Markers or a completion waiting out the retry backoff.
    MarkerRetry,
}

#[derive(Debug, Clone)]
pub struct TransactionCoordinator {
    pub(crate) broker_id: NodeId,
    pub(crate) config: TransactionCoordinatorConfig,
    /// Partitions of `__transaction_state` (the topic's, once it exists).
    pub(crate) partition_count: u32,
    /// Partitions of `__consumer_offsets`, for AddOffsetsToTxn.
    pub(crate) offsets_partition_count: u32,
    pub(crate) partitions: BTreeMap<u32, TxnPartition>,
    pub(crate) appends: BTreeMap<u64, append::PendingAppend>,
    next_append_id: u64,
    pub(crate) markers: MarkerChannel,
    pub(crate) timers: BTreeMap<TxnTimer, i64>,
    effects: VecDeque<Effect>,
}

impl TransactionCoordinator {
    pub fn new(broker_id: NodeId, config: TransactionCoordinatorConfig) -> Self {
        TransactionCoordinator {
            broker_id,
            partition_count: config.transaction_state_log_num_partitions.max(1),
            offsets_partition_count: 50,
            config,
            partitions: BTreeMap::new(),
            appends: BTreeMap::new(),
            next_append_id: 1,
            markers: MarkerChannel::default(),
            timers: BTreeMap::new(),
            effects: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &TransactionCoordinatorConfig {
        &self.config
    }

    pub fn set_partition_count(&mut self, partitions: u32) {
        self.partition_count = partitions.max(1);
    }

    /// The `__consumer_offsets` partition count AddOffsetsToTxn places groups with.
    pub fn set_offsets_partition_count(&mut self, partitions: u32) {
        self.offsets_partition_count = partitions.max(1);
    }

    /// `partitionFor(transactionalId)`.
    pub fn partition_for(&self, transactional_id: &str) -> u32 {
        partition_for(transactional_id, self.partition_count.min(i32::MAX as u32) as i32).max(0) as u32
    }

    pub fn owned_partitions(&self) -> &BTreeMap<u32, TxnPartition> {
        &self.partitions
    }

    /// A transactional id's metadata, if this broker has it loaded.
    pub fn transaction(&self, transactional_id: &str) -> Option<&TransactionMetadata> {
        self.partitions.get(&self.partition_for(transactional_id))?.transactions.get(transactional_id)
    }

    /// Whether the coordinator has anything to show or do (nothing for a cluster without
    /// `__transaction_state`, so such runs are unchanged).
    pub fn is_idle(&self) -> bool {
        self.partitions.is_empty() && self.appends.is_empty() && self.markers.pending_count() == 0
    }

    pub fn take_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    pub fn next_deadline_ms(&self) -> Option<i64> {
        self.timers.values().min().copied()
    }

    /// The earliest deadline due at `now_ms`, removed; [`TxnTimer::Load`] is the broker's
    /// to serve (it reads the log and calls [`Self::load`]), the others go to [`Self::on_timer`].
    pub fn pop_due(&mut self, now_ms: i64) -> Option<TxnTimer> {
        let (key, at) = self.timers.iter().min_by_key(|(k, at)| (**at, **k)).map(|(k, at)| (*k, *at))?;
        if at > now_ms {
            return None;
        }
        self.timers.remove(&key);
        Some(key)
    }

    pub fn on_timer(&mut self, now_ms: i64, key: TxnTimer, pids: &mut dyn ProducerIdSource) {
        match key {
            TxnTimer::Load { .. } => {}
            TxnTimer::AbortTimedOut => {
                self.abort_timed_out_transactions(now_ms, pids);
                self.arm_abort_timer(now_ms);
            }
            TxnTimer::Append { id } => self.append_completed(now_ms, id, Some(ErrorCode::RequestTimedOut)),
            TxnTimer::MarkerRequest { correlation_id } => {
                self.on_marker_request_failed(now_ms, correlation_id)
            }
            TxnTimer::MarkerRetry => {}
        }
    }

    /// Handles a transaction request; false if `message` is not one.
    pub fn handle_request(
        &mut self,
        now_ms: i64,
        from: NodeId,
        message: &Message,
        pids: &mut dyn ProducerIdSource,
    ) -> bool {
        match message {
            Message::InitProducerIdRequest {
                correlation_id,
                transactional_id: Some(id),
                transaction_timeout_ms,
                producer_id,
                producer_epoch,
            } => {
                let to = Waiter { node: from, correlation_id: *correlation_id };
                let expected = (*producer_id, *producer_epoch);
                self.handle_init_producer_id(now_ms, to, id, *transaction_timeout_ms, expected, pids)
            }
            Message::AddPartitionsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
            } => {
                let to = Waiter { node: from, correlation_id: *correlation_id };
                let partitions = partitions.iter().map(to_txn_tp).collect();
                let target = requests::AddTarget::Partitions(partitions);
                self.handle_add_partitions(
                    now_ms,
                    to,
                    transactional_id,
                    *producer_id,
                    *producer_epoch,
                    target,
                )
            }
            Message::AddOffsetsToTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                group_id,
            } => {
                let to = Waiter { node: from, correlation_id: *correlation_id };
                let target = requests::AddTarget::Offsets(group_id.clone());
                self.handle_add_partitions(
                    now_ms,
                    to,
                    transactional_id,
                    *producer_id,
                    *producer_epoch,
                    target,
                )
            }
            Message::EndTxnRequest {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                committed,
            } => {
                let origin =
                    requests::EndOrigin::Client(Waiter { node: from, correlation_id: *correlation_id });
                self.end_transaction(
                    now_ms,
                    transactional_id,
                    *producer_id,
                    *producer_epoch,
                    *committed,
                    origin,
                )
            }
            Message::WriteTxnMarkersResponse { correlation_id, markers } => {
                self.on_write_txn_markers_response(now_ms, *correlation_id, markers)
            }
            Message::ConnectionClosed => self.on_disconnect(now_ms, from),
            _ => return false,
        }
        true
    }

    /// `getTransactionState`: the coordinator epoch and whether the id is known, or
    /// COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR.
    pub(crate) fn state_of(&self, transactional_id: &str) -> Result<Option<i32>, ErrorCode> {
        match self.partitions.get(&self.partition_for(transactional_id)) {
            None => Err(ErrorCode::NotCoordinator),
            Some(p) if p.loading => Err(ErrorCode::CoordinatorLoadInProgress),
            Some(p) => Ok(p.transactions.contains_key(transactional_id).then_some(p.coordinator_epoch)),
        }
    }

    pub(crate) fn metadata_mut(&mut self, transactional_id: &str) -> Option<&mut TransactionMetadata> {
        let partition = self.partition_for(transactional_id);
        self.partitions.get_mut(&partition)?.transactions.get_mut(transactional_id)
    }

    pub(crate) fn send(&mut self, to: Waiter, message: Message) {
        self.effects.push_back(Effect::Send { to: to.node, message });
    }

    pub(crate) fn send_to(&mut self, to: NodeId, message: Message) {
        self.effects.push_back(Effect::Send { to, message });
    }

    pub(crate) fn push_effect(&mut self, effect: Effect) {
        self.effects.push_back(effect);
    }

    /// Reports `transactional_id`'s metadata as it now stands (for the page's cards).
    pub(crate) fn report_state(&mut self, transactional_id: &str) {
        let partition = self.partition_for(transactional_id);
        let found = self.partitions.get(&partition).and_then(|p| p.transactions.get(transactional_id));
        let Some(m) = found else { return };
        let event = ClusterEvent::TransactionStateChanged {
            broker_id: self.broker_id,
            transactional_id: transactional_id.to_string(),
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            state: m.state.name().to_string(),
            partitions: m.topic_partitions.iter().map(to_cluster_tp).collect(),
            txn_timeout_ms: m.txn_timeout_ms,
            txn_start_timestamp_ms: m.txn_start_timestamp_ms,
        };
        self.effects.push_back(Effect::Event(event));
    }

    /// Kafka throws `IllegalStateException` here; the playground reports it and goes on.
    pub(crate) fn illegal_state(&mut self, reason: String) {
        let event = ClusterEvent::Refused {
            node_id: self.broker_id,
            reason: format!("transaction coordinator: {reason}"),
        };
        self.effects.push_back(Effect::Event(event));
    }

    pub(crate) fn next_append_id(&mut self) -> u64 {
        self.next_append_id += 1;
        self.next_append_id - 1
    }

    fn arm_abort_timer(&mut self, now_ms: i64) {
        if self.partitions.is_empty() {
            self.timers.remove(&TxnTimer::AbortTimedOut);
        } else {
            let at = now_ms + self.config.transaction_abort_timed_out_transaction_cleanup_interval_ms;
            self.timers.insert(TxnTimer::AbortTimedOut, at);
        }
    }

    pub fn state_json(&self) -> serde_json::Value {
        let partitions: BTreeMap<String, serde_json::Value> = self
            .partitions
            .iter()
            .map(|(n, p)| {
                let txns: BTreeMap<&String, serde_json::Value> = p
                    .transactions
                    .iter()
                    .map(|(id, m)| {
                        (
                            id,
                            serde_json::json!({
                                "producer_id": m.producer_id,
                                "producer_epoch": m.producer_epoch,
                                "state": m.state.name(),
                                "pending_state": m.pending_state.map(|s| s.name()),
                                "partitions": m.topic_partitions.iter().map(|tp| tp.to_string()).collect::<Vec<_>>(),
                                "txn_timeout_ms": m.txn_timeout_ms,
                                "txn_start_timestamp_ms": m.txn_start_timestamp_ms,
                            }),
                        )
                    })
                    .collect();
                (
                    format!("{TRANSACTION_STATE_TOPIC}-{n}"),
                    serde_json::json!({
                        "coordinator_epoch": p.coordinator_epoch,
                        "loading": p.loading,
                        "transactions": txns,
                    }),
                )
            })
            .collect();
        serde_json::json!({
            "transaction_state_partitions": self.partition_count,
            "coordinator_for": partitions,
            "writes_in_flight": self.appends.len(),
            "transactions_with_pending_markers": self.markers.pending_count(),
        })
    }
}

/// A cluster partition as the transaction metadata names it.
pub(crate) fn to_txn_tp(tp: &TopicPartition) -> super::transit::TopicPartition {
    super::transit::TopicPartition::new(tp.topic.to_string(), tp.partition.min(i32::MAX as u32) as i32)
}

/// A transaction's partition as the cluster's messages name it.
pub(crate) fn to_cluster_tp(tp: &super::transit::TopicPartition) -> TopicPartition {
    TopicPartition::new(tp.topic.as_str(), tp.partition.max(0) as u32)
}

/// What `sendTxnMarkers` needs of a transaction once its prepare is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingCompleteTxn {
    pub transactional_id: String,
    pub coordinator_epoch: i32,
    pub committed: bool,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub new_metadata: TxnTransitMetadata,
}

//! The producer client as a sans-IO state machine ([`ProducerNode`]), after the Java
//! client's `KafkaProducer`, `RecordAccumulator` and `Sender`. A `produce` command adds
//! records to per-partition batches (partition chosen by the configured partitioner, or
//! named; a record whose topic or partition the metadata lacks blocks its `send()` and
//! the later ones while the metadata is asked again, up to `max.block.ms`, as
//! `KafkaProducer.waitOnMetadata` does);
//! a batch goes to the partition's leader when full or after `linger.ms`; retriable
//! errors are retried after `retry.backoff.ms` (and a metadata refresh) while within
//! `delivery.timeout.ms`; a request unanswered for `request.timeout.ms` counts as
//! REQUEST_TIMED_OUT, and a closed connection (the broker's process is gone) fails the
//! requests in flight to it at once as NETWORK_EXCEPTION. Up to
//! `max.in.flight.requests.per.connection` requests are in flight per broker; with
//! idempotence (the default) batches carry a producer id, epoch and sequence
//! ([`idempotence`]). Invariants: with `max.in.flight.requests.per.connection=1` at most
//! one batch of a partition is in flight, so its batches are appended in send order; every
//! record ends exactly once as acknowledged or failed. With `transactional.id` the producer
//! is transactional ([`txn`]): its batches are transactional and wait until their partition
//! is added to the transaction.

pub mod accumulator;
mod commands;
pub mod config;
pub mod idempotence;
mod idempotent_sender;
pub mod lifecycle;
mod metadata;
#[cfg(test)]
mod metadata_wait_tests;
pub mod record_text;
mod sender;
pub mod state;
pub mod txn;

pub use config::{ProducerConfig, ProducerConfigError, MAX_IN_FLIGHT_FOR_IDEMPOTENCE};
pub use metadata::BlockedSend;

use crate::engine::cluster::messages::{TopicName, TopicPartition};
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{
    ClusterEvent, Envelope, Input, Message, Node, NodeId, Output, TimerKey, TimerKind,
};
use crate::engine::error::ErrorCode;
use crate::engine::partitioner::{sticky_size_hint, Partitioner, PartitionerConfig, PartitionerKind};
use accumulator::{Accumulator, Batch, SentRecord};
use record_text::RecordText;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Headers one record may carry at most, and the most bytes of one header's key or value.
pub const MAX_HEADERS_PER_RECORD: usize = 16;
pub const MAX_HEADER_BYTES: usize = 1024;

/// The most records one `produce` command may add (the playground's bound, see
/// [`crate::engine::limits`]).
pub const MAX_RECORDS_PER_COMMAND: u64 = crate::engine::limits::MAX_RECORDS_PER_PRODUCE;

/// The most records that may wait behind a `send()` blocked on metadata (each for up to
/// `max.block.ms`, one after the other); a `produce` past it is refused, as the
/// application's thread would still be blocked in `send()`.
pub const MAX_WAITING_RECORDS: u64 = 10 * MAX_RECORDS_PER_COMMAND;

/// Acknowledged records a producer keeps for its report and the acked-writes checker:
/// the newest, at least this many and at most twice as many (older ones are counted in
/// `acknowledged_forgotten`). A scenario sends at most
/// [`crate::engine::limits::MAX_RECORDS_PER_SCENARIO`] (twice this), so a scenario run
/// forgets none; a page run producing for an hour would otherwise keep millions.
pub const ACKNOWLEDGED_KEPT: usize = 100_000;

/// One acknowledged record: where the cluster said it is. `offset` is -1 with `acks=0`.
/// The topic is shared by the records of a batch, key and value by their command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcknowledgedRecord {
    pub topic: TopicName,
    pub partition: u32,
    pub offset: i64,
    pub key: Option<RecordText>,
    pub value: RecordText,
}

/// Outcomes of the records sent so far (one `send()` per record, as in Java).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SendCounts {
    pub acked: u64,
    pub failed: u64,
    pub in_flight: u64,
}

/// A request waiting for its answer, with the broker it went to (a closed connection
/// fails every request in flight to that broker).
pub(crate) enum InFlight {
    /// The batches of one request, one per partition.
    Produce {
        batches: Vec<Batch>,
        node: NodeId,
    },
    Metadata {
        node: NodeId,
    },
    InitProducerId {
        node: NodeId,
    },
    /// A request to a transaction or group coordinator ([`txn`]).
    Transactional {
        node: NodeId,
    },
}

impl InFlight {
    /// The broker the request went to.
    pub(crate) fn node(&self) -> NodeId {
        match self {
            InFlight::Produce { node, .. }
            | InFlight::Metadata { node }
            | InFlight::InitProducerId { node }
            | InFlight::Transactional { node } => *node,
        }
    }
}

/// A record whose `send()` has not returned: it waits for its topic, and the partition it
/// names, to be in the metadata (Java's `send()` blocks in `waitOnMetadata`), or for an
/// earlier record that does.
pub(crate) struct WaitingRecord {
    /// Shared by the records of one command.
    topic: TopicName,
    partition: Option<u32>,
    record: SentRecord,
}

pub struct ProducerNode {
    client_id: NodeId,
    config: ProducerConfig,
    partitioner: Partitioner,
    /// librdkafka's topic-level `partitioner` property, set by a produce command that
    /// names one: the topic's records go through it instead of the producer's.
    topic_partitioners: BTreeMap<String, Partitioner>,
    seed: u64,
    accumulator: Accumulator,
    in_flight: BTreeMap<u64, InFlight>,
    /// Muted partitions (`guaranteeMessageOrder`, only with
    /// `max.in.flight.requests.per.connection=1`): a batch of theirs is in flight.
    partitions_in_flight: BTreeSet<TopicPartition>,
    /// The idempotent producer's state (`enable.idempotence=true`).
    idempotence: Option<idempotence::TransactionManager>,
    /// The transactional producer's state (`transactional.id` set).
    txn: Option<txn::state::TransactionalState>,
    /// Known partitions per topic, from Metadata responses.
    topics: BTreeMap<String, BTreeMap<u32, PartitionState>>,
    unknown_topics: BTreeSet<String>,
    brokers: Vec<NodeId>,
    metadata_needed: bool,
    metadata_in_flight: bool,
    metadata_backoff_until_ms: i64,
    metadata_requests_sent: u64,
    waiting: Vec<WaitingRecord>,
    /// Since when the first waiting record's `send()` has blocked on metadata (its
    /// `max.block.ms` counts from there).
    blocked_since_ms: Option<i64>,
    next_correlation_id: u64,
    next_record_index: u64,
    counts: SendCounts,
    acknowledged: Vec<AcknowledgedRecord>,
    /// Acknowledged records no longer kept (the oldest).
    acknowledged_forgotten: u64,
    outputs: VecDeque<Output>,
    now_ms: i64,
    sender_timer_at_ms: Option<i64>,
    /// Set by `restart_with`: the settings of the producer that replaces this one once
    /// this one's sends are done (see [`lifecycle`]).
    rebuild_with: Option<ProducerConfig>,
    /// Produce commands that wait for that producer.
    held: Vec<crate::engine::cluster::command::Command>,
}

impl ProducerNode {
    pub fn new(client_id: NodeId, config: ProducerConfig, seed: u64) -> Self {
        let partitioner_config =
            PartitionerConfig { batch_size_bytes: config.batch_size_bytes, ..PartitionerConfig::default() };
        let mut idempotence = config.enable_idempotence.then(idempotence::TransactionManager::default);
        let txn = match (&config.transactional_id, idempotence.as_mut()) {
            (Some(id), Some(tm)) => {
                tm.transactional = true;
                Some(txn::state::TransactionalState::new(id.clone(), config.transaction_timeout_ms))
            }
            _ => None,
        };
        let accumulator = Accumulator { transactional: txn.is_some(), ..Accumulator::default() };
        ProducerNode {
            idempotence,
            txn,
            client_id,
            partitioner: Partitioner::new(config.partitioner, partitioner_config, seed),
            topic_partitioners: BTreeMap::new(),
            seed,
            config,
            accumulator,
            in_flight: BTreeMap::new(),
            partitions_in_flight: BTreeSet::new(),
            topics: BTreeMap::new(),
            unknown_topics: BTreeSet::new(),
            brokers: Vec::new(),
            metadata_needed: true,
            metadata_in_flight: false,
            metadata_backoff_until_ms: i64::MIN,
            metadata_requests_sent: 0,
            waiting: Vec::new(),
            blocked_since_ms: None,
            next_correlation_id: 1,
            next_record_index: 0,
            counts: SendCounts::default(),
            acknowledged: Vec::new(),
            acknowledged_forgotten: 0,
            outputs: VecDeque::new(),
            now_ms: 0,
            sender_timer_at_ms: None,
            rebuild_with: None,
            held: Vec::new(),
        }
    }

    pub fn config(&self) -> &ProducerConfig {
        &self.config
    }

    /// The settings a `restart_with` now builds on: those of the producer being built
    /// (one is closing for it), else the running one's.
    pub fn next_config(&self) -> &ProducerConfig {
        self.rebuild_with.as_ref().unwrap_or(&self.config)
    }

    /// Closing before it is built again with changed settings ([`lifecycle`]).
    pub fn is_closing(&self) -> bool {
        self.rebuild_with.is_some()
    }

    /// The idempotent producer's id and epoch, once `InitProducerId` answered.
    pub fn producer_id_and_epoch(&self) -> Option<(i64, i16)> {
        let id = self.idempotence.as_ref()?.producer_id_and_epoch?;
        Some((id.producer_id, id.epoch))
    }

    /// The transactional producer's `transactional.id` and its `TransactionManager` state
    /// (`READY`, `IN_TRANSACTION` …), if it is transactional.
    pub fn transaction_state(&self) -> Option<(&str, &'static str)> {
        self.txn.as_ref().map(|t| (t.transactional_id.as_str(), t.state.name()))
    }

    pub fn counts(&self) -> SendCounts {
        self.counts
    }

    /// The acknowledged records kept ([`ACKNOWLEDGED_KEPT`]), in acknowledgement order.
    pub fn acknowledged(&self) -> &[AcknowledgedRecord] {
        &self.acknowledged
    }

    /// How many acknowledged records came before [`ProducerNode::acknowledged`]'s first.
    pub fn acknowledged_forgotten(&self) -> u64 {
        self.acknowledged_forgotten
    }

    fn send(&mut self, to: NodeId, message: Message) {
        self.outputs.push_back(Output::Send(Envelope { from: self.client_id, to, message }));
    }

    fn event(&mut self, event: ClusterEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    fn refuse(&mut self, reason: String) {
        self.event(ClusterEvent::Refused { node_id: self.client_id, reason });
    }

    /// Records whose `send()` has not returned yet: they wait for the topic's metadata
    /// (Java's `send()` blocks on it, up to `max.block.ms`).
    pub fn records_waiting_for_metadata(&self) -> usize {
        self.waiting.len()
    }

    /// This producer numbers its requests from `base` (a process that also runs a
    /// consumer on the same node keeps the two apart by correlation id).
    pub fn with_correlation_base(mut self, base: u64) -> Self {
        self.next_correlation_id = base;
        self
    }

    fn take_correlation_id(&mut self) -> u64 {
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        id
    }

    /// Sets `topic`'s partitioner (librdkafka's topic-level `partitioner`); an unchanged
    /// kind keeps its state (the sticky partition of null keys).
    fn set_topic_partitioner(&mut self, topic: &str, kind: PartitionerKind) {
        if self.topic_partitioners.get(topic).is_some_and(|p| p.kind() == kind) {
            return;
        }
        let config = PartitionerConfig {
            batch_size_bytes: self.config.batch_size_bytes,
            ..PartitionerConfig::default()
        };
        let seed = self.seed ^ crate::engine::record::crc::crc32c(topic.as_bytes()) as u64;
        self.topic_partitioners.insert(topic.to_string(), Partitioner::new(kind, config, seed));
    }

    /// Moves records whose topic metadata is known into the accumulator, in order, as
    /// `KafkaProducer.doSend` does after `waitOnMetadata`: a record whose topic is unknown,
    /// or whose explicit partition is not (yet) below the topic's partition count (the
    /// metadata may predate added partitions), blocks its `send()`, so it and every record
    /// after it wait while the metadata is asked again, up to
    /// [`config::MAX_BLOCK_MS`] for it.
    fn place_waiting_records(&mut self) {
        let waiting = std::mem::take(&mut self.waiting);
        // One key reused for every record (they mostly share a topic): no copy per record.
        let mut tp = TopicPartition { topic: "".into(), partition: 0 };
        // The partition count of the last topic looked up (the topic is shared by a run).
        let mut known: Option<(TopicName, Option<u32>)> = None;
        // The record's key written out (the partitioner hashes it), into a buffer reused
        // for every record; the value is written straight into its batch.
        let mut key_text = Vec::new();
        // The transactional refusals told so far (one per reason, bounded).
        let mut refused: Vec<String> = Vec::new();
        // The blocked record's start, kept while it is still the first to wait.
        let mut since = self.blocked_since_ms.take();
        let mut records = waiting.into_iter();
        while let Some(w) = records.next() {
            let count = match &known {
                Some((topic, count)) if *topic == w.topic => *count,
                _ => {
                    let count = self.partition_count(&w.topic);
                    known = Some((w.topic.clone(), count));
                    count
                }
            };
            let Some(partition_count) = count.filter(|c| w.partition.is_none_or(|p| p < *c)) else {
                self.metadata_needed = true;
                self.blocked_since_ms = Some(since.unwrap_or(self.now_ms));
                self.waiting.push(w);
                self.waiting.extend(records);
                break;
            };
            // This record's `send()` goes on: the next one to block starts its own wait.
            since = None;
            // Key and value share the record's number: written out once.
            let mut digits_buf = [0u8; 20];
            let digits = crate::engine::text::decimal_digits(w.record.value.number(), &mut digits_buf);
            key_text.clear();
            match &w.record.key {
                Some(k) if k.number() == w.record.value.number() => k.write_digits(digits, &mut key_text),
                Some(k) => k.write(&mut key_text),
                None => {}
            }
            let key = w.record.key.as_ref().map(|_| key_text.as_slice());
            let value_len = w.record.value.len_digits(digits);
            let size = sticky_size_hint(key, Some(value_len), w.record.headers.as_deref().unwrap_or(&[]));
            let partition = match w.partition {
                Some(p) => Ok(p),
                None => match self.topic_partitioners.get_mut(&*w.topic) {
                    Some(p) => p.partition(self.now_ms.max(0) as u64, &w.topic, key, size, partition_count),
                    None => self.partitioner.partition(
                        self.now_ms.max(0) as u64,
                        &w.topic,
                        key,
                        size,
                        partition_count,
                    ),
                }
                .map_err(|e| e.to_string()),
            };
            match partition {
                Ok(partition) => {
                    if tp.topic != w.topic {
                        tp.topic = w.topic.clone();
                    }
                    tp.partition = partition;
                    if let Err(reason) = self.maybe_add_partition(&tp) {
                        // `send()` threw: the record is not sent (the refusal is told once).
                        self.counts.in_flight = self.counts.in_flight.saturating_sub(1);
                        if refused.last() != Some(&reason) && refused.len() < 8 {
                            self.refuse(format!("send refused: {reason}"));
                            refused.push(reason);
                        }
                        continue;
                    }
                    let sizing = (self.config.batch_size_bytes, self.config.compression_type);
                    self.accumulator.append(&tp, w.record, (key, value_len, digits), self.now_ms, sizing);
                }
                Err(reason) => {
                    self.refuse(reason);
                    self.fail_records(None, ErrorCode::UnknownTopicOrPartition, 1);
                }
            }
        }
    }

    fn fail_records(&mut self, tp: Option<TopicPartition>, error: ErrorCode, records: u32) {
        self.counts.failed += u64::from(records);
        self.counts.in_flight = self.counts.in_flight.saturating_sub(u64::from(records));
        self.event(ClusterEvent::SendFailed { client_id: self.client_id, tp, error, records });
    }

    fn handle_message(&mut self, envelope: Envelope) {
        match envelope.message {
            Message::ProduceResponse { correlation_id, partitions } => {
                self.handle_produce_response(correlation_id, &partitions)
            }
            Message::MetadataResponse { correlation_id, brokers, partitions, unknown_topics } => {
                self.handle_metadata_response(correlation_id, brokers, partitions, unknown_topics)
            }
            Message::InitProducerIdResponse { correlation_id, error, producer_id, producer_epoch } => {
                let answer = txn::handlers::TxnAnswer::InitProducerId { error, producer_id, producer_epoch };
                if !self.handle_txn_answer(correlation_id, answer) {
                    self.handle_init_producer_id_response(correlation_id, error, producer_id, producer_epoch)
                }
            }
            Message::ConnectionClosed => self.handle_disconnect(envelope.from),
            other => self.handle_transactional_message(other),
        }
    }

    /// `TransactionManager.maybeAddPartition` for a transactional producer.
    fn maybe_add_partition(&mut self, tp: &TopicPartition) -> Result<(), String> {
        let id = self.current_id();
        match self.txn.as_mut() {
            Some(txn) => txn.maybe_add_partition(tp, id),
            None => Ok(()),
        }
    }

    /// The coordinators' answers to a transactional producer.
    fn handle_transactional_message(&mut self, message: Message) {
        use txn::handlers::TxnAnswer;
        match message {
            Message::FindCoordinatorResponse { correlation_id, error, node_id, .. } => {
                self.handle_txn_answer(correlation_id, TxnAnswer::FindCoordinator { error, node_id });
            }
            Message::AddPartitionsToTxnResponse { correlation_id, results } => {
                self.handle_txn_answer(correlation_id, TxnAnswer::AddPartitions { results: &results });
            }
            Message::AddOffsetsToTxnResponse { correlation_id, error } => {
                self.handle_txn_answer(correlation_id, TxnAnswer::AddOffsets { error });
            }
            Message::TxnOffsetCommitResponse { correlation_id, partitions } => {
                self.handle_txn_answer(
                    correlation_id,
                    TxnAnswer::TxnOffsetCommit { partitions: &partitions },
                );
            }
            Message::EndTxnResponse { correlation_id, error, .. } => {
                self.handle_txn_answer(correlation_id, TxnAnswer::EndTxn { error });
            }
            _ => {}
        }
    }
}

impl Node for ProducerNode {
    fn view(&self) -> crate::engine::cluster::NodeView<'_> {
        crate::engine::cluster::NodeView::Producer(self)
    }
    fn node_id(&self) -> NodeId {
        self.client_id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.now_ms = now_ms;
        match input {
            Input::Deliver(envelope) => self.handle_message(envelope),
            Input::Timer(TimerKey { kind: TimerKind::Sender, .. }) => self.sender_timer_at_ms = None,
            Input::Timer(TimerKey { kind: TimerKind::RequestTimeout, instance }) => {
                self.handle_request_timeout(instance)
            }
            Input::Timer(key) => self.refuse(format!("unknown producer timer {key:?}")),
            Input::Command(command) => self.handle_command(command),
        }
        self.run_sender();
        if self.rebuild_with.is_some() {
            self.maybe_rebuild();
            self.run_sender();
        }
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        crate::engine::cluster::NodeState::Producer(state::ProducerState(self))
    }
}

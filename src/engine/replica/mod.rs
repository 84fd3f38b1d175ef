//! The replicated broker ([`BrokerNode`]), a sans-IO [`Node`]: it registers with the
//! KRaft controller and heartbeats, replays the metadata log into a [`ClusterImage`],
//! leads or follows each partition it hosts as that image says, and implements Kafka's
//! replication: produce with acks 0/1/all and `min.insync.replicas`, replica fetching
//! with KIP-320 epoch fencing and KIP-595 divergence detection, the high watermark, ISR
//! shrink and expand through AlterPartition, and follower truncation (KIP-101/279).
//!
//! Invariants: one input in, then every output is queued (drain with `poll_output`);
//! every write to a log is a `Persist` output of the same input; nothing panics on bad
//! input (Kafka error codes, or a `Refused` event).
//!
//! Start: the node starts on its first input of any kind (the driver sends
//! `Command::Start`, `{"start": true}`, at the node's start time); starting sends
//! `BrokerRegistration` and arms the heartbeat and ISR-expiration timers.
//!
//! Timers ([`TimerKind`]): `Heartbeat`; `Fetcher` toward leader `instance`;
//! `IsrExpiration` (every `replica.lag.time.max.ms / 2`); `DelayedProduce`,
//! `DelayedFetch` (`instance` = the node's own request number); `GroupCoordinator`, the
//! group coordinator's next deadline ([`group`]); `LogRetention`, the log retention
//! task, every `log.retention.check.interval.ms` ([`retention`]); `LogCleaner`, every
//! `log.cleaner.backoff.ms` ([`cleaner`]); `DelayedDeleteRecords`, a held DeleteRecords
//! (`instance` = the node's own request number, [`delete_records`]).
//!
//! The broker is also group coordinator for the `__consumer_offsets` partitions it leads
//! ([`GroupCoordinator`], glued in by [`group`]).

pub mod cleaner;
pub mod config;
pub mod delayed;
pub mod delete_records;
pub mod delete_topic;
pub mod describe_configs;
pub mod fetcher;
pub mod group;
pub mod inspect;
pub mod leader;
pub mod metadata;
pub mod partition;
pub mod producer_ids;
pub mod recover;
pub mod retention;
pub mod state;
pub mod txn_coordinator;
pub mod txn_markers;
pub mod view;
pub mod waits;

use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::metadata::ClusterImage;
use crate::engine::cluster::{
    ClusterEvent, Command, Envelope, Input, Node, NodeId, Output, TimerKey, TimerKind,
};
use crate::engine::group::coordinator::GroupCoordinator;
use crate::engine::txn::coordinator::TransactionCoordinator;
pub use config::BrokerConfig;
use delayed::{DelayedFetch, DelayedProduce};
use fetcher::Fetcher;
pub use partition::{Partition, Role};
use std::collections::{BTreeMap, VecDeque};
pub use view::{BatchSummary, ReplicaView};

/// A broker of a replicated cluster.
#[derive(Debug, Clone)]
pub struct BrokerNode {
    broker_id: NodeId,
    config: BrokerConfig,
    started: bool,
    /// Kafka's per-process incarnation id; here the start time, as no RNG is at hand.
    incarnation: u64,
    broker_epoch: i64,
    image: ClusterImage,
    partitions: BTreeMap<TopicPartition, Partition>,
    fetchers: BTreeMap<NodeId, Fetcher>,
    delayed_produces: BTreeMap<u64, DelayedProduce>,
    delayed_fetches: BTreeMap<u64, DelayedFetch>,
    delayed_delete_records: BTreeMap<u64, delete_records::DelayedDeleteRecords>,
    next_request_id: u64,
    /// High watermarks last written to `replication-offset-checkpoint`.
    checkpointed_hw: Vec<(TopicPartition, i64)>,
    /// A log start offset moved during this input: write `log-start-offset-checkpoint`.
    log_start_changed: bool,
    outputs: VecDeque<Output>,
    /// Coordinator of the groups of the `__consumer_offsets` partitions it leads.
    coordinator: GroupCoordinator,
    /// When this broker last asked the controller to create `__consumer_offsets`.
    offsets_topic_requested_ms: Option<i64>,
    /// The last reason the controller gave for not creating it (reported once).
    offsets_topic_failure: Option<String>,
    /// Where the coordinator's timer is armed.
    coordinator_timer_at_ms: Option<i64>,
    /// Producer-id blocks from the controller, for `InitProducerId` ([`producer_ids`]).
    producer_ids: producer_ids::ProducerIdManager,
    /// When the next `PeriodicProducerExpirationCheck` is due (run by the retention timer).
    next_producer_expiration_check_ms: i64,
    /// Coordinator of the transactional ids of the `__transaction_state` partitions it
    /// leads ([`txn_coordinator`]), with its topic request and timer as the group's.
    txn_coordinator: TransactionCoordinator,
    txn_topic_requested_ms: Option<i64>,
    txn_topic_failure: Option<String>,
    txn_coordinator_timer_at_ms: Option<i64>,
}

impl BrokerNode {
    pub fn new(broker_id: NodeId, config: BrokerConfig, now_ms: i64) -> Self {
        let seed = (u64::from(broker_id) << 32) ^ now_ms.max(0) as u64;
        BrokerNode {
            coordinator: GroupCoordinator::new(broker_id, config.group.clone(), seed),
            txn_coordinator: TransactionCoordinator::new(broker_id, config.txn.clone()),
            txn_topic_requested_ms: None,
            txn_topic_failure: None,
            txn_coordinator_timer_at_ms: None,
            offsets_topic_requested_ms: None,
            offsets_topic_failure: None,
            coordinator_timer_at_ms: None,
            producer_ids: producer_ids::ProducerIdManager::default(),
            next_producer_expiration_check_ms: now_ms + config.producer_id_expiration_check_interval_ms,
            broker_id,
            config,
            started: false,
            incarnation: now_ms.max(0) as u64,
            broker_epoch: -1,
            image: ClusterImage::default(),
            partitions: BTreeMap::new(),
            fetchers: BTreeMap::new(),
            delayed_produces: BTreeMap::new(),
            delayed_fetches: BTreeMap::new(),
            delayed_delete_records: BTreeMap::new(),
            next_request_id: 0,
            checkpointed_hw: Vec::new(),
            log_start_changed: false,
            outputs: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    pub fn broker_epoch(&self) -> i64 {
        self.broker_epoch
    }

    pub fn image(&self) -> &ClusterImage {
        &self.image
    }

    /// The transaction coordinator this broker runs.
    pub fn txn_coordinator(&self) -> &TransactionCoordinator {
        &self.txn_coordinator
    }

    /// The group coordinator this broker runs.
    pub fn group_coordinator(&self) -> &GroupCoordinator {
        &self.coordinator
    }

    pub fn partition(&self, topic: &str, partition: u32) -> Option<&Partition> {
        self.partitions.get(&TopicPartition { topic: topic.into(), partition })
    }

    fn start(&mut self, now_ms: i64) {
        self.started = true;
        self.send_registration();
        self.set_timer(TimerKind::Heartbeat, 0, now_ms + self.config.broker_heartbeat_interval_ms);
        self.set_timer(
            TimerKind::IsrExpiration,
            0,
            now_ms + (self.config.replica_lag_time_max_ms / 2).max(1),
        );
        self.arm_retention_timer(now_ms);
        self.arm_cleaner_timer(now_ms);
    }

    fn send_registration(&mut self) {
        let message =
            Message::BrokerRegistration { broker_id: self.broker_id, incarnation: self.incarnation };
        self.send(self.config.controller_id, message);
    }

    fn on_heartbeat_timer(&mut self, now_ms: i64) {
        if self.broker_epoch < 0 {
            self.send_registration();
        } else {
            let message = Message::BrokerHeartbeat {
                broker_id: self.broker_id,
                broker_epoch: self.broker_epoch,
                metadata_offset: self.image.next_offset - 1,
            };
            self.send(self.config.controller_id, message);
        }
        self.set_timer(TimerKind::Heartbeat, 0, now_ms + self.config.broker_heartbeat_interval_ms);
    }

    /// Reads the message in place (record bytes are never copied for the driver's sake).
    fn on_message(&mut self, now_ms: i64, envelope: &Envelope) {
        let from = envelope.from;
        match &envelope.message {
            Message::ProduceRequest { correlation_id, acks, timeout_ms, partitions } => {
                self.handle_produce(now_ms, from, *correlation_id, *acks, *timeout_ms, partitions)
            }
            Message::FetchRequest {
                correlation_id,
                replica_id,
                max_wait_ms,
                max_bytes,
                partitions,
                isolation_level,
            } => {
                let request = delayed::FetchRef {
                    from,
                    correlation_id: *correlation_id,
                    replica_id: *replica_id,
                    max_wait_ms: *max_wait_ms,
                    max_bytes: *max_bytes,
                    partitions,
                    isolation_level: *isolation_level,
                };
                self.handle_fetch(now_ms, request)
            }
            Message::FetchResponse { correlation_id, partitions } => {
                self.handle_fetch_response(now_ms, from, *correlation_id, partitions)
            }
            Message::MetadataUpdate { first_offset, records } => {
                self.handle_metadata_update(now_ms, *first_offset, records);
                self.sync_group_coordinator(now_ms);
                self.sync_txn_coordinator(now_ms);
            }
            Message::FindCoordinatorRequest { correlation_id, key, key_type } if !key_type.is_group() => {
                self.handle_find_txn_coordinator(now_ms, from, *correlation_id, key.clone())
            }
            Message::FindCoordinatorRequest { correlation_id, key, .. } => {
                self.handle_find_coordinator(now_ms, from, *correlation_id, key.clone())
            }
            Message::CreateTopicsResponse { name, error, message, .. } => {
                self.handle_create_topics_response(name, *error, message.clone());
                self.handle_txn_topic_create_response(name, *error, message.clone())
            }
            Message::AlterPartitionResponse { tp, error, state } => {
                self.handle_alter_partition_response(now_ms, tp.clone(), *error, state.clone())
            }
            Message::BrokerHeartbeatResponse { broker_epoch, .. } => {
                if *broker_epoch >= 0 {
                    self.broker_epoch = *broker_epoch;
                }
            }
            Message::ListOffsetsRequest { correlation_id, tp, timestamp_ms, isolation_level } => {
                self.handle_list_offsets(from, *correlation_id, tp.clone(), *timestamp_ms, *isolation_level)
            }
            Message::MetadataRequest { correlation_id, topics } => {
                self.handle_metadata_request(from, *correlation_id, topics.clone())
            }
            Message::OffsetForLeaderEpochRequest {
                correlation_id,
                tp,
                current_leader_epoch,
                leader_epoch,
            } => self.handle_offset_for_leader_epoch(
                from,
                *correlation_id,
                tp.clone(),
                *current_leader_epoch,
                *leader_epoch,
            ),
            Message::DeleteRecordsRequest { correlation_id, timeout_ms, partitions } => {
                self.handle_delete_records(now_ms, from, *correlation_id, *timeout_ms, partitions)
            }
            Message::DescribeConfigsRequest { correlation_id, resources } => {
                self.handle_describe_configs(from, *correlation_id, resources)
            }
            Message::InitProducerIdRequest { transactional_id: Some(_), .. } => {
                self.handle_txn_request(now_ms, from, &envelope.message);
            }
            Message::InitProducerIdRequest { correlation_id, transactional_id, .. } => {
                self.handle_init_producer_id(now_ms, from, *correlation_id, transactional_id.as_deref())
            }
            Message::AllocateProducerIdsResponse { error, producer_id_start, producer_id_len } => self
                .handle_allocate_producer_ids_response(now_ms, *error, *producer_id_start, *producer_id_len),
            Message::WriteTxnMarkersRequest { correlation_id, markers } => {
                self.handle_write_txn_markers(now_ms, from, *correlation_id, markers)
            }
            // A client or broker this one answered is gone; only a fetch of its own waits
            // on the connection (the controller is reached through its heartbeats, which
            // go on by themselves).
            Message::ConnectionClosed => {
                self.on_fetcher_disconnect(now_ms, from);
                self.handle_txn_request(now_ms, from, &envelope.message);
            }
            other => {
                if !self.handle_txn_request(now_ms, from, other)
                    && !self.coordinator.handle_request(now_ms, from, other)
                {
                    self.refuse(format!("broker {} does not handle {}", self.broker_id, message_name(other)))
                }
            }
        }
    }

    fn on_timer(&mut self, now_ms: i64, key: TimerKey) {
        match key.kind {
            TimerKind::Heartbeat => self.on_heartbeat_timer(now_ms),
            TimerKind::Fetcher => self.on_fetcher_timer(now_ms, key.instance as NodeId),
            TimerKind::IsrExpiration => {
                self.maybe_shrink_isr(now_ms);
                self.set_timer(
                    TimerKind::IsrExpiration,
                    0,
                    now_ms + (self.config.replica_lag_time_max_ms / 2).max(1),
                );
            }
            TimerKind::DelayedProduce => self.expire_delayed_produce(now_ms, key.instance),
            TimerKind::DelayedFetch => self.expire_delayed_fetch(now_ms, key.instance),
            TimerKind::GroupCoordinator => self.coordinator_timer_at_ms = None,
            TimerKind::TxnCoordinator => self.txn_coordinator_timer_at_ms = None,
            TimerKind::LogRetention => self.cleanup_logs(now_ms),
            TimerKind::LogCleaner => self.clean_logs(now_ms),
            TimerKind::DelayedDeleteRecords => self.expire_delayed_delete_records(key.instance),
            TimerKind::BrokerSession | TimerKind::Sender | TimerKind::Tick | TimerKind::RequestTimeout => {
                self.refuse(format!("broker {} has no timer of kind {:?}", self.broker_id, key.kind))
            }
        }
    }

    /// The driver's start signal (the broker starts on its first input of any kind), or
    /// `{"retention_check": true}`: the page's "run the retention check now", which runs
    /// the `kafka-log-retention` task at once (and counts the next interval from now).
    fn on_command(&mut self, now_ms: i64, command: &Command) {
        match command {
            Command::Start(_) => {}
            Command::RetentionCheck(_) => self.cleanup_logs(now_ms),
            other => self.refuse(format!(
                "broker {} does not take the command \"{}\"",
                self.broker_id,
                other.name()
            )),
        }
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.outputs.push_back(Output::Send(Envelope { from: self.broker_id, to, message }));
    }

    pub(crate) fn set_timer(&mut self, kind: TimerKind, instance: u64, at_ms: i64) {
        self.outputs.push_back(Output::SetTimer { key: TimerKey { kind, instance }, at_ms });
    }

    pub(crate) fn cancel_timer(&mut self, kind: TimerKind, instance: u64) {
        self.outputs.push_back(Output::CancelTimer { key: TimerKey { kind, instance } });
    }

    pub(crate) fn event(&mut self, event: ClusterEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    pub(crate) fn refuse(&mut self, reason: String) {
        self.event(ClusterEvent::Refused { node_id: self.broker_id, reason });
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_request_id += 1;
        self.next_request_id
    }

    pub(crate) fn is_eligible(image: &ClusterImage, broker: NodeId) -> bool {
        image.brokers.get(&broker).is_none_or(|b| !b.fenced)
    }

    /// Moves the leader's HW forward if it can, with its event.
    pub(crate) fn maybe_increment_high_watermark(&mut self, now_ms: i64, tp: &TopicPartition) {
        let lag = self.config.replica_lag_time_max_ms;
        let image = &self.image;
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if let Some(high_watermark) =
            p.maybe_increment_high_watermark(now_ms, lag, |b| Self::is_eligible(image, b))
        {
            let event = ClusterEvent::HighWatermarkAdvanced {
                broker_id: self.broker_id,
                tp: tp.clone(),
                high_watermark,
            };
            self.event(event);
        }
    }

    /// Store writes of every log, in order, then the HW checkpoint if it changed.
    fn flush_store_ops(&mut self) {
        for p in self.partitions.values_mut() {
            if !p.log.pending.is_empty() {
                // Drained, not taken: the log keeps its buffer for the next writes.
                self.outputs.extend(p.log.pending.drain(..).map(Output::Persist));
            }
        }
        self.flush_log_start_checkpoint();
        // Partitions and checkpointed entries share the (topic, partition) order: update in place, rebuild only when
        // the partitions changed; write the checkpoint when a value did.
        let mut changed = false;
        let mut same_keys = self.partitions.len() == self.checkpointed_hw.len();
        if same_keys {
            for ((tp, p), (checkpointed, hw)) in self.partitions.iter().zip(self.checkpointed_hw.iter_mut()) {
                if tp != checkpointed {
                    same_keys = false;
                    break;
                }
                if *hw != p.high_watermark {
                    *hw = p.high_watermark;
                    changed = true;
                }
            }
        }
        if !same_keys {
            self.checkpointed_hw =
                self.partitions.iter().map(|(tp, p)| (tp.clone(), p.high_watermark)).collect();
            changed = true;
        }
        if changed {
            self.outputs.push_back(Output::Persist(crate::engine::store::StoreOp::PutMeta {
                broker_id: self.broker_id,
                name: recover::REPLICATION_OFFSET_CHECKPOINT.to_string(),
                value: crate::engine::log::checkpoint::write_checkpoint_of(
                    self.checkpointed_hw.len(),
                    self.checkpointed_hw.iter().map(|(tp, hw)| (tp.topic.as_str(), tp.partition, *hw)),
                ),
            }));
        }
    }
}

fn message_name(message: &Message) -> String {
    let debug = format!("{message:?}");
    debug.split([' ', '{', '(']).next().unwrap_or_default().to_string()
}

impl Node for BrokerNode {
    fn view(&self) -> crate::engine::cluster::NodeView<'_> {
        crate::engine::cluster::NodeView::Broker(self)
    }
    fn node_id(&self) -> NodeId {
        self.broker_id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.handle_ref(now_ms, &input);
    }

    fn handle_ref(&mut self, now_ms: i64, input: &Input) {
        if !self.started {
            self.start(now_ms);
        }
        match input {
            Input::Deliver(envelope) => self.on_message(now_ms, envelope),
            Input::Timer(key) => self.on_timer(now_ms, *key),
            Input::Command(command) => self.on_command(now_ms, command),
        }
        self.run_group_coordinator(now_ms);
        self.run_txn_coordinator(now_ms);
        self.complete_delayed(now_ms);
        self.complete_delayed_delete_records();
        self.flush_store_ops();
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state(&self) -> crate::engine::cluster::NodeState<'_> {
        crate::engine::cluster::NodeState::Broker(state::BrokerState(self))
    }
}

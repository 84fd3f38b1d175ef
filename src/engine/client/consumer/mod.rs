//! The consumer client as a sans-IO state machine ([`ConsumerNode`]), after the Java
//! client's classic `KafkaConsumer`: `subscribe` (group management through the broker's
//! group coordinator, [`coordinator`]) or `assign`; positions from committed offsets or
//! `auto.offset.reset`; fetches from partition leaders, which serve only up to the high
//! watermark ([`fetcher`]); offsets committed automatically every
//! `auto.commit.interval.ms` (and before a rebalance, and on close) or by command.
//!
//! The application is modelled as Java's poll loop: it is either inside `poll()` (idle,
//! waiting for records or a rebalance — which is when joins, syncs and auto-commits
//! happen) or processing the records the last poll returned, each taking
//! `playground.processing.time.per.record.ms`. The heartbeat thread runs regardless; if
//! processing keeps the application out of `poll()` longer than `max.poll.interval.ms`,
//! the heartbeat thread leaves the group, as Kafka's does. Every processed record is
//! counted per (topic, partition, offset) and reported, so duplicates and losses show.
//!
//! Commands (JSON): `{"subscribe": {"topics": [..]}}`, `{"assign": {"partitions":
//! [{"topic", "partition"}]}}`, `{"unsubscribe": {}}`, `{"commit": {}}` (commitSync of
//! what was processed), `{"seek": {"topic", "partition", "offset"}}` (or `"to":
//! "beginning" | "end"`), `{"close": {}}`, `{"pause_heartbeats": true | false}`,
//! `{"set_processing_time": {"per_record_ms": n}}`, `{"restart_with": {"configs": {name:
//! value}}}` (a rolling restart of this one process with changed settings: `close()` —
//! commit, revoke, LeaveGroup — then a new process with the new config joins as a new
//! member; what a rolling bounce with a new `partition.assignment.strategy` does).
//! The start signal may carry settings too (`{"start": {"configs": {..}}}`: a consumer the
//! page adds with its own `group.id`, timeouts or assignors). Changed settings are kept in
//! the client's store under [`CONFIG_META`], so a later restart of the process uses them.
//!
//! Timers: kind 1 the next deadline of the loop; kind 2 `request.timeout.ms` of one
//! request (`instance` = its correlation id). Invariants: at most one request of each
//! group kind in flight and one fetch per broker; a response is used only if its
//! correlation id is the one awaited; nothing panics on any input.

pub mod config;
mod coordinator;
mod fetcher;
pub mod protocol;

pub use config::{AutoOffsetReset, ConsumerConfig, ConsumerConfigError};

use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{ClusterEvent, Envelope, Input, Message, Node, NodeId, Output, TimerKey};
use crate::engine::group::assignor::RebalanceProtocol;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The client's stored config (JSON of [`ConsumerConfig`]) when it was started or
/// restarted with settings other than its scenario's.
pub const CONFIG_META: &str = "consumer.config";

/// Timer kind: the loop's next deadline.
pub const TIMER_TICK: u32 = 1;
/// Timer kind: `request.timeout.ms` of one request (`instance` = correlation id).
pub const TIMER_REQUEST_TIMEOUT: u32 = 2;

/// What the consumer reads: nothing yet, topics through a group, or fixed partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Subscription {
    None,
    Topics(Vec<String>),
    Assigned(Vec<TopicPartition>),
}

/// `AbstractCoordinator.MemberState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MemberState {
    Unjoined,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// `AbstractCoordinator.Generation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    pub generation_id: i32,
    pub member_id: String,
    pub protocol_name: Option<String>,
}

impl Generation {
    pub fn none() -> Self {
        Generation { generation_id: -1, member_id: String::new(), protocol_name: None }
    }
    pub fn is_valid(&self) -> bool {
        self.generation_id >= 0 && !self.member_id.is_empty()
    }
}

/// Why offsets are being committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CommitPurpose {
    Auto,
    Manual,
    /// `onJoinPrepare`: commit synchronously before rejoining.
    BeforeJoin,
    /// `close()`: commit synchronously before leaving.
    BeforeClose,
}

/// A request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    Metadata,
    FindCoordinator,
    JoinGroup,
    SyncGroup,
    Heartbeat,
    OffsetCommit { offsets: Vec<(TopicPartition, i64)>, purpose: CommitPurpose },
    OffsetFetch { partitions: Vec<TopicPartition> },
    ListOffsets { tp: TopicPartition },
    Fetch { broker: NodeId },
    LeaveGroup,
}

/// One assigned partition (`SubscriptionState.TopicPartitionState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartitionPosition {
    /// The next offset to hand to the application; `None` until initialised.
    pub position: Option<i64>,
    /// The offset after the last record the application finished processing.
    pub processed: Option<i64>,
    /// The last committed offset this consumer knows of.
    pub committed: Option<i64>,
    pub high_watermark: i64,
    pub last_lag_sample: Option<(i64, i64)>,
}

/// Where the consumer's life is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Lifecycle {
    Running,
    /// `close()` is committing before it leaves.
    Closing,
    Closed,
    /// A fatal error (FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, …) stopped it.
    Failed(String),
}

/// The rebalance in progress on the client side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum JoinPhase {
    Idle,
    /// Committing synchronously before JoinGroup (`onJoinPrepare`).
    Committing,
    Joining,
    Syncing,
}

pub struct ConsumerNode {
    pub(crate) client_id: NodeId,
    pub(crate) config: ConsumerConfig,
    pub(crate) protocol: RebalanceProtocol,
    pub(crate) now_ms: i64,
    pub(crate) outputs: VecDeque<Output>,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) subscription: Subscription,
    /// The subscription given at start (and again after a restart).
    initial: Subscription,
    started: bool,
    next_correlation_id: u64,
    pub(crate) in_flight: BTreeMap<u64, Pending>,
    // metadata
    pub(crate) topics: BTreeMap<String, Vec<PartitionState>>,
    pub(crate) unknown_topics: BTreeSet<String>,
    pub(crate) brokers: Vec<NodeId>,
    pub(crate) metadata_requests_sent: u64,
    pub(crate) metadata_next_ms: i64,
    pub(crate) metadata_refresh_needed: bool,
    pub(crate) metadata_refreshed_ms: i64,
    // group membership
    pub(crate) coordinator: Option<NodeId>,
    pub(crate) coordinator_retry_ms: i64,
    pub(crate) member_state: MemberState,
    pub(crate) generation: Generation,
    pub(crate) join_phase: JoinPhase,
    pub(crate) rejoin_needed: bool,
    pub(crate) rejoin_reason: String,
    pub(crate) needs_join_prepare: bool,
    pub(crate) join_retry_ms: i64,
    /// The topics this member joined with and, for the leader, the partition counts it
    /// assigned from (`assignmentSnapshot`): a change asks for a rebalance.
    pub(crate) joined_subscription: Vec<String>,
    pub(crate) assignment_snapshot: Option<BTreeMap<String, u32>>,
    pub(crate) last_heartbeat_send_ms: i64,
    pub(crate) last_heartbeat_receive_ms: i64,
    pub(crate) heartbeat_retry_ms: i64,
    pub(crate) heartbeats_paused: bool,
    pub(crate) next_auto_commit_ms: i64,
    // assignment, positions, fetched data
    pub(crate) assigned: BTreeMap<TopicPartition, PartitionPosition>,
    pub(crate) offset_fetch_retry_ms: i64,
    pub(crate) list_offsets_retry_ms: i64,
    pub(crate) fetch_retry_ms: i64,
    /// Fetched records not yet handed to the application: (partition, offsets).
    pub(crate) buffer: VecDeque<(TopicPartition, Vec<i64>)>,
    // the application
    pub(crate) processing: VecDeque<(TopicPartition, i64)>,
    pub(crate) processing_done_ms: Option<i64>,
    pub(crate) last_poll_ms: i64,
    /// Processed records: how many times each offset was processed.
    pub(crate) consumed: BTreeMap<TopicPartition, BTreeMap<i64, u32>>,
    tick_at_ms: Option<i64>,
    /// `restart_with`: the config of the process that replaces this one once closed.
    reborn: Option<ConsumerConfig>,
}

impl ConsumerNode {
    /// A consumer that, once started, subscribes or assigns as `initial` says.
    pub fn new(client_id: NodeId, config: ConsumerConfig, initial: Subscription) -> Self {
        let protocol = config.rebalance_protocol();
        ConsumerNode {
            client_id,
            protocol,
            config,
            now_ms: 0,
            outputs: VecDeque::new(),
            lifecycle: Lifecycle::Running,
            subscription: Subscription::None,
            initial,
            started: false,
            next_correlation_id: 1,
            in_flight: BTreeMap::new(),
            topics: BTreeMap::new(),
            unknown_topics: BTreeSet::new(),
            brokers: Vec::new(),
            metadata_requests_sent: 0,
            metadata_next_ms: 0,
            metadata_refresh_needed: false,
            metadata_refreshed_ms: i64::MIN,
            coordinator: None,
            coordinator_retry_ms: 0,
            member_state: MemberState::Unjoined,
            generation: Generation::none(),
            join_phase: JoinPhase::Idle,
            rejoin_needed: true,
            rejoin_reason: "initial join".into(),
            needs_join_prepare: true,
            join_retry_ms: 0,
            joined_subscription: Vec::new(),
            assignment_snapshot: None,
            last_heartbeat_send_ms: 0,
            last_heartbeat_receive_ms: 0,
            heartbeat_retry_ms: 0,
            heartbeats_paused: false,
            next_auto_commit_ms: 0,
            assigned: BTreeMap::new(),
            offset_fetch_retry_ms: 0,
            list_offsets_retry_ms: 0,
            fetch_retry_ms: 0,
            buffer: VecDeque::new(),
            processing: VecDeque::new(),
            processing_done_ms: None,
            last_poll_ms: 0,
            consumed: BTreeMap::new(),
            tick_at_ms: None,
            reborn: None,
        }
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }

    /// Whether the process has been started (a scenario may declare it for later).
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// When the last heartbeat (or join) answer came, and whether the heartbeat thread is
    /// paused.
    pub fn heartbeat(&self) -> (i64, bool) {
        (self.last_heartbeat_receive_ms, self.heartbeats_paused)
    }

    /// Topics it subscribed to that do not exist (it waits for them).
    pub fn unknown_topics(&self) -> Vec<String> {
        self.unknown_topics.iter().cloned().collect()
    }

    /// (position, committed, high watermark) of each owned partition.
    pub fn positions(&self) -> Vec<(TopicPartition, Option<i64>, Option<i64>, i64)> {
        self.assigned.iter().map(|(tp, p)| (tp.clone(), p.position, p.committed, p.high_watermark)).collect()
    }

    pub fn group_id(&self) -> Option<&str> {
        self.config.group_id.as_deref()
    }

    pub fn member_state(&self) -> MemberState {
        self.member_state
    }

    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// The partitions the consumer owns now.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.assigned.keys().cloned().collect()
    }

    /// How many times each processed offset was processed, per partition.
    pub fn consumed(&self) -> &BTreeMap<TopicPartition, BTreeMap<i64, u32>> {
        &self.consumed
    }

    pub(crate) fn send(&mut self, to: NodeId, message: Message) {
        self.outputs.push_back(Output::Send(Envelope { from: self.client_id, to, message }));
    }

    /// Sends a request and arms its timeout.
    pub(crate) fn request(&mut self, to: NodeId, pending: Pending, build: impl FnOnce(u64) -> Message, timeout_ms: i64) -> u64 {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        self.in_flight.insert(correlation_id, pending);
        self.send(to, build(correlation_id));
        let key = TimerKey { kind: TIMER_REQUEST_TIMEOUT, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: self.now_ms + timeout_ms });
        correlation_id
    }

    /// Takes the pending request a response answers, cancelling its timeout.
    pub(crate) fn answered(&mut self, correlation_id: u64) -> Option<Pending> {
        let pending = self.in_flight.remove(&correlation_id)?;
        let key = TimerKey { kind: TIMER_REQUEST_TIMEOUT, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        Some(pending)
    }

    pub(crate) fn has_in_flight(&self, matches: impl Fn(&Pending) -> bool) -> bool {
        self.in_flight.values().any(matches)
    }

    pub(crate) fn event(&mut self, event: ClusterEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    pub(crate) fn note(&mut self, note: String) {
        self.event(ClusterEvent::ConsumerNote { client_id: self.client_id, note });
    }

    pub(crate) fn refuse(&mut self, reason: String) {
        self.event(ClusterEvent::Refused { node_id: self.client_id, reason });
    }

    /// A broker to ask for metadata or the coordinator: known brokers, else bootstrap.
    pub(crate) fn any_broker(&mut self) -> Option<NodeId> {
        let nodes = if self.brokers.is_empty() { &self.config.bootstrap } else { &self.brokers };
        if nodes.is_empty() {
            return None;
        }
        let n = nodes[(self.metadata_requests_sent % nodes.len() as u64) as usize];
        self.metadata_requests_sent += 1;
        Some(n)
    }

    fn is_active(&self) -> bool {
        matches!(self.lifecycle, Lifecycle::Running | Lifecycle::Closing)
    }

    fn start(&mut self) {
        self.started = true;
        self.last_poll_ms = self.now_ms;
        let initial = self.initial.clone();
        self.apply_subscription(initial);
    }

    /// `subscribe` / `assign` / `unsubscribe`.
    pub(crate) fn apply_subscription(&mut self, subscription: Subscription) {
        match &subscription {
            Subscription::None => {
                if !self.assigned.is_empty() {
                    self.revoke_all(false);
                }
                if self.generation.is_valid() {
                    self.leave_group("the consumer unsubscribed from all topics");
                }
            }
            Subscription::Topics(topics) => {
                if self.config.group_id.is_none() {
                    self.refuse(
                        "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration."
                            .into(),
                    );
                    return;
                }
                let mut topics = topics.clone();
                topics.sort();
                topics.dedup();
                self.metadata_refresh_needed = true;
                if matches!(self.subscription, Subscription::Assigned(_)) {
                    self.assigned.clear();
                }
                self.subscription = Subscription::Topics(topics);
                if self.joined_subscription != self.subscribed_topics() {
                    self.request_rejoin("subscription changed");
                }
                return;
            }
            Subscription::Assigned(partitions) => {
                let keep: BTreeSet<&TopicPartition> = partitions.iter().collect();
                self.assigned.retain(|tp, _| keep.contains(tp));
                for tp in partitions {
                    self.assigned.entry(tp.clone()).or_default();
                }
                self.metadata_refresh_needed = true;
            }
        }
        self.subscription = subscription;
    }

    pub(crate) fn subscribed_topics(&self) -> Vec<String> {
        match &self.subscription {
            Subscription::Topics(t) => t.clone(),
            Subscription::Assigned(ps) => {
                let mut t: Vec<String> = ps.iter().map(|tp| tp.topic.clone()).collect();
                t.dedup();
                t
            }
            Subscription::None => Vec::new(),
        }
    }

    fn handle_command(&mut self, command: serde_json::Value) {
        if let Some(spec) = command.get("start") {
            if !self.started {
                if spec.get("configs").is_some() {
                    match self.changed_config(spec) {
                        Ok(config) => {
                            self.persist_config(&config);
                            self.protocol = config.rebalance_protocol();
                            self.config = config;
                        }
                        Err(reason) => {
                            self.refuse(format!("the consumer cannot start: {reason}"));
                            return;
                        }
                    }
                }
                self.start();
            }
            return;
        }
        if let Some(spec) = command.get("restart_with") {
            self.restart_with(spec);
            return;
        }
        if !self.is_active() {
            self.refuse(format!("the consumer is {:?}: command {command} ignored", self.lifecycle));
            return;
        }
        if let Some(spec) = command.get("subscribe") {
            let topics: Option<Vec<String>> = spec.get("topics").and_then(|t| serde_json::from_value(t.clone()).ok());
            match topics {
                Some(t) if !t.is_empty() && t.iter().all(|s| !s.is_empty()) => self.apply_subscription(Subscription::Topics(t)),
                _ => self.refuse("subscribe needs \"topics\": a non-empty list of topic names".into()),
            }
        } else if let Some(spec) = command.get("assign") {
            let partitions: Option<Vec<TopicPartition>> =
                spec.get("partitions").and_then(|t| serde_json::from_value(t.clone()).ok());
            match partitions {
                Some(p) => self.apply_subscription(Subscription::Assigned(p)),
                None => self.refuse("assign needs \"partitions\": [{\"topic\", \"partition\"}]".into()),
            }
        } else if command.get("unsubscribe").is_some() {
            self.apply_subscription(Subscription::None);
        } else if command.get("commit").is_some() {
            self.commit_processed(CommitPurpose::Manual);
        } else if let Some(spec) = command.get("seek") {
            self.seek(spec);
        } else if command.get("close").is_some() {
            self.close();
        } else if let Some(v) = command.get("pause_heartbeats") {
            self.heartbeats_paused = v.as_bool().unwrap_or(true);
            let state = if self.heartbeats_paused { "paused" } else { "resumed" };
            self.note(format!("heartbeat thread {state}"));
        } else if let Some(spec) = command.get("set_processing_time") {
            match spec.get("per_record_ms").and_then(serde_json::Value::as_i64).filter(|v| *v >= 0) {
                Some(ms) => self.config.processing_time_per_record_ms = ms,
                None => self.refuse("set_processing_time needs \"per_record_ms\" ≥ 0".into()),
            }
        } else {
            self.refuse(format!("unknown consumer command: {command}"));
        }
    }

    /// This consumer's config with `spec.configs` (`{name: value}`) over it, or why not.
    fn changed_config(&self, spec: &serde_json::Value) -> Result<ConsumerConfig, String> {
        let Some(map) = spec.get("configs").and_then(|c| c.as_object()) else {
            return Err("\"configs\" must be an object of config names and values".into());
        };
        let pairs: Vec<(String, String)> =
            map.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect();
        self.config.with_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| e.message)
    }

    fn persist_config(&mut self, config: &ConsumerConfig) {
        if let Ok(value) = serde_json::to_string(config) {
            let op = crate::storage::StoreOp::PutMeta { broker_id: self.client_id, name: CONFIG_META.into(), value };
            self.outputs.push_back(Output::Persist(op));
        }
    }

    /// A rolling restart of this process with changed settings: close, then start anew.
    fn restart_with(&mut self, spec: &serde_json::Value) {
        let config = match self.changed_config(spec) {
            Ok(c) => c,
            Err(reason) => {
                self.refuse(format!("restart_with refused: {reason}"));
                return;
            }
        };
        self.persist_config(&config);
        match self.lifecycle {
            Lifecycle::Running if self.started => {
                self.note("restarting with changed settings: close() first".into());
                self.reborn = Some(config);
                self.close();
            }
            Lifecycle::Closing => self.reborn = Some(config),
            _ => self.rebirth(config),
        }
    }

    /// The new process of a rolling restart: nothing of the old one's memory survives
    /// but the request numbering (so late answers to the old one are ignored).
    pub(crate) fn rebirth(&mut self, config: ConsumerConfig) {
        let mut fresh = ConsumerNode::new(self.client_id, config, self.initial.clone());
        fresh.now_ms = self.now_ms;
        fresh.next_correlation_id = self.next_correlation_id;
        fresh.outputs = std::mem::take(&mut self.outputs);
        fresh.tick_at_ms = self.tick_at_ms;
        *self = fresh;
        self.note(format!(
            "started again with partition.assignment.strategy = {} ({:?})",
            self.config.partition_assignment_strategy.iter().map(|a| a.name()).collect::<Vec<_>>().join(","),
            self.protocol
        ));
        self.start();
    }

    pub(crate) fn take_reborn(&mut self) -> Option<ConsumerConfig> {
        self.reborn.take()
    }

    fn seek(&mut self, spec: &serde_json::Value) {
        let topic = spec.get("topic").and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let partition = spec.get("partition").and_then(|v| v.as_u64()).unwrap_or(u64::MAX);
        let tp = TopicPartition { topic, partition: u32::try_from(partition).unwrap_or(u32::MAX) };
        if !self.assigned.contains_key(&tp) {
            self.refuse(format!("No current assignment for partition {}-{}", tp.topic, tp.partition));
            return;
        }
        let target = match (spec.get("offset").and_then(|v| v.as_i64()), spec.get("to").and_then(|v| v.as_str())) {
            (Some(o), _) if o >= 0 => Some(o),
            (_, Some("beginning")) => Some(-2),
            (_, Some("end")) => Some(-1),
            _ => None,
        };
        let Some(target) = target else {
            self.refuse("seek needs \"offset\" ≥ 0 or \"to\": \"beginning\" | \"end\"".into());
            return;
        };
        self.buffer.retain(|(t, _)| t != &tp);
        if let Some(p) = self.assigned.get_mut(&tp) {
            if target >= 0 {
                p.position = Some(target);
                p.processed = Some(target);
            } else {
                p.position = None;
            }
        }
        if target < 0 {
            self.reset_offset(&tp, if target == -2 { AutoOffsetReset::Earliest } else { AutoOffsetReset::Latest });
        }
    }

    fn handle_message(&mut self, envelope: Envelope) {
        let from = envelope.from;
        match envelope.message {
            Message::MetadataResponse { correlation_id, brokers, partitions, unknown_topics } => {
                self.handle_metadata_response(correlation_id, brokers, partitions, unknown_topics)
            }
            Message::FindCoordinatorResponse { correlation_id, error, node_id, .. } => {
                self.handle_find_coordinator_response(correlation_id, error, node_id)
            }
            Message::JoinGroupResponse { correlation_id, error, generation_id, protocol_name, leader, member_id, members, .. } => {
                self.handle_join_response(correlation_id, error, generation_id, protocol_name, leader, member_id, members)
            }
            Message::SyncGroupResponse { correlation_id, error, assignment, .. } => {
                self.handle_sync_response(correlation_id, error, &assignment)
            }
            Message::HeartbeatResponse { correlation_id, error } => self.handle_heartbeat_response(correlation_id, error),
            Message::OffsetCommitResponse { correlation_id, partitions } => self.handle_commit_response(correlation_id, partitions),
            Message::OffsetFetchResponse { correlation_id, error, partitions } => {
                self.handle_offset_fetch_response(correlation_id, error, partitions)
            }
            Message::ListOffsetsResponse { correlation_id, tp, error, offset, .. } => {
                self.handle_list_offsets_response(correlation_id, tp, error, offset)
            }
            Message::FetchResponse { correlation_id, partitions } => self.handle_fetch_response(from, correlation_id, partitions),
            Message::LeaveGroupResponse { correlation_id, .. } => {
                self.answered(correlation_id);
            }
            _ => {}
        }
    }

    fn handle_request_timeout(&mut self, correlation_id: u64) {
        let Some(pending) = self.in_flight.remove(&correlation_id) else { return };
        match pending {
            Pending::FindCoordinator | Pending::JoinGroup | Pending::SyncGroup | Pending::Heartbeat | Pending::OffsetFetch { .. } => {
                self.mark_coordinator_unknown("request timed out");
                if matches!(pending, Pending::JoinGroup | Pending::SyncGroup) {
                    self.join_phase = JoinPhase::Idle;
                    self.member_state = MemberState::Unjoined;
                }
            }
            Pending::OffsetCommit { purpose, .. } => {
                self.mark_coordinator_unknown("offset commit timed out");
                self.commit_finished(purpose);
            }
            Pending::Metadata | Pending::ListOffsets { .. } | Pending::Fetch { .. } => self.metadata_refresh_needed = true,
            Pending::LeaveGroup => {}
        }
    }

    /// The next time the loop must run.
    fn next_deadline_ms(&self) -> Option<i64> {
        let now = self.now_ms;
        let mut candidates: Vec<i64> = Vec::new();
        if let Some(t) = self.processing_done_ms {
            candidates.push(t);
        }
        if matches!(self.lifecycle, Lifecycle::Running) {
            candidates.extend(self.heartbeat_deadlines());
            candidates.push(self.metadata_next_ms);
            for t in [self.coordinator_retry_ms, self.join_retry_ms, self.offset_fetch_retry_ms, self.list_offsets_retry_ms, self.fetch_retry_ms] {
                candidates.push(t);
            }
            if self.processing.is_empty() && self.config.enable_auto_commit && self.config.group_id.is_some() {
                candidates.push(self.next_auto_commit_ms);
            }
            if self.metadata_refreshed_ms > i64::MIN / 2 {
                candidates.push(self.metadata_refreshed_ms + self.config.metadata_max_age_ms);
            }
        }
        candidates.into_iter().filter(|t| *t > now).min()
    }

    fn run(&mut self) {
        if !self.started {
            return;
        }
        for _ in 0..10_000 {
            if !self.step_once() {
                break;
            }
        }
        let next = self.next_deadline_ms();
        if next != self.tick_at_ms {
            let key = TimerKey { kind: TIMER_TICK, instance: 0 };
            match next {
                Some(at_ms) => self.outputs.push_back(Output::SetTimer { key, at_ms }),
                None => self.outputs.push_back(Output::CancelTimer { key }),
            }
            self.tick_at_ms = next;
        }
    }

    /// One pass of everything due; true if something changed that may enable more.
    fn step_once(&mut self) -> bool {
        let mut progress = self.finish_processing();
        if self.processing.is_empty() {
            // An idle application is blocked inside poll(): its poll timer keeps resetting.
            self.last_poll_ms = self.now_ms;
        }
        if matches!(self.lifecycle, Lifecycle::Running) {
            self.heartbeat_thread();
            self.maybe_request_metadata();
            if self.processing.is_empty() {
                progress |= self.poll();
            }
            self.send_fetches();
        }
        progress
    }
}

impl Node for ConsumerNode {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn node_id(&self) -> NodeId {
        self.client_id
    }

    fn handle(&mut self, now_ms: i64, input: Input) {
        self.now_ms = now_ms;
        match input {
            Input::Deliver(envelope) => self.handle_message(envelope),
            Input::Timer(TimerKey { kind: TIMER_TICK, .. }) => self.tick_at_ms = None,
            Input::Timer(TimerKey { kind: TIMER_REQUEST_TIMEOUT, instance }) => self.handle_request_timeout(instance),
            Input::Timer(key) => self.refuse(format!("unknown consumer timer {key:?}")),
            Input::Command(command) => self.handle_command(command),
        }
        self.run();
    }

    fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    fn state_json(&self) -> serde_json::Value {
        let partitions: BTreeMap<String, serde_json::Value> = self
            .assigned
            .iter()
            .map(|(tp, p)| {
                let lag = p.position.map(|pos| (p.high_watermark - pos).max(0));
                let committed_lag = p.committed.map(|c| (p.high_watermark - c).max(0));
                (
                    format!("{}-{}", tp.topic, tp.partition),
                    serde_json::json!({
                        "position": p.position,
                        "processed": p.processed,
                        "committed": p.committed,
                        "high_watermark": p.high_watermark,
                        "lag": lag,
                        "committed_lag": committed_lag,
                    }),
                )
            })
            .collect();
        let consumed: BTreeMap<String, serde_json::Value> = self
            .consumed
            .iter()
            .map(|(tp, offsets)| {
                let records: u32 = offsets.values().sum();
                let duplicates: u32 = offsets.values().map(|n| n.saturating_sub(1)).sum();
                let first = offsets.keys().next().copied();
                let last = offsets.keys().next_back().copied();
                (
                    format!("{}-{}", tp.topic, tp.partition),
                    serde_json::json!({ "records": records, "distinct": offsets.len(), "duplicates": duplicates, "first": first, "last": last }),
                )
            })
            .collect();
        serde_json::json!({
            "client_id": self.client_id,
            "config": self.config,
            "lifecycle": self.lifecycle,
            "subscription": self.subscription,
            "group_id": self.config.group_id,
            "group_instance_id": self.config.group_instance_id,
            "rebalance_protocol": format!("{:?}", self.protocol).to_uppercase(),
            "coordinator": self.coordinator,
            "member_state": self.member_state,
            "generation": self.generation,
            "assignment": partitions,
            "records_buffered": self.buffer.iter().map(|(_, o)| o.len()).sum::<usize>(),
            "records_processing": self.processing.len(),
            "consumed": consumed,
            "heartbeats_paused": self.heartbeats_paused,
            "unknown_topics": self.unknown_topics,
        })
    }
}

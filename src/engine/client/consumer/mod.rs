//! The consumer client as a sans-IO state machine ([`ConsumerNode`]), after the Java
//! client's classic `KafkaConsumer`: `subscribe` (group management through the broker's
//! group coordinator, [`coordinator`]) or `assign`; positions from committed offsets or
//! `auto.offset.reset`; fetches from partition leaders, which serve only up to the high
//! watermark ([`fetcher`]); offsets committed automatically every
//! `auto.commit.interval.ms` (and before a rebalance, and on close) or by command, or by
//! the application's own `commitSync()` right after `poll()` returns (at most once) or
//! after the poll's records are processed (at least once), as `playground.commit.sync`
//! says ([`delivery`]; exactly once needs transactions and is refused).
//!
//! The application is modelled as Java's poll loop: it is either inside `poll()` (idle,
//! waiting for records or a rebalance — which is when joins, syncs and auto-commits
//! happen) or processing the records the last poll returned, each taking
//! `playground.processing.time.per.record.ms`. The heartbeat thread runs regardless; if
//! processing keeps the application out of `poll()` longer than `max.poll.interval.ms`,
//! the heartbeat thread leaves the group, as Kafka's does. Every processed record is
//! counted per (topic, partition, offset) and reported, so duplicates and losses show
//! (a crash drops the process without `close()`: no commit, no LeaveGroup; the group
//! picture, `crate::sim::picture`, charges each lost or repeated offset to a member).
//!
//! Commands ([`crate::engine::cluster::Command`], as JSON): `{"subscribe": {"topics": [..]}}`, `{"assign": {"partitions":
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
//! Timers: `Tick` the next deadline of the loop; `RequestTimeout` `request.timeout.ms`
//! of one request (`instance` = its correlation id). Invariants: at most one request of each
//! group kind in flight and one fetch per broker; a response is used only if its
//! correlation id is the one awaited; nothing panics on any input.
//!
//! Where the parts live: [`state`] the state types, [`requests`] outputs, requests and
//! the dispatch of answers, [`commands`] the commands, [`subscription`] subscribe and
//! assign, [`lifecycle`] start, restarts and close, [`delivery`] the application's own
//! commit moment, [`node`] the loop and the `Node` impl, [`coordinator`] (with
//! [`heartbeat`], [`rebalance`], [`commit`]) the group protocol, [`fetcher`] metadata,
//! positions, fetches and the application.

mod commands;
mod commit;
pub mod config;
mod coordinator;
pub mod delivery;
mod fetcher;
mod heartbeat;
mod lifecycle;
mod metadata;
mod node;
mod positions;
pub mod protocol;
mod rebalance;
mod requests;
mod state;
mod subscription;
pub mod txn_app;

pub use config::{AutoOffsetReset, ConsumerConfig, ConsumerConfigError};
pub use delivery::{CommitSync, COMMIT_SYNC_CONFIG};
pub use state::{CommitPurpose, Generation, Lifecycle, MemberState, PartitionPosition, Subscription};
pub(crate) use state::{JoinPhase, Pending};

use crate::engine::cluster::messages::{JoinGroupMember, TopicPartition};
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{NodeId, Output};
use crate::engine::group::assignor::RebalanceProtocol;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The client's stored config (JSON of [`ConsumerConfig`]) when it was started or
/// restarted with settings other than its scenario's.
pub const CONFIG_META: &str = "consumer.config";

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
    /// Requests waiting for an answer, with the broker each went to.
    pub(crate) in_flight: BTreeMap<u64, (NodeId, Pending)>,
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
    /// The leader's `SubscriptionState.groupSubscription`: every topic its members
    /// subscribe to, kept in its metadata until the next `onJoinPrepare`.
    pub(crate) group_subscription: BTreeSet<String>,
    /// A leader's JoinGroup answer (protocol, members) held while it waits for metadata.
    pub(crate) leader_join: Option<(Option<String>, Vec<JoinGroupMember>)>,
    pub(crate) last_heartbeat_send_ms: i64,
    pub(crate) last_heartbeat_receive_ms: i64,
    pub(crate) heartbeat_retry_ms: i64,
    pub(crate) heartbeats_paused: bool,
    pub(crate) next_auto_commit_ms: i64,
    // assignment, positions, fetched data
    pub(crate) assigned: BTreeMap<TopicPartition, PartitionPosition>,
    pub(crate) offset_fetch_retry_ms: i64,
    /// The partitions last answered UNSTABLE_OFFSET_COMMIT, noted once until that changes.
    pub(crate) unstable_offsets_noted: Vec<String>,
    pub(crate) list_offsets_retry_ms: i64,
    pub(crate) fetch_retry_ms: i64,
    /// Fetched records not yet handed to the application: (partition, offsets, the
    /// next fetch offset once they are all handed: past the fetch's last batch, skipped
    /// control and aborted batches included, `CompletedFetch.nextFetchOffset`).
    pub(crate) buffer: VecDeque<(TopicPartition, Vec<i64>, i64)>,
    // the application
    pub(crate) processing: VecDeque<(TopicPartition, i64)>,
    pub(crate) processing_done_ms: Option<i64>,
    pub(crate) last_poll_ms: i64,
    /// The application is blocked in its own `commitSync()` ([`delivery`]).
    pub(crate) app_commit_pending: bool,
    /// Processed records: how many times each offset was processed.
    pub(crate) consumed: BTreeMap<TopicPartition, BTreeMap<i64, u32>>,
    tick_at_ms: Option<i64>,
    /// `restart_with`: the config of the process that replaces this one once closed.
    reborn: Option<ConsumerConfig>,
    /// The application runs each poll's records in a producer's transaction (a
    /// consume-transform-produce pipeline, [`txn_app`]).
    pub(crate) txn_app: Option<txn_app::TxnApp>,
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
            group_subscription: BTreeSet::new(),
            leader_join: None,
            last_heartbeat_send_ms: 0,
            last_heartbeat_receive_ms: 0,
            heartbeat_retry_ms: 0,
            heartbeats_paused: false,
            next_auto_commit_ms: 0,
            assigned: BTreeMap::new(),
            offset_fetch_retry_ms: 0,
            unstable_offsets_noted: Vec::new(),
            list_offsets_retry_ms: 0,
            fetch_retry_ms: 0,
            buffer: VecDeque::new(),
            processing: VecDeque::new(),
            processing_done_ms: None,
            last_poll_ms: 0,
            app_commit_pending: false,
            consumed: BTreeMap::new(),
            tick_at_ms: None,
            reborn: None,
            txn_app: None,
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

    /// Each owned partition's offset after the last record the application processed.
    pub fn processed(&self) -> Vec<(TopicPartition, i64)> {
        self.assigned.iter().filter_map(|(tp, p)| p.processed.map(|o| (tp.clone(), o))).collect()
    }

    /// How many times each processed offset was processed, per partition.
    pub fn consumed(&self) -> &BTreeMap<TopicPartition, BTreeMap<i64, u32>> {
        &self.consumed
    }
}

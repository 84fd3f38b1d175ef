//! What the page's cluster picture is drawn from: plain data, built natively from the
//! simulation (`super::group` for the consumer groups, `crate::web::cluster_picture` for
//! the rest) and serialized to the page. Invariant: every figure here is derived from the
//! simulation's timeline and nodes only, so native tests can check it against the
//! timeline (tests/group_figures.rs).

pub use super::ledger::LostRecords;
pub use super::producer_view::{PipelineFacts, ProducerView, TxnCoordinatorView};
use crate::engine::cluster::{ClusterEvent, NodeId};
pub use crate::engine::replica::view::{RecordPicture, ReplicaPicture, RECORDS_PER_REPLICA};
pub use crate::sim::picture::removed::{RemovalReason, RemovedRegion};
use crate::sim::Status;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerView {
    pub id: NodeId,
    pub status: Status,
    /// Its replicas, by (topic, partition); empty while crashed.
    pub replicas: Vec<ReplicaPicture>,
    /// What its replicas' logs lost and why (drawn as ghosts where the records were).
    #[serde(default)]
    pub removed: Vec<ReplicaRemovals>,
    /// While crashed: its replicas as last drawn before the crash (its disk keeps them
    /// until it restarts), drawn greyed so the evidence stays on screen.
    #[serde(default)]
    pub last_replicas: Vec<ReplicaPicture>,
    /// Its session at the controller (`BrokerHeartbeatManager`); `None` before it registered.
    #[serde(default)]
    pub session: Option<BrokerSessionView>,
}

/// What the controller knows of a broker's liveness: whether it is fenced, when it was
/// last heard from, and after how much silence it is fenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSessionView {
    pub fenced: bool,
    pub last_contact_ms: i64,
    /// `broker.session.timeout.ms`.
    pub session_timeout_ms: i64,
}

/// The ghosts of one replica, oldest first ([`super::removed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaRemovals {
    pub topic: String,
    pub partition: u32,
    pub regions: Vec<RemovedRegion>,
}

/// A topic as the controller knows it, with the settings the picture shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicView {
    pub name: String,
    pub partitions: Vec<PartitionView>,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
    pub unclean_leader_election: bool,
}

/// One partition in the controller's metadata (the truth elections are made from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionView {
    pub partition: u32,
    pub replicas: Vec<NodeId>,
    pub leader: Option<NodeId>,
    pub leader_epoch: i32,
    pub isr: Vec<NodeId>,
}

/// A message on the wire right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlightView {
    pub from: NodeId,
    pub to: NodeId,
    /// Kafka's API name: "Fetch", "FetchResponse", "Produce", "AlterPartition", …
    pub api: String,
    pub arrive_ms: i64,
}

/// One broker config: its value (the metadata log's cluster default, else the
/// scenario's `cluster.configs`, else the default) and whether a running broker takes
/// a change (Kafka's dynamic configs) or reads it only when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfigView {
    pub name: String,
    pub value: String,
    pub dynamic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendOutcome {
    pub at_ms: i64,
    pub topic: String,
    pub partition: Option<u32>,
    pub records: u32,
    /// Acknowledged at this base offset; `None` with an error, or while unknown.
    pub base_offset: Option<i64>,
    /// Kafka's error name (e.g. "NOT_ENOUGH_REPLICAS") and code, when it failed.
    pub error: Option<(String, i16)>,
}

/// A consumer group as the page draws it (built by `super::group_picture`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupView {
    pub group_id: String,
    /// Kafka's state name: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead;
    /// "Unknown" until a coordinator has reported it.
    pub state: String,
    pub generation: i32,
    /// The leader's member id and client name.
    pub leader: Option<String>,
    pub leader_client: Option<String>,
    /// The assignor the group chose (`protocol_name`), and EAGER / COOPERATIVE.
    pub protocol: Option<String>,
    pub rebalance_protocol: String,
    pub coordinator: Option<NodeId>,
    /// Why the group last changed state (the coordinator's words).
    pub reason: String,
    pub members: Vec<MemberView>,
    pub lag: Vec<LagView>,
    /// Rebalance spans, oldest first (bounded).
    pub spans: Vec<RebalanceSpan>,
    /// Consumers of this group declared in the scenario but not started yet.
    pub startable: Vec<StartableConsumer>,
    /// The latest consumer notes (a missing topic, offset resets …), oldest first.
    pub notes: Vec<NoteView>,
    /// The coordinator's rebalances (one per generation), oldest first (bounded); the last
    /// one is still running while its `completed_ms` is `None`.
    #[serde(default)]
    pub rebalances: Vec<RebalanceView>,
    /// Partitions of the group's topics that a member consumed before and no live member
    /// consumes now (revoked and not yet given again, or their owner crashed).
    #[serde(default)]
    pub unserved: Vec<UnservedView>,
    /// The coordinator's states, oldest first, each from when: the strip a learner clicks.
    #[serde(default)]
    pub states: Vec<GroupStateStep>,
    /// Each partition's consuming owners over time (none while unserved).
    #[serde(default)]
    pub ownership: Vec<OwnershipView>,
}

/// A partition's consuming owners over time, oldest first: (since, owner; none unserved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipView {
    pub topic: String,
    pub partition: u32,
    pub owners: Vec<(i64, Option<String>)>,
}

/// A state the group's coordinator moved it to (Kafka's names), at `at_ms`, in `generation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStateStep {
    pub at_ms: i64,
    pub state: String,
    pub generation: i32,
}

/// One round of the coordinator's rebalance protocol: from the group leaving Stable (or
/// Empty) for PreparingRebalance to Stable at `generation`. Kafka's
/// `GroupMetadataManager` / `ConsumerCoordinator` words: a rebalance produces a generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RebalanceView {
    /// The generation the round produces; `None` while the coordinator has not chosen it
    /// (the group is still PreparingRebalance).
    pub generation: Option<i32>,
    pub started_ms: i64,
    /// When the group became Stable with it; `None` while it runs.
    pub completed_ms: Option<i64>,
    /// The coordinator's reason for it (Kafka's words).
    pub reason: String,
    /// Members that owned partitions before the round and then owned none until this
    /// generation's assignment (eager revokes everything first): (client, ms stopped).
    /// A newcomer's empty first assignment is not a stop. Running stops count to now.
    pub stopped: Vec<(String, i64)>,
    /// Partitions whose gap without a consuming owner ended with this generation's
    /// assignment (or, while it runs, that are without one now), with how long.
    pub unserved: Vec<UnservedView>,
}

impl RebalanceView {
    /// The stop-the-world figure: the longest a member that had partitions processed
    /// nothing because of this round (0 when every member kept working: cooperative).
    pub fn stop_the_world_ms(&self) -> i64 {
        self.stopped.iter().map(|(_, ms)| *ms).max().unwrap_or(0)
    }

    /// The longest gap of one partition without a consuming owner.
    pub fn longest_unserved_ms(&self) -> i64 {
        self.unserved.iter().map(UnservedView::ms).max().unwrap_or(0)
    }
}

/// A partition that had no consuming owner from `from_ms` to `to_ms` (open: to now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnservedView {
    pub topic: String,
    pub partition: u32,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Still without a consuming owner at `to_ms` (the view's time).
    pub open: bool,
    /// Who last consumed it, and why it stopped: its owner revoked it, or crashed.
    pub last_owner: String,
    pub owner_crashed: bool,
    /// The member the coordinator's current generation still assigns it to, if any (a
    /// crashed member keeps its assignment until `session.timeout.ms` expires).
    pub assigned_to: Option<String>,
}

impl UnservedView {
    pub fn ms(&self) -> i64 {
        self.to_ms - self.from_ms
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: NodeId,
    /// The client's scenario name (`c1`).
    pub name: String,
    /// "up", "paused", "crashed", "closed", "failed" or "not started".
    pub status: String,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// Its client-side state: Unjoined, PreparingRebalance, CompletingRebalance, Stable.
    pub member_state: String,
    /// What the consumer itself owns now (nothing once it crashed).
    pub assigned: Vec<(String, u32)>,
    /// What the coordinator's current generation assigns to this member: the same as
    /// `assigned` for a live member; a crashed member keeps it until the coordinator
    /// removes it (`session.timeout.ms` after its last heartbeat).
    #[serde(default)]
    pub coordinator_assigned: Vec<(String, u32)>,
    /// When its last heartbeat (or join) was answered, virtual ms.
    pub last_heartbeat_ms: Option<i64>,
    pub session_timeout_ms: i64,
    pub heartbeat_interval_ms: i64,
    pub max_poll_interval_ms: i64,
    pub heartbeats_paused: bool,
    pub processing_ms_per_record: i64,
    pub assignors: String,
    pub records_consumed: u64,
    /// Records it processed that the group had processed before (at least once).
    pub duplicates: u64,
    /// Which offsets it processed a second time (bounded; duplicates, at least once).
    #[serde(default)]
    pub duplicate_ranges: Vec<OffsetRange>,
    /// Records it read after a record their producer sent later (`super::order`).
    #[serde(default)]
    pub reordered: u64,
    /// Records a commit of its moved the group past that nobody processed (at most once).
    #[serde(default)]
    pub lost: u64,
    /// Which offsets those are (bounded).
    #[serde(default)]
    pub lost_ranges: Vec<OffsetRange>,
    /// `enable.auto.commit`.
    #[serde(default)]
    pub enable_auto_commit: bool,
    /// `playground.commit.sync`: off, before-processing or after-processing.
    #[serde(default)]
    pub commit_sync: String,
    /// `isolation.level`: read_uncommitted or read_committed.
    #[serde(default)]
    pub isolation_level: String,
    /// Topics it subscribed to that do not exist yet.
    pub waiting_for_topics: Vec<String>,
}

/// Offsets `first..=last` of one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetRange {
    pub topic: String,
    pub partition: u32,
    pub first: i64,
    pub last: i64,
}

impl OffsetRange {
    pub fn new(tp: &crate::engine::cluster::messages::TopicPartition, first: i64, last: i64) -> Self {
        OffsetRange { topic: tp.topic.to_string(), partition: tp.partition, first, last }
    }

    /// `orders-0 69–99` (one offset: `orders-0 69`).
    pub fn label(&self) -> String {
        if self.first == self.last {
            format!("{}-{} {}", self.topic, self.partition, self.first)
        } else {
            format!("{}-{} {}–{}", self.topic, self.partition, self.first, self.last)
        }
    }
}

/// Lag of one partition as `kafka-consumer-groups --describe` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LagView {
    pub topic: String,
    pub partition: u32,
    /// LOG-END-OFFSET (the high watermark: what consumers can read).
    pub log_end: i64,
    /// CURRENT-OFFSET: the group's committed offset, if any.
    pub committed: Option<i64>,
    /// LAG = log end − committed (log end while nothing is committed).
    pub lag: i64,
    /// Lag over virtual time (one point per second at most, bounded), oldest first.
    pub history: Vec<(i64, i64)>,
}

/// One member's rebalance: from the JoinGroup it sent to the assignment it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RebalanceSpan {
    pub client: String,
    pub generation: i32,
    pub joined_ms: i64,
    pub assigned_ms: Option<i64>,
    /// When it stopped processing altogether (it owned nothing: eager revoked all), if it did.
    pub stopped_ms: Option<i64>,
    /// Partitions revoked during the span.
    pub revoked: Vec<(String, u32)>,
    /// The member's first join (a newcomer, or a restarted process).
    pub first: bool,
    /// It owned partitions when this rebalance began for it (only such a member can be
    /// stopped by it: a newcomer's empty first assignment stops nothing).
    #[serde(default)]
    pub had_partitions: bool,
}

impl RebalanceSpan {
    /// Virtual ms it processed nothing because of this rebalance (so far, if open).
    pub fn stopped_for_ms(&self, now_ms: i64) -> i64 {
        self.stopped_ms.map_or(0, |s| self.assigned_ms.unwrap_or(now_ms) - s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartableConsumer {
    pub id: NodeId,
    pub name: String,
    /// Its declared settings, as the add form starts from.
    pub group_id: String,
    pub assignors: String,
    pub session_timeout_ms: i64,
    pub heartbeat_interval_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub at_ms: i64,
    pub client: String,
    pub note: String,
}

/// Everything the cluster picture shows at one virtual instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub scenario: String,
    pub seed: u64,
    pub now_ms: i64,
    pub until_ms: i64,
    /// Virtual ms per wall ms the user asked for (1/1000 … 100) and what the run achieves.
    pub speed: f64,
    pub achieved_speed: f64,
    pub paused: bool,
    pub brokers: Vec<BrokerView>,
    /// The broker id "add broker" would start, when the cluster has room to grow.
    #[serde(default)]
    pub next_broker: Option<NodeId>,
    pub controller: Status,
    pub topics: Vec<TopicView>,
    pub in_flight: Vec<FlightView>,
    /// Pairs of node groups that cannot reach each other.
    pub cuts: Vec<(Vec<NodeId>, Vec<NodeId>)>,
    /// Producer clients (the producer panel).
    pub producers: Vec<ProducerView>,
    /// The broker configs that pace retention and cleaning, as the brokers run them.
    #[serde(default)]
    pub broker_pacing: Vec<BrokerConfigView>,
    /// The cluster's configs the scenarios turn on (replication, sessions, elections,
    /// rebalances), as the controller and the brokers run them, shown beside the topics'.
    #[serde(default)]
    pub cluster_configs: Vec<BrokerConfigView>,
    /// Every client, producer or consumer: its node id and name.
    #[serde(default)]
    pub clients: Vec<(NodeId, String)>,
    /// Consumer groups, by group id.
    #[serde(default)]
    pub groups: Vec<GroupView>,
    /// The latest events (elections, ISR changes, sends …), oldest first.
    pub events: Vec<(i64, NodeId, ClusterEvent)>,
    /// Feed events that came before the first of these (rows are keyed by number).
    #[serde(default)]
    pub events_before: u64,
    pub journal_entries: u64,
    /// Invariant or lockstep violations (should stay empty; shown loudly if not).
    pub violations: Vec<String>,
    /// Set when the driver could not go on (a worker failed, storage failed).
    pub error: Option<String>,
    /// The lesson the run follows, if any: the step shown and whether its task happened.
    #[serde(default)]
    pub lesson: Option<crate::sim::lesson::LessonProgress>,
    /// Set when `serve` drew it: the real clients' connections (`super::live`).
    #[serde(default)]
    pub live: Option<super::live::LiveView>,
    /// The tab's timeline (scrub, branches, share link); none under `serve`.
    #[serde(default)]
    pub timeline: Option<crate::sim::timeline::TimelineView>,
}

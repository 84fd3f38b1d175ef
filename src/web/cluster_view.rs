//! What the page's cluster picture is drawn from, and what its controls ask for. The
//! cluster driver (`super::cluster_driver`) fills a [`ClusterView`] from the simulation
//! (the controller and clients run on the main thread, each broker in its worker) and
//! takes [`ClusterCommand`]s; the Yew components only read the one and emit the other.

use crate::engine::cluster::{ClusterEvent, NodeId};
pub use crate::engine::replica::view::{RecordPicture, ReplicaPicture, RECORDS_PER_REPLICA};
use crate::sim::scenario::HeaderSpec;
use crate::sim::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerView {
    pub id: NodeId,
    pub status: Status,
    /// Its replicas, by (topic, partition); empty while crashed.
    pub replicas: Vec<ReplicaPicture>,
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

/// One producer client and what became of its sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProducerView {
    pub id: NodeId,
    pub name: String,
    pub status: Status,
    pub acks: String,
    pub acknowledged_records: u64,
    pub failed_records: u64,
    pub records_in_flight: u64,
    /// The latest outcomes, newest last.
    pub outcomes: Vec<SendOutcome>,
    /// Outcomes that came before the first of these (so each has a lasting number: the
    /// page keys its rows by it and redraws only new ones).
    #[serde(default)]
    pub outcomes_before: u64,
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
    pub assigned: Vec<(String, u32)>,
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
    /// Topics it subscribed to that do not exist yet.
    pub waiting_for_topics: Vec<String>,
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
}

/// What the picture's controls ask of the driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClusterCommand {
    /// Virtual ms per wall ms: the control offers 1/1000 … 100 (scripts may ask more,
    /// up to 10^6, to run as fast as the tab can).
    SetSpeed(f64),
    Pause,
    Play,
    /// Run the next event (or window of simultaneous events) only.
    Step,
    Crash(NodeId),
    Restart(NodeId),
    PauseNode(NodeId),
    ResumeNode(NodeId),
    /// Cut every link between the two groups.
    Cut(Vec<NodeId>, Vec<NodeId>),
    Heal,
    /// Produce through a producer client (`key` may contain `{i}`; `None` = null key).
    Produce {
        client: NodeId,
        topic: String,
        count: u32,
        key: Option<String>,
        value: String,
        /// An explicit partition (no partitioner).
        #[serde(default)]
        partition: Option<u32>,
        /// The topic's partitioner from now on (librdkafka's topic-level `partitioner`).
        #[serde(default)]
        partitioner: Option<String>,
        /// Record headers, in order: (key, value or null).
        #[serde(default)]
        headers: Vec<HeaderSpec>,
    },
    /// Start a consumer the scenario declared with `"start": false`, with settings over
    /// its declared ones (`group.id`, `session.timeout.ms`, …; empty: as declared).
    AddConsumer {
        client: NodeId,
        configs: BTreeMap<String, String>,
    },
    /// Stop (or resume) a consumer's heartbeat thread.
    PauseHeartbeats {
        client: NodeId,
        paused: bool,
    },
    /// The application's processing time per record (`playground.processing.time.per.record.ms`).
    SetProcessingTime {
        client: NodeId,
        per_record_ms: i64,
    },
    /// `close()`: commit, revoke, LeaveGroup.
    CloseConsumer(NodeId),
    /// A rolling restart: each client in turn, `every_ms` apart, closes and starts again
    /// with these settings (how a group switches `partition.assignment.strategy`).
    RestartWith {
        clients: Vec<NodeId>,
        configs: BTreeMap<String, String>,
        every_ms: i64,
    },
    /// Kafka's CreateTopics through the controller (`kafka-topics --create`): Kafka's
    /// checks, replicas placed over the live brokers; `configs` are topic configs by name.
    CreateTopic {
        name: String,
        partitions: i64,
        replication_factor: i64,
        configs: BTreeMap<String, String>,
    },
    /// Every running broker runs its log retention task now (`LogManager.cleanupLogs`),
    /// as it does every `log.retention.check.interval.ms`.
    RunRetention,
    /// Start the next declared broker: it registers with the controller and can host
    /// replicas of topics created or reassigned from then on.
    AddBroker,
    /// Kafka's CreatePartitions: grow a topic to `count` partitions.
    CreatePartitions {
        topic: String,
        count: u32,
    },
}

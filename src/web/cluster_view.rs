//! What the page's cluster picture is drawn from, and what its controls ask for. The
//! cluster driver (`super::cluster_driver`) fills a [`ClusterView`] from the simulation
//! (the controller and clients run on the main thread, each broker in its worker) and
//! takes [`ClusterCommand`]s; the Yew components only read the one and emit the other.

use crate::engine::cluster::{ClusterEvent, NodeId};
pub use crate::engine::replica::view::{RecordPicture, ReplicaPicture, RECORDS_PER_REPLICA};
use crate::sim::Status;
use serde::{Deserialize, Serialize};

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
    pub controller: Status,
    pub topics: Vec<TopicView>,
    pub in_flight: Vec<FlightView>,
    /// Pairs of node groups that cannot reach each other.
    pub cuts: Vec<(Vec<NodeId>, Vec<NodeId>)>,
    pub producers: Vec<ProducerView>,
    /// The latest events (elections, ISR changes, sends …), oldest first.
    pub events: Vec<(i64, NodeId, ClusterEvent)>,
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
    Produce { client: NodeId, topic: String, count: u32, key: Option<String>, value: String },
}

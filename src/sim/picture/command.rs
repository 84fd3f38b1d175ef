//! What the page's controls (and scripts: `window.kafkaPlaygroundCommand`, a course page's
//! `postMessage`, see [`crate::embed`]) ask of the browser driver: [`ClusterCommand`]. It
//! lives beside the view types, outside the wasm-only driver, so native code (the embed
//! API's validation and its tests) reads the very same commands.

use crate::engine::cluster::NodeId;
use crate::sim::scenario::HeaderSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the picture's controls ask of the driver.
/// Unknown fields are refused: a command is never half understood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// Close a producer and build it again under the same client id with these
    /// settings over its current ones (`acks`, `linger.ms`, `batch.size`,
    /// `compression.type`): Kafka fixes a producer's configs when it is built.
    RestartProducer {
        client: NodeId,
        configs: BTreeMap<String, String>,
    },
    /// A transactional producer's `initTransactions()`, `beginTransaction()`,
    /// `commitTransaction()` or `abortTransaction()`.
    Transaction {
        client: NodeId,
        action: TxnAction,
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
    /// Kafka's DeleteTopics through the controller (`kafka-topics --delete`): a
    /// `RemoveTopicRecord`, then every broker deletes its replicas and their segments.
    DeleteTopic {
        name: String,
    },
    /// Kafka's IncrementalAlterConfigs on the brokers' cluster-wide default
    /// (`kafka-configs --entity-type brokers --entity-default --alter`), through the
    /// controller's metadata log: only dynamic configs (`log.cleaner.backoff.ms`) pass.
    AlterBrokerConfigs {
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
    /// Show step `n` (0-based) of the lesson the run follows: run its acts now and watch
    /// for its task (next, back, or the same step again).
    LessonStep(usize),
    /// Look at the run as it was at this virtual time (ms): the picture is rebuilt by
    /// replaying the run's log to it (`crate::sim::timeline`); the live run pauses.
    Seek(i64),
    /// Stop looking at an earlier moment: the picture follows the live run again.
    BackToNow,
    /// Fork the run at the moment looked at: a new branch replays the log up to it and
    /// goes on from there with the commands given next.
    Fork,
    /// Go to branch `n` of the timeline's tree (0 is the run's first), at its latest moment.
    SwitchBranch(usize),
    /// Run on (as fast as the tab goes) until a consumer group's next event — a member
    /// joins, leaves or is assigned, the group changes state — and pause there.
    NextGroupEvent,
}

/// What the producer card's transaction buttons call (`KafkaProducer`'s methods).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnAction {
    InitTransactions,
    BeginTransaction,
    CommitTransaction,
    AbortTransaction,
}

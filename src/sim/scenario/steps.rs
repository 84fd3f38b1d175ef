//! A scenario's timed steps: one [`Step`] is a time and one [`StepAction`] (produce,
//! crash, restart, pause, resume, partition, heal, lose_next, and the consumer steps), with the
//! references they use: nodes, brokers, partitions and clients.

/// One record header of a `produce` step: the producer command's own.
pub use crate::engine::cluster::command::HeaderSpec;
use crate::engine::cluster::command::{default_value, ProduceCommand};
use serde::{Deserialize, Serialize};

/// A node named in a step: a broker id, `"controller"`, or a client's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NodeRef {
    Broker(u32),
    Named(String),
}
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProduceStep {
    pub client: String,
    pub topic: String,
    pub count: u32,
    /// `{i}` becomes the record's number; `null` for a null key.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default = "default_value")]
    pub value: String,
    #[serde(default)]
    pub partition: Option<u32>,
    /// The topic's partitioner from this send on (librdkafka's topic-level `partitioner`:
    /// `murmur2_random`, `consistent_random`, … or Java's `built_in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioner: Option<String>,
    /// Record headers, in order (keys may repeat, a value may be null).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderSpec>,
}

impl ProduceStep {
    /// The producer's command for this step.
    pub fn command(&self) -> ProduceCommand {
        ProduceCommand {
            count: u64::from(self.count),
            headers: self.headers.clone(),
            key: self.key.clone(),
            partition: self.partition,
            partitioner: self.partitioner.clone(),
            topic: self.topic.clone(),
            value: self.value.clone(),
        }
    }
}

/// Which node a `crash` or `restart` step means: a broker id, or (crash) whichever
/// broker leads a partition at that moment, or (restart) every crashed broker, or a
/// client by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_of: Option<TopicPartitionRef>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_crashed: bool,
}

impl BrokerRef {
    pub fn id(broker: u32) -> Self {
        BrokerRef { broker: Some(broker), ..BrokerRef::default() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicPartitionRef {
    pub topic: String,
    pub partition: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeStepRef {
    pub node: NodeRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionStepSpec {
    /// Two groups of node references that can no longer talk to each other.
    pub groups: [Vec<NodeRef>; 2],
}

/// A consumer step that names only the consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientStepRef {
    pub client: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeStep {
    pub client: String,
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignStep {
    pub client: String,
    pub partitions: Vec<TopicPartitionRef>,
}

/// `seek` to an offset, or `to` `"beginning"` / `"end"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeekStep {
    pub client: String,
    pub topic: String,
    pub partition: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingTimeStep {
    pub client: String,
    pub per_record_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatsStep {
    pub client: String,
    pub paused: bool,
}

/// `delete_records`: the admin's `deleteRecords` for one partition — its log is to
/// start at `offset` (-1: the high watermark).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteRecordsStep {
    pub topic: String,
    pub partition: u32,
    pub offset: i64,
}

/// `delete_topic`: the admin's `deleteTopics` for one topic (Kafka's DeleteTopics,
/// through the controller).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteTopicStep {
    pub name: String,
}

/// `lose_next`: the next message of Kafka API `api` (`Produce`, `ProduceResponse`, …) sent
/// to node `to` (from node `from`, or from any) is lost, once — a dropped request or
/// response, after which the sender times out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoseNextStep {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NodeRef>,
    pub to: NodeRef,
    pub api: String,
}

/// `send_offsets_to_transaction`: producer `client` sends consumer `consumer`'s processed
/// positions and group metadata, as the driver reads them when the step runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendOffsetsStep {
    pub client: String,
    pub consumer: String,
}

/// One timed step; exactly one action besides `at_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub at_ms: i64,
    #[serde(flatten)]
    pub action: StepAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    Produce(ProduceStep),
    Crash(BrokerRef),
    Restart(BrokerRef),
    Pause(NodeStepRef),
    Resume(NodeStepRef),
    Partition(PartitionStepSpec),
    Heal {},
    LoseNext(LoseNextStep),
    Subscribe(SubscribeStep),
    Assign(AssignStep),
    Commit(ClientStepRef),
    Seek(SeekStep),
    Close(ClientStepRef),
    SetProcessingTime(ProcessingTimeStep),
    PauseHeartbeats(HeartbeatsStep),
    DeleteRecords(DeleteRecordsStep),
    DeleteTopic(DeleteTopicStep),
    /// A transactional producer's `initTransactions()`, `beginTransaction()`,
    /// `commitTransaction()`, `abortTransaction()`, `sendOffsetsToTransaction()`.
    InitTransactions(ClientStepRef),
    BeginTransaction(ClientStepRef),
    CommitTransaction(ClientStepRef),
    AbortTransaction(ClientStepRef),
    SendOffsetsToTransaction(SendOffsetsStep),
}
impl StepAction {
    /// For consumer-only steps: the step's name and its client.
    pub fn consumer_client(&self) -> Option<(&'static str, &str)> {
        Some(match self {
            StepAction::Subscribe(s) => ("subscribe", &s.client),
            StepAction::Assign(s) => ("assign", &s.client),
            StepAction::Commit(s) => ("commit", &s.client),
            StepAction::Seek(s) => ("seek", &s.client),
            StepAction::Close(s) => ("close", &s.client),
            StepAction::SetProcessingTime(s) => ("set_processing_time", &s.client),
            StepAction::PauseHeartbeats(s) => ("pause_heartbeats", &s.client),
            _ => return None,
        })
    }

    /// For producer-only steps other than `produce`: the step's name and its client.
    pub fn producer_client(&self) -> Option<(&'static str, &str)> {
        Some(match self {
            StepAction::InitTransactions(s) => ("init_transactions", &s.client),
            StepAction::BeginTransaction(s) => ("begin_transaction", &s.client),
            StepAction::CommitTransaction(s) => ("commit_transaction", &s.client),
            StepAction::AbortTransaction(s) => ("abort_transaction", &s.client),
            StepAction::SendOffsetsToTransaction(s) => ("send_offsets_to_transaction", &s.client),
            _ => return None,
        })
    }
}

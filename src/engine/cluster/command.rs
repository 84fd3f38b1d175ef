//! What a user or a scenario asks of a node ([`super::Input::Command`]) as typed values:
//! one [`Command`] variant per thing asked, built where the request is made (a scenario
//! step, a control of the page, the driver's start signal) and checked there; the node
//! takes the variants of its kind and answers any other, or what it cannot do (a count
//! out of range, an unknown partitioner), with `ClusterEvent::Refused`.
//!
//! Invariant: a command's JSON is the one the journal has always carried, byte for byte
//! (`{"start": true}`, `{"produce": {"count": 3, "key": null, "topic": "t", "value":
//! "v-{i}"}}`, `{"retention_check": true}` …): fields are declared in the order of their
//! names, as `serde_json`'s sorted maps wrote them, so the page's journal and the CLI's
//! stay equal and earlier journals still load. Binary encodings (the workers' bincode)
//! carry that JSON as text (see `command_text` in [`super`]). To add a command, add a
//! variant (its JSON name is the variant's name in snake_case) and a `name` arm.

use super::messages::TopicPartition;
use super::NodeId;
use serde::de::{Deserializer, Error, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// A command for one node. Which node kind takes which: every node `start`; brokers
/// `retention_check`; the controller (standing in for the admin client) `create_topic`,
/// `create_partitions`, `delete_records`, `delete_topic`, `alter_broker_configs`; producers `produce`
/// and the transaction commands (`init_transactions` … `send_offsets_to_transaction`, see
/// [`crate::engine::client::producer::txn`]); consumers the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// The driver's start signal: `true`, or (a consumer the page adds) settings over
    /// its declared ones.
    Start(StartSpec),
    /// A broker's log retention pass now (`LogManager.cleanupLogs`), besides its timer.
    RetentionCheck(Yes),
    /// Kafka's CreateTopics (`kafka-topics --create`).
    CreateTopic(CreateTopicCommand),
    /// Kafka's CreatePartitions: grow a topic to `count` partitions.
    CreatePartitions(CreatePartitionsCommand),
    /// The admin's `deleteRecords` for one partition.
    DeleteRecords(DeleteRecordsCommand),
    /// Kafka's DeleteTopics (`kafka-topics --delete`) for one topic.
    DeleteTopic(DeleteTopicCommand),
    /// Kafka's IncrementalAlterConfigs on the brokers' cluster-wide default (dynamic
    /// broker configs only).
    AlterBrokerConfigs(ConfigsSpec),
    /// `count` records through a producer.
    Produce(ProduceCommand),
    Subscribe(SubscribeCommand),
    Assign(AssignCommand),
    Unsubscribe {},
    /// `commitSync()` of what the application processed.
    Commit {},
    Seek(SeekCommand),
    /// `close()`: commit, revoke, LeaveGroup.
    Close {},
    /// Stop (`true`) or resume (`false`) the consumer's heartbeat thread.
    PauseHeartbeats(bool),
    SetProcessingTime(ProcessingTimeCommand),
    /// A rolling restart of this one consumer process with changed settings.
    RestartWith(ConfigsSpec),
    /// A transactional producer's `initTransactions()`.
    InitTransactions(Yes),
    /// `beginTransaction()`.
    BeginTransaction(Yes),
    /// `commitTransaction()`.
    CommitTransaction(Yes),
    /// `abortTransaction()`.
    AbortTransaction(Yes),
    /// `sendOffsetsToTransaction(offsets, consumer.groupMetadata())`, with a consumer's
    /// processed positions and group metadata as the driver read them at the step's time.
    SendOffsetsToTransaction(SendOffsetsCommand),
}

impl Command {
    /// The command's JSON name, for refusals.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Start(_) => "start",
            Command::RetentionCheck(_) => "retention_check",
            Command::CreateTopic(_) => "create_topic",
            Command::CreatePartitions(_) => "create_partitions",
            Command::DeleteRecords(_) => "delete_records",
            Command::DeleteTopic(_) => "delete_topic",
            Command::AlterBrokerConfigs(_) => "alter_broker_configs",
            Command::Produce(_) => "produce",
            Command::Subscribe(_) => "subscribe",
            Command::Assign(_) => "assign",
            Command::Unsubscribe {} => "unsubscribe",
            Command::Commit {} => "commit",
            Command::Seek(_) => "seek",
            Command::Close {} => "close",
            Command::PauseHeartbeats(_) => "pause_heartbeats",
            Command::SetProcessingTime(_) => "set_processing_time",
            Command::RestartWith(_) => "restart_with",
            Command::InitTransactions(_) => "init_transactions",
            Command::BeginTransaction(_) => "begin_transaction",
            Command::CommitTransaction(_) => "commit_transaction",
            Command::AbortTransaction(_) => "abort_transaction",
            Command::SendOffsetsToTransaction(_) => "send_offsets_to_transaction",
        }
    }

    /// What the command carries, in Kafka's words, for the feed: `10 × orders`,
    /// `orders (6 partitions, RF 3)`, `acks=1 linger.ms=0` …; empty when it carries nothing.
    pub fn detail(&self) -> String {
        let configs = |c: &BTreeMap<String, String>| {
            c.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
        };
        match self {
            Command::Start(s) => s.configs.as_ref().map(configs).unwrap_or_default(),
            Command::CreateTopic(c) => {
                format!("{} ({} partitions, RF {})", c.name, c.partitions, c.replication_factor)
            }
            Command::CreatePartitions(c) => format!("{} → {} partitions", c.topic, c.count),
            Command::DeleteRecords(c) => format!("{}-{} < {}", c.topic, c.partition, c.offset),
            Command::DeleteTopic(c) => c.name.clone(),
            Command::AlterBrokerConfigs(c) | Command::RestartWith(c) => configs(&c.configs),
            Command::Produce(p) => match p.partition {
                Some(partition) => format!("{} × {}-{partition}", p.count, p.topic),
                None => format!("{} × {}", p.count, p.topic),
            },
            Command::Subscribe(c) => c.topics.join(", "),
            Command::Assign(c) => c
                .partitions
                .iter()
                .map(|tp| format!("{}-{}", tp.topic, tp.partition))
                .collect::<Vec<_>>()
                .join(", "),
            Command::Seek(c) => match (c.offset, &c.to) {
                (Some(offset), _) => format!("{}-{} → {offset}", c.topic, c.partition),
                (None, Some(to)) => format!("{}-{} → {to:?}", c.topic, c.partition).to_lowercase(),
                (None, None) => format!("{}-{}", c.topic, c.partition),
            },
            Command::PauseHeartbeats(paused) => paused.to_string(),
            Command::SetProcessingTime(c) => format!("{} ms", c.per_record_ms),
            Command::SendOffsetsToTransaction(c) => {
                let offsets = c
                    .offsets
                    .iter()
                    .map(|o| format!("{}-{} → {}", o.topic, o.partition, o.offset))
                    .collect::<Vec<_>>()
                    .join(", ");
                match &c.group_metadata {
                    Some(g) => format!("{} ({}): {offsets}", c.consumer, g.group_id),
                    None => c.consumer.clone(),
                }
            }
            Command::RetentionCheck(_)
            | Command::Unsubscribe {}
            | Command::Commit {}
            | Command::Close {}
            | Command::InitTransactions(_)
            | Command::BeginTransaction(_)
            | Command::CommitTransaction(_)
            | Command::AbortTransaction(_) => String::new(),
        }
    }

    /// The plain start signal, `{"start": true}`.
    pub fn start() -> Self {
        Command::Start(StartSpec::default())
    }

    /// Parses a command's JSON; the error names the command or field that is wrong.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("command {text}: {e}"))
    }
}

/// The JSON `true` of a command that carries nothing else (`{"retention_check": true}`);
/// `false` is refused when the command is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Yes;

impl Serialize for Yes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for Yes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if bool::deserialize(d)? {
            Ok(Yes)
        } else {
            Err(D::Error::custom("expected `true` (the command carries nothing else)"))
        }
    }
}

/// Settings by Kafka name, over the ones a client was declared with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigsSpec {
    pub configs: BTreeMap<String, String>,
}

/// The start signal: `true`, or `{"configs": {name: value}}` (settings over the declared
/// ones; only a consumer takes them, other nodes start as declared).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartSpec {
    pub configs: Option<BTreeMap<String, String>>,
}

impl Serialize for StartSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.configs {
            None => s.serialize_bool(true),
            Some(configs) => ConfigsSpec { configs: configs.clone() }.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for StartSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StartVisitor;
        impl<'de> Visitor<'de> for StartVisitor {
            type Value = StartSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`true` or {\"configs\": {name: value}}")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<StartSpec, E> {
                if v {
                    Ok(StartSpec::default())
                } else {
                    Err(E::custom("start: expected `true` or {\"configs\": {name: value}}, got false"))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StartSpec, A::Error> {
                let spec = ConfigsSpec::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(StartSpec { configs: Some(spec.configs) })
            }
        }
        d.deserialize_any(StartVisitor)
    }
}

/// Kafka's CreateTopics for one topic. `partitions` and `replication_factor` are -1
/// when absent (Kafka's "use the broker's default"); the controller checks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTopicCommand {
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    pub name: String,
    #[serde(default = "broker_default")]
    pub partitions: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_assignment: Option<Vec<Vec<NodeId>>>,
    #[serde(default = "broker_default")]
    pub replication_factor: i64,
}

fn broker_default() -> i64 {
    -1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePartitionsCommand {
    pub count: i64,
    pub topic: String,
}

/// The topic to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteTopicCommand {
    pub name: String,
}

/// The log of `topic`-`partition` is to start at `offset` (-1: the high watermark).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteRecordsCommand {
    pub offset: i64,
    pub partition: u32,
    pub topic: String,
}

/// One record header of a `produce` command (keys may repeat, a value may be null).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// `count` records (1 when absent); `key` and `value` are templates (`{i}` the record's
/// number, `{i:bytes}` Python's `bytes(i)`), a null key is a null key. `partition` is
/// an explicit partition (no partitioner); `partitioner` the topic's partitioner from
/// this send on (librdkafka's topic-level `partitioner`, or Java's `built_in`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProduceCommand {
    #[serde(default = "one")]
    pub count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderSpec>,
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioner: Option<String>,
    pub topic: String,
    #[serde(default = "default_value")]
    pub value: String,
}

fn one() -> u64 {
    1
}

/// The value template of a `produce` that names none.
pub fn default_value() -> String {
    "v-{i}".to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeCommand {
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignCommand {
    pub partitions: Vec<TopicPartition>,
}

/// `seekToBeginning` / `seekToEnd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeekTo {
    Beginning,
    End,
}

/// `seek` to `offset`, or `to` the beginning or the end (exactly one of the two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeekCommand {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    pub partition: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<SeekTo>,
    pub topic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingTimeCommand {
    pub per_record_ms: i64,
}

/// `ConsumerGroupMetadata`: what `consumer.groupMetadata()` returns and
/// `TxnOffsetCommit` carries, so the group coordinator fences a zombie's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerGroupMetadata {
    pub generation_id: i32,
    pub group_id: String,
    #[serde(default)]
    pub group_instance_id: Option<String>,
    pub member_id: String,
}

/// One partition's offset to commit with the transaction: the next record to consume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TxnOffsetSpec {
    pub offset: i64,
    pub partition: u32,
    pub topic: String,
}

/// `send_offsets_to_transaction`: the consumer named `consumer`, its group metadata
/// (`None` when it had none to give: not running, or no `group.id`) and its processed
/// positions, read by the driver when the step ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendOffsetsCommand {
    pub consumer: String,
    #[serde(default)]
    pub group_metadata: Option<ConsumerGroupMetadata>,
    #[serde(default)]
    pub offsets: Vec<TxnOffsetSpec>,
}

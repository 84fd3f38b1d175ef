//! Scenario files: a documented, versioned JSON format for a cluster run (brokers, network,
//! topics, clients, timed steps, the end time). Parsing names the field that is wrong
//! (`steps[2].crash.broker: …`) and then checks meaning: broker ids that exist,
//! replication factor ≤ brokers, `min.insync.replicas` ≤ replication factor, known clients,
//! consumer configs the Java client would accept, consumer steps aimed at consumers, and
//! an `offsets.topic.replication.factor` the cluster can host when there are consumers.
//! Additions since version 1 was first written are optional fields left out when unused,
//! so older scenarios read and serialise exactly as before. The format is described for
//! authors in `scenarios/README.md`.
//!
//! Every count and size is bounded ([`bounds`], with the engine's
//! [`crate::engine::limits`]) before anything is built from it.
//!
//! This file holds the scenario and its cluster, topic and client specs, the error and
//! parsing; the timed steps are in [`steps`], the checks of meaning in [`validate`].

mod bounds;
pub mod pipeline;
mod steps;
mod validate;

pub use steps::{
    AssignStep, BrokerRef, ClientStepRef, DeleteRecordsStep, DeleteTopicStep, HeaderSpec, HeartbeatsStep,
    NodeRef, NodeStepRef, PartitionStepSpec, ProcessingTimeStep, ProduceStep, SeekStep, Step, StepAction,
    SubscribeStep, TopicPartitionRef,
};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The format version this code reads.
pub const SCENARIO_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub name: String,
    /// What the scenario shows, per language code (`en`, `ru`).
    #[serde(default)]
    pub description: BTreeMap<String, String>,
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Virtual time at which the run ends.
    pub until_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Brokers started at time 0 (ids 1 … brokers).
    pub brokers: u32,
    /// Broker ids the cluster may grow to (`brokers` … 9): the page's "add broker" starts
    /// the next one, which registers with the controller as a new Kafka broker does.
    /// Absent: no room to grow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_brokers: Option<u32>,
    #[serde(default)]
    pub network: NetworkSpec,
    /// Broker and controller configs by Kafka name (e.g. `replica.lag.time.max.ms`).
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    #[serde(default = "default_latency_ms")]
    pub latency_ms: i64,
    #[serde(default = "default_jitter_ms")]
    pub jitter_ms: i64,
    #[serde(default)]
    pub loss: f64,
}

fn default_latency_ms() -> i64 {
    2
}
fn default_jitter_ms() -> i64 {
    1
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec { latency_ms: default_latency_ms(), jitter_ms: default_jitter_ms(), loss: 0.0 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i64,
    pub replication_factor: i64,
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    /// Kafka's `--replica-assignment`: broker ids per partition, the first one leading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_assignment: Option<Vec<Vec<u32>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientKind {
    Producer,
    Consumer,
    /// A consume-transform-produce process (`input`, `output`): a read_committed
    /// consumer and a transactional producer in one process.
    Pipeline,
}

impl ClientKind {
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Producer => "producer",
            ClientKind::Consumer => "consumer",
            ClientKind::Pipeline => "pipeline",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// The name steps use (`"p1"`).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ClientKind,
    /// Client configs by Kafka name (`acks`, `linger.ms`, `group.id`, …).
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    /// Consumers: the topics it subscribes to when it starts (and again after a restart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<Vec<String>>,
    /// Consumers: the partitions it assigns itself when it starts (instead of subscribing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign: Option<Vec<TopicPartitionRef>>,
    /// Pipelines: the topic it consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Pipelines: the topic it produces to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Whether the process starts at time 0 (the default). `false`: it is declared for
    /// the page's "add a consumer" (or a `start` step) and starts only then.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub start: bool,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_yes(v: &bool) -> bool {
    *v
}

/// A scenario that cannot run, with the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub field: String,
    pub problem: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl std::error::Error for ScenarioError {}

fn err(field: impl Into<String>, problem: impl Into<String>) -> ScenarioError {
    ScenarioError { field: field.into(), problem: problem.into() }
}
impl ClusterSpec {
    /// Broker ids that exist (started or not): 1 … `max_brokers` (or `brokers`).
    pub fn broker_slots(&self) -> u32 {
        self.max_brokers.unwrap_or(self.brokers).max(self.brokers)
    }
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        bounds::check_file_size(text)?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "(file)".to_string() } else { path };
            err(field, e.inner().to_string())
        })?;
        scenario.validate()?;
        Ok(scenario)
    }
}

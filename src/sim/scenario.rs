//! Scenario files: a documented, versioned JSON format for a cluster run (brokers, network,
//! topics, clients, timed steps, the end time). Parsing names the field that is wrong
//! (`steps[2].crash.broker: …`) and then checks meaning: broker ids that exist,
//! replication factor ≤ brokers, `min.insync.replicas` ≤ replication factor, known clients,
//! consumer configs the Java client would accept, consumer steps aimed at consumers, and
//! an `offsets.topic.replication.factor` the cluster can host when there are consumers.
//! Additions since version 1 was first written are optional fields left out when unused,
//! so older scenarios read and serialise exactly as before. The format is described for
//! authors in `scenarios/README.md`.

use crate::engine::cluster::NodeId;
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
    pub brokers: u32,
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
}

impl ClientKind {
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Producer => "producer",
            ClientKind::Consumer => "consumer",
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
}

fn default_value() -> String {
    "v-{i}".to_string()
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
    Subscribe(SubscribeStep),
    Assign(AssignStep),
    Commit(ClientStepRef),
    Seek(SeekStep),
    Close(ClientStepRef),
    SetProcessingTime(ProcessingTimeStep),
    PauseHeartbeats(HeartbeatsStep),
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
}

impl Scenario {
    /// Parses and validates a scenario file's text.
    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "(file)".to_string() } else { path };
            err(field, e.inner().to_string())
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks what JSON cannot: ids, counts and configs that fit together.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(err("version", format!("version {} is not supported (this build reads {SCENARIO_VERSION})", self.version)));
        }
        if !(1..=9).contains(&self.cluster.brokers) {
            return Err(err("cluster.brokers", format!("{} brokers: a scenario has 1 to 9", self.cluster.brokers)));
        }
        let n = &self.cluster.network;
        if n.latency_ms < 0 || n.jitter_ms < 0 || n.jitter_ms > n.latency_ms {
            return Err(err("cluster.network", "latency_ms and jitter_ms must be ≥ 0 and jitter_ms ≤ latency_ms"));
        }
        if !(0.0..=1.0).contains(&n.loss) {
            return Err(err("cluster.network.loss", format!("{} is not a probability in [0, 1]", n.loss)));
        }
        if self.until_ms <= 0 {
            return Err(err("until_ms", "must be positive"));
        }
        for (i, t) in self.topics.iter().enumerate() {
            let at = |f: &str| format!("topics[{i}].{f}");
            crate::engine::topic::validate_topic_name(&t.name).map_err(|e| err(at("name"), e.to_string()))?;
            crate::engine::topic::validate_partition_count(t.partitions).map_err(|e| err(at("partitions"), e.to_string()))?;
            if t.replication_factor < 1 || t.replication_factor > i64::from(self.cluster.brokers) {
                return Err(err(
                    at("replication_factor"),
                    format!("Replication factor: {} larger than available brokers: {}.", t.replication_factor, self.cluster.brokers),
                ));
            }
            if let Some(m) = t.configs.get("min.insync.replicas") {
                let m: i64 = m.parse().map_err(|_| err(at("configs.min.insync.replicas"), "not a whole number"))?;
                if m > t.replication_factor {
                    return Err(err(
                        at("configs.min.insync.replicas"),
                        format!("min.insync.replicas {m} is larger than the replication factor {}: no write with acks=all could ever succeed", t.replication_factor),
                    ));
                }
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, c) in self.clients.iter().enumerate() {
            if c.id.is_empty() || c.id == "controller" || !names.insert(c.id.as_str()) {
                return Err(err(format!("clients[{i}].id"), format!("\"{}\" is empty, reserved or used twice", c.id)));
            }
            self.validate_client(i, c)?;
        }
        self.validate_offsets_topic()?;
        for (i, s) in self.steps.iter().enumerate() {
            let at = |f: &str| format!("steps[{i}].{f}");
            if s.at_ms < 0 || s.at_ms > self.until_ms {
                return Err(err(at("at_ms"), format!("{} is outside the run (0 to until_ms = {})", s.at_ms, self.until_ms)));
            }
            if let Some((kind, client)) = s.action.consumer_client() {
                self.expect_client(client, ClientKind::Consumer).map_err(|p| err(at(&format!("{kind}.client")), p))?;
            }
            match &s.action {
                StepAction::Produce(p) => {
                    self.expect_client(&p.client, ClientKind::Producer).map_err(|e| err(at("produce.client"), e))?;
                    if p.count == 0 {
                        return Err(err(at("produce.count"), "must be at least 1"));
                    }
                }
                StepAction::Crash(b) | StepAction::Restart(b) => {
                    let crash = matches!(s.action, StepAction::Crash(_));
                    let kind = if crash { "crash" } else { "restart" };
                    let chosen = usize::from(b.broker.is_some())
                        + usize::from(b.leader_of.is_some())
                        + usize::from(b.all_crashed)
                        + usize::from(b.client.is_some());
                    let allowed = if crash { "broker, leader_of or client" } else { "broker, all_crashed or client" };
                    if let Some(name) = &b.client {
                        if !self.clients.iter().any(|c| &c.id == name) {
                            return Err(err(at(&format!("{kind}.client")), format!("no client named \"{name}\"")));
                        }
                    }
                    if chosen != 1 || (crash && b.all_crashed) || (!crash && b.leader_of.is_some()) {
                        return Err(err(at(kind), format!("give exactly one of {allowed}")));
                    }
                    if let Some(id) = b.broker {
                        if id == 0 || id > self.cluster.brokers {
                            return Err(err(
                                at(&format!("{kind}.broker")),
                                format!("unknown broker id {id} (brokers are 1 to {})", self.cluster.brokers),
                            ));
                        }
                    }
                    if let Some(tp) = &b.leader_of {
                        let offsets_partitions = self
                            .cluster
                            .configs
                            .get("offsets.topic.num.partitions")
                            .and_then(|v| v.trim().parse::<u32>().ok())
                            .unwrap_or(50);
                        let internal = tp.topic == crate::engine::group::coordinator::placement::OFFSETS_TOPIC
                            && tp.partition < offsets_partitions;
                        let known = internal || self.topics.iter().any(|t| t.name == tp.topic && i64::from(tp.partition) < t.partitions);
                        if !known {
                            return Err(err(
                                at("crash.leader_of"),
                                format!("{}-{} is not a partition of the scenario's topics", tp.topic, tp.partition),
                            ));
                        }
                    }
                }
                StepAction::Pause(r) | StepAction::Resume(r) => {
                    let kind = if matches!(s.action, StepAction::Pause(_)) { "pause" } else { "resume" };
                    self.node_id(&r.node).map_err(|p| err(at(&format!("{kind}.node")), p))?;
                }
                StepAction::Partition(p) => {
                    for (g, group) in p.groups.iter().enumerate() {
                        if group.is_empty() {
                            return Err(err(at(&format!("partition.groups[{g}]")), "a group needs at least one node"));
                        }
                        for r in group {
                            self.node_id(r).map_err(|e| err(at(&format!("partition.groups[{g}]")), e))?;
                        }
                    }
                }
                StepAction::Heal {} => {}
                StepAction::Subscribe(sub) if sub.topics.is_empty() || sub.topics.iter().any(String::is_empty) => {
                    return Err(err(at("subscribe.topics"), "give at least one topic name"));
                }
                StepAction::Seek(seek) => {
                    let ok = match (&seek.offset, seek.to.as_deref()) {
                        (Some(o), None) => *o >= 0,
                        (None, Some("beginning" | "end")) => true,
                        _ => false,
                    };
                    if !ok {
                        return Err(err(at("seek"), "give either offset (≥ 0) or to: \"beginning\" | \"end\""));
                    }
                }
                StepAction::SetProcessingTime(p) if p.per_record_ms < 0 => {
                    return Err(err(at("set_processing_time.per_record_ms"), "must be ≥ 0"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A client's configs as its type reads them; consumer config errors name the config.
    fn validate_client(&self, i: usize, c: &ClientSpec) -> Result<(), ScenarioError> {
        let at = |f: &str| format!("clients[{i}].{f}");
        match c.kind {
            ClientKind::Producer => {
                if c.subscribe.is_some() || c.assign.is_some() {
                    return Err(err(at("subscribe"), "only consumers subscribe or assign"));
                }
            }
            ClientKind::Consumer => {
                let pairs = c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                let config = crate::engine::client::consumer::ConsumerConfig::from_pairs(pairs)
                    .map_err(|e| err(at(&format!("configs.{}", e.name)), e.message))?;
                if c.subscribe.is_some() && c.assign.is_some() {
                    return Err(err(at("subscribe"), "give subscribe or assign, not both"));
                }
                if c.subscribe.is_some() && config.group_id.is_none() {
                    return Err(err(
                        at("configs.group.id"),
                        "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.",
                    ));
                }
                if let Some(topics) = &c.subscribe {
                    if topics.is_empty() || topics.iter().any(String::is_empty) {
                        return Err(err(at("subscribe"), "give at least one topic name"));
                    }
                }
            }
        }
        Ok(())
    }

    /// With consumers, `__consumer_offsets` must fit on the cluster's brokers.
    fn validate_offsets_topic(&self) -> Result<(), ScenarioError> {
        if !self.clients.iter().any(|c| c.kind == ClientKind::Consumer) {
            return Ok(());
        }
        let name = "offsets.topic.replication.factor";
        let rf = match self.cluster.configs.get(name) {
            Some(v) => v.trim().parse::<u32>().map_err(|_| err(format!("cluster.configs.{name}"), format!("'{v}' is not a number")))?,
            None => 3,
        };
        if rf > self.cluster.brokers {
            return Err(err(
                format!("cluster.configs.{name}"),
                format!(
                    "{rf} (Kafka's default is 3) but the cluster has {} broker(s): __consumer_offsets could never be created, so no group would get a coordinator. Set it to at most {}.",
                    self.cluster.brokers, self.cluster.brokers
                ),
            ));
        }
        Ok(())
    }

    /// `Ok` if `name` is a client of `kind`.
    fn expect_client(&self, name: &str, kind: ClientKind) -> Result<(), String> {
        match self.clients.iter().find(|c| c.id == name) {
            None => Err(format!("no client named \"{name}\"")),
            Some(c) if c.kind != kind => Err(format!("\"{name}\" is a {}, not a {}", c.kind.name(), kind.name())),
            Some(_) => Ok(()),
        }
    }

    /// The node id a reference names: brokers by number, `"controller"`, or a client.
    pub fn node_id(&self, r: &NodeRef) -> Result<NodeId, String> {
        match r {
            NodeRef::Broker(b) if (1..=self.cluster.brokers).contains(b) => Ok(*b),
            NodeRef::Broker(b) => Err(format!("unknown broker id {b} (brokers are 1 to {})", self.cluster.brokers)),
            NodeRef::Named(n) if n == "controller" => Ok(crate::engine::cluster::CONTROLLER_ID),
            NodeRef::Named(n) => self
                .clients
                .iter()
                .position(|c| &c.id == n)
                .map(|i| crate::engine::cluster::FIRST_CLIENT_ID + i as u32)
                .ok_or_else(|| format!("no node named \"{n}\"")),
        }
    }
}

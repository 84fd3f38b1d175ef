//! A scenario made runnable: the [`World`] that builds its brokers (`BrokerNode`), the
//! KRaft controller and its clients (producers, consumers), and [`build_sim`], which turns
//! the scenario's topics and timed steps into scheduled actions on a [`Sim`] with the
//! cluster invariants installed. Cluster configs are routed to whichever part knows the
//! name. A restarted consumer is a new process: it starts from its scenario definition
//! (and so subscribes again) and finds its position in the group's committed offsets.

use super::driver::{Action, Sim};
use super::invariants;
use super::network::{LinkConfig, Network};
use super::runner::{build_broker, BrokerWorld};
use super::scenario::{ClientKind, Scenario, ScenarioError, Step, StepAction};
use super::world::World;
use crate::engine::client::consumer::{ConsumerConfig, ConsumerNode, Subscription, CONFIG_META};
use crate::engine::client::pipeline::{PipelineNode, PipelineTopics};
use crate::engine::client::producer::lifecycle::stored_config;
use crate::engine::client::producer::{ProducerConfig, ProducerNode};
use crate::engine::cluster::command::{
    AssignCommand, Command, CreateTopicCommand, DeleteRecordsCommand, DeleteTopicCommand,
    ProcessingTimeCommand, SeekCommand, SeekTo, SubscribeCommand,
};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{Node, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::config::{ControllerConfig, CONTROLLER_CONFIG_NAMES};
use crate::engine::controller::ControllerNode;
use crate::engine::replica::config::BrokerConfig;
use crate::storage::memory::MemoryStore;
use std::collections::BTreeSet;

/// How to build one scenario client.
#[derive(Debug, Clone)]
enum ClientBuild {
    Producer(ProducerConfig),
    Consumer(ConsumerConfig, Subscription),
    Pipeline(PipelineTopics, ConsumerConfig, ProducerConfig),
}

pub struct ClusterWorld {
    brokers: u32,
    broker_config: BrokerConfig,
    controller_config: ControllerConfig,
    clients: Vec<ClientBuild>,
    seed: u64,
}

fn problem(field: String, problem: impl Into<String>) -> ScenarioError {
    ScenarioError { field, problem: problem.into() }
}

/// The brokers' config a scenario's `cluster.configs` gives (the controller's names are
/// the controller's, see [`ClusterWorld::new`]).
pub fn scenario_broker_config(s: &Scenario) -> Result<BrokerConfig, ScenarioError> {
    let mut broker_config = BrokerConfig::default();
    for (name, value) in &s.cluster.configs {
        if !CONTROLLER_CONFIG_NAMES.contains(&name.as_str()) {
            broker_config.set(name, value).map_err(|e| problem(format!("cluster.configs.{name}"), e))?;
        }
    }
    Ok(broker_config)
}

impl ClusterWorld {
    pub fn new(s: &Scenario, seed: u64) -> Result<ClusterWorld, ScenarioError> {
        // By name: a controller config's value need not parse as a broker's (a boolean is
        // not a number), and an unknown name is refused as an unknown broker config.
        let broker_config = scenario_broker_config(s)?;
        let mut controller_pairs: Vec<(&str, &str)> = s
            .cluster
            .configs
            .iter()
            .filter(|(name, _)| CONTROLLER_CONFIG_NAMES.contains(&name.as_str()))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let seed_text = seed.to_string();
        controller_pairs.push(("seed", &seed_text));
        let controller_config = ControllerConfig::from_pairs(controller_pairs).map_err(|e| {
            let field = match &e.kind {
                crate::engine::error::ErrorKind::InvalidConfig { name, .. } => {
                    format!("cluster.configs.{name}")
                }
                _ => "cluster.configs".to_string(),
            };
            problem(field, e.to_string())
        })?;
        let mut clients = Vec::new();
        for (i, c) in s.clients.iter().enumerate() {
            let mut pairs: Vec<(&str, &str)> =
                c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let bootstrap = (1..=s.cluster.brokers).map(|b| b.to_string()).collect::<Vec<_>>().join(",");
            if !c.configs.contains_key("bootstrap.servers") {
                pairs.push(("bootstrap.servers", &bootstrap));
            }
            match c.kind {
                ClientKind::Pipeline => {
                    let topics = super::scenario::pipeline::pipeline_topics(s, i, c)?;
                    let extra = [("bootstrap.servers", bootstrap.as_str())];
                    let (consumer, producer) = super::scenario::pipeline::pipeline_configs(i, c, &extra)?;
                    clients.push(ClientBuild::Pipeline(topics, consumer, producer));
                }
                ClientKind::Producer => {
                    let config = ProducerConfig::from_pairs(pairs)
                        .map_err(|e| problem(format!("clients[{i}].configs"), e.to_string()))?;
                    clients.push(ClientBuild::Producer(config));
                }
                ClientKind::Consumer => {
                    if !c.configs.contains_key("client.id") {
                        pairs.push(("client.id", &c.id));
                    }
                    let config = ConsumerConfig::from_pairs(pairs)
                        .map_err(|e| problem(format!("clients[{i}].configs.{}", e.name), e.message))?;
                    let initial = match (&c.subscribe, &c.assign) {
                        (Some(topics), _) => Subscription::Topics(topics.clone()),
                        (None, Some(ps)) => Subscription::Assigned(
                            ps.iter()
                                .map(|p| TopicPartition {
                                    topic: p.topic.as_str().into(),
                                    partition: p.partition,
                                })
                                .collect(),
                        ),
                        (None, None) => Subscription::None,
                    };
                    clients.push(ClientBuild::Consumer(config, initial));
                }
            }
        }
        Ok(ClusterWorld {
            brokers: s.cluster.broker_slots(),
            broker_config,
            controller_config,
            clients,
            seed,
        })
    }

    /// What a broker worker needs to build any of this scenario's brokers.
    pub fn broker_world(&self) -> BrokerWorld {
        BrokerWorld { config: self.broker_config.clone() }
    }

    /// When the scenario's topics are created: once every broker has registered and
    /// sent its first heartbeat.
    pub fn topics_at_ms(&self) -> i64 {
        self.broker_config.broker_heartbeat_interval_ms + 500
    }
}

impl World for ClusterWorld {
    fn build(&self, id: NodeId, store: &MemoryStore, now_ms: i64, restart: bool) -> Box<dyn Node> {
        if (1..=self.brokers).contains(&id) {
            return Box::new(build_broker(id, &self.broker_config, store, now_ms, restart));
        }
        if id == CONTROLLER_ID {
            if restart {
                return Box::new(ControllerNode::recover(
                    self.controller_config.clone(),
                    &store.meta_of(CONTROLLER_ID),
                ));
            }
            return Box::new(ControllerNode::new(self.controller_config.clone()));
        }
        let index = id.saturating_sub(FIRST_CLIENT_ID) as usize;
        match self.clients.get(index) {
            Some(ClientBuild::Consumer(config, initial)) => {
                // A process restarted after it was started with other settings keeps them.
                let stored = store
                    .meta_of(id)
                    .into_iter()
                    .find(|(name, _)| name == CONFIG_META)
                    .and_then(|(_, v)| serde_json::from_str::<ConsumerConfig>(&v).ok())
                    .filter(|_| restart);
                Box::new(ConsumerNode::new(id, stored.unwrap_or_else(|| config.clone()), initial.clone()))
            }
            Some(ClientBuild::Producer(config)) => {
                // A producer rebuilt with other settings (the page's) keeps them.
                let stored = restart.then(|| stored_config(&store.meta_of(id))).flatten();
                Box::new(ProducerNode::new(
                    id,
                    stored.unwrap_or_else(|| config.clone()),
                    self.seed ^ u64::from(id),
                ))
            }
            Some(ClientBuild::Pipeline(topics, consumer, producer)) => Box::new(PipelineNode::new(
                id,
                topics.clone(),
                consumer.clone(),
                producer.clone(),
                self.seed ^ u64::from(id),
            )),
            None => Box::new(ProducerNode::new(id, ProducerConfig::default(), self.seed ^ u64::from(id))),
        }
    }
}

/// A ready-to-run simulation of the scenario with this seed.
pub fn build_sim(s: &Scenario, seed: u64) -> Result<Sim, ScenarioError> {
    build(s, seed, None)
}

/// The scenario's run going on from what an earlier run stored (a page reload): at
/// `now_ms` every node restarts, recovering from its store, and only what the scenario
/// schedules after `now_ms` still happens.
pub fn build_sim_resumed(
    s: &Scenario,
    seed: u64,
    now_ms: i64,
    stores: std::collections::BTreeMap<NodeId, MemoryStore>,
    started_later: &[NodeId],
) -> Result<Sim, ScenarioError> {
    build(s, seed, Some((now_ms, stores, started_later)))
}

/// Every node of the scenario: the controller, the brokers, the clients.
pub fn node_ids(s: &Scenario) -> Vec<NodeId> {
    let mut ids = vec![CONTROLLER_ID];
    ids.extend(1..=s.cluster.broker_slots());
    ids.extend((0..s.clients.len()).map(|i| FIRST_CLIENT_ID + i as u32));
    ids
}

/// A client declared with `"start": false`, or a broker beyond `cluster.brokers` (up to
/// `cluster.max_brokers`): it waits for the page to add it.
pub fn declared_idle(s: &Scenario, id: NodeId) -> bool {
    (id > s.cluster.brokers && id <= s.cluster.broker_slots())
        || (id >= FIRST_CLIENT_ID && s.clients.get((id - FIRST_CLIENT_ID) as usize).is_some_and(|c| !c.start))
}

/// The next broker the page's "add broker" starts: the lowest declared idle broker id
/// that has not started yet (`started` says which nodes have).
pub fn next_idle_broker(s: &Scenario, started: impl Fn(NodeId) -> bool) -> Option<NodeId> {
    (s.cluster.brokers + 1..=s.cluster.broker_slots()).find(|id| !started(*id))
}

fn build(
    s: &Scenario,
    seed: u64,
    resumed: Option<(i64, std::collections::BTreeMap<NodeId, MemoryStore>, &[NodeId])>,
) -> Result<Sim, ScenarioError> {
    let world = ClusterWorld::new(s, seed)?;
    let topics_at = world.topics_at_ms();
    let n = &s.cluster.network;
    let network = Network::new(LinkConfig { latency_ms: n.latency_ms, jitter_ms: n.jitter_ms, loss: n.loss });
    let mut sim = Sim::new(seed, network, Box::new(world), serde_json::Value::Null);
    sim.set_scenario(s);
    let from_ms = match resumed {
        Some((now_ms, stores, started_later)) => {
            // Nodes declared not to start stay unstarted after a reload unless the run's
            // record says the page started them (an added broker or consumer).
            let ids: Vec<NodeId> = node_ids(s)
                .into_iter()
                .filter(|id| !declared_idle(s, *id) || started_later.contains(id))
                .collect();
            sim.resume_from(now_ms, stores, &ids);
            sim.schedule(now_ms, Action::RestartCrashed);
            now_ms + 1
        }
        None => {
            for id in node_ids(s) {
                if !declared_idle(s, id) {
                    sim.schedule(0, Action::Start(id));
                }
            }
            0
        }
    };
    for t in s.topics.iter().filter(|_| topics_at >= from_ms) {
        let command = Command::CreateTopic(CreateTopicCommand {
            configs: t.configs.clone(),
            name: t.name.clone(),
            partitions: t.partitions,
            replica_assignment: t.replica_assignment.clone(),
            replication_factor: t.replication_factor,
        });
        sim.schedule(topics_at, Action::Command(CONTROLLER_ID, command));
    }
    for (at_ms, action) in step_actions(s, "steps", &s.steps)? {
        if at_ms >= from_ms {
            sim.schedule(at_ms, action);
        }
    }
    invariants::install(&mut sim, s);
    Ok(sim)
}

/// The actions `steps` (the scenario's own, or a lesson's acts) carry out, each at its
/// `at_ms`, with node names resolved against `s`; an error names the field under `prefix`
/// (`steps[2].crash.client`).
pub fn step_actions(s: &Scenario, prefix: &str, steps: &[Step]) -> Result<Vec<(i64, Action)>, ScenarioError> {
    let mut out = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let field = |f: &str| format!("{prefix}[{i}].{f}");
        let client_id = |name: &str, f: &str| {
            s.node_id(&super::scenario::NodeRef::Named(name.to_string())).map_err(|e| problem(field(f), e))
        };
        let action = match &step.action {
            StepAction::Produce(p) => {
                let client = s
                    .node_id(&super::scenario::NodeRef::Named(p.client.clone()))
                    .map_err(|e| problem(field("produce.client"), e))?;
                Action::Command(client, Command::Produce(p.command()))
            }
            StepAction::Crash(b) => match (&b.leader_of, b.broker, &b.client) {
                (Some(tp), _, _) => Action::CrashLeaderOf(tp.topic.clone(), tp.partition),
                (None, Some(id), _) => Action::Crash(id),
                (None, None, Some(name)) => Action::Crash(client_id(name, "crash.client")?),
                (None, None, None) => {
                    return Err(problem(field("crash"), "give broker, leader_of or client"))
                }
            },
            StepAction::Restart(b) => match (b.broker, &b.client) {
                (Some(id), _) => Action::Restart(id),
                (None, Some(name)) => Action::Restart(client_id(name, "restart.client")?),
                (None, None) => Action::RestartCrashed,
            },
            StepAction::Subscribe(sub) => Action::Command(
                client_id(&sub.client, "subscribe.client")?,
                Command::Subscribe(SubscribeCommand { topics: sub.topics.clone() }),
            ),
            StepAction::Assign(a) => {
                let partitions: Vec<_> =
                    a.partitions.iter().map(|p| TopicPartition::new(p.topic.as_str(), p.partition)).collect();
                Action::Command(
                    client_id(&a.client, "assign.client")?,
                    Command::Assign(AssignCommand { partitions }),
                )
            }
            StepAction::Commit(c) => {
                Action::Command(client_id(&c.client, "commit.client")?, Command::Commit {})
            }
            StepAction::Close(c) => Action::Command(client_id(&c.client, "close.client")?, Command::Close {}),
            StepAction::Seek(k) => {
                let to = match k.to.as_deref() {
                    None => None,
                    Some("beginning") => Some(SeekTo::Beginning),
                    Some("end") => Some(SeekTo::End),
                    Some(other) => {
                        return Err(problem(
                            field("seek.to"),
                            format!("\"{other}\": give \"beginning\" or \"end\""),
                        ))
                    }
                };
                let seek =
                    SeekCommand { offset: k.offset, partition: k.partition, to, topic: k.topic.clone() };
                Action::Command(client_id(&k.client, "seek.client")?, Command::Seek(seek))
            }
            StepAction::SetProcessingTime(p) => Action::Command(
                client_id(&p.client, "set_processing_time.client")?,
                Command::SetProcessingTime(ProcessingTimeCommand { per_record_ms: p.per_record_ms }),
            ),
            StepAction::PauseHeartbeats(h) => Action::Command(
                client_id(&h.client, "pause_heartbeats.client")?,
                Command::PauseHeartbeats(h.paused),
            ),
            StepAction::Pause(r) => {
                Action::Pause(s.node_id(&r.node).map_err(|e| problem(field("pause.node"), e))?)
            }
            StepAction::Resume(r) => {
                Action::Resume(s.node_id(&r.node).map_err(|e| problem(field("resume.node"), e))?)
            }
            StepAction::Partition(p) => {
                let mut sides = [BTreeSet::new(), BTreeSet::new()];
                for (g, group) in p.groups.iter().enumerate() {
                    for r in group {
                        sides[g].insert(
                            s.node_id(r).map_err(|e| problem(field(&format!("partition.groups[{g}]")), e))?,
                        );
                    }
                }
                let [a, b] = sides;
                Action::Partition(a, b)
            }
            StepAction::Heal {} => Action::Heal,
            StepAction::LoseNext(l) => Action::LoseNext(crate::sim::network::LoseNext {
                from: match &l.from {
                    Some(r) => Some(s.node_id(r).map_err(|e| problem(field("lose_next.from"), e))?),
                    None => None,
                },
                to: s.node_id(&l.to).map_err(|e| problem(field("lose_next.to"), e))?,
                api: l.api.clone(),
            }),
            // The controller stands in for the admin client: it sends DeleteRecords to the
            // partition's leader of the moment.
            StepAction::DeleteRecords(d) => Action::Command(
                CONTROLLER_ID,
                Command::DeleteRecords(DeleteRecordsCommand {
                    offset: d.offset,
                    partition: d.partition,
                    topic: d.topic.clone(),
                }),
            ),
            StepAction::DeleteTopic(d) => Action::Command(
                CONTROLLER_ID,
                Command::DeleteTopic(DeleteTopicCommand { name: d.name.clone() }),
            ),
            StepAction::InitTransactions(c) => Action::Command(
                client_id(&c.client, "init_transactions.client")?,
                Command::InitTransactions(crate::engine::cluster::command::Yes),
            ),
            StepAction::BeginTransaction(c) => Action::Command(
                client_id(&c.client, "begin_transaction.client")?,
                Command::BeginTransaction(crate::engine::cluster::command::Yes),
            ),
            StepAction::CommitTransaction(c) => Action::Command(
                client_id(&c.client, "commit_transaction.client")?,
                Command::CommitTransaction(crate::engine::cluster::command::Yes),
            ),
            StepAction::AbortTransaction(c) => Action::Command(
                client_id(&c.client, "abort_transaction.client")?,
                Command::AbortTransaction(crate::engine::cluster::command::Yes),
            ),
            StepAction::SendOffsetsToTransaction(o) => Action::SendOffsetsToTransaction(
                client_id(&o.client, "send_offsets_to_transaction.client")?,
                client_id(&o.consumer, "send_offsets_to_transaction.consumer")?,
                o.consumer.clone(),
            ),
        };
        out.push((step.at_ms, action));
    }
    Ok(out)
}

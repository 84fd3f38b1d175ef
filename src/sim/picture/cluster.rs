//! Builds the [`ClusterView`] from the running simulation: the controller's metadata and
//! the producers, the brokers' last reported replicas, messages in flight, cuts, and the
//! events since the last view, kept in bounded rings so a long run costs the same per
//! frame as a short one. One builder for both drivers: the tab's (`crate::web`, whose
//! brokers run in workers and report their replicas) and `serve`'s
//! (`crate::cli::serve`, whose brokers run in process and are drawn directly,
//! [`Picture::draw_brokers`]).

use super::group::GroupPicture;
use super::ledger::AckLedger;
use super::removed::RemovedRegions;
use super::ring::Ring;
use super::view::{
    BrokerConfigView, BrokerSessionView, BrokerView, ClusterView, FlightView, PartitionView, ProducerView,
    ReplicaRemovals, SendOutcome, TopicView, TxnCoordinatorView, RECORDS_PER_REPLICA,
};
use crate::engine::client::producer::ProducerNode;
use crate::engine::cluster::events::Cause;
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use crate::engine::controller::broker_configs::DYNAMIC_BROKER_CONFIG_NAMES;
use crate::engine::controller::ControllerNode;
use crate::engine::replica::config::BrokerConfig;
use crate::engine::replica::view::ReplicaPicture;
use crate::sim::scenario::{ClientKind, Scenario};
use crate::sim::{Sim, Status};
use std::collections::BTreeMap;

/// Events kept for the feed, outcomes kept per producer, messages drawn in flight.
const EVENTS_KEPT: usize = 200;
const OUTCOMES_KEPT: usize = 50;
const FLIGHTS_SHOWN: usize = 200;

#[derive(Default)]
pub struct Picture {
    /// How much of the simulation's timeline and causes has been read.
    timeline_read: usize,
    causes_read: usize,
    events: Ring<(i64, NodeId, ClusterEvent), EVENTS_KEPT>,
    outcomes: BTreeMap<NodeId, Ring<SendOutcome, OUTCOMES_KEPT>>,
    /// Each broker's replicas as its worker last drew them.
    pub replicas: BTreeMap<NodeId, Vec<ReplicaPicture>>,
    /// A crashed broker's replicas as last drawn before the crash, until it runs again.
    pub crashed_replicas: BTreeMap<NodeId, Vec<ReplicaPicture>>,
    groups: GroupPicture,
    /// What each replica's log lost, for the ghosts.
    removed: RemovedRegions,
    /// Every acknowledged send and whether the partition's log still has it.
    ledger: AckLedger,
    /// Each transactional id as its transaction coordinator last reported it.
    txn_coordinators: BTreeMap<String, TxnCoordinatorView>,
    /// Nodes from this id on stay out of the feed (`serve`'s connections: one opening or
    /// closing is no broker's start or crash, and must not push the cluster's events out).
    pub feed_nodes_below: Option<NodeId>,
}

impl Picture {
    /// What the cluster's logs keep, as the brokers last drew them: records (log end
    /// minus log start) and bytes of the largest replica of each partition, summed.
    pub fn kept(&self) -> (u64, u64) {
        let mut largest: BTreeMap<(&str, u32), (u64, u64)> = BTreeMap::new();
        for r in self.replicas.values().flatten() {
            let records = (r.log_end_offset - r.log_start_offset).max(0) as u64;
            let e = largest.entry((r.topic.as_str(), r.partition)).or_default();
            *e = (e.0.max(records), e.1.max(r.size_bytes));
        }
        largest.values().fold((0, 0), |(n, b), (rn, rb)| (n + rn, b + rb))
    }

    /// Draws every running broker's replicas straight from its node, and keeps a crashed
    /// broker's last drawing (`serve`, whose brokers run in process; the tab's come from
    /// its workers).
    pub fn draw_brokers(&mut self, sim: &Sim, brokers: impl IntoIterator<Item = NodeId>) {
        for id in brokers {
            match sim.live_node(id).and_then(|n| n.view().broker()) {
                Some(b) => {
                    self.replicas.insert(id, b.picture(RECORDS_PER_REPLICA));
                }
                None => {
                    if let Some(last) = self.replicas.remove(&id) {
                        self.crashed_replicas.insert(id, last);
                    }
                }
            }
        }
    }

    /// Reads the timeline's new events into the feed and the producers' outcomes, and the
    /// run's new causes into the feed before the events of the same moment (a cause
    /// comes before what follows from it).
    /// Reads the events and causes since the last call (what building a view does first).
    pub fn absorb(&mut self, sim: &Sim) {
        let timeline = sim.timeline();
        let mut causes = sim.causes().iter_from(self.causes_read).peekable();
        for (at, node, event) in timeline.iter_from(self.timeline_read) {
            while let Some((cause_at, cause)) = causes.next_if(|(cause_at, _)| cause_at <= at) {
                self.push_cause(*cause_at, cause);
            }
            self.removed.absorb(event);
            self.ledger.absorb(event);
            match event {
                ClusterEvent::SendAcknowledged { client_id, tp, base_offset, records, .. } => {
                    let o = SendOutcome {
                        at_ms: *at,
                        topic: tp.topic.to_string(),
                        partition: Some(tp.partition),
                        records: *records,
                        base_offset: Some(*base_offset),
                        error: None,
                    };
                    self.outcomes.entry(*client_id).or_default().push(o);
                }
                // A send retried again and again for the same reason is one line whose
                // attempt counts up ("retried × 33"), not 33 lines pushing the causes out.
                ClusterEvent::SendRetried { client_id, tp, error, .. } if self.in_feed(*node) => {
                    let again = |(_, n, last): &(i64, NodeId, ClusterEvent)| {
                        n == node
                            && matches!(last, ClusterEvent::SendRetried { client_id: c, tp: p, error: e, .. }
                                if c == client_id && p == tp && e == error)
                    };
                    self.events.fold_into_last((*at, *node, event.clone()), again);
                }
                ClusterEvent::SendFailed { client_id, tp, error, records } => {
                    let o = SendOutcome {
                        at_ms: *at,
                        topic: tp.as_ref().map(|t| t.topic.to_string()).unwrap_or_default(),
                        partition: tp.as_ref().map(|t| t.partition),
                        records: *records,
                        base_offset: None,
                        error: Some((error.name().to_string(), error.code())),
                    };
                    self.outcomes.entry(*client_id).or_default().push(o);
                    self.events.push((*at, *node, event.clone()));
                }
                // On the producer's card, not in the feed (each transaction moves it 3 times).
                ClusterEvent::TransactionStateChanged {
                    broker_id,
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    state,
                    partitions,
                    txn_timeout_ms,
                    txn_start_timestamp_ms,
                } => {
                    let view = TxnCoordinatorView {
                        broker: *broker_id,
                        producer_id: *producer_id,
                        producer_epoch: *producer_epoch,
                        state: state.clone(),
                        partitions: partitions
                            .iter()
                            .map(|tp| (tp.topic.to_string(), tp.partition))
                            .collect(),
                        txn_timeout_ms: *txn_timeout_ms,
                        txn_start_timestamp_ms: *txn_start_timestamp_ms,
                    };
                    self.txn_coordinators.insert(transactional_id.clone(), view);
                }
                // Frequent reports the picture draws elsewhere stay out of the feed, so
                // the controller's decisions are not pushed out of its ring.
                ClusterEvent::Appended { .. }
                | ClusterEvent::HighWatermarkAdvanced { .. }
                | ClusterEvent::HeartbeatAnswered { .. }
                | ClusterEvent::RecordsConsumed { .. }
                | ClusterEvent::RecordsSkipped { .. }
                | ClusterEvent::ConsumerLag { .. }
                | ClusterEvent::OffsetsCommitted { .. }
                | ClusterEvent::CommitCompleted { .. } => {}
                // An ISR change is the controller's decision; each broker reports it again
                // when the new metadata reaches it. The feed says it once.
                ClusterEvent::IsrShrunk { .. } | ClusterEvent::IsrExpanded { .. }
                    if *node != CONTROLLER_ID => {}
                _ if !self.in_feed(*node) => {}
                _ => self.events.push((*at, *node, event.clone())),
            }
        }
        for (cause_at, cause) in causes {
            self.push_cause(*cause_at, cause);
        }
        self.timeline_read = timeline.len();
        self.causes_read = sim.causes().len();
    }

    fn in_feed(&self, node: NodeId) -> bool {
        self.feed_nodes_below.is_none_or(|below| node < below)
    }

    /// One cause into the feed; a command like the one just before it (same node, same
    /// command and detail) folds into it (`times`).
    fn push_cause(&mut self, at: i64, cause: &Cause) {
        if !self.in_feed(cause.node()) {
            return;
        }
        if let Cause::Commanded { node, command, detail, .. } = cause {
            let last = self.events.items.back_mut();
            if let Some((
                _,
                _,
                ClusterEvent::Cause(Cause::Commanded { node: n, command: c, detail: d, times }),
            )) = last
            {
                if (*n, &*c, &*d) == (*node, command, detail) {
                    *times = times.saturating_add(1);
                    return;
                }
            }
        }
        self.events.push((at, cause.node(), ClusterEvent::Cause(cause.clone())));
    }

    /// Keeps up with a run in this thread between views (the timeline's replay): draws
    /// the brokers, reads the new events and judges the acknowledged sends, as the
    /// tab's driver does each time its workers draw.
    pub fn follow(&mut self, sim: &Sim, brokers: impl IntoIterator<Item = NodeId>) {
        self.draw_brokers(sim, brokers);
        self.absorb(sim);
        self.judge_ledger(sim);
    }

    /// Judges the acknowledged sends against each partition's leader, the one the
    /// controller names, as its broker last drew it (none while crashed).
    fn judge_ledger(&mut self, sim: &Sim) {
        let Some(image) =
            sim.node(CONTROLLER_ID).and_then(|n| n.view().controller()).map(ControllerNode::image)
        else {
            return;
        };
        let replicas = &self.replicas;
        self.ledger.judge(|tp| {
            let leader = image.partition(&tp.topic, tp.partition)?.leader?;
            if sim.status(leader) == Some(Status::Crashed) {
                return None;
            }
            replicas
                .get(&leader)?
                .iter()
                .find(|r| r.topic == tp.topic.as_str() && r.partition == tp.partition)
        });
    }

    /// The view of `sim` now.
    pub fn view(&mut self, sim: &Sim, scenario: &Scenario, run: RunInfo) -> ClusterView {
        self.absorb(sim);
        self.judge_ledger(sim);
        let controller = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller());
        // A broker running again draws afresh: its picture before the crash goes.
        self.crashed_replicas.retain(|id, _| sim.status(*id) == Some(Status::Crashed));
        // Brokers of the scenario and those the page added (a declared broker not yet
        // started is not drawn: the "add broker" button offers it).
        let brokers = (1..=scenario.cluster.broker_slots())
            .filter(|id| *id <= scenario.cluster.brokers || sim.status(*id).is_some())
            .map(|id| {
                let status = sim.status(id).unwrap_or(Status::Crashed);
                let (replicas, last_replicas) = if status == Status::Crashed {
                    (Vec::new(), self.crashed_replicas.get(&id).cloned().unwrap_or_default())
                } else {
                    (self.replicas.get(&id).cloned().unwrap_or_default(), Vec::new())
                };
                let removed = self
                    .removed
                    .all()
                    .filter(|(b, _, _)| *b == id)
                    .map(|(_, tp, regions)| ReplicaRemovals {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        regions: regions.iter().cloned().collect(),
                    })
                    .collect();
                let session = controller.and_then(|c| {
                    let fenced = c.image().brokers.get(&id).is_none_or(|b| b.fenced);
                    c.session(id).map(|s| BrokerSessionView {
                        fenced,
                        last_contact_ms: s.last_contact_ms,
                        session_timeout_ms: c.config().broker_session_timeout_ms,
                    })
                });
                BrokerView { id, status, replicas, removed, last_replicas, session }
            })
            .collect();
        let topics = controller.map(topics).unwrap_or_default();
        let clients = scenario
            .clients
            .iter()
            .enumerate()
            .map(|(i, c)| (FIRST_CLIENT_ID + i as u32, c.id.clone()))
            .collect();
        let producers = scenario
            .clients
            .iter()
            .enumerate()
            // Consumers have their own band (groups); the producer panel lists producers
            // and pipelines (a pipeline's consumer is also a member of its group).
            .filter(|(_, c)| matches!(c.kind, ClientKind::Producer | ClientKind::Pipeline))
            .map(|(i, c)| {
                let id = FIRST_CLIENT_ID + i as u32;
                let node = sim.node(id).and_then(|n| n.view().producer());
                let counts = node.map(|p| p.counts()).unwrap_or_default();
                let config = node.map(ProducerNode::config);
                let ring = self.outcomes.get(&id);
                let transactional_id = node.and_then(|p| p.transaction_state()).map(|(id, _)| id.to_string());
                ProducerView {
                    id,
                    name: c.id.clone(),
                    status: sim.status(id).unwrap_or(Status::Crashed),
                    acks: config.map_or_else(
                        || c.configs.get("acks").cloned().unwrap_or_else(|| "all".into()),
                        |c| acks_text(c.acks).into(),
                    ),
                    partitioner: c.configs.get("partitioner").cloned().unwrap_or_else(|| "built_in".into()),
                    linger_ms: config.map_or(5, |c| c.linger_ms),
                    batch_size: config.map_or(16_384, |c| c.batch_size_bytes),
                    compression_type: config.map_or("none", |c| c.compression_type.name()).to_string(),
                    closing: node.is_some_and(ProducerNode::is_closing),
                    enable_idempotence: config.is_some_and(|c| c.enable_idempotence),
                    producer_id_and_epoch: node.and_then(ProducerNode::producer_id_and_epoch),
                    txn_coordinator: transactional_id
                        .as_ref()
                        .and_then(|t| self.txn_coordinators.get(t))
                        .cloned(),
                    transactional_id,
                    transaction_state: node.and_then(|p| p.transaction_state()).map(|(_, s)| s.to_string()),
                    max_in_flight_requests_per_connection: config
                        .map_or(5, |c| c.max_in_flight_requests_per_connection),
                    acknowledged_records: counts.acked,
                    failed_records: counts.failed,
                    records_in_flight: counts.in_flight,
                    outcomes: ring.map(Ring::to_vec).unwrap_or_default(),
                    outcomes_before: ring.map_or(0, Ring::before),
                    lost: self.ledger.lost(id),
                    pipeline: (c.kind == ClientKind::Pipeline).then(|| pipeline_facts(sim, id, c)),
                    blocked_send: node.and_then(ProducerNode::blocked_send),
                }
            })
            .collect();
        let in_flight = sim
            .in_flight()
            .take(FLIGHTS_SHOWN)
            .map(|(at, env)| FlightView {
                from: env.from,
                to: env.to,
                api: env.message.api_name().into(),
                arrive_ms: at,
            })
            .collect();
        let cuts = sim
            .network
            .partitions
            .iter()
            .map(|(a, b)| (a.iter().copied().collect(), b.iter().copied().collect()))
            .collect();
        ClusterView {
            scenario: scenario.name.clone(),
            seed: sim.seed,
            now_ms: sim.now_ms,
            until_ms: scenario.until_ms,
            speed: run.speed,
            achieved_speed: run.achieved_speed,
            paused: run.paused,
            brokers,
            next_broker: crate::sim::cluster_world::next_idle_broker(scenario, |id| sim.status(id).is_some()),
            controller: sim.status(CONTROLLER_ID).unwrap_or(Status::Crashed),
            topics,
            in_flight,
            cuts,
            producers,
            broker_pacing: broker_pacing(controller, scenario),
            cluster_configs: cluster_configs(controller, scenario),
            clients,
            groups: self.groups.view(sim, scenario),
            events: self.events.to_vec(),
            events_before: self.events.before(),
            journal_entries: sim.journal_len() as u64,
            violations: sim
                .violations()
                .iter()
                .map(|v| format!("{} ms · {}: {}", v.at_ms, v.invariant, v.detail))
                .collect(),
            error: run.error,
            lesson: None,
            live: None,
            timeline: None,
        }
    }
}

/// The driver's side of the view: speed and whether it stopped.
pub struct RunInfo {
    pub speed: f64,
    pub achieved_speed: f64,
    pub paused: bool,
    pub error: Option<String>,
}

/// `log.retention.check.interval.ms` and `log.cleaner.backoff.ms` as the brokers run them.
fn broker_pacing(controller: Option<&ControllerNode>, scenario: &Scenario) -> Vec<BrokerConfigView> {
    let defaults = BrokerConfig::default();
    [
        ("log.retention.check.interval.ms", defaults.log_retention_check_interval_ms),
        ("log.cleaner.backoff.ms", defaults.log_cleaner_backoff_ms),
    ]
    .into_iter()
    .map(|(name, default)| {
        let value = controller
            .and_then(|c| c.image().broker_configs.get(name).cloned())
            .or_else(|| scenario.cluster.configs.get(name).cloned())
            .unwrap_or_else(|| default.to_string());
        BrokerConfigView { name: name.into(), value, dynamic: DYNAMIC_BROKER_CONFIG_NAMES.contains(&name) }
    })
    .collect()
}

/// The cluster-wide configs behind what the scenarios show, by Kafka's names: the
/// controller's (sessions, elections, topic defaults) and the brokers' (the ISR's lag,
/// a fetch's timeout, the first rebalance's delay).
fn cluster_configs(controller: Option<&ControllerNode>, scenario: &Scenario) -> Vec<BrokerConfigView> {
    let Some(c) = controller.map(ControllerNode::config) else { return Vec::new() };
    let b = crate::sim::cluster_world::scenario_broker_config(scenario).unwrap_or_default();
    [
        ("broker.session.timeout.ms", c.broker_session_timeout_ms.to_string()),
        ("min.insync.replicas", c.min_insync_replicas.to_string()),
        ("unclean.leader.election.enable", c.unclean_leader_election_enable.to_string()),
        ("default.replication.factor", c.default_replication_factor.to_string()),
        ("replica.lag.time.max.ms", b.replica_lag_time_max_ms.to_string()),
        ("replica.socket.timeout.ms", b.replica_socket_timeout_ms.to_string()),
        ("group.initial.rebalance.delay.ms", b.group.group_initial_rebalance_delay_ms.to_string()),
    ]
    .into_iter()
    .map(|(name, value)| BrokerConfigView { name: name.into(), value, dynamic: false })
    .collect()
}

/// `acks` as the page writes it (`-1` and `all` are one setting; Kafka documents `all`).
fn acks_text(acks: Acks) -> &'static str {
    match acks {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

fn topics(c: &ControllerNode) -> Vec<TopicView> {
    let defaults = c.config();
    c.image()
        .topics
        .iter()
        .map(|(name, t)| {
            let config = |key: &str| t.configs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
            TopicView {
                name: name.clone(),
                replication_factor: t.partitions.first().map_or(0, |p| p.replicas.len() as u32),
                min_insync_replicas: config("min.insync.replicas")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(defaults.min_insync_replicas),
                unclean_leader_election: config("unclean.leader.election.enable")
                    .map_or(defaults.unclean_leader_election_enable, |v| v == "true"),
                partitions: t
                    .partitions
                    .iter()
                    .enumerate()
                    .map(|(i, p)| PartitionView {
                        partition: i as u32,
                        replicas: p.replicas.clone(),
                        leader: p.leader,
                        leader_epoch: p.leader_epoch,
                        isr: p.isr.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A pipeline client's card facts (while it is down: its topics, nothing running).
fn pipeline_facts(
    sim: &Sim,
    id: NodeId,
    c: &crate::sim::scenario::ClientSpec,
) -> crate::sim::picture::view::PipelineFacts {
    use crate::engine::cluster::NodeView;
    let mut facts = crate::sim::picture::view::PipelineFacts {
        input: c.input.clone().unwrap_or_default(),
        output: c.output.clone().unwrap_or_default(),
        ..Default::default()
    };
    if let Some(NodeView::Pipeline(p)) = sim.node(id).map(|n| n.view()) {
        (facts.transactions_committed, facts.transactions_aborted) = p.transactions();
        let state = serde_json::to_value(p.app_state()).unwrap_or_default();
        let name = state.as_str().or_else(|| state.as_object()?.keys().next().map(String::as_str));
        facts.state = name.unwrap_or_default().to_string();
        let consumed = p.consumer().consumed().values();
        facts.records_processed = consumed.map(|o| o.values().map(|n| u64::from(*n)).sum::<u64>()).sum();
    }
    facts
}

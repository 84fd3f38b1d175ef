//! Random fault schedules for the fuzzer: from one seed, a 3-broker cluster with a
//! replicated `acks=all` topic (`min.insync.replicas` 2, clean election), a producer
//! writing every second, and crashes, restarts, pauses, partitions and heals at random
//! times. The schedule is an ordinary scenario, so a failing seed replays and can be
//! saved as a scenario file. [`fuzz_group_scenario`] does the same with a consumer group
//! (three consumers, eager or cooperative, one of them static) whose members are also
//! crashed, restarted and paused, so the group invariants are checked under faults.
//! [`fuzz_txn_scenario`] runs a transactional producer (commits and aborts) and a
//! read_committed consumer while brokers and the producer crash, so the transaction
//! invariants are checked under faults; each of its seeds also runs a
//! consume-transform-produce pipeline's schedule ([`pipeline`]).

use super::cluster_world::build_sim;
use super::driver::Violation;
use super::scenario::*;
use crate::engine::rng::Rng;
use std::collections::BTreeMap;

mod pipeline;
pub use pipeline::{fuzz_pipeline_scenario, fuzz_pipeline_seed, FUZZ_PIPELINE_UNTIL_MS};

/// Virtual time each fuzzed run covers.
pub const FUZZ_UNTIL_MS: i64 = 60_000;
/// Events per fuzzed run at most (a bound; runs use far fewer).
const FUZZ_MAX_STEPS: u64 = 5_000_000;

pub struct FuzzResult {
    pub steps: u64,
    pub violations: Vec<Violation>,
}

fn node(rng: &mut Rng) -> NodeRef {
    match rng.below(5) {
        0 => NodeRef::Named("controller".into()),
        1 => NodeRef::Named("p1".into()),
        n => NodeRef::Broker(n - 1),
    }
}

/// Producer `p1` writes 1 to `max_count` records to topic `f` every second from 3 s
/// until `until_ms`.
fn produce_every_second(rng: &mut Rng, until_ms: i64, max_count: u32) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut t = 3_000;
    while t < until_ms {
        steps.push(Step {
            at_ms: t,
            action: StepAction::Produce(ProduceStep {
                client: "p1".into(),
                topic: "f".into(),
                count: 1 + rng.below(max_count),
                key: Some("k-{i}".into()),
                value: "v-{i}".into(),
                partition: None,
                partitioner: None,
                headers: Vec::new(),
            }),
        });
        t += 1_000;
    }
    steps
}

/// When a schedule's faults come: one every 2 to 8 s from `start_ms` until `end_ms`, each
/// followed, with chance `heal_chance`, by a heal `heal_after_ms` later.
struct Faults {
    start_ms: i64,
    end_ms: i64,
    heal_chance: f64,
    heal_after_ms: i64,
}

impl Faults {
    /// The timed faults, each drawn by `fault`. Per fault the draws are, in this order:
    /// the fault itself, whether a heal follows, the gap to the next one (a schedule's
    /// seed replays only as long as this order holds).
    fn draw(&self, rng: &mut Rng, mut fault: impl FnMut(&mut Rng) -> StepAction) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut t = self.start_ms;
        while t < self.end_ms {
            let action = fault(rng);
            steps.push(Step { at_ms: t, action });
            if rng.chance(self.heal_chance) {
                steps.push(Step { at_ms: t + self.heal_after_ms, action: StepAction::Heal {} });
            }
            t += 2_000 + i64::from(rng.below(6_000));
        }
        steps
    }
}

/// A partition cutting `a` off from `b`; a heal when both name the same node.
fn partition_between(a: NodeRef, b: NodeRef) -> StepAction {
    if a == b {
        StepAction::Heal {}
    } else {
        StepAction::Partition(PartitionStepSpec { groups: [vec![a], vec![b]] })
    }
}

/// Everything back at `end_ms` so the run can settle: heal, restart every crashed
/// broker, resume the three brokers, the controller and `clients`.
fn settle(end_ms: i64, clients: &[&str]) -> Vec<Step> {
    let mut everyone: Vec<NodeRef> = (1..=3).map(NodeRef::Broker).collect();
    everyone.push(NodeRef::Named("controller".into()));
    everyone.extend(clients.iter().map(|c| NodeRef::Named((*c).into())));
    let mut steps = vec![
        Step { at_ms: end_ms, action: StepAction::Heal {} },
        Step {
            at_ms: end_ms,
            action: StepAction::Restart(BrokerRef { all_crashed: true, ..BrokerRef::default() }),
        },
    ];
    steps.extend(
        everyone
            .into_iter()
            .map(|node| Step { at_ms: end_ms, action: StepAction::Resume(NodeStepRef { node }) }),
    );
    steps
}

/// Producer `id` with `acks=all`.
fn acks_all_producer(id: &str) -> ClientSpec {
    let mut configs = BTreeMap::new();
    configs.insert("acks".to_string(), "all".to_string());
    ClientSpec {
        id: id.into(),
        kind: ClientKind::Producer,
        configs,
        subscribe: None,
        assign: None,
        input: None,
        output: None,
        start: true,
    }
}

/// Consumer `c1` of group `g` reading `topic` from the earliest offset, `read_committed`
/// (the transactional schedules' reader).
fn read_committed_reader(topic: &str) -> ClientSpec {
    let configs =
        [("group.id", "g"), ("auto.offset.reset", "earliest"), ("isolation.level", "read_committed")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    ClientSpec {
        id: "c1".into(),
        kind: ClientKind::Consumer,
        configs,
        subscribe: Some(vec![topic.into()]),
        assign: None,
        input: None,
        output: None,
        start: true,
    }
}

/// The transactional schedules' cluster: 3 brokers, small internal topics (5 partitions
/// each), `topics` with 2 partitions, RF 3 and `min.insync.replicas=2`.
fn txn_scenario(
    name: String,
    loss: f64,
    topics: &[&str],
    clients: Vec<ClientSpec>,
    steps: Vec<Step>,
    until_ms: i64,
) -> Scenario {
    let cluster_configs =
        [("offsets.topic.num.partitions", "5"), ("transaction.state.log.num.partitions", "5")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    let topic = |name: &&str| TopicSpec {
        name: (*name).into(),
        partitions: 2,
        replication_factor: 3,
        configs: BTreeMap::from([("min.insync.replicas".to_string(), "2".to_string())]),
        replica_assignment: None,
    };
    Scenario {
        version: SCENARIO_VERSION,
        name,
        description: BTreeMap::new(),
        cluster: ClusterSpec {
            max_brokers: None,
            brokers: 3,
            network: NetworkSpec { latency_ms: 3, jitter_ms: 2, loss },
            configs: cluster_configs,
        },
        topics: topics.iter().map(topic).collect(),
        clients,
        steps,
        until_ms,
    }
}

/// The scenario a seed stands for.
pub fn fuzz_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x5eed_f022);
    let mut steps = produce_every_second(&mut rng, FUZZ_UNTIL_MS - 5_000, 5);
    let end = FUZZ_UNTIL_MS - 5_000;
    let start = 4_000 + i64::from(rng.below(3_000));
    let faults = Faults { start_ms: start, end_ms: end, heal_chance: 0.3, heal_after_ms: 500 };
    steps.extend(faults.draw(&mut rng, |rng| match rng.below(7) {
        0 | 1 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
        2 | 3 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
        4 => StepAction::Pause(NodeStepRef { node: node(rng) }),
        5 => StepAction::Resume(NodeStepRef { node: node(rng) }),
        _ => {
            let a = node(rng);
            let mut b = node(rng);
            if a == b {
                b = NodeRef::Broker(1 + (rng.below(3)));
            }
            partition_between(a, b)
        }
    }));
    // Bring everything back at the end so the run can settle.
    steps.extend(settle(end, &["p1"]));
    steps.sort_by_key(|s| s.at_ms);
    let mut configs = BTreeMap::new();
    configs.insert("min.insync.replicas".to_string(), "2".to_string());
    Scenario {
        version: SCENARIO_VERSION,
        name: format!("fuzz-{seed}"),
        description: BTreeMap::new(),
        cluster: ClusterSpec {
            max_brokers: None,
            brokers: 3,
            network: NetworkSpec { latency_ms: 3, jitter_ms: 2, loss: f64::from(rng.below(3)) / 100.0 },
            configs: BTreeMap::new(),
        },
        topics: vec![TopicSpec {
            name: "f".into(),
            partitions: 2,
            replication_factor: 3,
            configs,
            replica_assignment: None,
        }],
        clients: vec![acks_all_producer("p1")],
        steps,
        until_ms: FUZZ_UNTIL_MS,
    }
}

/// Runs one seed's schedule with every invariant checked after every step.
pub fn fuzz_seed(seed: u64) -> FuzzResult {
    run_checked(&fuzz_scenario(seed), seed)
}

/// Runs a fuzzed scenario to its end with every invariant checked after every step; a
/// scenario that does not build is reported as a violation.
fn run_checked(scenario: &Scenario, seed: u64) -> FuzzResult {
    match build_sim(scenario, seed) {
        Ok(mut sim) => {
            let steps = sim.run_until(scenario.until_ms, FUZZ_MAX_STEPS);
            FuzzResult { steps, violations: sim.violations().to_vec() }
        }
        Err(e) => FuzzResult {
            steps: 0,
            violations: vec![Violation { at_ms: 0, invariant: "scenario".into(), detail: e.to_string() }],
        },
    }
}

/// Virtual time each fuzzed consumer-group run covers.
pub const FUZZ_GROUP_UNTIL_MS: i64 = 90_000;

fn group_node(rng: &mut Rng) -> NodeRef {
    match rng.below(7) {
        0 => NodeRef::Named("controller".into()),
        1..=3 => NodeRef::Named(format!("c{}", rng.below(3) + 1)),
        _ => NodeRef::Broker(1 + rng.below(3)),
    }
}

/// The consumer-group schedule a seed stands for: a 3-broker cluster, a producer writing
/// every second, a group of three consumers (eager or cooperative by seed, `c3` static),
/// and crashes, restarts, pauses and partitions of brokers and consumers.
pub fn fuzz_group_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x6209_f022);
    let strategy = if rng.chance(0.5) { "range" } else { "cooperative-sticky" };
    let mut steps = produce_every_second(&mut rng, FUZZ_GROUP_UNTIL_MS - 20_000, 10);
    let end = FUZZ_GROUP_UNTIL_MS - 30_000;
    let start = 10_000 + i64::from(rng.below(3_000));
    let faults = Faults { start_ms: start, end_ms: end, heal_chance: 0.4, heal_after_ms: 1_000 };
    steps.extend(faults.draw(&mut rng, |rng| {
        let consumer = format!("c{}", 1 + rng.below(3));
        match rng.below(9) {
            0 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
            1 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
            2 | 3 => StepAction::Crash(BrokerRef { client: Some(consumer), ..BrokerRef::default() }),
            4 => StepAction::Restart(BrokerRef { client: Some(consumer), ..BrokerRef::default() }),
            5 => StepAction::Pause(NodeStepRef { node: group_node(rng) }),
            6 => StepAction::Resume(NodeStepRef { node: group_node(rng) }),
            7 => StepAction::SetProcessingTime(ProcessingTimeStep {
                client: consumer,
                per_record_ms: i64::from(rng.below(400)),
            }),
            _ => {
                let a = group_node(rng);
                let b = NodeRef::Broker(1 + rng.below(3));
                partition_between(a, b)
            }
        }
    }));
    // Bring everything back so the group can settle.
    steps.extend(settle(end, &["p1", "c1", "c2", "c3"]));
    steps.sort_by_key(|s| s.at_ms);
    let mut cluster_configs = BTreeMap::new();
    cluster_configs.insert("offsets.topic.num.partitions".to_string(), "5".to_string());
    let consumer = |id: &str, instance: Option<&str>| {
        let mut configs = BTreeMap::new();
        for (k, v) in [
            ("group.id", "g"),
            ("partition.assignment.strategy", strategy),
            ("auto.offset.reset", "earliest"),
            ("session.timeout.ms", "10000"),
            ("max.poll.interval.ms", "20000"),
            ("request.timeout.ms", "5000"),
            ("playground.processing.time.per.record.ms", "5"),
        ] {
            configs.insert(k.to_string(), v.to_string());
        }
        if let Some(i) = instance {
            configs.insert("group.instance.id".to_string(), i.to_string());
        }
        ClientSpec {
            id: id.into(),
            kind: ClientKind::Consumer,
            configs,
            subscribe: Some(vec!["f".into()]),
            assign: None,
            input: None,
            output: None,
            start: true,
        }
    };
    Scenario {
        version: SCENARIO_VERSION,
        name: format!("fuzz-group-{seed}"),
        description: BTreeMap::new(),
        cluster: ClusterSpec {
            max_brokers: None,
            brokers: 3,
            network: NetworkSpec { latency_ms: 3, jitter_ms: 2, loss: f64::from(rng.below(2)) / 100.0 },
            configs: cluster_configs,
        },
        topics: vec![TopicSpec {
            name: "f".into(),
            partitions: 4,
            replication_factor: 3,
            configs: BTreeMap::new(),
            replica_assignment: None,
        }],
        clients: vec![
            acks_all_producer("p1"),
            consumer("c1", None),
            consumer("c2", None),
            consumer("c3", Some("static-3")),
        ],
        steps,
        until_ms: FUZZ_GROUP_UNTIL_MS,
    }
}

/// Runs one seed's consumer-group schedule with every invariant checked after every step.
pub fn fuzz_group_seed(seed: u64) -> FuzzResult {
    run_checked(&fuzz_group_scenario(seed), seed)
}

/// Virtual time each fuzzed transactional run covers.
pub const FUZZ_TXN_UNTIL_MS: i64 = 100_000;

fn client_step(client: &str) -> ClientStepRef {
    ClientStepRef { client: client.into() }
}

/// The transactional schedule a seed stands for: a 3-broker cluster, a transactional
/// producer `p1` running one transaction every 3 s (begin, 1 to 5 records, then commit
/// — or abort, one time in three — and an abort 1.5 s later that only acts if the
/// transaction failed), a read_committed consumer `c1`, and crashes and restarts of
/// brokers and of the producer (each restart followed by `initTransactions`), pauses and
/// partitions.
pub fn fuzz_txn_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x7a40_f022);
    // Faults until 55 s, transactions until 90 s: a call left waiting on a coordinator
    // that was down completes once the cluster settles, and the producer goes on.
    let end = FUZZ_TXN_UNTIL_MS - 45_000;
    let mut steps = vec![Step { at_ms: 3_000, action: StepAction::InitTransactions(client_step("p1")) }];
    let mut t = 5_000;
    while t < FUZZ_TXN_UNTIL_MS - 10_000 {
        let produce = ProduceStep {
            client: "p1".into(),
            topic: "f".into(),
            count: 1 + rng.below(5),
            key: Some("k-{i}".into()),
            value: "v-{i}".into(),
            partition: None,
            partitioner: None,
            headers: Vec::new(),
        };
        let end_txn = if rng.chance(1.0 / 3.0) {
            StepAction::AbortTransaction(client_step("p1"))
        } else {
            StepAction::CommitTransaction(client_step("p1"))
        };
        steps.extend([
            Step { at_ms: t, action: StepAction::BeginTransaction(client_step("p1")) },
            Step { at_ms: t + 100, action: StepAction::Produce(produce) },
            Step { at_ms: t + 1_000, action: end_txn },
            Step { at_ms: t + 2_500, action: StepAction::AbortTransaction(client_step("p1")) },
        ]);
        t += 3_000;
    }
    let start = 8_000 + i64::from(rng.below(3_000));
    let faults = Faults { start_ms: start, end_ms: end, heal_chance: 0.4, heal_after_ms: 1_000 };
    let mut restarts = Vec::new();
    steps.extend(faults.draw(&mut rng, |rng| match rng.below(8) {
        0 | 1 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
        2 | 3 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
        4 => StepAction::Crash(BrokerRef { client: Some("p1".into()), ..BrokerRef::default() }),
        5 => StepAction::Pause(NodeStepRef { node: NodeRef::Broker(1 + rng.below(3)) }),
        6 => StepAction::Resume(NodeStepRef { node: NodeRef::Broker(1 + rng.below(3)) }),
        _ => partition_between(NodeRef::Named("p1".into()), NodeRef::Broker(1 + rng.below(3))),
    }));
    // A crashed producer comes back 1 s later as a new process and calls initTransactions.
    for s in &steps {
        if let StepAction::Crash(BrokerRef { client: Some(c), .. }) = &s.action {
            restarts.push(Step {
                at_ms: s.at_ms + 1_000,
                action: StepAction::Restart(BrokerRef { client: Some(c.clone()), ..BrokerRef::default() }),
            });
            restarts
                .push(Step { at_ms: s.at_ms + 1_500, action: StepAction::InitTransactions(client_step(c)) });
        }
    }
    steps.extend(restarts);
    steps.extend(settle(end, &["p1", "c1"]));
    steps.sort_by_key(|s| s.at_ms);
    let mut producer = acks_all_producer("p1");
    producer.configs.insert("transactional.id".into(), "fuzz-tx".into());
    producer.configs.insert("request.timeout.ms".into(), "5000".into());
    producer.configs.insert("delivery.timeout.ms".into(), "10000".into());
    let loss = f64::from(rng.below(2)) / 100.0;
    let clients = vec![producer, read_committed_reader("f")];
    txn_scenario(format!("fuzz-txn-{seed}"), loss, &["f"], clients, steps, FUZZ_TXN_UNTIL_MS)
}

/// Runs one seed's transactional schedule and its pipeline schedule, each with every
/// invariant checked after every step (a pipeline violation's detail names its schedule).
pub fn fuzz_txn_seed(seed: u64) -> FuzzResult {
    let mut result = run_checked(&fuzz_txn_scenario(seed), seed);
    let pipeline = fuzz_pipeline_seed(seed);
    result.steps += pipeline.steps;
    result.violations.extend(pipeline.violations.into_iter().map(|mut v| {
        v.detail = format!("pipeline schedule fuzz-pipeline-{seed}: {}", v.detail);
        v
    }));
    result
}

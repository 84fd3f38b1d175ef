//! Random fault schedules for the fuzzer: from one seed, a 3-broker cluster with a
//! replicated `acks=all` topic (`min.insync.replicas` 2, clean election), a producer
//! writing every second, and crashes, restarts, pauses, partitions and heals at random
//! times. The schedule is an ordinary scenario, so a failing seed replays and can be
//! saved as a scenario file. [`fuzz_group_scenario`] does the same with a consumer group
//! (three consumers, eager or cooperative, one of them static) whose members are also
//! crashed, restarted and paused, so the group invariants are checked under faults.

use super::cluster_world::build_sim;
use super::driver::Violation;
use super::scenario::*;
use crate::engine::rng::Rng;
use std::collections::BTreeMap;

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
            }),
        });
        t += 1_000;
    }
    steps
}

/// The scenario a seed stands for.
pub fn fuzz_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x5eed_f022);
    let mut steps = produce_every_second(&mut rng, FUZZ_UNTIL_MS - 5_000, 5);
    let mut t = 4_000 + i64::from(rng.below(3_000));
    while t < FUZZ_UNTIL_MS - 5_000 {
        let action = match rng.below(7) {
            0 | 1 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
            2 | 3 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
            4 => StepAction::Pause(NodeStepRef { node: node(&mut rng) }),
            5 => StepAction::Resume(NodeStepRef { node: node(&mut rng) }),
            _ => {
                let a = node(&mut rng);
                let mut b = node(&mut rng);
                if a == b {
                    b = NodeRef::Broker(1 + (rng.below(3)));
                }
                if a == b {
                    StepAction::Heal {}
                } else {
                    StepAction::Partition(PartitionStepSpec { groups: [vec![a], vec![b]] })
                }
            }
        };
        steps.push(Step { at_ms: t, action });
        if rng.chance(0.3) {
            steps.push(Step { at_ms: t + 500, action: StepAction::Heal {} });
        }
        t += 2_000 + i64::from(rng.below(6_000));
    }
    // Bring everything back at the end so the run can settle.
    let end = FUZZ_UNTIL_MS - 5_000;
    steps.push(Step { at_ms: end, action: StepAction::Heal {} });
    steps.push(Step { at_ms: end, action: StepAction::Restart(BrokerRef { all_crashed: true, ..BrokerRef::default() }) });
    for b in 1..=3 {
        steps.push(Step { at_ms: end, action: StepAction::Resume(NodeStepRef { node: NodeRef::Broker(b) }) });
    }
    steps.push(Step { at_ms: end, action: StepAction::Resume(NodeStepRef { node: NodeRef::Named("controller".into()) }) });
    steps.push(Step { at_ms: end, action: StepAction::Resume(NodeStepRef { node: NodeRef::Named("p1".into()) }) });
    steps.sort_by_key(|s| s.at_ms);
    let mut configs = BTreeMap::new();
    configs.insert("min.insync.replicas".to_string(), "2".to_string());
    let mut client_configs = BTreeMap::new();
    client_configs.insert("acks".to_string(), "all".to_string());
    Scenario {
        version: SCENARIO_VERSION,
        name: format!("fuzz-{seed}"),
        description: BTreeMap::new(),
        cluster: ClusterSpec {
            brokers: 3,
            network: NetworkSpec { latency_ms: 3, jitter_ms: 2, loss: f64::from(rng.below(3)) / 100.0 },
            configs: BTreeMap::new(),
        },
        topics: vec![TopicSpec { name: "f".into(), partitions: 2, replication_factor: 3, configs, replica_assignment: None }],
        clients: vec![ClientSpec { id: "p1".into(), kind: ClientKind::Producer, configs: client_configs, subscribe: None, assign: None, start: true }],
        steps,
        until_ms: FUZZ_UNTIL_MS,
    }
}

/// Runs one seed's schedule with every invariant checked after every step.
pub fn fuzz_seed(seed: u64) -> FuzzResult {
    let scenario = fuzz_scenario(seed);
    match build_sim(&scenario, seed) {
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
    let mut t = 10_000 + i64::from(rng.below(3_000));
    while t < FUZZ_GROUP_UNTIL_MS - 30_000 {
        let consumer = format!("c{}", 1 + rng.below(3));
        let action = match rng.below(9) {
            0 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
            1 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
            2 | 3 => StepAction::Crash(BrokerRef { client: Some(consumer), ..BrokerRef::default() }),
            4 => StepAction::Restart(BrokerRef { client: Some(consumer), ..BrokerRef::default() }),
            5 => StepAction::Pause(NodeStepRef { node: group_node(&mut rng) }),
            6 => StepAction::Resume(NodeStepRef { node: group_node(&mut rng) }),
            7 => StepAction::SetProcessingTime(ProcessingTimeStep { client: consumer, per_record_ms: i64::from(rng.below(400)) }),
            _ => {
                let a = group_node(&mut rng);
                let b = NodeRef::Broker(1 + rng.below(3));
                if a == b {
                    StepAction::Heal {}
                } else {
                    StepAction::Partition(PartitionStepSpec { groups: [vec![a], vec![b]] })
                }
            }
        };
        steps.push(Step { at_ms: t, action });
        if rng.chance(0.4) {
            steps.push(Step { at_ms: t + 1_000, action: StepAction::Heal {} });
        }
        t += 2_000 + i64::from(rng.below(6_000));
    }
    // Bring everything back so the group can settle.
    let end = FUZZ_GROUP_UNTIL_MS - 30_000;
    steps.push(Step { at_ms: end, action: StepAction::Heal {} });
    steps.push(Step { at_ms: end, action: StepAction::Restart(BrokerRef { all_crashed: true, ..BrokerRef::default() }) });
    let mut everyone: Vec<NodeRef> = (1..=3).map(NodeRef::Broker).collect();
    everyone.push(NodeRef::Named("controller".into()));
    for c in ["p1", "c1", "c2", "c3"] {
        everyone.push(NodeRef::Named(c.into()));
    }
    for node in everyone {
        steps.push(Step { at_ms: end, action: StepAction::Resume(NodeStepRef { node }) });
    }
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
        ClientSpec { id: id.into(), kind: ClientKind::Consumer, configs, subscribe: Some(vec!["f".into()]), assign: None, start: true }
    };
    let mut producer_configs = BTreeMap::new();
    producer_configs.insert("acks".to_string(), "all".to_string());
    Scenario {
        version: SCENARIO_VERSION,
        name: format!("fuzz-group-{seed}"),
        description: BTreeMap::new(),
        cluster: ClusterSpec {
            brokers: 3,
            network: NetworkSpec { latency_ms: 3, jitter_ms: 2, loss: f64::from(rng.below(2)) / 100.0 },
            configs: cluster_configs,
        },
        topics: vec![TopicSpec { name: "f".into(), partitions: 4, replication_factor: 3, configs: BTreeMap::new(), replica_assignment: None }],
        clients: vec![
            ClientSpec { id: "p1".into(), kind: ClientKind::Producer, configs: producer_configs, subscribe: None, assign: None, start: true },
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
    let scenario = fuzz_group_scenario(seed);
    match build_sim(&scenario, seed) {
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

//! Random fault schedules for a consume-transform-produce pipeline (`fuzz
//! --transactions` runs one beside each transactional schedule): a 3-broker cluster, an
//! idempotent producer writing to `f` every second, a pipeline copying `f` to `f-out`
//! (Kafka's `ExactlyOnceMessageProcessor`, its settings drawn from the seed), a
//! read_committed reader of `f-out`, and crashes and restarts of brokers, of the
//! pipeline process, of the transaction coordinator (the leader of its
//! `__transaction_state` partition) and of the group coordinator (the leader of its
//! `__consumer_offsets` partition), pauses of brokers and of the pipeline, and partitions
//! between the pipeline and a broker. Checked by every invariant, the pipeline's own
//! ("its committed output is its input below its committed offsets, exactly once, in
//! order") included.

use super::*;
use crate::engine::txn::partition_for;

/// Virtual time each fuzzed pipeline run covers.
pub const FUZZ_PIPELINE_UNTIL_MS: i64 = 100_000;

fn crash_leader_of(topic: &str, partition: i32) -> StepAction {
    let tp = TopicPartitionRef { topic: topic.into(), partition: partition.max(0) as u32 };
    StepAction::Crash(BrokerRef { leader_of: Some(tp), ..BrokerRef::default() })
}

fn pipe() -> NodeRef {
    NodeRef::Named("pipe".into())
}

/// The pipeline schedule a seed stands for.
pub fn fuzz_pipeline_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x919e_f022);
    let end = FUZZ_PIPELINE_UNTIL_MS - 45_000;
    let mut steps = produce_every_second(&mut rng, FUZZ_PIPELINE_UNTIL_MS - 30_000, 5);
    let txn_partition = partition_for("fuzz-pipe", 5);
    let group_partition = partition_for("pg", 5);
    let start = 8_000 + i64::from(rng.below(3_000));
    let faults = Faults { start_ms: start, end_ms: end, heal_chance: 0.4, heal_after_ms: 1_000 };
    steps.extend(faults.draw(&mut rng, |rng| match rng.below(10) {
        0 => StepAction::Crash(BrokerRef::id(1 + rng.below(3))),
        1 => StepAction::Restart(BrokerRef::id(1 + rng.below(3))),
        2 | 3 => StepAction::Crash(BrokerRef { client: Some("pipe".into()), ..BrokerRef::default() }),
        4 => crash_leader_of("__transaction_state", txn_partition),
        5 => crash_leader_of("__consumer_offsets", group_partition),
        6 => StepAction::Pause(NodeStepRef { node: NodeRef::Broker(1 + rng.below(3)) }),
        7 => StepAction::Resume(NodeStepRef { node: NodeRef::Broker(1 + rng.below(3)) }),
        8 => StepAction::Pause(NodeStepRef { node: pipe() }),
        _ => partition_between(pipe(), NodeRef::Broker(1 + rng.below(3))),
    }));
    // A crashed pipeline comes back 1 s later as a new process; a paused one 1.5 s later;
    // a crashed coordinator's broker 4 s later.
    let mut after = Vec::new();
    for s in &steps {
        let (delay, action) = match &s.action {
            StepAction::Crash(BrokerRef { client: Some(c), .. }) => {
                (1_000, StepAction::Restart(BrokerRef { client: Some(c.clone()), ..BrokerRef::default() }))
            }
            StepAction::Pause(NodeStepRef { node }) if *node == pipe() => {
                (1_500, StepAction::Resume(NodeStepRef { node: pipe() }))
            }
            StepAction::Crash(BrokerRef { leader_of: Some(_), .. }) => {
                (4_000, StepAction::Restart(BrokerRef { all_crashed: true, ..BrokerRef::default() }))
            }
            _ => continue,
        };
        after.push(Step { at_ms: s.at_ms + delay, action });
    }
    steps.extend(after);
    steps.extend(settle(end, &["p1", "pipe", "c1"]));
    steps.sort_by_key(|s| s.at_ms);

    let mut configs = BTreeMap::new();
    let per_record = rng.below(40).to_string();
    let max_poll = (1 + rng.below(20)).to_string();
    let txn_timeout = if rng.chance(0.5) { "10000" } else { "60000" };
    for (k, v) in [
        ("group.id", "pg"),
        ("transactional.id", "fuzz-pipe"),
        ("auto.offset.reset", "earliest"),
        ("session.timeout.ms", "10000"),
        ("request.timeout.ms", "5000"),
        ("producer.delivery.timeout.ms", "10000"),
        ("transaction.timeout.ms", txn_timeout),
        ("playground.processing.time.per.record.ms", per_record.as_str()),
        ("max.poll.records", max_poll.as_str()),
    ] {
        configs.insert(k.to_string(), v.to_string());
    }
    if rng.chance(0.5) {
        configs.insert("group.instance.id".into(), "pipe-1".into());
    }
    let pipeline = ClientSpec {
        id: "pipe".into(),
        kind: ClientKind::Pipeline,
        configs,
        subscribe: None,
        assign: None,
        input: Some("f".into()),
        output: Some("f-out".into()),
        start: true,
    };
    let loss = f64::from(rng.below(2)) / 100.0;
    let clients = vec![acks_all_producer("p1"), pipeline, read_committed_reader("f-out")];
    txn_scenario(
        format!("fuzz-pipeline-{seed}"),
        loss,
        &["f", "f-out"],
        clients,
        steps,
        FUZZ_PIPELINE_UNTIL_MS,
    )
}

/// Runs one seed's pipeline schedule with every invariant checked after every step.
pub fn fuzz_pipeline_seed(seed: u64) -> FuzzResult {
    run_checked(&fuzz_pipeline_scenario(seed), seed)
}

//! Checkers that bite (issue #16): for every cluster invariant, a run that breaks the
//! engine on purpose at one exact spot (a `break-engine` switch, src/engine/faults.rs)
//! and the checker's report of it — the invariant, the node and the virtual time — and
//! the same run without the switch reporting nothing. Each test fails if its checker is
//! disabled (no report) or if its switch does nothing (the two runs agree).
//! The broken spots are Kafka's rules: `maybeIncrementLeaderHW` waits for the ISR,
//! `updateHighWatermark` bounds a follower's HW by its LEO, a follower truncates on a
//! `DivergingEpoch`, a clean election picks from the ISR, the log start offset survives
//! a restart (`log-start-offset-checkpoint`), a SyncGroup stores each member's own
//! assignment, a read_committed consumer skips aborted batches and is served only below
//! the last stable offset, a pipeline's offsets go only through its transaction. Run with `cargo test --features break-engine --test checkers_bite`.
#![cfg(feature = "break-engine")]

use kafka_playground::engine::faults::{inject, Fault};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Violation;
use serde_json::{json, Value};

const ACKED: &str = "acks=all writes with min.insync.replicas ≥ 2 and clean election survive";
const REPLICAS: &str = "replicas: HW ≤ LEO, committed prefixes agree, offsets only grow";
const GROUPS: &str =
    "consumer groups: a partition has at most one owner per generation (exactly one once synced, eager)";

fn produce(at_ms: i64, topic: &str, count: u32) -> Value {
    json!({"at_ms": at_ms, "produce": {"client": "p1", "topic": topic, "count": count, "key": "k-{i}", "value": "v-{i}"}})
}

/// A 3-broker cluster, one topic with one partition on brokers [1, 2, 3], producer `p1`.
fn scenario(cluster: Value, topic: Value, producer: Value, steps: Vec<Value>, until_ms: i64) -> Scenario {
    let mut topic_spec =
        json!({"name": "t", "partitions": 1, "replication_factor": 3, "replica_assignment": [[1, 2, 3]]});
    topic_spec["configs"] = topic;
    let text = json!({
        "version": 1,
        "name": "checker-bites",
        "cluster": {"brokers": 3, "network": {"latency_ms": 2, "jitter_ms": 1}, "configs": cluster},
        "topics": [topic_spec],
        "clients": [{"id": "p1", "type": "producer", "configs": producer}],
        "steps": steps,
        "until_ms": until_ms,
    });
    Scenario::parse(&text.to_string()).unwrap()
}

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn violations(s: &Scenario, fault: Option<Fault>) -> Vec<Violation> {
    let _switch = fault.map(inject);
    let mut sim = build_sim(s, 1).unwrap();
    sim.run_until(s.until_ms, 10_000_000);
    sim.violations().to_vec()
}

/// Without the switch nothing is reported; with it, `invariant` is, its detail contains
/// every one of `names` (the node and the rule), at a virtual time in `window_ms`.
fn bites(s: &Scenario, fault: Fault, invariant: &str, names: &[&str], window_ms: (i64, i64)) -> Violation {
    let clean = violations(s, None);
    assert!(clean.is_empty(), "without {fault:?}: {clean:?}");
    let broken = violations(s, Some(fault));
    let found = broken
        .iter()
        .find(|v| v.invariant == invariant && names.iter().all(|n| v.detail.contains(n)))
        .unwrap_or_else(|| panic!("{fault:?}: no {invariant:?} naming {names:?} in {broken:?}"));
    assert!(
        (window_ms.0..window_ms.1).contains(&found.at_ms),
        "{fault:?}: reported at {} ms, expected in {window_ms:?}: {found:?}",
        found.at_ms
    );
    found.clone()
}

#[test]
fn acked_writes_survive_catches_an_election_outside_the_isr() {
    // Broker 3 is cut off from 1 and 2 and leaves the ISR (10 s lag); records acknowledged
    // by {1, 2} exist only there. Leader 1 crashes: a clean election must pick 2;
    // the broken one picks 3, whose log ends at 5.
    let steps = vec![
        produce(4_000, "t", 5),
        json!({"at_ms": 6_000, "partition": {"groups": [[3], [1, 2]]}}),
        // A follower at the leader's LEO stays caught up (Kafka's `isCaughtUp`): new
        // records make 3 lag, and it leaves the ISR 10 s later.
        produce(8_000, "t", 5),
        produce(25_000, "t", 5),
        json!({"at_ms": 27_000, "crash": {"broker": 1}}),
    ];
    let s = scenario(
        json!({"replica.lag.time.max.ms": "10000"}),
        json!({"min.insync.replicas": "2"}),
        json!({"acks": "all"}),
        steps,
        45_000,
    );
    // Broker 1 is fenced 9 s (broker.session.timeout.ms) after its last heartbeat (every
    // 2 s): the election, and the report, come 7-9 s after the crash.
    bites(&s, Fault::ElectOutsideIsr, ACKED, &["leader, broker 3", "log ends at 5"], (34_000, 36_100));
}

#[test]
fn acked_writes_survive_catches_a_high_watermark_ahead_of_the_isr() {
    // Leader 1 is cut off from its followers; acks=all must wait for them. The broken HW
    // acknowledges at once; 1 crashes and broker 2 leads without the records.
    let steps = vec![
        produce(4_000, "t", 5),
        json!({"at_ms": 6_000, "partition": {"groups": [[1], [2, 3]]}}),
        produce(7_000, "t", 3),
        json!({"at_ms": 8_000, "crash": {"broker": 1}}),
    ];
    let s = scenario(json!({}), json!({"min.insync.replicas": "2"}), json!({"acks": "all"}), steps, 40_000);
    bites(&s, Fault::LeaderHwIgnoresIsr, ACKED, &["leader, broker 2", "log ends at 5"], (15_000, 17_100));
}

#[test]
fn committed_prefixes_agree_catches_a_follower_that_skips_truncation() {
    // acks=1: leader 1, cut off, appends 3 records nobody else gets, then crashes; new
    // leader 2 writes 5 others at the same offsets. Back as a follower, 1 must truncate
    // to 5 (the leader's DivergingEpoch); the broken one commits its own batch at 5.
    let mut steps = vec![
        produce(4_000, "t", 5),
        json!({"at_ms": 6_000, "partition": {"groups": [[1], [2, 3]]}}),
        produce(7_000, "t", 3),
        json!({"at_ms": 8_000, "crash": {"broker": 1}}),
        json!({"at_ms": 20_000, "heal": {}}),
    ];
    steps.push(produce(22_000, "t", 5));
    steps.push(json!({"at_ms": 25_000, "restart": {"broker": 1}}));
    let s = scenario(json!({}), json!({}), json!({"acks": "1"}), steps, 40_000);
    let v = bites(
        &s,
        Fault::SkipFollowerTruncation,
        REPLICAS,
        &["broker 1 has committed batch"],
        (25_000, 26_000),
    );
    assert!(v.detail.contains("base_offset: 5"), "{v:?}");
}

#[test]
fn high_watermark_at_most_log_end_catches_a_follower_taking_the_leaders_hw() {
    // Broker 3 is down while 40 batches land in 200-byte segments; coming back it fetches
    // one segment per request, so the leader's HW is ahead of its LEO for a while.
    let mut steps = vec![json!({"at_ms": 3_500, "crash": {"broker": 3}})];
    steps.extend((0..40).map(|i| produce(4_000 + 250 * i, "t", 2)));
    steps.push(json!({"at_ms": 16_000, "restart": {"broker": 3}}));
    let s = scenario(json!({}), json!({"segment.bytes": "200"}), json!({"acks": "all"}), steps, 30_000);
    let v =
        bites(&s, Fault::FollowerHwPastLeo, REPLICAS, &["broker 3 t-0: HW ", " > LEO "], (16_000, 17_000));
    assert!(!v.detail.contains("log start"), "{v:?}");
}

#[test]
fn leader_high_watermark_never_goes_back_catches_a_high_watermark_following_a_lagging_replica() {
    // Broker 3 crashes while records arrive; once fenced it leaves the ISR and the HW
    // passes its LEO. It restarts cut off from leader 1 (so it cannot fetch): unfenced
    // within replica.lag.time.max.ms (30 s) of its last catch-up, it counts for the HW
    // again at its old LEO (Kafka's `isCaughtUp`): the HW may wait, never go back.
    let mut steps = vec![json!({"at_ms": 5_000, "crash": {"broker": 3}})];
    steps.extend((0..40).map(|i| produce(4_000 + 500 * i, "t", 2)));
    steps.push(json!({"at_ms": 15_000, "partition": {"groups": [[3], [1]]}}));
    steps.push(json!({"at_ms": 16_000, "restart": {"broker": 3}}));
    let s = scenario(json!({}), json!({}), json!({"acks": "all"}), steps, 30_000);
    let v = bites(
        &s,
        Fault::LeaderHwMovesBack,
        REPLICAS,
        &["broker 1 t-0: leader HW went back"],
        (16_000, 20_000),
    );
    assert!(v.detail.contains("in epoch 0"), "{v:?}");
}

#[test]
fn log_start_at_most_high_watermark_catches_delete_records_past_the_high_watermark() {
    // acks=1: leader 1, cut off from its followers, holds 3 records above its HW (5);
    // DeleteRecords to 8 must be refused (OFFSET_OUT_OF_RANGE), not move the log start.
    let steps = vec![
        produce(4_000, "t", 5),
        json!({"at_ms": 6_000, "partition": {"groups": [[1], [2, 3]]}}),
        produce(7_000, "t", 3),
        json!({"at_ms": 9_000, "delete_records": {"topic": "t", "partition": 0, "offset": 8}}),
    ];
    let s = scenario(json!({}), json!({}), json!({"acks": "1"}), steps, 15_000);
    bites(
        &s,
        Fault::DeleteRecordsPastHw,
        REPLICAS,
        &["broker 1 t-0: log start offset 8 > HW 5"],
        (9_000, 9_100),
    );
}

#[test]
fn log_start_never_goes_back_catches_a_forgotten_checkpoint() {
    // DeleteRecords moves every replica's log start to the HW, inside the active segment;
    // broker 2 restarts and must keep it (its log-start-offset checkpoint).
    let mut steps: Vec<Value> = (0..6).map(|i| produce(3_000 + 1_000 * i, "t", 3)).collect();
    steps.push(json!({"at_ms": 12_000, "delete_records": {"topic": "t", "partition": 0, "offset": -1}}));
    steps.push(json!({"at_ms": 15_000, "crash": {"broker": 2}}));
    steps.push(json!({"at_ms": 16_000, "restart": {"broker": 2}}));
    let s = scenario(json!({}), json!({"segment.bytes": "200"}), json!({"acks": "all"}), steps, 25_000);
    bites(
        &s,
        Fault::ForgetLogStartCheckpoint,
        REPLICAS,
        &["broker 2 t-0: log start offset went back"],
        // At the restart itself: the broker's first step.
        (16_000, 16_001),
    );
}

#[test]
fn one_owner_per_partition_catches_a_coordinator_giving_every_member_the_same_partitions() {
    let s = shipped("consumer-group-three-members");
    let v =
        bites(&s, Fault::SameAssignmentForAll, GROUPS, &["coordinator ", "gives orders-"], (0, s.until_ms));
    assert!(v.detail.contains("group orders-app generation"), "{v:?}");
    // The consumers' side of the same rule: two Stable members holding one partition.
    let broken = violations(&s, Some(Fault::SameAssignmentForAll));
    assert!(
        broken.iter().any(|v| v.invariant == GROUPS && v.detail.contains("both own orders-")),
        "{broken:?}"
    );
}

#[test]
fn a_switch_is_off_again_once_its_guard_drops() {
    let s = shipped("consumer-group-three-members");
    drop(inject(Fault::SameAssignmentForAll));
    assert!(violations(&s, None).is_empty());
}

#[test]
fn no_duplicates_catches_a_leader_appending_a_retried_idempotent_batch() {
    use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition, TopicPartition};
    use kafka_playground::engine::cluster::Envelope;
    use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
    // No client of the playground sends producer ids yet: the test sends an idempotent
    // producer's batch (pid 7, epoch 0, sequences 0..=2) to leader 1 by hand, twice, as
    // a producer retrying after a lost answer does. Kafka's leader answers the second with
    // the first's offsets; the broken one appends it again.
    let s = scenario(json!({}), json!({}), json!({}), vec![], 8_000);
    let options =
        BatchOptions { producer_id: 7, producer_epoch: 0, base_sequence: 0, ..BatchOptions::default() };
    let mut b = BatchBuilder::new(options);
    (0..3).for_each(|i| b.append(4_000 + i, None, Some(b"v"), &[]));
    let records = b.build().unwrap();
    let run = |fault: Option<Fault>| {
        let _switch = fault.map(inject);
        let mut sim = build_sim(&s, 1).unwrap();
        for (at_ms, correlation_id) in [(4_000, 1), (4_500, 2)] {
            let message = Message::ProduceRequest {
                correlation_id,
                acks: Acks::Leader,
                timeout_ms: 30_000,
                partitions: vec![ProducePartition {
                    tp: TopicPartition::new("t", 0),
                    records: records.clone().into(),
                }],
            };
            // From a node id no node has: the answers are dropped.
            sim.send_at(at_ms, Envelope { from: 9_999, to: 1, message });
        }
        sim.run_until(s.until_ms, 10_000_000);
        sim.violations().to_vec()
    };
    assert!(run(None).is_empty(), "{:?}", run(None));
    let broken = run(Some(Fault::SkipDuplicateDetection));
    let v = broken
        .iter()
        .find(|v| {
            v.invariant == "idempotent producers: no batch of one producer session is in a partition twice"
        })
        .unwrap_or_else(|| panic!("no duplicate reported: {broken:?}"));
    assert!(
        v.detail.starts_with("broker 1: t-0: producer 7 epoch 0 wrote sequences 0..2 at offset 0"),
        "{v:?}"
    );
    assert_eq!(v.at_ms, 4_500, "at the step that appended the retry: {v:?}");
}

#[test]
fn read_committed_catches_a_consumer_that_delivers_aborted_transactions() {
    // transaction-survives-crashes: the application aborts transaction 3 (offsets 12..=16,
    // its ABORT marker at 17, written at about 25 s); the broken consumer hands its
    // records to the application as soon as the LSO passes them.
    let s = shipped("transaction-survives-crashes");
    bites(
        &s,
        Fault::DeliverAbortedBatches,
        "transactions: a read_committed consumer never delivers a record of an aborted transaction",
        &["consumer 10001", "transfers-0 offsets 12..16", "aborted"],
        (25_000, 26_000),
    );
}

#[test]
fn read_committed_catches_a_leader_that_serves_records_past_the_last_stable_offset() {
    // hanging-transaction-holds-lso: the open transaction's records (offsets 6..=10,
    // written at 9.1 s) stay above the LSO; the broken leader serves the read_committed
    // consumer up to the HW.
    let s = shipped("hanging-transaction-holds-lso");
    bites(
        &s,
        Fault::ReadCommittedPastLso,
        "transactions: a read_committed consumer never delivers a record of a transaction not committed yet",
        &["consumer 10001", "orders-0 offsets 6..10", "not committed"],
        (9_000, 11_000),
    );
}

#[test]
fn pipeline_exactly_once_catches_offsets_committed_outside_the_transaction() {
    // exactly-once-pipeline-survives-crashes: the pipeline crashes at 10.15 s inside a
    // transaction. The broken one committed that poll's positions with commitSync() when
    // the poll returned, so its restart (12 s) resumes past records whose output was aborted.
    let s = shipped("exactly-once-pipeline-survives-crashes");
    bites(
        &s,
        Fault::PipelineCommitsOutsideTransaction,
        "transactions: a consume-transform-produce pipeline's committed output is its input below its committed offsets, exactly once, in order",
        &["orders-", "is in no committed transaction of receipts"],
        (12_000, 20_000),
    );
}

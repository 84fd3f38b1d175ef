//! `scenarios/retention-on-every-replica.json` (the lecture's section 6) in the
//! deterministic simulation: retention deletes segments on all three replicas, the
//! followers' log start offsets follow the leader's after DeleteRecords, consumers behind
//! the log start offset reset per `auto.offset.reset` (Kafka's
//! `FetchCollector.handleInitializeErrors`), and a restarted broker keeps its log start.
//! Every run also passes the invariant checkers (log start never goes back, HW ≤ LEO, …).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/scenario_run.rs"]
mod scenario_run;

use kafka_playground::engine::cluster::events::{LogStartOffsetIncrementReason, SegmentDeletionReason};
use kafka_playground::engine::cluster::{ClusterEvent, NodeId};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use scenario_run::{run, scenario};

const NAME: &str = "retention-on-every-replica";
const EARLIEST: NodeId = 10_001;
const LATEST: NodeId = 10_002;

fn log_start(sim: &Sim, broker: u32) -> i64 {
    sim.final_state()["nodes"][broker.to_string()]["partitions"]["events-0"]["log_start_offset"]
        .as_i64()
        .expect("broker hosts events-0")
}

/// (time, fetch offset, log start, high watermark) of each OFFSET_OUT_OF_RANGE of `client`.
fn out_of_range(sim: &Sim, client: NodeId) -> Vec<(i64, i64, i64, i64)> {
    sim.timeline()
        .iter()
        .filter_map(|(t, _, e)| match e {
            ClusterEvent::OffsetOutOfRange {
                client_id,
                fetch_offset,
                log_start_offset,
                high_watermark,
                ..
            } if *client_id == client => Some((*t, *fetch_offset, *log_start_offset, *high_watermark)),
            _ => None,
        })
        .collect()
}

/// The first offset ≥ `from` that `client` processed after time `t` (records it had
/// fetched before `t` may still be in processing then).
fn first_consumed_after(sim: &Sim, client: NodeId, t: i64, from: i64) -> Option<i64> {
    sim.timeline().iter().find_map(|(at, _, e)| match e {
        ClusterEvent::RecordsConsumed { client_id, first_offset, .. }
            if *client_id == client && *at > t && *first_offset >= from =>
        {
            Some(*first_offset)
        }
        _ => None,
    })
}

fn run_modified(modify: impl FnOnce(&mut serde_json::Value)) -> Sim {
    let s = scenario(NAME);
    let mut json = serde_json::to_value(&s).unwrap();
    modify(&mut json);
    let s = Scenario::parse(&json.to_string()).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 20_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    sim
}

#[test]
fn retention_deletes_segments_on_every_replica_and_delete_records_reaches_the_followers() {
    let (_, sim) = run(NAME, 1);
    for broker in 1..=3u32 {
        let deleted: Vec<i64> = sim
            .timeline()
            .iter()
            .filter_map(|(_, _, e)| match e {
                ClusterEvent::SegmentsDeleted { broker_id, tp, base_offsets, reason, .. }
                    if *broker_id == broker && tp.topic.as_str() == "events" =>
                {
                    assert_eq!(*reason, SegmentDeletionReason::RetentionMsBreach);
                    Some(base_offsets.clone())
                }
                _ => None,
            })
            .flatten()
            .collect();
        assert!(deleted.len() >= 10, "broker {broker} deleted its own segments: {deleted:?}");
        assert!(deleted.windows(2).all(|w| w[0] < w[1]), "oldest first, each once");
        // DeleteRecords at 40 s to the HW (70, every record produced): every replica's
        // log starts there at the end.
        assert_eq!(log_start(&sim, broker), 70, "broker {broker}");
    }
    let followed: Vec<NodeId> = sim
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::LogStartOffsetIncremented {
                broker_id,
                log_start_offset: 70,
                reason: LogStartOffsetIncrementReason::LeaderOffsetIncremented,
                ..
            } => Some(*broker_id),
            _ => None,
        })
        .collect();
    assert_eq!(followed.len(), 2, "both followers take the leader's log start: {followed:?}");
    assert!(sim
        .timeline()
        .iter()
        .any(|(_, _, e)| matches!(e, ClusterEvent::RecordsDeleted { low_watermark: 70, error: None, .. })));
}

#[test]
fn consumers_behind_the_log_start_reset_per_auto_offset_reset() {
    let (_, sim) = run(NAME, 1);
    let earliest = out_of_range(&sim, EARLIEST);
    assert!(!earliest.is_empty(), "the slow consumer is overtaken by retention");
    for (t, fetch_offset, log_start, _) in earliest {
        assert!(fetch_offset < log_start);
        // earliest: back to the log start (ListOffsets -2), not to the committed offset.
        // (Nothing is consumed after the last reset, at the log end offset 70.)
        let next = first_consumed_after(&sim, EARLIEST, t, fetch_offset);
        assert!(
            next.is_none_or(|o| o == log_start) && (next.is_some() || log_start == 70),
            "at {t}: {next:?}"
        );
    }
    let latest = out_of_range(&sim, LATEST);
    assert!(!latest.is_empty());
    for (t, fetch_offset, log_start, high_watermark) in latest {
        assert!(fetch_offset < log_start);
        // latest: the end of the log (ListOffsets -1), skipping what is left.
        let next = first_consumed_after(&sim, LATEST, t, fetch_offset);
        assert!(next.is_none_or(|o| o >= high_watermark), "at {t}: {next:?} < {high_watermark}");
    }
}

#[test]
fn with_auto_offset_reset_none_the_error_goes_to_the_application_until_a_seek() {
    let sim = run_modified(|s| {
        // With `none` and nothing committed, the application must seek to start at all.
        s["clients"][1]["configs"]["auto.offset.reset"] = "none".into();
        let steps = s["steps"].as_array_mut().unwrap();
        steps.push(serde_json::json!({ "at_ms": 6000,
            "seek": { "client": "slow-earliest", "topic": "events", "partition": 0, "offset": 0 } }));
        steps.push(serde_json::json!({ "at_ms": 45000,
            "seek": { "client": "slow-earliest", "topic": "events", "partition": 0, "to": "beginning" } }));
        steps.push(serde_json::json!({ "at_ms": 50000,
            "produce": { "client": "p1", "topic": "events", "count": 5, "key": "k-{i}", "value": "z-{i}" } }));
    });
    let errors = out_of_range(&sim, EARLIEST);
    let (t, ..) = *errors.first().expect("an OFFSET_OUT_OF_RANGE");
    assert_eq!(errors.len(), 1, "no fetch of the partition after the error: {errors:?}");
    assert!(sim.timeline().iter().any(|(_, _, e)| matches!(e,
        ClusterEvent::ConsumerNote { client_id, note } if *client_id == EARLIEST && note.contains("OffsetOutOfRangeException"))));
    let consumed = first_consumed_after(&sim, EARLIEST, t + 5_000, 0);
    assert!(consumed.is_some_and(|o| o >= 70), "only the seek at 45 s starts it again: {consumed:?}");
}

#[test]
fn a_broker_restarted_after_delete_records_keeps_its_log_start() {
    let sim = run_modified(|s| {
        let steps = s["steps"].as_array_mut().unwrap();
        steps.push(serde_json::json!({ "at_ms": 42000, "crash": { "broker": 2 } }));
        steps.push(serde_json::json!({ "at_ms": 46000, "restart": { "broker": 2 } }));
    });
    // The invariant checker has seen broker 2's log start at 70 before the crash; it would
    // report a log start that went back after the restart.
    assert_eq!(log_start(&sim, 2), 70);
}

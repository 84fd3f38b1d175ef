//! The page's "run the retention check now": a broker told `{"retention_check": true}`
//! runs `LogManager.cleanupLogs` at once, deleting the segments past `retention.ms` that
//! its periodic task (every `log.retention.check.interval.ms`) would delete only later,
//! and never past its high watermark.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::ClusterEvent;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{Action, Sim};
use serde_json::json;

/// One broker, small segments, retention.ms 1 s, a check every 60 s; a record a second.
fn sim() -> Sim {
    let mut steps = Vec::new();
    for i in 0..10 {
        steps.push(json!({ "at_ms": 3000 + 1000 * i, "produce": { "client": "p1", "topic": "t", "count": 1, "key": "k", "value": "v" } }));
    }
    let s = json!({
        "version": 1, "name": "retention-now",
        "cluster": { "brokers": 1, "configs": { "log.retention.check.interval.ms": "60000" } },
        "topics": [ { "name": "t", "partitions": 1, "replication_factor": 1,
                      "configs": { "segment.bytes": "100", "retention.ms": "1000" } } ],
        "clients": [ { "id": "p1", "type": "producer" } ],
        "steps": steps, "until_ms": 30000
    });
    build_sim(&Scenario::parse(&s.to_string()).unwrap(), 1).unwrap()
}

fn deletions(sim: &Sim) -> Vec<(i64, i64)> {
    sim.timeline()
        .iter()
        .filter_map(|(at, _, e)| match e {
            ClusterEvent::SegmentsDeleted { log_start_offset, .. } => Some((*at, *log_start_offset)),
            _ => None,
        })
        .collect()
}

#[test]
fn retention_check_now_deletes_what_the_periodic_task_would_later() {
    let mut untouched = sim();
    untouched.run_until(30_000, 1_000_000);
    assert!(deletions(&untouched).is_empty(), "the first periodic check is at 60 s");

    let mut now = sim();
    now.schedule(
        20_000,
        Action::Command(1, serde_json::from_value(json!({ "retention_check": true })).unwrap()),
    );
    now.run_until(30_000, 1_000_000);
    let d = deletions(&now);
    assert_eq!(d.len(), 1, "one check, one deletion: {d:?}");
    let (at, log_start) = d[0];
    assert_eq!(at, 20_000);
    assert!(
        log_start > 0 && log_start <= 10,
        "old segments went, never past the high watermark (10): {log_start}"
    );
    assert!(now.violations().is_empty(), "{:?}", now.violations());
}

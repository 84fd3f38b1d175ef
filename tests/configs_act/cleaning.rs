//! The configs of retention and compaction on the replicated broker, each changed from its
//! default, act as Kafka documents: `retention.ms` and `retention.bytes` delete whole
//! segments, `log.retention.check.interval.ms` paces the retention task,
//! `cleanup.policy=compact` runs the log cleaner instead, `log.cleaner.backoff.ms` paces it.

use super::harness::*;
use kafka_playground::engine::cluster::ClusterEvent;
use serde_json::{json, Value};

/// Small segments (one batch each) and 10 records a second from 6 s on, same key.
fn small_segments(configs: &[(&str, &str)]) -> Value {
    let mut s = base();
    s["topics"][0]["configs"] = json!({ "segment.bytes": "200" });
    for (k, v) in configs {
        s["topics"][0]["configs"][k] = json!(v);
    }
    for i in 0..20 {
        step(
            &mut s,
            json!({ "at_ms": 6000 + 1000 * i, "produce": { "client": "p1", "topic": "t", "count": 1, "key": "k", "value": "v-{i}" } }),
        );
    }
    s
}

fn with_cluster(mut s: Value, name: &str, value: &str) -> Value {
    s["cluster"]["configs"][name] = json!(value);
    s
}

fn first_deletion(r: &Run) -> Option<i64> {
    r.first(|e| matches!(e, ClusterEvent::SegmentsDeleted { .. }))
}

fn first_cleaning(r: &Run) -> Option<i64> {
    r.first(|e| matches!(e, ClusterEvent::LogCleaned { .. }))
}

#[test]
fn retention_ms() {
    assert_eq!(first_deletion(&run(&small_segments(&[]))), None, "7 days: nothing is old enough");
    assert!(first_deletion(&run(&small_segments(&[("retention.ms", "3000")]))).is_some());
}

#[test]
fn retention_bytes() {
    assert_eq!(first_deletion(&run(&small_segments(&[]))), None, "-1: no size limit");
    assert!(first_deletion(&run(&small_segments(&[("retention.bytes", "400")]))).is_some());
}

#[test]
fn log_retention_check_interval_ms() {
    let s = small_segments(&[("retention.ms", "3000")]);
    let default = first_deletion(&run(&s)).expect("deleted at a default check");
    let often =
        first_deletion(&run(&with_cluster(s, "log.retention.check.interval.ms", "1000"))).expect("deleted");
    assert!(often < default, "checks every second delete sooner ({often} < {default})");
}

#[test]
fn cleanup_policy() {
    assert_eq!(first_cleaning(&run(&small_segments(&[]))), None, "delete: no cleaner");
    assert!(first_cleaning(&run(&small_segments(&[("cleanup.policy", "compact")]))).is_some());
}

#[test]
fn log_cleaner_backoff_ms() {
    let s = small_segments(&[("cleanup.policy", "compact")]);
    let default = first_cleaning(&run(&s)).expect("cleaned after the default backoff");
    let eager = first_cleaning(&run(&with_cluster(s, "log.cleaner.backoff.ms", "2000"))).expect("cleaned");
    assert!(eager < default, "a shorter backoff cleans sooner ({eager} < {default})");
}

//! The playground's bounds (`engine::limits`): a scenario file asking for too much is
//! refused at parse, quickly and with the field named (the CLI exits non-zero with that
//! message), and the controller refuses topic creation and CreatePartitions beyond them
//! with Kafka's error codes (INVALID_PARTITIONS 37, POLICY_VIOLATION 44), writing nothing.
//! The demos and the benchmark scenario stay inside every bound.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::{
    ClusterEvent, Envelope, Input, Message, Node, Output, CONTROLLER_ID,
};
use kafka_playground::engine::controller::{ControllerConfig, ControllerNode};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::limits::*;
use kafka_playground::sim::scenario::{Scenario, ScenarioError};
use serde_json::json;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

const BASE: &str = r#"{
  "version": 1,
  "name": "bounds",
  "cluster": {"brokers": 3, "network": {"latency_ms": 2, "jitter_ms": 1}},
  "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3}],
  "clients": [{"id": "p1", "type": "producer"}],
  "steps": [{"at_ms": 1000, "produce": {"client": "p1", "topic": "orders", "count": 10, "key": "k-{i}", "value": "v-{i}"}}],
  "until_ms": 20000
}"#;

fn problem(text: &str) -> ScenarioError {
    Scenario::parse(text).expect_err("should be refused")
}

#[test]
fn a_hundred_million_partitions_are_refused_at_parse_quickly_with_the_field() {
    let text = BASE.replace(r#""partitions": 3"#, r#""partitions": 100000000"#);
    let started = Instant::now();
    let e = problem(&text);
    assert!(started.elapsed() < Duration::from_secs(1), "refused before anything is allocated");
    assert_eq!(e.field, "topics[0].partitions", "{e}");
    assert_eq!(
        e.problem,
        "INVALID_PARTITIONS: Number of partitions must be at most 64 in the playground (got 100000000)."
    );
    // Kafka's own refusal below 1, in KRaft's words (ReplicationControlManager.createTopic).
    let e = problem(&BASE.replace(r#""partitions": 3"#, r#""partitions": 0"#));
    assert_eq!(e.to_string(), "topics[0].partitions: INVALID_PARTITIONS: Number of partitions was set to an invalid non-positive value.");
    Scenario::parse(&BASE.replace(r#""partitions": 3"#, r#""partitions": 64"#)).unwrap();
}

#[test]
fn the_cli_run_of_such_a_file_exits_non_zero_with_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    std::fs::write(&path, BASE.replace(r#""partitions": 3"#, r#""partitions": 100000000"#)).unwrap();
    let started = Instant::now();
    let out = std::process::Command::new(BIN)
        .args(["run", path.to_str().unwrap(), "--seed", "1"])
        .output()
        .expect("run the CLI");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("topics[0].partitions: INVALID_PARTITIONS: Number of partitions must be at most 64"),
        "{stderr}"
    );
}

#[test]
fn a_run_that_takes_too_many_events_stops_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.json");
    // Valid Kafka rates, but 9 brokers heartbeating every millisecond flood the journal.
    let flood = BASE
        .replace(r#""brokers": 3,"#, r#""brokers": 9, "configs": {"broker.heartbeat.interval.ms": "1"},"#);
    std::fs::write(&path, flood).unwrap();
    let cli = |extra: &[&str]| {
        let mut args = vec!["run", path.to_str().unwrap(), "--seed", "1"];
        args.extend(extra);
        std::process::Command::new(BIN).args(&args).output().expect("run the CLI")
    };
    let out = cli(&["--max-events", "20000"]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the playground's bound is 20000 events per run"), "{stderr}");
    let out = cli(&["--max-events", "5000001"]);
    assert_ne!(out.status.code(), Some(0), "above MAX_EVENTS_PER_RUN");
    let out = cli(&["--until", "3600001"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--until"),
        "until_ms is bounded on the command line too"
    );
    assert_eq!(MAX_EVENTS_PER_RUN, 5_000_000);
}

#[test]
fn every_count_and_size_of_a_scenario_is_bounded_with_the_field_named() {
    let produce = r#""count": 10, "key": "k-{i}", "value": "v-{i}""#;
    let long_value = format!(r#""count": 10, "key": "k-{{i}}", "value": "{}""#, "v".repeat(4097));
    let long_key = format!(r#""count": 10, "key": "{}", "value": "v""#, "k".repeat(1025));
    let many_steps = vec![r#"{"at_ms": 1000, "heal": {}}"#; 10_001].join(",");
    let many_clients: Vec<String> =
        (0..33).map(|i| format!(r#"{{"id": "p{i}", "type": "producer"}}"#)).collect();
    let many_topics: Vec<String> =
        (0..65).map(|i| format!(r#"{{"name": "t{i}", "partitions": 1, "replication_factor": 1}}"#)).collect();
    let cases: Vec<(String, &str)> = vec![
        (BASE.replace(r#""brokers": 3"#, r#""brokers": 10"#), "cluster.brokers"),
        (BASE.replace(r#""latency_ms": 2"#, r#""latency_ms": 10001"#), "cluster.network.latency_ms"),
        (BASE.replace(r#""jitter_ms": 1"#, r#""jitter_ms": 3"#), "cluster.network.jitter_ms"),
        (BASE.replace(r#""until_ms": 20000"#, r#""until_ms": 3600001"#), "until_ms"),
        (BASE.replace(produce, r#""count": 10001"#), "steps[0].produce"),
        (BASE.replace(produce, &long_value), "steps[0].produce"),
        (BASE.replace(produce, &long_key), "steps[0].produce"),
        (BASE.replace(r#"[{"at_ms": 1000, "produce""#, &format!("[{many_steps}, {{\"at_ms\": 1000, \"produce\"")), "steps"),
        (BASE.replace(r#"[{"id": "p1", "type": "producer"}]"#, &format!("[{}]", many_clients.join(","))), "clients"),
        (
            BASE.replace(
                r#"[{"name": "orders", "partitions": 3, "replication_factor": 3}]"#,
                &format!("[{}]", many_topics.join(",")),
            ),
            "topics",
        ),
        // Four topics of 64 partitions × 3 replicas: 768 replicas, and with consumers
        // __consumer_offsets' 150 more, above the 768 a cluster hosts.
        (
            BASE.replace(
                r#"[{"name": "orders", "partitions": 3, "replication_factor": 3}]"#,
                r#"[{"name": "a", "partitions": 64, "replication_factor": 3}, {"name": "b", "partitions": 64, "replication_factor": 3}, {"name": "c", "partitions": 64, "replication_factor": 3}, {"name": "d", "partitions": 64, "replication_factor": 3}]"#,
            )
            .replace(r#"{"id": "p1", "type": "producer"}"#, r#"{"id": "p1", "type": "producer"}, {"id": "c1", "type": "consumer", "configs": {"group.id": "g"}, "subscribe": ["a"]}"#),
            "topics",
        ),
        (
            BASE.replace(r#""brokers": 3"#, r#""brokers": 3, "configs": {"offsets.topic.num.partitions": "65"}"#),
            "cluster.configs.offsets.topic.num.partitions",
        ),
    ];
    for (text, field) in cases {
        let e = problem(&text);
        assert_eq!(e.field, field, "{e}");
    }
    // The totals: 21 steps of 10 000 records are 210 000 records, above 200 000.
    let steps: Vec<String> = (0..21)
        .map(|_| {
            r#"{"at_ms": 1000, "produce": {"client": "p1", "topic": "orders", "count": 10000}}"#.to_string()
        })
        .collect();
    let e = problem(&BASE.replace(
        r#"[{"at_ms": 1000, "produce": {"client": "p1", "topic": "orders", "count": 10, "key": "k-{i}", "value": "v-{i}"}}]"#,
        &format!("[{}]", steps.join(",")),
    ));
    assert_eq!(e.field, "steps[20].produce.count", "{e}");
    let e = problem(&format!("{BASE}{}", " ".repeat(MAX_SCENARIO_BYTES as usize)));
    assert_eq!(e.field, "(file)", "{e}");
}

#[test]
fn the_demos_and_the_benchmark_scenario_are_inside_every_bound() {
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.push("benches/standard-scenario.json".into());
    files.push("benches/frames-scenario.json".into());
    assert!(files.len() > 10);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// A controller with `brokers` registered and unfenced brokers.
fn controller(brokers: u32) -> ControllerNode {
    let mut c = ControllerNode::new(ControllerConfig::default());
    for b in 1..=brokers {
        let deliver = |message| Input::Deliver(Envelope { from: b, to: CONTROLLER_ID, message });
        c.handle(0, deliver(Message::BrokerRegistration { broker_id: b, incarnation: u64::from(b) }));
        let broker_epoch = c.image().brokers[&b].broker_epoch;
        let metadata_offset = c.log_end_offset() - 1;
        c.handle(0, deliver(Message::BrokerHeartbeat { broker_id: b, broker_epoch, metadata_offset }));
    }
    while c.poll_output().is_some() {}
    c
}

/// CreateTopics as a broker sends it; the answer's error code and message.
fn create(
    c: &mut ControllerNode,
    name: &str,
    partitions: i64,
    rf: i64,
) -> (Option<ErrorCode>, Option<String>) {
    let message = Message::CreateTopicsRequest {
        correlation_id: 1,
        name: name.into(),
        partitions,
        replication_factor: rf,
        configs: Vec::new(),
    };
    c.handle(0, Input::Deliver(Envelope { from: 1, to: CONTROLLER_ID, message }));
    let mut answer = None;
    while let Some(o) = c.poll_output() {
        if let Output::Send(Envelope {
            message: Message::CreateTopicsResponse { error, message, .. }, ..
        }) = o
        {
            answer = Some((error, message));
        }
    }
    answer.expect("an answer")
}

#[test]
fn the_controller_refuses_topics_beyond_the_bounds_and_writes_nothing() {
    let mut c = controller(3);
    let (error, message) = create(&mut c, "huge", 100_000_000, 1);
    assert_eq!(error.map(ErrorCode::code), Some(37), "INVALID_PARTITIONS");
    assert!(message.unwrap().contains("at most 64 in the playground"));
    assert!(c.image().topics.is_empty());
    // __consumer_offsets' 50 × 3 replicas fit, and so do three user topics of 64 × 3 …
    assert_eq!(create(&mut c, "__consumer_offsets", 50, 3).0, None);
    for name in ["a", "b", "c"] {
        assert_eq!(create(&mut c, name, 64, 3).0, None);
    }
    // … but not a fourth: 918 replicas.
    let (error, message) = create(&mut c, "d", 64, 3);
    assert_eq!(error, Some(ErrorCode::InvalidPartitions));
    assert!(message.unwrap().contains("at most 768"));
    assert!(!c.image().topics.contains_key("d"));
    // Topics of one replica each: 64 in all, POLICY_VIOLATION beyond.
    let mut c = controller(1);
    for i in 0..64 {
        assert_eq!(create(&mut c, &format!("t{i}"), 1, 1).0, None, "topic {i}");
    }
    let (error, _) = create(&mut c, "one-too-many", 1, 1);
    assert_eq!(error.map(ErrorCode::code), Some(44), "POLICY_VIOLATION");
}

#[test]
fn create_partitions_past_the_bound_is_refused() {
    let mut c = controller(3);
    assert_eq!(create(&mut c, "orders", 4, 3).0, None);
    let grow = |c: &mut ControllerNode, count: i64| -> Vec<ClusterEvent> {
        c.handle(
            0,
            Input::Command(
                serde_json::from_value(json!({ "create_partitions": { "topic": "orders", "count": count } }))
                    .unwrap(),
            ),
        );
        let mut events = Vec::new();
        while let Some(o) = c.poll_output() {
            if let Output::Event(e) = o {
                events.push(e);
            }
        }
        events
    };
    let events = grow(&mut c, 65);
    assert!(
        events.iter().any(|e| matches!(e, ClusterEvent::Refused { reason, .. }
            if reason.starts_with("INVALID_PARTITIONS: Number of partitions must be at most 64"))),
        "{events:?}"
    );
    assert_eq!(c.image().topics["orders"].partitions.len(), 4, "nothing written");
    let events = grow(&mut c, 64);
    assert!(events.iter().any(|e| matches!(e, ClusterEvent::PartitionsCreated { to: 64, .. })), "{events:?}");
}

//! Scenario files: valid ones parse; malformed or impossible ones get an error that names
//! the field and the problem.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::sim::scenario::*;

const GOOD: &str = r#"{
  "version": 1,
  "name": "acks-all",
  "description": {"en": "acks=all survives a leader crash", "ru": "acks=all переживает падение лидера"},
  "cluster": {"brokers": 3, "network": {"latency_ms": 5, "jitter_ms": 2}},
  "topics": [{"name": "orders", "partitions": 1, "replication_factor": 3, "configs": {"min.insync.replicas": "2"}}],
  "clients": [{"id": "p1", "type": "producer", "configs": {"acks": "all"}}],
  "steps": [
    {"at_ms": 1000, "produce": {"client": "p1", "topic": "orders", "count": 10, "key": "k-{i}"}},
    {"at_ms": 5000, "crash": {"broker": 1}},
    {"at_ms": 6000, "partition": {"groups": [[2], [3, "controller"]]}},
    {"at_ms": 7000, "heal": {}},
    {"at_ms": 8000, "pause": {"node": "p1"}},
    {"at_ms": 9000, "restart": {"broker": 1}}
  ],
  "until_ms": 20000
}"#;

fn problem(text: &str) -> ScenarioError {
    Scenario::parse(text).expect_err("should be refused")
}

#[test]
fn a_good_scenario_parses() {
    let s = Scenario::parse(GOOD).unwrap();
    assert_eq!(s.steps.len(), 6);
    assert!(matches!(&s.steps[1].action, StepAction::Crash(b) if b.broker == Some(1)));
    assert_eq!(s.node_id(&NodeRef::Named("controller".into())).unwrap(), 3000);
    assert_eq!(s.node_id(&NodeRef::Named("p1".into())).unwrap(), 10_000);
}

#[test]
fn errors_name_the_field() {
    let e = problem(&GOOD.replace(r#""brokers": 3"#, r#""brokers": "three""#));
    assert_eq!(e.field, "cluster.brokers", "{e}");
    let e = problem(&GOOD.replace(r#"{"broker": 1}}"#, r#"{"broker": 7}}"#));
    assert_eq!(e.field, "steps[1].crash.broker", "{e}");
    assert!(e.problem.contains("unknown broker id 7"), "{e}");
    let e = problem(&GOOD.replace(r#""replication_factor": 3"#, r#""replication_factor": 4"#));
    assert_eq!(e.field, "topics[0].replication_factor");
    assert!(e.problem.contains("larger than available brokers: 3"), "{e}");
    let e = problem(&GOOD.replace(r#""min.insync.replicas": "2""#, r#""min.insync.replicas": "4""#));
    assert_eq!(e.field, "topics[0].configs.min.insync.replicas", "{e}");
    let e = problem(&GOOD.replace(r#""client": "p1""#, r#""client": "p9""#));
    assert_eq!(e.field, "steps[0].produce.client", "{e}");
    let e = problem(&GOOD.replace(r#""version": 1"#, r#""version": 2"#));
    assert_eq!(e.field, "version");
    let e = problem(&GOOD.replace(r#""until_ms": 20000"#, r#""until_ms": 20000, "colour": "red""#));
    assert!(e.problem.contains("colour"), "{e}");
    let e = problem(&GOOD.replace(r#""name": "orders""#, r#""name": "bad name""#));
    assert_eq!(e.field, "topics[0].name");
    let e = problem(&GOOD.replace(r#"[3, "controller"]"#, r#"[3, "nobody"]"#));
    assert_eq!(e.field, "steps[2].partition.groups[1]", "{e}");
    let e =
        problem(&GOOD.replace(
            r#"{"broker": 1}}"#,
            r#"{"broker": 1, "leader_of": {"topic": "orders", "partition": 0}}}"#,
        ));
    assert_eq!(e.field, "steps[1].crash", "{e}");
    let e =
        problem(&GOOD.replace(r#"{"broker": 1}}"#, r#"{"leader_of": {"topic": "orders", "partition": 3}}}"#));
    assert_eq!(e.field, "steps[1].crash.leader_of", "{e}");
    // ProducerConfig.postProcessAndValidateIdempotenceConfigs' words, naming the conflict.
    let e = problem(&GOOD.replace(r#"{"acks": "all"}"#, r#"{"acks": "1", "enable.idempotence": "true"}"#));
    assert_eq!(e.field, "clients[0].configs.acks", "{e}");
    assert!(e.problem.contains("Must set acks to all in order to use the idempotent producer"), "{e}");
    let e = problem(&GOOD.replace(r#""heal": {}"#, r#""lose_next": {"to": "p1", "api": "Produce2"}"#));
    assert_eq!(e.field, "steps[3].lose_next.api", "{e}");
    let e = problem(&GOOD.replace(r#""heal": {}"#, r#""lose_next": {"to": "nobody", "api": "Produce"}"#));
    assert_eq!(e.field, "steps[3].lose_next.to", "{e}");
    let e = problem("{ not json");
    assert!(!e.problem.is_empty());
}

const CONSUMERS: &str = r#"{
  "version": 1,
  "name": "group",
  "cluster": {"brokers": 3},
  "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3}],
  "clients": [
    {"id": "p1", "type": "producer"},
    {"id": "c1", "type": "consumer", "configs": {"group.id": "g", "partition.assignment.strategy": "range"}, "subscribe": ["orders"]}
  ],
  "steps": [
    {"at_ms": 1000, "commit": {"client": "c1"}},
    {"at_ms": 2000, "crash": {"client": "c1"}},
    {"at_ms": 3000, "restart": {"client": "c1"}}
  ],
  "until_ms": 20000
}"#;

#[test]
fn consumer_settings_and_steps_are_checked_with_the_field() {
    let s = Scenario::parse(CONSUMERS).unwrap();
    assert_eq!(s.clients[1].kind, ClientKind::Consumer);
    let e = problem(&CONSUMERS.replace(
        r#""partition.assignment.strategy": "range""#,
        r#""partition.assignment.strategy": "fastest""#,
    ));
    assert_eq!(e.field, "clients[1].configs.partition.assignment.strategy", "{e}");
    assert!(e.problem.contains("fastest"), "{e}");
    let e = problem(&CONSUMERS.replace(r#""group.id": "g""#, r#""group.id": """#));
    assert_eq!(e.field, "clients[1].configs.group.id", "{e}");
    let e = problem(
        &CONSUMERS.replace(r#""group.id": "g","#, r#""group.id": "g", "heartbeat.interval.ms": "45000","#),
    );
    assert_eq!(e.field, "clients[1].configs.heartbeat.interval.ms", "{e}");
    let e =
        problem(&CONSUMERS.replace(r#""group.id": "g","#, r#""group.id": "g", "session.timeout.ms": "-5","#));
    assert_eq!(e.field, "clients[1].configs.session.timeout.ms", "{e}");
    let e = problem(
        &CONSUMERS.replace(r#""group.id": "g","#, r#""group.id": "g", "max.poll.interval.ms": "soon","#),
    );
    assert_eq!(e.field, "clients[1].configs.max.poll.interval.ms", "{e}");
    let e = problem(&CONSUMERS.replace(r#"{"group.id": "g", "#, r#"{"#));
    assert_eq!(e.field, "clients[1].configs.group.id", "subscribing needs a group: {e}");
    let e = problem(
        &CONSUMERS
            .replace(r#""brokers": 3"#, r#""brokers": 1"#)
            .replace(r#""replication_factor": 3"#, r#""replication_factor": 1"#),
    );
    assert_eq!(e.field, "cluster.configs.offsets.topic.replication.factor", "{e}");
    let ok = CONSUMERS
        .replace(r#""brokers": 3"#, r#""brokers": 1, "configs": {"offsets.topic.replication.factor": "1"}"#)
        .replace(r#""replication_factor": 3"#, r#""replication_factor": 1"#);
    Scenario::parse(&ok).unwrap();
    let e = problem(&CONSUMERS.replace(
        r#"{"at_ms": 1000, "commit": {"client": "c1"}}"#,
        r#"{"at_ms": 1000, "commit": {"client": "p1"}}"#,
    ));
    assert_eq!(e.field, "steps[0].commit.client", "{e}");
    assert!(e.problem.contains("producer, not a consumer"), "{e}");
    let e = problem(&CONSUMERS.replace(r#""crash": {"client": "c1"}"#, r#""crash": {"client": "c9"}"#));
    assert_eq!(e.field, "steps[1].crash.client", "{e}");
    // Subscribing to a topic that does not exist is not an error: Kafka waits for it.
    Scenario::parse(&CONSUMERS.replace(r#""subscribe": ["orders"]"#, r#""subscribe": ["not-yet"]"#)).unwrap();
}

/// Every scenario file is offered in the page (src/ui/shell/scenarios.rs names it; index.html
/// copies the directory, the page fetches the file), so a new scenario cannot run in the CLI
/// but be unknown to the page's picker.
#[test]
fn every_scenario_file_is_in_the_pages_picker() {
    let root = env!("CARGO_MANIFEST_DIR");
    let page = std::fs::read_to_string(format!("{root}/src/ui/shell/scenarios.rs")).unwrap();
    let index = std::fs::read_to_string(format!("{root}/index.html")).unwrap();
    assert!(
        index.contains(r#"rel="copy-dir" href="scenarios""#),
        "index.html must copy scenarios/ for the page to fetch"
    );
    for entry in std::fs::read_dir(format!("{root}/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(page.contains(&format!("\"{name}\"")), "scenarios/{name}.json is not in the picker");
        }
    }
}

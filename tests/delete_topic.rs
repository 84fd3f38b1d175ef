//! DeleteTopics as KRaft does it (`ControllerApis.deleteTopics`,
//! `ReplicationControlManager.deleteTopic`, `ReplicaManager.applyDelta` →
//! `LogManager.asyncDelete`): one `RemoveTopicRecord` in the metadata log, then every
//! broker stops its replicas of the topic and deletes their segment files, the topic's
//! config document and its checkpoint entries; Kafka's errors (Errors.java) for an
//! unknown topic, `delete.topic.enable=false`, and an internal topic.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::command::{Command, DeleteTopicCommand};
use kafka_playground::engine::cluster::metadata::MetadataRecord;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID};
use kafka_playground::engine::controller::ControllerNode;
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::replica::BrokerNode;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{Action, Sim};
use serde_json::{json, Value};

const BROKERS: [NodeId; 3] = [1, 2, 3];

/// Three brokers; `t` (2 partitions × 3 replicas, small segments) and `keep`, both
/// written to; `extra_steps` after the writes.
fn sim(cluster_configs: Value, extra_steps: Vec<Value>) -> Sim {
    let text = scenario_text_with(cluster_configs, extra_steps);
    build_sim(&Scenario::parse(&text).unwrap(), 7).unwrap()
}

fn scenario_text(extra_steps: Vec<Value>) -> String {
    scenario_text_with(json!({}), extra_steps)
}

fn scenario_text_with(cluster_configs: Value, extra_steps: Vec<Value>) -> String {
    let mut steps = Vec::new();
    for i in 0..6 {
        for topic in ["t", "keep"] {
            steps.push(json!({ "at_ms": 2000 + 200 * i, "produce": { "client": "p1", "topic": topic, "count": 5, "key": "k{i}", "value": "v{i}" } }));
        }
    }
    steps.extend(extra_steps);
    let s = json!({
        "version": 1, "name": "delete-topic",
        "cluster": { "brokers": 3, "configs": cluster_configs },
        "topics": [
            { "name": "t", "partitions": 2, "replication_factor": 3, "configs": { "segment.bytes": "200" } },
            { "name": "keep", "partitions": 1, "replication_factor": 3 }
        ],
        "clients": [ { "id": "p1", "type": "producer" } ],
        "steps": steps, "until_ms": 20000
    });
    s.to_string()
}

fn controller(sim: &Sim) -> &ControllerNode {
    sim.node(CONTROLLER_ID).and_then(|n| n.view().controller()).unwrap()
}

fn broker(sim: &Sim, id: NodeId) -> &BrokerNode {
    sim.node(id).and_then(|n| n.view().broker()).unwrap()
}

/// Segment files of `topic` in broker `id`'s store.
fn segments_of(sim: &Sim, id: NodeId, topic: &str) -> usize {
    let store = sim.store(id).unwrap();
    store.segment_ids(id).iter().filter(|s| s.topic.as_str() == topic).count()
}

fn refusals(sim: &Sim) -> Vec<String> {
    sim.timeline()
        .iter()
        .filter_map(|(_, node, e)| match e {
            ClusterEvent::Refused { reason, .. } if *node == CONTROLLER_ID => Some(reason.clone()),
            _ => None,
        })
        .collect()
}

fn delete_step(at_ms: i64, name: &str) -> Value {
    json!({ "at_ms": at_ms, "delete_topic": { "name": name } })
}

#[test]
fn every_broker_drops_the_replicas_and_their_files_and_the_other_topic_stays() {
    let mut before = sim(json!({}), vec![]);
    before.run_until(5000, 1_000_000);
    for id in BROKERS {
        assert!(segments_of(&before, id, "t") >= 2, "broker {id} stored t's segments before the delete");
    }

    let mut s = sim(json!({}), vec![delete_step(5000, "t")]);
    s.run_until(20_000, 1_000_000);
    let removes: Vec<&MetadataRecord> =
        controller(&s).log().iter().filter(|r| matches!(r, MetadataRecord::RemoveTopic { .. })).collect();
    assert_eq!(removes, vec![&MetadataRecord::RemoveTopic { name: "t".into() }], "one RemoveTopicRecord");
    assert!(!controller(&s).image().topics.contains_key("t"));
    assert!(controller(&s).image().topics.contains_key("keep"));
    for id in BROKERS {
        let b = broker(&s, id);
        assert!(b.partition("t", 0).is_none() && b.partition("t", 1).is_none(), "broker {id} still hosts t");
        assert!(!b.image().topics.contains_key("t"), "broker {id}'s image still names t");
        assert!(b.partition("keep", 0).is_some(), "broker {id} lost the other topic");
        assert_eq!(segments_of(&s, id, "t"), 0, "broker {id} kept t's segment files");
        assert!(segments_of(&s, id, "keep") >= 1);
        let meta = s.store(id).unwrap().meta_of(id);
        assert!(!meta.iter().any(|(name, _)| name == "topics/t"), "broker {id} kept t's config document");
        assert!(meta.iter().any(|(name, _)| name == "topics/keep"));
        let checkpoint = meta.iter().find(|(n, _)| n == "replication-offset-checkpoint").unwrap();
        assert!(
            !checkpoint.1.lines().any(|l| l.starts_with("t ")),
            "HW checkpoint names t: {}",
            checkpoint.1
        );
        assert!(checkpoint.1.lines().any(|l| l.starts_with("keep ")));
    }
    let deleted: Vec<(NodeId, u32)> = s
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::ReplicaDeleted { broker_id, tp, .. } => Some((*broker_id, tp.partition)),
            _ => None,
        })
        .collect();
    assert_eq!(deleted.len(), 6, "2 partitions × 3 replicas: {deleted:?}");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

#[test]
fn kafkas_errors_unknown_topic_disabled_deletion_internal_topic() {
    let mut s = sim(json!({}), vec![delete_step(5000, "nope"), delete_step(5000, "__consumer_offsets")]);
    s.run_until(6000, 1_000_000);
    let r = refusals(&s);
    assert!(r.iter().any(|x| x.starts_with("UNKNOWN_TOPIC_OR_PARTITION: ")), "{r:?}");
    assert!(r.iter().any(|x| x.starts_with("TOPIC_AUTHORIZATION_FAILED: ")), "{r:?}");
    let c = controller(&s);
    assert_eq!(c.check_delete_topic("nope").unwrap_err().0, ErrorCode::UnknownTopicOrPartition);
    assert_eq!(
        c.check_delete_topic("__consumer_offsets").unwrap_err().0,
        ErrorCode::TopicAuthorizationFailed
    );
    assert_eq!(c.check_delete_topic("t"), Ok(2));

    let mut off = sim(json!({ "delete.topic.enable": "false" }), vec![delete_step(5000, "t")]);
    off.run_until(6000, 1_000_000);
    let r = refusals(&off);
    assert!(r.contains(&"TOPIC_DELETION_DISABLED: Topic deletion is disabled.".to_string()), "{r:?}");
    assert!(controller(&off).image().topics.contains_key("t"), "nothing deleted");
    assert!(BROKERS.iter().all(|id| segments_of(&off, *id, "t") > 0));
}

#[test]
fn a_broker_down_during_the_delete_drops_the_replica_when_it_returns() {
    let mut s = sim(json!({}), vec![]);
    s.schedule(4000, Action::Crash(3));
    s.schedule(
        5000,
        Action::Command(CONTROLLER_ID, Command::DeleteTopic(DeleteTopicCommand { name: "t".into() })),
    );
    s.run_until(8000, 1_000_000);
    assert!(segments_of(&s, 3, "t") > 0, "a crashed broker's store is untouched");
    s.schedule(8000, Action::Restart(3));
    s.run_until(20_000, 1_000_000);
    assert!(broker(&s, 3).partition("t", 0).is_none());
    assert_eq!(segments_of(&s, 3, "t"), 0, "the replayed RemoveTopicRecord deletes the recovered log");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

#[test]
fn a_topic_created_again_under_the_same_name_starts_empty() {
    let recreate = json!({ "at_ms": 8000, "produce": { "client": "p1", "topic": "t", "count": 1, "key": "a", "value": "b" } });
    let mut s = sim(json!({}), vec![delete_step(5000, "t"), recreate]);
    let spec = json!({ "create_topic": { "name": "t", "partitions": 1, "replication_factor": 3 } });
    s.schedule(7000, Action::Command(CONTROLLER_ID, Command::from_json(&spec.to_string()).unwrap()));
    s.run_until(20_000, 1_000_000);
    for id in BROKERS {
        let p = broker(&s, id).partition("t", 0).expect("re-created");
        assert!(
            p.log.log_end_offset() <= 1,
            "broker {id}: old records came back: {}",
            p.log.log_end_offset()
        );
        assert!(broker(&s, id).partition("t", 1).is_none());
    }
}

fn committed(sim: &Sim, id: NodeId) -> Option<Vec<String>> {
    let offsets = broker(sim, id).group_coordinator().committed("g")?;
    Some(offsets.keys().map(|tp| format!("{}-{}", tp.topic, tp.partition)).collect())
}

#[test]
fn the_groups_committed_offsets_of_the_topic_go_with_tombstones_others_stay() {
    let consumer = json!({ "id": "c1", "type": "consumer", "subscribe": ["t", "keep"],
        "configs": { "group.id": "g", "auto.commit.interval.ms": "500", "auto.offset.reset": "earliest" } });
    let close = json!({ "at_ms": 9000, "close": { "client": "c1" } });
    let mut text: Value =
        serde_json::from_str(&scenario_text(vec![close, delete_step(10_000, "t")])).unwrap();
    text["clients"].as_array_mut().unwrap().push(consumer);
    let s = Scenario::parse(&text.to_string()).unwrap();
    let mut sim = build_sim(&s, 7).unwrap();
    sim.run_until(9900, 1_000_000);
    let coordinator = BROKERS.into_iter().find(|b| committed(&sim, *b).is_some()).expect("a coordinator");
    let before = committed(&sim, coordinator).unwrap();
    assert!(before.contains(&"t-0".to_string()) && before.contains(&"keep-0".to_string()), "{before:?}");
    sim.run_until(13_000, 1_000_000);
    assert_eq!(committed(&sim, coordinator).unwrap(), vec!["keep-0".to_string()]);
    // Another coordinator loading the partition replays the tombstones.
    sim.schedule(13_000, Action::Crash(coordinator));
    sim.run_until(40_000, 1_000_000);
    let next = BROKERS.into_iter().find(|b| *b != coordinator && committed(&sim, *b).is_some());
    let next = next.expect("another broker coordinates g");
    assert_eq!(committed(&sim, next).unwrap(), vec!["keep-0".to_string()]);
}

#[test]
fn the_cli_runs_a_delete_topic_step_and_refuses_an_empty_name_with_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("delete.json");
    std::fs::write(&path, scenario_text(vec![delete_step(5000, "t")])).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kafka-playground"))
        .args(["run", path.to_str().unwrap(), "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("TopicDeleted") && stdout.contains("ReplicaDeleted"), "the timeline says it");
    assert!(stdout.contains("RemoveTopic"), "the controller's log holds the record");

    std::fs::write(&path, scenario_text(vec![delete_step(5000, " ")])).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kafka-playground"))
        .args(["run", path.to_str().unwrap(), "--seed", "1"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("steps[12].delete_topic.name: give the name of the topic to delete"), "{stderr}");
}

#[test]
fn a_producer_on_the_deleted_topic_is_answered_unknown_topic_and_its_batch_expires() {
    let late = json!({ "at_ms": 8000, "produce": { "client": "p1", "topic": "t", "count": 2, "key": "k", "value": "v" } });
    let mut text: Value = serde_json::from_str(&scenario_text(vec![delete_step(5000, "t"), late])).unwrap();
    text["clients"][0]["configs"] =
        json!({ "request.timeout.ms": "1000", "linger.ms": "0", "delivery.timeout.ms": "3000" });
    let mut s = build_sim(&Scenario::parse(&text.to_string()).unwrap(), 7).unwrap();
    s.run_until(20_000, 1_000_000);
    let after = |pred: &dyn Fn(&ClusterEvent) -> bool| {
        s.timeline().iter().filter(|(at, _, e)| *at > 5000 && pred(e)).count()
    };
    let acked =
        after(&|e| matches!(e, ClusterEvent::SendAcknowledged { tp, .. } if tp.topic.as_str() == "t"));
    assert_eq!(acked, 0, "nothing is acknowledged on a deleted topic");
    // Java's Sender: the leader answers UNKNOWN_TOPIC_OR_PARTITION (retriable), metadata
    // no longer names the topic, and the batch expires after delivery.timeout.ms with a
    // TimeoutException ("Expiring 2 record(s) for t-0").
    let retried =
        after(&|e| matches!(e, ClusterEvent::SendRetried { error: ErrorCode::UnknownTopicOrPartition, .. }));
    assert!(retried >= 1, "the broker answered UNKNOWN_TOPIC_OR_PARTITION");
    let failed: Vec<(i64, u32)> = s
        .timeline()
        .iter()
        .filter_map(|(at, _, e)| match e {
            ClusterEvent::SendFailed { error: ErrorCode::RequestTimedOut, records, .. } if *at > 5000 => {
                Some((*at, *records))
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![(11_000, 2)], "the batch expires delivery.timeout.ms after it was made");
}

//! What the page's consumer-group controls ask of the engine, run natively: a consumer
//! declared with `"start": false` stays out until it is added (with its own settings,
//! which a later restart keeps); a rolling restart with another
//! `partition.assignment.strategy` moves the group to the new assignor; bad settings are
//! refused with Kafka's words and change nothing; CreatePartitions grows a topic, the
//! brokers create the new replicas and the group rebalances onto them once its leader's
//! metadata shows the new count. Every run keeps the invariants and replays exactly.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::client::consumer::ConsumerNode;
use kafka_playground::engine::cluster::events::RemovalCause;
use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId, CONTROLLER_ID};
use kafka_playground::engine::group::assignor::RebalanceProtocol;
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::scenario::{NodeRef, Scenario};
use kafka_playground::sim::{replay, Action, Sim, Status};
use serde_json::json;
use std::collections::BTreeSet;

/// A command as the journal writes it.
fn command(v: serde_json::Value) -> kafka_playground::engine::cluster::Command {
    serde_json::from_value(v).unwrap()
}

fn scenario(partitions: u32, extra_consumer_start: bool, strategy: &str) -> Scenario {
    let consumer = |id: &str, start: bool| {
        json!({ "id": id, "type": "consumer", "start": start, "subscribe": ["orders"], "configs": {
            "group.id": "app", "auto.offset.reset": "earliest", "partition.assignment.strategy": strategy,
            "metadata.max.age.ms": "5000" } })
    };
    let text = json!({
        "version": 1, "name": "group-controls", "cluster": { "brokers": 3 },
        "topics": [ { "name": "orders", "partitions": partitions, "replication_factor": 3 } ],
        "clients": [
            { "id": "p1", "type": "producer", "configs": { "acks": "all" } },
            // p2 first sends after any CreatePartitions, so its first metadata has the new count
            // (producers here refresh metadata only when they must, not every metadata.max.age.ms).
            { "id": "p2", "type": "producer", "configs": { "acks": "all" } },
            consumer("c1", true), consumer("c2", true), consumer("c3", extra_consumer_start),
        ],
        "steps": [
            { "at_ms": 9000, "produce": { "client": "p1", "topic": "orders", "count": 60, "key": "k-{i}" } },
            { "at_ms": 40000, "produce": { "client": "p2", "topic": "orders", "count": 60, "key": "k-{i}" } }
        ],
        "until_ms": 90000
    });
    Scenario::parse(&text.to_string()).unwrap()
}

fn id(s: &Scenario, name: &str) -> NodeId {
    s.node_id(&NodeRef::Named(name.into())).unwrap()
}

fn consumer(sim: &Sim, id: NodeId) -> &ConsumerNode {
    sim.node(id).and_then(|n| n.view().consumer()).expect("a running consumer")
}

fn owned(sim: &Sim, ids: &[NodeId]) -> Vec<TopicPartition> {
    let mut all: Vec<TopicPartition> = ids.iter().flat_map(|i| consumer(sim, *i).assignment()).collect();
    all.sort();
    all
}

fn orders(n: u32) -> Vec<TopicPartition> {
    (0..n).map(|p| TopicPartition { topic: "orders".into(), partition: p }).collect()
}

fn finish(s: &Scenario, sim: &mut Sim, until: i64) {
    sim.run_until(until, 20_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let world = ClusterWorld::new(s, sim.seed).unwrap();
    let (state, events) = replay(&sim.journal(), &world);
    assert_eq!(state, sim.final_state(), "replay rebuilds the same state");
    assert_eq!(events, sim.timeline().to_vec(), "replay reports the same events");
}

fn removed_at(sim: &Sim, cause: RemovalCause) -> Vec<i64> {
    sim.timeline()
        .iter()
        .filter_map(|(at, _, e)| {
            matches!(e, ClusterEvent::MemberRemoved { cause: c, .. } if *c == cause).then_some(*at)
        })
        .collect()
}

#[test]
fn a_declared_consumer_waits_until_added_and_keeps_its_own_settings_across_a_restart() {
    let s = scenario(6, false, "range");
    let (c1, c2, c3) = (id(&s, "c1"), id(&s, "c2"), id(&s, "c3"));
    let mut sim = build_sim(&s, 7).unwrap();
    sim.run_until(15_000, 20_000_000);
    assert_eq!(sim.status(c3), None, "not started: not even a process yet");
    assert_eq!(owned(&sim, &[c1, c2]), orders(6), "two members share all six partitions");
    let start = json!({ "configs": { "session.timeout.ms": "10000", "heartbeat.interval.ms": "1000" } });
    sim.schedule(15_000, Action::StartWith(c3, serde_json::from_value(start).unwrap()));
    sim.run_until(25_000, 20_000_000);
    assert_eq!(sim.status(c3), Some(Status::Up));
    assert_eq!(consumer(&sim, c3).config().session_timeout_ms, 10_000);
    assert_eq!(owned(&sim, &[c1, c2, c3]), orders(6));
    assert_eq!(consumer(&sim, c3).assignment().len(), 2, "range gives the newcomer two of six");
    // Crashed, it is evicted after its own session.timeout.ms (10 s), not the default 45 s.
    sim.schedule(25_000, Action::Crash(c3));
    sim.run_until(45_000, 20_000_000);
    let evicted = removed_at(&sim, RemovalCause::SessionTimeout);
    assert_eq!(evicted.len(), 1, "{evicted:?}");
    assert!(
        (33_000..=37_000).contains(&evicted[0]),
        "evicted at {} ms: ~10 s after its last heartbeat",
        evicted[0]
    );
    sim.schedule(45_000, Action::Restart(c3));
    sim.run_until(55_000, 20_000_000);
    assert_eq!(
        consumer(&sim, c3).config().session_timeout_ms,
        10_000,
        "the restarted process keeps its settings"
    );
    assert_eq!(owned(&sim, &[c1, c2, c3]), orders(6));
    finish(&s, &mut sim, s.until_ms);
}

#[test]
fn bad_settings_are_refused_with_kafkas_words_and_change_nothing() {
    let s = scenario(6, false, "range");
    let (c1, c3) = (id(&s, "c1"), id(&s, "c3"));
    let mut sim = build_sim(&s, 3).unwrap();
    sim.run_until(15_000, 20_000_000);
    let member = consumer(&sim, c1).generation().member_id.clone();
    let bad = [
        json!({ "partition.assignment.strategy": "fastest" }),
        json!({ "group.id": "" }),
        json!({ "heartbeat.interval.ms": "45000" }),
    ];
    for configs in &bad {
        sim.schedule(15_000, Action::Command(c1, command(json!({ "restart_with": { "configs": configs } }))));
    }
    sim.schedule(
        15_000,
        Action::StartWith(
            c3,
            serde_json::from_value(json!({ "configs": { "session.timeout.ms": "2000" } })).unwrap(),
        ),
    );
    sim.run_until(20_000, 20_000_000);
    let refusals: Vec<&String> = sim
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::Refused { node_id, reason } if *node_id == c1 || *node_id == c3 => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(refusals.len(), 4, "{refusals:?}");
    assert!(refusals[0].contains("unknown assignor 'fastest'"), "{}", refusals[0]);
    assert!(refusals[1].contains("group.id cannot be empty"), "{}", refusals[1]);
    assert!(refusals[2].contains("must be set lower than session.timeout.ms"), "{}", refusals[2]);
    assert!(
        refusals[3].contains("cannot start") && refusals[3].contains("heartbeat.interval.ms (3000)"),
        "{}",
        refusals[3]
    );
    assert_eq!(consumer(&sim, c1).generation().member_id, member, "c1 went on as the same member");
    assert!(!consumer(&sim, c3).is_started(), "c3 did not start with a config Kafka refuses");
    finish(&s, &mut sim, 40_000);
}

fn rolling_restart(sim: &mut Sim, ids: &[NodeId], from_ms: i64, strategy: &str) {
    for (k, c) in ids.iter().enumerate() {
        let at = from_ms + 8_000 * k as i64;
        let configs = json!({ "partition.assignment.strategy": strategy });
        sim.schedule(at, Action::Command(*c, command(json!({ "restart_with": { "configs": configs } }))));
    }
}

#[test]
fn switching_range_to_cooperative_sticky_takes_kafkas_two_rolling_bounces() {
    let s = scenario(6, true, "range");
    let ids = [id(&s, "c1"), id(&s, "c2"), id(&s, "c3")];
    // Straight to cooperative-sticky: the first restarted member shares no assignor with
    // the group and is refused (INCONSISTENT_GROUP_PROTOCOL), as in Kafka.
    let mut sim = build_sim(&s, 5).unwrap();
    sim.run_until(20_000, 20_000_000);
    rolling_restart(&mut sim, &ids[..1], 20_000, "cooperative-sticky");
    sim.run_until(30_000, 20_000_000);
    assert!(
        matches!(consumer(&sim, ids[0]).lifecycle(), kafka_playground::engine::client::consumer::Lifecycle::Failed(e) if e.contains("INCONSISTENT_GROUP_PROTOCOL"))
    );
    finish(&s, &mut sim, 40_000);

    // KIP-429's upgrade: first bounce to "cooperative-sticky,range" (still EAGER, the group
    // votes cooperative-sticky once every member lists it), second bounce drops range.
    let mut sim = build_sim(&s, 5).unwrap();
    sim.run_until(20_000, 20_000_000);
    let before: BTreeSet<String> =
        ids.iter().map(|i| consumer(&sim, *i).generation().member_id.clone()).collect();
    rolling_restart(&mut sim, &ids, 20_000, "cooperative-sticky,range");
    sim.run_until(50_000, 20_000_000);
    for c in ids {
        assert_eq!(
            consumer(&sim, c).generation().protocol_name.as_deref(),
            Some("cooperative-sticky"),
            "after the first bounce"
        );
    }
    rolling_restart(&mut sim, &ids, 50_000, "cooperative-sticky");
    sim.run_until(80_000, 20_000_000);
    assert_eq!(removed_at(&sim, RemovalCause::LeaveGroup).len(), 6, "each old process left with LeaveGroup");
    let after: BTreeSet<String> =
        ids.iter().map(|i| consumer(&sim, *i).generation().member_id.clone()).collect();
    assert!(before.is_disjoint(&after), "new processes are new members");
    for c in ids {
        assert_eq!(consumer(&sim, c).generation().protocol_name.as_deref(), Some("cooperative-sticky"));
        assert_eq!(consumer(&sim, c).config().rebalance_protocol(), RebalanceProtocol::Cooperative);
    }
    assert_eq!(owned(&sim, &ids), orders(6));
    finish(&s, &mut sim, s.until_ms);
}

#[test]
fn create_partitions_grows_the_topic_and_the_group_rebalances_onto_the_new_ones() {
    let s = scenario(2, true, "range");
    let ids = [id(&s, "c1"), id(&s, "c2"), id(&s, "c3")];
    let mut sim = build_sim(&s, 11).unwrap();
    sim.run_until(20_000, 20_000_000);
    assert_eq!(owned(&sim, &ids), orders(2), "three members, two partitions: one idles");
    for bad in [json!({ "topic": "orders", "count": 1 }), json!({ "topic": "nope", "count": 4 })] {
        sim.schedule(20_000, Action::Command(CONTROLLER_ID, command(json!({ "create_partitions": bad }))));
    }
    sim.schedule(
        20_000,
        Action::Command(
            CONTROLLER_ID,
            command(json!({ "create_partitions": { "topic": "orders", "count": 4 } })),
        ),
    );
    sim.run_until(21_000, 20_000_000);
    let refused: Vec<String> = sim
        .timeline()
        .iter()
        .filter_map(|(_, n, e)| match e {
            ClusterEvent::Refused { reason, .. } if *n == CONTROLLER_ID => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        refused,
        vec![
            "INVALID_PARTITIONS: Topic currently has 2 partitions, which is higher than the requested 1."
                .to_string(),
            "UNKNOWN_TOPIC_OR_PARTITION: The topic 'nope' does not exist.".to_string()
        ]
    );
    assert!(sim
        .timeline()
        .iter()
        .any(|(_, _, e)| matches!(e, ClusterEvent::PartitionsCreated { from: 2, to: 4, .. })));
    for b in 1..=3 {
        let broker = sim.node(b).and_then(|n| n.view().broker()).unwrap();
        for p in 2..4 {
            assert!(broker.replica_state("orders", p).is_some(), "broker {b} hosts orders-{p} (RF 3)");
        }
    }
    sim.run_until(40_000, 20_000_000);
    let reason = sim.timeline().iter().find_map(|(at, _, e)| match e {
        ClusterEvent::ConsumerJoining { reason, .. } if *at > 20_000 => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(
        reason.as_deref(),
        Some("cached metadata has changed"),
        "the leader's metadata check starts the rebalance"
    );
    assert_eq!(owned(&sim, &ids), orders(4), "the group owns all four partitions");
    sim.run_until(s.until_ms, 20_000_000);
    for p in [2, 3] {
        let consumed = sim.timeline().iter().any(
            |(_, _, e)| matches!(e, ClusterEvent::RecordsConsumed { tp, .. } if tp.topic == "orders" && tp.partition == p),
        );
        assert!(consumed, "records keyed into the new orders-{p} are consumed");
    }
    finish(&s, &mut sim, s.until_ms);
}

//! One group whose members subscribe to different topics, as Kafka's `ConsumerCoordinator`
//! handles it: the leader widens its metadata to the whole group's subscription before it
//! assigns (`onLeaderElected` → `updateGroupSubscription` → `ensureFreshMetadata`), so
//! every member gets its topic's partitions in the first rebalance; and it keeps watching
//! those topics (`SubscriptionState.metadataTopics`), so a change to a topic only another
//! member reads (here: the topic deleted) makes it rejoin ("cached metadata has changed").
//! The rules are the ones `ConsumerCoordinatorTest` checks in
//! `testStaticLeaderRejoinsGroupAndCanDetectMetadataChangesForOtherMembers` (the leader's
//! `metadataTopics()` is both topics; another member's topic changing asks for a
//! rebalance) and `testRebalanceAfterTopicUnavailableWithSubscribe`.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::{NodeRef, Scenario};
use std::collections::BTreeSet;

#[path = "common/group_records.rs"]
#[allow(dead_code)]
mod group_records;
use group_records::{assert_nothing_lost, processed};

const SCENARIO: &str = r#"{
  "version": 1,
  "name": "one-group-two-subscriptions",
  "cluster": { "brokers": 3, "network": { "latency_ms": 2, "jitter_ms": 1 } },
  "topics": [
    { "name": "a", "partitions": 3, "replication_factor": 3 },
    { "name": "b", "partitions": 2, "replication_factor": 3 }
  ],
  "clients": [
    { "id": "p1", "type": "producer", "configs": { "acks": "all" } },
    { "id": "reads-a", "type": "consumer", "configs": { "group.id": "g", "auto.offset.reset": "earliest" }, "subscribe": ["a"] },
    { "id": "reads-b", "type": "consumer", "configs": { "group.id": "g", "auto.offset.reset": "earliest" }, "subscribe": ["b"] }
  ],
  "steps": [
    { "at_ms": 8000, "produce": { "client": "p1", "topic": "a", "count": 60, "key": "a-{i}", "value": "v-{i}" } },
    { "at_ms": 8000, "produce": { "client": "p1", "topic": "b", "count": 40, "key": "b-{i}", "value": "v-{i}" } }
  ],
  "until_ms": 20000
}"#;

fn id(s: &Scenario, name: &str) -> NodeId {
    s.node_id(&NodeRef::Named(name.into())).unwrap()
}

/// The partitions each client owns at the end, from its `onPartitionsAssigned` /
/// `onPartitionsRevoked` calls.
fn owned_at_end(events: &[(i64, NodeId, ClusterEvent)], client: NodeId) -> BTreeSet<TopicPartition> {
    let mut owned = BTreeSet::new();
    for (_, _, e) in events {
        match e {
            ClusterEvent::PartitionsAssigned { client_id, added, .. } if *client_id == client => {
                owned.extend(added.iter().cloned());
            }
            ClusterEvent::PartitionsRevoked { client_id, revoked, .. } if *client_id == client => {
                revoked.iter().for_each(|tp| {
                    owned.remove(tp);
                });
            }
            _ => {}
        }
    }
    owned
}

fn partitions(topic: &str, n: u32) -> BTreeSet<TopicPartition> {
    (0..n).map(|p| TopicPartition::new(topic, p)).collect()
}

#[test]
fn every_member_gets_its_own_topics_partitions_whoever_leads() {
    let s = Scenario::parse(SCENARIO).unwrap();
    for seed in 1..=4 {
        let mut sim = build_sim(&s, seed).unwrap();
        sim.run_until(s.until_ms, 20_000_000);
        assert!(sim.violations().is_empty(), "seed {seed}: {:?}", sim.violations());
        let events = sim.timeline().to_vec();
        let (ra, rb) = (id(&s, "reads-a"), id(&s, "reads-b"));
        assert_eq!(owned_at_end(&events, ra), partitions("a", 3), "seed {seed}: reads-a");
        assert_eq!(owned_at_end(&events, rb), partitions("b", 2), "seed {seed}: reads-b");
        assert_nothing_lost(&sim, &[ra, rb], &format!("seed {seed}"));
        for ((tp, _), _) in processed(&sim, &[rb]) {
            assert_eq!(tp.topic.as_str(), "b", "seed {seed}: reads-b read {tp:?}");
        }
    }
}

#[test]
fn the_leader_rejoins_when_a_topic_only_another_member_reads_is_deleted() {
    let text = SCENARIO.replace(r#""until_ms": 20000"#, r#""until_ms": 30000"#);
    // The leader learns of the deletion at its next metadata refresh: every
    // `metadata.max.age.ms` (5 minutes by default; 3 s here).
    let text = text.replace(
        r#""auto.offset.reset": "earliest""#,
        r#""auto.offset.reset": "earliest", "metadata.max.age.ms": "3000""#,
    );
    let text =
        text.replace(r#""steps": ["#, r#""steps": [ { "at_ms": 15000, "delete_topic": { "name": "b" } },"#);
    let s = Scenario::parse(&text).unwrap();
    for seed in 1..=3 {
        let mut sim = build_sim(&s, seed).unwrap();
        sim.run_until(s.until_ms, 20_000_000);
        assert!(sim.violations().is_empty(), "seed {seed}: {:?}", sim.violations());
        let events = sim.timeline().to_vec();
        let (ra, rb) = (id(&s, "reads-a"), id(&s, "reads-b"));
        let rejoined_after_delete = events.iter().any(|(t, _, e)| {
            *t > 15_000
                && matches!(e, ClusterEvent::ConsumerJoining { reason, .. } if reason.contains("cached metadata has changed"))
        });
        assert!(rejoined_after_delete, "seed {seed}: no member rejoined for the changed metadata");
        assert!(
            owned_at_end(&events, rb).is_empty(),
            "seed {seed}: reads-b still owns {:?}",
            owned_at_end(&events, rb)
        );
        assert_eq!(owned_at_end(&events, ra), partitions("a", 3), "seed {seed}: reads-a");
    }
}

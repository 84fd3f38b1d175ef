//! `__consumer_offsets` is compacted like any `cleanup.policy=compact` log: with small
//! offsets-topic segments, each broker's cleaner removes the older commits of each
//! group/partition key, and a coordinator that takes over after a crash loads the
//! compacted log (with its offset gaps) back to the same committed offsets — Kafka's
//! promise that compaction keeps the newest value per key.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/scenario_run.rs"]
#[allow(dead_code)]
mod scenario_run;

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::ClusterEvent;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::Sim;
use scenario_run::scenario;
use std::collections::BTreeMap;

fn committed(sim: &Sim, broker: u32) -> Option<BTreeMap<TopicPartition, i64>> {
    sim.node(broker)
        .and_then(|n| n.view().broker())
        .and_then(|n| n.group_coordinator().committed("orders-app").cloned())
        .map(|c| c.into_iter().map(|(tp, o)| (tp, o.offset)).collect())
}

#[test]
fn a_new_coordinator_loads_the_compacted_offsets_topic_to_the_same_offsets() {
    let mut s = scenario("coordinator-failover");
    s.cluster.configs.insert("offsets.topic.segment.bytes".into(), "1000".into());
    s.cluster.configs.insert("log.cleaner.backoff.ms".into(), "2000".into());
    for c in &mut s.clients[1..] {
        c.configs.insert("auto.commit.interval.ms".into(), "1000".into());
    }
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(15_999, 20_000_000);
    let old = (1..=3).find(|b| committed(&sim, *b).is_some()).expect("a coordinator");
    let before = committed(&sim, old).unwrap();
    assert!(!before.is_empty());
    let cleaned: Vec<(u32, Vec<i64>)> = sim
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::LogCleaned { broker_id, tp, removed_offsets, .. }
                if tp.topic.as_str() == "__consumer_offsets" && tp.partition == 5 =>
            {
                Some((*broker_id, removed_offsets.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(
        cleaned.iter().any(|(_, removed)| !removed.is_empty()),
        "older commits were compacted away before the crash: {cleaned:?}"
    );
    sim.run_until(s.until_ms, 20_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let new = sim
        .timeline()
        .iter()
        .find_map(|(t, n, e)| match e {
            ClusterEvent::CoordinatorLoaded { broker_id, partition: 5, .. }
                if *t > 16_000 && *broker_id != old =>
            {
                Some(*n)
            }
            _ => None,
        })
        .expect("another broker loads __consumer_offsets-5");
    let after = committed(&sim, new).expect("the new coordinator has the group's offsets");
    for (p, o) in &before {
        assert!(after.get(p).is_some_and(|c| *c >= *o), "{p:?}: {o} kept");
    }
    let resets = sim.timeline().iter().filter(|(t, _, e)| {
        *t > 16_000
            && matches!(e, ClusterEvent::ConsumerNote { note, .. } if note.contains("Resetting offset"))
    });
    assert_eq!(resets.count(), 0, "no consumer falls back to auto.offset.reset");
}

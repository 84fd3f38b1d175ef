//! The groups as their coordinators hold them (`sim::picture::described`, what the page
//! watching `serve` shows for real clients' groups), checked against the consumers' own
//! state in the deterministic simulation: each member's partitions (the leader's SyncGroup
//! assignment, decoded) are what the consumer owns, the rows follow `kafka-consumer-groups
//! --describe` (LAG = LOG-END-OFFSET − CURRENT-OFFSET with the HW as log end), and the
//! coordinator named is the leader of the group's `__consumer_offsets` partition now:
//! after the coordinator's broker crashes, the new one.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::{NodeId, CONTROLLER_ID, FIRST_CLIENT_ID};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::picture::described::{describe_groups, DescribedGroupView};
use kafka_playground::sim::Sim;

#[path = "common/scenario_run.rs"]
#[allow(dead_code)]
mod scenario_run;
use scenario_run::scenario;

fn leader_of(sim: &Sim, topic: &str, p: u32) -> Option<NodeId> {
    let c = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller())?;
    c.image().topics.get(topic)?.partitions.get(p as usize)?.leader
}

fn hw(sim: &Sim, topic: &str, p: u32) -> i64 {
    let leader = leader_of(sim, topic, p).unwrap();
    sim.node(leader).and_then(|n| n.view().broker()).unwrap().partition(topic, p).unwrap().high_watermark
}

/// The group checked against the consumers c1, c2 and the coordinator's committed offsets.
fn check(sim: &Sim, d: &DescribedGroupView) {
    assert_eq!(d.coordinator, leader_of(sim, "__consumer_offsets", d.offsets_partition));
    assert_eq!(d.offsets_partition, 5, "orders-app hashes to __consumer_offsets-5");
    assert!(d.loaded);
    assert_eq!((d.state.as_str(), d.protocol.as_str()), ("Stable", "range"));
    assert_eq!(d.members.len(), 2);
    let mut all = Vec::new();
    for i in 0..2 {
        let c = sim.node(FIRST_CLIENT_ID + 1 + i).and_then(|n| n.view().consumer()).expect("consumer");
        let m = d
            .members
            .iter()
            .find(|m| m.member_id == c.generation().member_id)
            .expect("a member per consumer");
        let mut owned: Vec<(String, u32)> =
            c.assignment().iter().map(|tp| (tp.topic.to_string(), tp.partition)).collect();
        owned.sort();
        assert_eq!(m.assignment, owned, "the SyncGroup assignment is what the consumer owns");
        assert_eq!(m.assignment.len(), 2, "range over 4 partitions: 2 and 2");
        all.extend(owned);
    }
    all.sort();
    assert_eq!(all, (0..4).map(|p| ("orders".to_string(), p)).collect::<Vec<_>>());
    let coordinator = sim.node(d.coordinator.unwrap()).and_then(|n| n.view().broker()).unwrap();
    let committed = coordinator.group_coordinator().committed("orders-app").unwrap();
    assert_eq!(d.partitions.len(), 4, "one row per owned partition");
    for r in &d.partitions {
        let tp = committed.keys().find(|tp| tp.topic.as_str() == r.topic && tp.partition == r.partition);
        assert_eq!(r.current_offset, tp.map(|tp| committed[tp].offset));
        assert_eq!(r.log_end_offset, Some(hw(sim, "orders", r.partition)));
        assert_eq!(r.lag, r.current_offset.map(|o| hw(sim, "orders", r.partition) - o));
        let owner =
            d.members.iter().find(|m| m.assignment.contains(&(r.topic.clone(), r.partition))).unwrap();
        assert_eq!(r.consumer_id.as_deref(), Some(owner.member_id.as_str()));
        assert_eq!(r.client_id.as_deref(), Some(owner.client_id.as_str()));
    }
    assert!(d.partitions.iter().any(|r| r.current_offset.is_some_and(|o| o > 0)), "the consumers committed");
}

#[test]
fn groups_as_their_coordinator_holds_them_and_the_coordinator_now() {
    let s = scenario("coordinator-failover");
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(15_000, 20_000_000);
    let before = describe_groups(&sim, ["orders-app", "nobody"]);
    assert_eq!(before.len(), 2);
    let nobody = before.iter().find(|d| d.group_id == "nobody").unwrap();
    assert!(nobody.members.is_empty() && nobody.partitions.is_empty());
    assert_eq!(nobody.state, "Dead", "a group its (loaded) coordinator does not know");
    let d = before.iter().find(|d| d.group_id == "orders-app").unwrap();
    check(&sim, d);
    let old = d.coordinator.unwrap();
    // The scenario crashes the coordinator's broker at 16 s; the partition moves once the
    // controller fences it, the new leader loads it, and the members rejoin there.
    sim.run_until(29_000, 20_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let after = describe_groups(&sim, ["orders-app"]);
    let d = &after[0];
    assert_ne!(d.coordinator, Some(old), "the card names the new coordinator, not the crashed one");
    check(&sim, d);
}

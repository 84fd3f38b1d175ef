//! The ghosts of removed records (`sim::picture::removed`), checked against the brokers
//! themselves: after the `retention-on-every-replica` run, every replica of `events-0`
//! has ghosts that cover exactly the offsets below its own log start offset (what its
//! broker no longer holds), contiguous from offset 0, with retention among the reasons
//! (the scenario's `delete_records` step moves the leader's start too, and the followers
//! follow it).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/scenario_run.rs"]
#[allow(dead_code)]
mod scenario_run;

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::sim::picture::removed::{RemovalReason, RemovedRegions};

#[test]
fn every_replica_has_ghosts_exactly_below_its_log_start() {
    let (_, sim) = scenario_run::run("retention-on-every-replica", 1);
    let mut regions = RemovedRegions::default();
    for (_, _, e) in sim.timeline().iter() {
        regions.absorb(e);
    }
    let tp = TopicPartition { topic: "events".into(), partition: 0 };
    for broker in 1..=3 {
        let node = sim.node(broker).and_then(|n| n.view().broker()).unwrap();
        let log_start = node.partition("events", 0).unwrap().log.log_start_offset();
        assert!(log_start > 0, "broker {broker}: retention ran");
        let ghosts = regions.of(broker, &tp);
        assert!(!ghosts.is_empty(), "broker {broker} has ghosts");
        assert!(
            ghosts.iter().any(|g| matches!(g.reason, RemovalReason::Retention(_))),
            "broker {broker}: retention among the reasons: {ghosts:?}"
        );
        // Contiguous, from the first ghost kept to the log start offset.
        for pair in ghosts.windows(2) {
            assert_eq!(pair[0].to_offset, pair[1].from_offset.unwrap(), "broker {broker}: {ghosts:?}");
        }
        assert_eq!(ghosts.last().unwrap().to_offset, log_start, "broker {broker}: up to its log start");
        let covered: u64 = ghosts.iter().map(|g| g.records).sum();
        let first = ghosts[0].from_offset.unwrap();
        assert_eq!(covered, (log_start - first) as u64, "broker {broker}: {ghosts:?}");
        if ghosts.len() < kafka_playground::sim::picture::removed::REGIONS_PER_REPLICA {
            assert_eq!(first, 0, "broker {broker}: nothing forgotten, so from offset 0: {ghosts:?}");
        }
    }
}

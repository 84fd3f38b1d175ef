//! What a consumer group read against what the producer had acknowledged, from a run's
//! timeline: shared by the consumer-group tests.

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId};
use kafka_playground::sim::Sim;
use std::collections::BTreeMap;

pub fn events(sim: &Sim) -> Vec<(i64, NodeId, ClusterEvent)> {
    sim.timeline().to_vec()
}

/// Every (partition, offset) processed, with how often, by the given clients (all when empty).
pub fn processed(sim: &Sim, clients: &[NodeId]) -> BTreeMap<(TopicPartition, i64), u32> {
    let mut out = BTreeMap::new();
    for (_, _, e) in sim.timeline() {
        if let ClusterEvent::RecordsConsumed { client_id, tp, first_offset, last_offset } = e {
            if clients.is_empty() || clients.contains(client_id) {
                for o in *first_offset..=*last_offset {
                    *out.entry((tp.clone(), o)).or_default() += 1;
                }
            }
        }
    }
    out
}

/// Acknowledged records per partition: offsets 0..n.
pub fn produced(sim: &Sim) -> BTreeMap<TopicPartition, i64> {
    let mut out: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    for (_, _, e) in sim.timeline() {
        if let ClusterEvent::SendAcknowledged { tp, base_offset, records, .. } = e {
            let end = base_offset + i64::from(*records);
            let v = out.entry(tp.clone()).or_default();
            *v = (*v).max(end);
        }
    }
    out
}

/// No acknowledged record is missing from what the clients processed.
pub fn assert_nothing_lost(sim: &Sim, clients: &[NodeId], what: &str) {
    let seen = processed(sim, clients);
    for (tp, end) in produced(sim) {
        for o in 0..end {
            assert!(
                seen.contains_key(&(tp.clone(), o)),
                "{what}: {}-{} offset {o} was never processed",
                tp.topic,
                tp.partition
            );
        }
    }
}

/// Consumers still catching up: per partition, everything below the furthest processed
/// offset was processed (no gaps).
pub fn assert_no_gaps(sim: &Sim, what: &str) {
    let seen = processed(sim, &[]);
    let mut furthest: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    for (tp, o) in seen.keys() {
        let f = furthest.entry(tp.clone()).or_insert(*o);
        *f = (*f).max(*o);
    }
    for (tp, last) in furthest {
        for o in 0..=last {
            assert!(
                seen.contains_key(&(tp.clone(), o)),
                "{what}: {}-{} offset {o} skipped",
                tp.topic,
                tp.partition
            );
        }
    }
}

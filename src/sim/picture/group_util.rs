//! Small pure helpers of the group picture: merged offset ranges (to count what a group
//! processed twice), a partition as a pair, bounded rings, and reading a consumer's node,
//! name and declared settings from the simulation and its scenario.

use crate::engine::client::consumer::{ConsumerConfig, ConsumerNode};
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, FIRST_CLIENT_ID};
use crate::sim::scenario::Scenario;
use crate::sim::Sim;
use std::collections::VecDeque;

/// The parts of `first..=last` already in the merged ranges.
pub(super) fn overlaps(ranges: &[(i64, i64)], first: i64, last: i64) -> Vec<(i64, i64)> {
    ranges.iter().map(|(a, b)| ((*a).max(first), (*b).min(last))).filter(|(lo, hi)| lo <= hi).collect()
}

/// Adds `first..=last` to merged ranges; returns how many of those offsets were there.
pub(super) fn add_range(ranges: &mut Vec<(i64, i64)>, first: i64, last: i64) -> u64 {
    let mut overlap = 0;
    for (a, b) in ranges.iter() {
        let (lo, hi) = ((*a).max(first), (*b).min(last));
        if lo <= hi {
            overlap += (hi - lo + 1) as u64;
        }
    }
    ranges.push((first, last));
    ranges.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges.drain(..) {
        match merged.last_mut() {
            Some((_, pb)) if a <= *pb + 1 => *pb = (*pb).max(b),
            _ => merged.push((a, b)),
        }
    }
    *ranges = merged;
    overlap
}

pub(super) fn pair(tp: &TopicPartition) -> (String, u32) {
    (tp.topic.to_string(), tp.partition)
}

pub(super) fn push_bounded<T>(q: &mut VecDeque<T>, item: T, cap: usize) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(item);
}

pub(super) fn consumer(sim: &Sim, id: NodeId) -> Option<&ConsumerNode> {
    sim.node(id).and_then(|n| n.view().consumer())
}

pub(super) fn client_name(s: &Scenario, id: NodeId) -> String {
    s.clients
        .get(id.saturating_sub(FIRST_CLIENT_ID) as usize)
        .map_or_else(|| id.to_string(), |c| c.id.clone())
}

pub(super) fn declared_config(s: &Scenario, i: usize) -> Option<ConsumerConfig> {
    let c = s.clients.get(i)?;
    if c.kind == crate::sim::scenario::ClientKind::Pipeline {
        return crate::sim::scenario::pipeline::pipeline_configs(i, c, &[])
            .ok()
            .map(|(consumer, _)| consumer);
    }
    ConsumerConfig::from_pairs(c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).ok()
}

/// When the member's application commits: `playground.commit.sync`'s value, or
/// `in-transaction` for a pipeline (its offsets go in its producer's transaction).
pub(super) fn commit_moment(spec: &crate::sim::scenario::ClientSpec, c: &ConsumerConfig) -> String {
    if spec.kind == crate::sim::scenario::ClientKind::Pipeline {
        return "in-transaction".to_string();
    }
    c.commit_sync.name().to_string()
}

pub(super) fn assignors(c: &ConsumerConfig) -> String {
    c.partition_assignment_strategy.iter().map(|a| a.name()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_count_what_was_processed_before() {
        let mut r = Vec::new();
        assert_eq!(add_range(&mut r, 0, 9), 0);
        assert_eq!(add_range(&mut r, 20, 29), 0);
        assert_eq!(add_range(&mut r, 5, 24), 10, "5..=9 and 20..=24 again");
        assert_eq!(r, vec![(0, 29)]);
        assert_eq!(add_range(&mut r, 31, 31), 0);
        assert_eq!(r, vec![(0, 29), (31, 31)]);
        assert_eq!(overlaps(&r, 25, 40), vec![(25, 29), (31, 31)]);
    }
}

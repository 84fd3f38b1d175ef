//! What the group's commit moment cost, per member: records it processed that the group
//! had processed before (duplicates: committed after processing, at least once) and
//! records a commit of its moved the group past that nobody processed (lost: committed
//! before processing, at most once — Kafka's "crash after saving its position but
//! before saving the output of its processing"). A partition's lost offsets are those
//! from where the group began reading up to its committed offset that no member
//! processed, leaving out what a live owner is still processing (committed ahead of it
//! on purpose); each is charged to the member whose commit passed it. Every list is
//! bounded.

use super::group_util::{add_range, consumer, overlaps};
use super::view::OffsetRange;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, FIRST_CLIENT_ID};
use crate::sim::scenario::Scenario;
use crate::sim::Sim;
use std::collections::{BTreeMap, VecDeque};

/// Commit advances kept per partition (a member's consecutive commits merge into one).
const ADVANCES_KEPT: usize = 64;
/// Ranges kept per member and shown.
pub const RANGES_KEPT: usize = 12;

#[derive(Default)]
pub(super) struct DeliveryTrack {
    /// Per partition: the lowest position a member fetched from (where reading began).
    began: BTreeMap<TopicPartition, i64>,
    /// Per partition: the highest offset a member's commit was accepted with.
    committed: BTreeMap<TopicPartition, i64>,
    /// Per partition: (from, to, client) of each commit that moved `committed` forward.
    advances: BTreeMap<TopicPartition, VecDeque<(i64, i64, NodeId)>>,
    /// Per member: offsets it processed that the group had processed before, merged.
    duplicates: BTreeMap<NodeId, Vec<OffsetRange>>,
    /// Per partition: the offsets the group has processed, as merged ranges.
    processed: BTreeMap<TopicPartition, Vec<(i64, i64)>>,
    /// Per partition: offsets processed or passed by a fetch with nothing to consume
    /// (COMMIT/ABORT markers, aborted transactions under read_committed), merged: no
    /// commit past them loses a record.
    accounted: BTreeMap<TopicPartition, Vec<(i64, i64)>>,
}

impl DeliveryTrack {
    pub(super) fn fetched(&mut self, tp: &TopicPartition, position: i64) {
        let b = self.began.entry(tp.clone()).or_insert(position);
        *b = (*b).min(position);
    }

    /// A commit the coordinator accepted from `client`.
    pub(super) fn committed(&mut self, client: NodeId, offsets: &[(TopicPartition, i64)]) {
        for (tp, to) in offsets {
            let from = self.committed.get(tp).copied();
            if from.is_some_and(|f| f >= *to) {
                continue;
            }
            self.committed.insert(tp.clone(), *to);
            let from = from.unwrap_or(*to);
            let q = self.advances.entry(tp.clone()).or_default();
            match q.back_mut() {
                Some((_, last_to, c)) if *c == client && *last_to == from => *last_to = *to,
                _ => {
                    if q.len() == ADVANCES_KEPT {
                        q.pop_front();
                    }
                    q.push_back((from, *to, client));
                }
            }
        }
    }

    /// `client` processed `first..=last` of `tp`; returns how many of those offsets the
    /// group had processed before.
    pub(super) fn consumed(&mut self, client: NodeId, tp: &TopicPartition, first: i64, last: i64) -> u64 {
        add_range(self.accounted.entry(tp.clone()).or_default(), first, last);
        let done = self.processed.entry(tp.clone()).or_default();
        let again = overlaps(done, first, last);
        let dup = add_range(done, first, last);
        self.processed_again(client, tp, &again);
        dup
    }

    /// A fetch passed `first..=last` of `tp` with nothing to consume there.
    pub(super) fn skipped(&mut self, tp: &TopicPartition, first: i64, last: i64) {
        add_range(self.accounted.entry(tp.clone()).or_default(), first, last);
    }

    /// `client` processed `ranges` of `tp` a second time.
    fn processed_again(&mut self, client: NodeId, tp: &TopicPartition, ranges: &[(i64, i64)]) {
        let list = self.duplicates.entry(client).or_default();
        for (first, last) in ranges {
            match list.last_mut() {
                Some(r)
                    if r.topic == tp.topic.as_str()
                        && r.partition == tp.partition
                        && r.last + 1 == *first =>
                {
                    r.last = *last
                }
                _ => {
                    if list.len() == RANGES_KEPT {
                        list.remove(0);
                    }
                    list.push(OffsetRange::new(tp, *first, *last));
                }
            }
        }
    }

    pub(super) fn duplicates_of(&self, client: NodeId) -> Vec<OffsetRange> {
        self.duplicates.get(&client).cloned().unwrap_or_default()
    }

    /// Lost offsets per member: below the committed offset (and below what a live owner
    /// has processed, `live_processed`), from where reading began, processed by nobody
    /// (a marker or an aborted record a fetch passed counts as accounted for).
    pub(super) fn lost(
        &self,
        live_processed: &BTreeMap<TopicPartition, i64>,
    ) -> BTreeMap<NodeId, (u64, Vec<OffsetRange>)> {
        let mut out: BTreeMap<NodeId, (u64, Vec<OffsetRange>)> = BTreeMap::new();
        for (tp, committed) in &self.committed {
            let Some(began) = self.began.get(tp).copied() else { continue };
            let end = live_processed.get(tp).map_or(*committed, |p| (*p).min(*committed));
            let done = self.accounted.get(tp).map(Vec::as_slice).unwrap_or(&[]);
            for (gap_first, gap_last) in gaps(done, began, end - 1) {
                for (from, to, client) in self.advances.get(tp).into_iter().flatten() {
                    let (first, last) = (gap_first.max(*from), gap_last.min(to - 1));
                    if first <= last {
                        let entry = out.entry(*client).or_default();
                        entry.0 += (last - first + 1) as u64;
                        if entry.1.len() < RANGES_KEPT {
                            entry.1.push(OffsetRange::new(tp, first, last));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Per partition, what the live members of `group` have processed up to.
pub(super) fn live_processed(sim: &Sim, s: &Scenario, group: &str) -> BTreeMap<TopicPartition, i64> {
    (0..s.clients.len() as u32)
        .filter_map(|i| consumer(sim, FIRST_CLIENT_ID + i))
        .filter(|n| n.group_id() == Some(group))
        .flat_map(|n| n.processed())
        .collect()
}

/// The offsets of `first..=last` not in the merged, sorted `ranges`, as ranges.
fn gaps(ranges: &[(i64, i64)], first: i64, last: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut next = first;
    for (a, b) in ranges {
        if *b < next {
            continue;
        }
        if *a > last {
            break;
        }
        if *a > next {
            out.push((next, a - 1));
        }
        next = next.max(b + 1);
    }
    if next <= last {
        out.push((next, last));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition { topic: "orders".into(), partition: 0 }
    }

    #[test]
    fn gaps_are_what_the_ranges_leave_out() {
        assert_eq!(gaps(&[(0, 9), (20, 29)], 0, 39), vec![(10, 19), (30, 39)]);
        assert_eq!(gaps(&[(0, 9)], 0, 9), vec![]);
        assert_eq!(gaps(&[], 5, 4), vec![]);
        assert_eq!(gaps(&[(3, 4)], 0, 9), vec![(0, 2), (5, 9)]);
    }

    #[test]
    fn records_committed_but_never_processed_are_charged_to_the_committer() {
        let track = |consumed: &[(NodeId, i64, i64)]| {
            let mut d = DeliveryTrack::default();
            d.fetched(&tp(), 0);
            d.committed(1, &[(tp(), 50)]);
            d.committed(1, &[(tp(), 100)]);
            d.committed(2, &[(tp(), 150)]);
            for (client, first, last) in consumed {
                d.consumed(*client, &tp(), *first, *last);
            }
            d
        };
        // c1 processed 0..=68 and died; c2 took over at 100 and processed 100..=149.
        let d = track(&[(1, 0, 68), (2, 100, 149)]);
        let lost = d.lost(&BTreeMap::from([(tp(), 150)]));
        assert_eq!(lost.get(&1).map(|l| l.0), Some(31), "69..=99");
        assert_eq!(lost[&1].1, vec![OffsetRange::new(&tp(), 69, 99)]);
        assert!(!lost.contains_key(&2));
        // While the owner is still processing what it committed, nothing is lost.
        assert!(track(&[(1, 0, 68)]).lost(&BTreeMap::from([(tp(), 69)])).is_empty());
    }

    #[test]
    fn offsets_a_fetch_passed_are_not_lost() {
        let mut d = DeliveryTrack::default();
        d.fetched(&tp(), 0);
        d.consumed(1, &tp(), 0, 4);
        d.skipped(&tp(), 5, 5);
        d.consumed(1, &tp(), 6, 9);
        d.committed(1, &[(tp(), 10)]);
        assert!(d.lost(&BTreeMap::new()).is_empty(), "offset 5 is a marker, not a lost record");
    }

    #[test]
    fn duplicate_ranges_merge_per_member() {
        let mut d = DeliveryTrack::default();
        d.processed_again(1, &tp(), &[(50, 59)]);
        d.processed_again(1, &tp(), &[(60, 68)]);
        assert_eq!(d.duplicates_of(1), vec![OffsetRange::new(&tp(), 50, 68)]);
        assert!(d.duplicates_of(2).is_empty());
    }
}

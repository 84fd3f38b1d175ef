//! One group's rebalances as figures a learner can check: each round of the coordinator's
//! protocol (PreparingRebalance → Stable at a new generation, Kafka's
//! `GroupMetadataManager.prepareRebalance` / `ClassicGroup.initNextGeneration`), the
//! members it stopped (a member that owned partitions and then owned none until the new
//! assignment: `ConsumerCoordinator.onJoinPrepare` revokes everything under EAGER, only
//! what moves under COOPERATIVE) and, per partition, the gap it had without a consuming
//! owner (from its owner's `onPartitionsRevoked`, or its owner's crash, to the
//! `onPartitionsAssigned` that gives it again).
//!
//! Invariants: a gap or a stop is attributed to the generation whose assignment ends it;
//! a newcomer's empty first assignment is never a stop (it had nothing to stop); a crashed
//! process is not a stopped member (it is gone), but its partitions are unserved from the
//! moment it crashed, while the coordinator still assigns them to it. Everything is
//! bounded (`ROUNDS_KEPT` rounds; one entry per partition or member).

use super::view::{GroupStateStep, OwnershipView, RebalanceView, UnservedView};
use crate::engine::cluster::messages::TopicPartition;
use std::collections::{BTreeMap, VecDeque};

const ROUNDS_KEPT: usize = 30;
/// The group's states kept for its strip (the newest).
const STATES_KEPT: usize = 24;
/// Owner changes kept per partition (the newest).
const OWNERS_KEPT: usize = 8;

/// A partition without a consuming owner since `from_ms`.
#[derive(Debug, Clone)]
struct Gap {
    from_ms: i64,
    last_owner: String,
    crashed: bool,
}

#[derive(Debug, Default)]
pub(super) struct Rebalances {
    rounds: VecDeque<RebalanceView>,
    /// Each partition's consuming owner now (a client's name).
    owner: BTreeMap<TopicPartition, String>,
    gaps: BTreeMap<TopicPartition, Gap>,
    /// Members that owned partitions and own none now: since when.
    stopped_since: BTreeMap<String, i64>,
    /// The coordinator's states, oldest first.
    states: VecDeque<GroupStateStep>,
    /// Each partition's consuming owners over time: (since, owner; none while unserved).
    owners_over_time: BTreeMap<TopicPartition, VecDeque<(i64, Option<String>)>>,
}

impl Rebalances {
    /// The coordinator's states, oldest first (the group's strip).
    pub(super) fn states(&self) -> Vec<GroupStateStep> {
        self.states.iter().cloned().collect()
    }

    /// Notes the partition's consuming owner from `at` (none: unserved), if it changed.
    fn owner_from(&mut self, at: i64, tp: &TopicPartition, owner: Option<&str>) {
        let spans = self.owners_over_time.entry(tp.clone()).or_default();
        if spans.back().is_some_and(|(_, o)| o.as_deref() == owner) {
            return;
        }
        if spans.len() == OWNERS_KEPT {
            spans.pop_front();
        }
        spans.push_back((at, owner.map(str::to_string)));
    }

    /// Each partition's consuming owners over time, oldest first.
    pub(super) fn ownership(&self) -> Vec<OwnershipView> {
        self.owners_over_time
            .iter()
            .map(|(tp, spans)| OwnershipView {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                owners: spans.iter().cloned().collect(),
            })
            .collect()
    }

    fn running(&mut self) -> Option<&mut RebalanceView> {
        self.rounds.back_mut().filter(|r| r.completed_ms.is_none())
    }

    /// The coordinator moved the group to `to` (Kafka's state names).
    pub(super) fn state_changed(&mut self, at: i64, to: &str, generation: i32, reason: &str) {
        if self.states.len() == STATES_KEPT {
            self.states.pop_front();
        }
        self.states.push_back(GroupStateStep { at_ms: at, state: to.to_string(), generation });
        match to {
            "PreparingRebalance" if self.running().is_none() => {
                if self.rounds.len() == ROUNDS_KEPT {
                    self.rounds.pop_front();
                }
                self.rounds.push_back(RebalanceView {
                    generation: None,
                    started_ms: at,
                    completed_ms: None,
                    reason: reason.to_string(),
                    stopped: Vec::new(),
                    unserved: Vec::new(),
                });
            }
            // The generation is chosen when the joins are complete.
            "CompletingRebalance" => {
                if let Some(r) = self.running() {
                    r.generation = Some(generation);
                }
            }
            "Stable" | "Empty" | "Dead" => {
                if let Some(r) = self.running() {
                    r.generation = Some(generation);
                    r.completed_ms = Some(at);
                }
            }
            _ => {}
        }
    }

    /// The round that produced `generation` (the running one if it has not been named;
    /// a new completed one if the coordinator's report was not seen, e.g. on failover).
    fn round_of(&mut self, at: i64, generation: i32) -> &mut RebalanceView {
        let found = self.rounds.iter().rposition(|r| r.generation == Some(generation));
        let index = match found {
            Some(i) => i,
            None if self.rounds.back().is_some_and(|r| r.generation.is_none()) => self.rounds.len() - 1,
            None => {
                if self.rounds.len() == ROUNDS_KEPT {
                    self.rounds.pop_front();
                }
                self.rounds.push_back(RebalanceView {
                    generation: Some(generation),
                    started_ms: at,
                    completed_ms: Some(at),
                    reason: String::new(),
                    stopped: Vec::new(),
                    unserved: Vec::new(),
                });
                self.rounds.len() - 1
            }
        };
        let round = &mut self.rounds[index];
        round.generation = Some(generation);
        round
    }

    /// `onPartitionsRevoked` / `onPartitionsLost`: `owns_after` is what it still owns.
    pub(super) fn revoked(&mut self, at: i64, client: &str, revoked: &[TopicPartition], owns_after: usize) {
        let mut had = owns_after > 0;
        for tp in revoked {
            if self.owner.get(tp).is_some_and(|o| o == client) {
                self.owner.remove(tp);
                self.owner_from(at, tp, None);
                had = true;
                self.gaps
                    .insert(tp.clone(), Gap { from_ms: at, last_owner: client.to_string(), crashed: false });
            }
        }
        if had && owns_after == 0 {
            self.stopped_since.entry(client.to_string()).or_insert(at);
        }
    }

    /// The consumer's process died at `at` owning `owned`.
    pub(super) fn crashed(&mut self, at: i64, client: &str, owned: impl Iterator<Item = TopicPartition>) {
        for tp in owned {
            if self.owner.get(&tp).is_some_and(|o| o == client) {
                self.owner.remove(&tp);
                self.owner_from(at, &tp, None);
                self.gaps.insert(tp, Gap { from_ms: at, last_owner: client.to_string(), crashed: true });
            }
        }
        self.stopped_since.remove(client);
    }

    /// `onPartitionsAssigned` at `generation`: it owns `owned` now.
    pub(super) fn assigned(&mut self, at: i64, client: &str, generation: i32, owned: &[TopicPartition]) {
        let mut ended = Vec::new();
        for tp in owned {
            self.owner.insert(tp.clone(), client.to_string());
            self.owner_from(at, tp, Some(client));
            if let Some(gap) = self.gaps.remove(tp) {
                ended.push(UnservedView {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    from_ms: gap.from_ms,
                    to_ms: at,
                    open: false,
                    last_owner: gap.last_owner,
                    owner_crashed: gap.crashed,
                    assigned_to: Some(client.to_string()),
                });
            }
        }
        let stop = if owned.is_empty() { None } else { self.stopped_since.remove(client) };
        if ended.is_empty() && stop.is_none() {
            return;
        }
        let round = self.round_of(at, generation);
        round.unserved.extend(ended);
        if let Some(since) = stop {
            round.stopped.push((client.to_string(), at - since));
        }
    }

    /// The rounds, the running one with its stops and gaps counted to `now_ms`, and the
    /// partitions unserved now; `assigned_to` names the member the coordinator's current
    /// generation gives a partition to.
    pub(super) fn view(
        &self,
        now_ms: i64,
        assigned_to: impl Fn(&TopicPartition) -> Option<String>,
    ) -> (Vec<RebalanceView>, Vec<UnservedView>) {
        let open: Vec<UnservedView> = self
            .gaps
            .iter()
            .map(|(tp, g)| UnservedView {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                from_ms: g.from_ms,
                to_ms: now_ms,
                open: true,
                last_owner: g.last_owner.clone(),
                owner_crashed: g.crashed,
                assigned_to: assigned_to(tp),
            })
            .collect();
        let mut rounds: Vec<RebalanceView> = self.rounds.iter().cloned().collect();
        if let Some(r) = rounds.last_mut().filter(|r| r.completed_ms.is_none()) {
            r.stopped.extend(self.stopped_since.iter().map(|(c, since)| (c.clone(), now_ms - since)));
            r.unserved.extend(open.iter().cloned());
        }
        (rounds, open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: u32) -> TopicPartition {
        TopicPartition { topic: "orders".into(), partition: p }
    }

    #[test]
    fn eager_stops_members_that_had_partitions_and_a_newcomer_is_not_stopped() {
        let mut r = Rebalances::default();
        r.state_changed(0, "PreparingRebalance", 0, "first");
        r.assigned(100, "c1", 1, &[tp(0), tp(1)]);
        r.assigned(100, "c2", 1, &[]);
        r.state_changed(1_000, "PreparingRebalance", 1, "c3 joins");
        r.revoked(1_200, "c1", &[tp(0), tp(1)], 0);
        r.state_changed(1_500, "Stable", 2, "stored");
        r.assigned(1_700, "c1", 2, &[tp(0)]);
        r.assigned(1_700, "c2", 2, &[]);
        r.assigned(1_710, "c3", 2, &[tp(1)]);
        let (rounds, open) = r.view(2_000, |_| None);
        assert!(open.is_empty());
        let last = rounds.last().unwrap();
        assert_eq!(last.generation, Some(2));
        assert_eq!(last.stopped, vec![("c1".to_string(), 500)], "c2 owned nothing: not stopped");
        assert_eq!(last.stop_the_world_ms(), 500);
        let gaps: Vec<(u32, i64)> = last.unserved.iter().map(|u| (u.partition, u.ms())).collect();
        assert_eq!(gaps, vec![(0, 500), (1, 510)]);
    }

    #[test]
    fn each_partitions_owners_over_time_with_its_unserved_spans() {
        let mut r = Rebalances::default();
        r.assigned(100, "c1", 1, &[tp(0), tp(1)]);
        r.revoked(1_200, "c1", &[tp(0), tp(1)], 0);
        r.assigned(1_700, "c1", 2, &[tp(0)]);
        r.assigned(1_710, "c3", 2, &[tp(1)]);
        r.assigned(1_800, "c1", 2, &[tp(0)]);
        type Owners = Vec<(i64, Option<String>)>;
        let owners: Vec<(u32, Owners)> = r.ownership().into_iter().map(|o| (o.partition, o.owners)).collect();
        let c = |s: &str| Some(s.to_string());
        assert_eq!(
            owners,
            vec![
                (0, vec![(100, c("c1")), (1_200, None), (1_700, c("c1"))]),
                (1, vec![(100, c("c1")), (1_200, None), (1_710, c("c3"))]),
            ],
            "a repeated assignment to the same owner is no change"
        );
    }

    #[test]
    fn a_crashed_owner_leaves_its_partitions_unserved_until_they_are_given_again() {
        let mut r = Rebalances::default();
        r.assigned(100, "c1", 1, &[tp(0)]);
        r.assigned(100, "c2", 1, &[tp(1)]);
        r.crashed(12_000, "c2", [tp(1)].into_iter());
        let (_, open) = r.view(30_000, |_| Some("c2".into()));
        assert_eq!(open.len(), 1);
        assert!(open[0].owner_crashed && open[0].open && open[0].ms() == 18_000);
        r.state_changed(57_000, "PreparingRebalance", 1, "c2 expired");
        r.revoked(57_100, "c1", &[tp(0)], 0);
        r.assigned(57_300, "c1", 2, &[tp(0), tp(1)]);
        let (rounds, open) = r.view(60_000, |_| None);
        assert!(open.is_empty());
        let last = rounds.last().unwrap();
        assert_eq!(last.stopped, vec![("c1".to_string(), 200)]);
        let gap = last.unserved.iter().find(|u| u.partition == 1).unwrap();
        assert_eq!((gap.from_ms, gap.to_ms, gap.owner_crashed), (12_000, 57_300, true));
    }
}

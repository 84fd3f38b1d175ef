//! One partition replica on one broker (Kafka's `Partition` + `Replica`): its log and
//! leader epoch cache, the high watermark, the partition state from the metadata, and,
//! while it leads, what it knows of each follower (`ReplicaState`). The rules are
//! Kafka's: `lastCaughtUpTimeMs`, `isCaughtUp`, `maybeIncrementLeaderHW` over the maximal
//! ISR, `isFollowerInSync` for expansion. Invariants: `high_watermark ≤ log_end_offset`;
//! a leader's high watermark never moves backwards; at most one AlterPartition in flight.

use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::NodeId;
use crate::engine::faults::{self, Fault};
use crate::engine::log::{LeaderEpochCache, PartitionLog};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `UnifiedLog.UnknownOffset`.
pub const UNKNOWN_OFFSET: i64 = -1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Leader,
    Follower,
    /// No leader known, or this broker is not a replica: neither serves nor fetches.
    Offline,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Offline => "offline",
        }
    }
}

fn unknown_offset() -> i64 {
    UNKNOWN_OFFSET
}

/// What a leader knows of one follower (`ReplicaState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerState {
    pub log_end_offset: i64,
    pub last_fetch_leader_log_end_offset: i64,
    pub last_fetch_time_ms: i64,
    pub last_caught_up_time_ms: i64,
    /// The follower's log start offset from its last fetch (`UNKNOWN_OFFSET` before).
    #[serde(default = "unknown_offset")]
    pub log_start_offset: i64,
}

impl FollowerState {
    /// A new leader's view (`resetReplicaState` with `isNewLeader`): offsets unknown; an
    /// ISR member counts as caught up now, anyone else never.
    pub fn reset(now_ms: i64, in_sync: bool) -> Self {
        FollowerState {
            log_end_offset: UNKNOWN_OFFSET,
            last_fetch_leader_log_end_offset: UNKNOWN_OFFSET,
            last_fetch_time_ms: 0,
            last_caught_up_time_ms: if in_sync { now_ms } else { 0 },
            log_start_offset: UNKNOWN_OFFSET,
        }
    }

    /// `updateFetchStateOrThrow`: a fetch at `fetch_offset` proves the follower has
    /// everything before it; it was caught up now if it reached the leader's LEO, or at
    /// its previous fetch if it reached the LEO the leader had then.
    pub fn record_fetch(&mut self, fetch_offset: i64, now_ms: i64, leader_log_end_offset: i64) {
        if fetch_offset >= leader_log_end_offset {
            self.last_caught_up_time_ms = self.last_caught_up_time_ms.max(now_ms);
        } else if fetch_offset >= self.last_fetch_leader_log_end_offset {
            self.last_caught_up_time_ms = self.last_caught_up_time_ms.max(self.last_fetch_time_ms);
        }
        self.log_end_offset = fetch_offset;
        self.last_fetch_leader_log_end_offset = leader_log_end_offset;
        self.last_fetch_time_ms = now_ms;
    }

    /// `isCaughtUp`.
    pub fn is_caught_up(
        &self,
        leader_log_end_offset: i64,
        now_ms: i64,
        replica_lag_time_max_ms: i64,
    ) -> bool {
        self.log_end_offset == leader_log_end_offset
            || now_ms - self.last_caught_up_time_ms <= replica_lag_time_max_ms
    }
}

/// An AlterPartition sent and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAlter {
    pub new_isr: Vec<NodeId>,
    pub sent_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partition {
    pub log: PartitionLog,
    pub epoch_cache: LeaderEpochCache,
    pub high_watermark: i64,
    pub role: Role,
    pub state: PartitionState,
    /// Leader only: the LEO when it became leader (`leaderEpochStartOffsetOpt`).
    pub leader_epoch_start_offset: i64,
    pub followers: BTreeMap<NodeId, FollowerState>,
    pub pending_alter: Option<PendingAlter>,
    /// Follower only: no fetching before this time (after an error).
    pub fetch_backoff_until_ms: i64,
    /// Where the log cleaner's last cleaning ended (`cleaner-offset-checkpoint`).
    #[serde(default)]
    pub last_clean_offset: Option<i64>,
}

impl Partition {
    pub fn new(log: PartitionLog, epoch_cache: LeaderEpochCache, high_watermark: i64) -> Self {
        let high_watermark = high_watermark.clamp(log.log_start_offset(), log.log_end_offset());
        Partition {
            log,
            epoch_cache,
            high_watermark,
            role: Role::Offline,
            state: PartitionState {
                replicas: Vec::new(),
                isr: Vec::new(),
                leader: None,
                leader_epoch: -1,
                partition_epoch: -1,
            },
            leader_epoch_start_offset: UNKNOWN_OFFSET,
            followers: BTreeMap::new(),
            pending_alter: None,
            fetch_backoff_until_ms: 0,
            last_clean_offset: None,
        }
    }

    pub fn log_end_offset(&self) -> i64 {
        self.log.log_end_offset()
    }

    pub fn is_leader(&self) -> bool {
        self.role == Role::Leader
    }

    /// `makeLeader`: the epoch starts at the LEO, the followers' states are reset.
    pub fn make_leader(&mut self, self_id: NodeId, now_ms: i64) {
        let leo = self.log_end_offset();
        self.epoch_cache.assign(self.state.leader_epoch, leo);
        self.leader_epoch_start_offset = leo;
        self.followers = self
            .state
            .replicas
            .iter()
            .filter(|r| **r != self_id)
            .map(|r| (*r, FollowerState::reset(now_ms, self.state.isr.contains(r))))
            .collect();
        self.pending_alter = None;
        self.role = Role::Leader;
    }

    /// The ISR plus a replica being added (`maximalIsr`): the HW waits for all of them.
    /// Whether `id` is in [`Self::maximal_isr`] (without building it).
    pub fn in_maximal_isr(&self, id: NodeId) -> bool {
        self.state.isr.contains(&id) || self.pending_alter.as_ref().is_some_and(|p| p.new_isr.contains(&id))
    }

    /// `maximal_isr().len()` without building it.
    pub fn maximal_isr_len(&self) -> usize {
        let added = self.pending_alter.as_ref().map_or(0, |p| {
            let new = &p.new_isr;
            (0..new.len())
                .filter(|&k| !self.state.isr.contains(&new[k]) && !new[..k].contains(&new[k]))
                .count()
        });
        self.state.isr.len() + added
    }

    pub fn maximal_isr(&self) -> Vec<NodeId> {
        let mut isr = self.state.isr.clone();
        if let Some(p) = &self.pending_alter {
            for r in &p.new_isr {
                if !isr.contains(r) {
                    isr.push(*r);
                }
            }
        }
        isr
    }

    /// `effectiveMinIsr`: `min.insync.replicas`, capped by the replication factor.
    pub fn effective_min_isr(&self) -> u32 {
        self.log.config.min_insync_replicas.min(self.state.replicas.len() as u32).max(1)
    }

    /// `isUnderMinIsr`.
    pub fn is_under_min_isr(&self) -> bool {
        (self.state.isr.len() as u32) < self.effective_min_isr()
    }

    /// `maybeIncrementLeaderHW`: the smallest LEO among the maximal ISR and the replicas
    /// caught up enough to join it; never while the ISR is under `min.insync.replicas`
    /// (Kafka 3.7+, KAFKA-15583). Returns the new HW if it moved forward.
    pub fn maybe_increment_high_watermark(
        &mut self,
        now_ms: i64,
        lag_max_ms: i64,
        eligible: impl Fn(NodeId) -> bool,
    ) -> Option<i64> {
        if !self.is_leader() || self.is_under_min_isr() {
            return None;
        }
        let leo = self.log_end_offset();
        let mut new_hw = leo;
        // A test-only bug (break-engine): the HW runs ahead of the ISR.
        let ignore_isr = faults::on(Fault::LeaderHwIgnoresIsr);
        for (id, f) in self.followers.iter().filter(|_| !ignore_isr) {
            let waits =
                self.in_maximal_isr(*id) || (f.is_caught_up(leo, now_ms, lag_max_ms) && eligible(*id));
            if waits && f.log_end_offset < new_hw {
                new_hw = f.log_end_offset;
            }
        }
        // A test-only bug (break-engine): the HW follows the minimum down too (never below
        // the log start, so only the "never goes back" rule breaks).
        let moves = new_hw > self.high_watermark
            || (faults::on(Fault::LeaderHwMovesBack)
                && new_hw != self.high_watermark
                && new_hw >= self.log.log_start_offset());
        moves.then(|| {
            self.high_watermark = new_hw;
            self.log.on_high_watermark_updated(new_hw);
            new_hw
        })
    }

    /// `UnifiedLog.lastStableOffset` (LSO): below it every transaction is decided and
    /// replicated; min(first unstable offset, high watermark).
    pub fn last_stable_offset(&self) -> i64 {
        self.log.producer_state().last_stable_offset_at(self.high_watermark)
    }

    /// `lowWatermarkIfLeader`: the smallest log start offset among this leader and the
    /// followers on live brokers (a follower not heard from yet counts as unknown, -1).
    pub fn low_watermark(&self, alive: impl Fn(NodeId) -> bool) -> i64 {
        self.followers
            .iter()
            .filter(|(id, _)| alive(**id))
            .map(|(_, f)| f.log_start_offset)
            .fold(self.log.log_start_offset(), i64::min)
    }

    /// `isFollowerInSync` for expansion: the follower has everything up to the HW and
    /// everything written before this leader's epoch began.
    pub fn should_expand_isr(&self, follower: NodeId) -> bool {
        self.is_leader()
            && self.pending_alter.is_none()
            && !self.state.isr.contains(&follower)
            && self.state.replicas.contains(&follower)
            && self.followers.get(&follower).is_some_and(|f| {
                f.log_end_offset >= self.high_watermark && f.log_end_offset >= self.leader_epoch_start_offset
            })
    }

    /// `getOutOfSyncReplicas`: ISR members (never the leader) not caught up in time.
    pub fn out_of_sync_replicas(&self, now_ms: i64, lag_max_ms: i64) -> Vec<NodeId> {
        let leo = self.log_end_offset();
        self.state
            .isr
            .iter()
            .filter(|r| self.followers.get(r).is_some_and(|f| !f.is_caught_up(leo, now_ms, lag_max_ms)))
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::topic::TopicConfig;

    #[test]
    fn last_caught_up_time_follows_kafka() {
        let mut f = FollowerState::reset(0, true);
        f.record_fetch(0, 100, 5);
        assert_eq!(f.last_caught_up_time_ms, 0, "behind the leader's LEO");
        f.record_fetch(5, 200, 8);
        assert_eq!(f.last_caught_up_time_ms, 100, "reached the LEO of the previous fetch");
        f.record_fetch(8, 300, 8);
        assert_eq!(f.last_caught_up_time_ms, 300);
        assert!(f.is_caught_up(8, 100_000, 30_000), "at the LEO: caught up whatever the time");
        assert!(!f.is_caught_up(9, 30_301, 30_000));
    }

    #[test]
    fn a_follower_state_stored_without_a_log_start_offset_reads_it_as_unknown() {
        // Stored before the field existed: Kafka's `ReplicaState` starts at
        // `UnifiedLog.UNKNOWN_OFFSET` (-1) until the follower's first fetch says otherwise.
        let text = r#"{"log_end_offset":7,"last_fetch_leader_log_end_offset":7,"last_fetch_time_ms":5,"last_caught_up_time_ms":5}"#;
        let f: FollowerState = serde_json::from_str(text).unwrap();
        assert_eq!((f.log_end_offset, f.log_start_offset), (7, -1));
    }

    #[test]
    fn the_high_watermark_waits_for_the_maximal_isr_and_min_isr() {
        let config = TopicConfig { min_insync_replicas: 2, ..TopicConfig::default() };
        let mut p = Partition::new(PartitionLog::new(1, "t", 0, config, 0), LeaderEpochCache::new(), 0);
        p.state = PartitionState {
            replicas: vec![1, 2, 3],
            isr: vec![1, 2],
            leader: Some(1),
            leader_epoch: 0,
            partition_epoch: 0,
        };
        let t = 100_000;
        p.make_leader(1, t);
        p.log.segments[0].next_offset = 10;
        p.followers.get_mut(&2).unwrap().record_fetch(6, t + 10, 10);
        assert_eq!(
            p.maybe_increment_high_watermark(t + 10, 30_000, |_| true),
            Some(6),
            "3 is out of the ISR"
        );
        p.pending_alter = Some(PendingAlter { new_isr: vec![1, 2, 3], sent_at_ms: t });
        p.followers.get_mut(&2).unwrap().record_fetch(10, t + 20, 10);
        assert_eq!(
            p.maybe_increment_high_watermark(t + 20, 30_000, |_| true),
            None,
            "3 is joining: wait for it"
        );
        p.pending_alter = None;
        p.state.isr = vec![1];
        assert_eq!(p.maybe_increment_high_watermark(t + 20, 30_000, |_| true), None, "under min ISR");
        p.state.isr = vec![1, 2];
        assert_eq!(p.maybe_increment_high_watermark(t + 20, 30_000, |_| true), Some(10));
        assert_eq!(
            p.maybe_increment_high_watermark(t + 30, 30_000, |_| true),
            None,
            "nothing new: the HW stays (maybeIncrementLeaderHW moves it only forward)"
        );
    }

    #[test]
    fn the_low_watermark_is_the_smallest_log_start_of_the_live_replicas() {
        let mut p = Partition::new(
            PartitionLog::new(1, "t", 0, TopicConfig::default(), 0),
            LeaderEpochCache::new(),
            0,
        );
        p.state = PartitionState {
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            leader: Some(1),
            leader_epoch: 0,
            partition_epoch: 0,
        };
        p.make_leader(1, 0);
        p.log.log_start_offset = 9;
        p.followers.get_mut(&2).unwrap().log_start_offset = 7;
        p.followers.get_mut(&3).unwrap().log_start_offset = 4;
        assert_eq!(p.low_watermark(|_| true), 4);
        assert_eq!(p.low_watermark(|id| id != 3), 7, "a dead broker's replica does not count");
        assert_eq!(p.low_watermark(|_| false), 9, "the leader's own");
        p.followers.get_mut(&2).unwrap().log_start_offset = UNKNOWN_OFFSET;
        assert_eq!(p.low_watermark(|_| true), -1, "a follower not heard from yet");
    }

    #[test]
    fn maximal_isr_shortcuts_agree_with_the_list() {
        let mut p = Partition::new(
            PartitionLog::new(1, "t", 0, TopicConfig::default(), 0),
            LeaderEpochCache::new(),
            0,
        );
        for (isr, pending) in [
            (vec![1, 2], None),
            (vec![1], Some(vec![1, 3, 3, 2])),
            (vec![], Some(vec![2, 2])),
            (vec![3, 1], Some(vec![])),
        ] {
            p.state.isr = isr;
            p.pending_alter = pending.map(|new_isr| PendingAlter { new_isr, sent_at_ms: 0 });
            let maximal = p.maximal_isr();
            assert_eq!(p.maximal_isr_len(), maximal.len());
            for id in 0..5 {
                assert_eq!(p.in_maximal_isr(id), maximal.contains(&id));
            }
        }
    }

    #[test]
    fn a_follower_joins_the_isr_once_it_has_the_high_watermark_and_the_epochs_start() {
        // `needsExpandIsr`: `canAddReplicaToIsr` (no AlterPartition in flight, not in the
        // ISR, a replica) and `isFollowerInSync` (LEO ≥ HW and ≥ the leader epoch's start).
        let mut p = Partition::new(
            PartitionLog::new(1, "t", 0, TopicConfig::default(), 0),
            LeaderEpochCache::new(),
            0,
        );
        p.state = PartitionState {
            replicas: vec![1, 2, 3],
            isr: vec![1, 2],
            leader: Some(1),
            leader_epoch: 1,
            partition_epoch: 0,
        };
        p.log.segments[0].next_offset = 10;
        p.make_leader(1, 0);
        p.high_watermark = 6;
        p.log.segments[0].next_offset = 14;
        let fetched = |p: &mut Partition, id: NodeId, leo: i64| {
            p.followers.get_mut(&id).unwrap().log_end_offset = leo;
        };
        fetched(&mut p, 3, 8);
        assert!(!p.should_expand_isr(3), "past the HW (6) but before the epoch's start (10)");
        fetched(&mut p, 3, 10);
        assert!(p.should_expand_isr(3));
        p.high_watermark = 12;
        assert!(!p.should_expand_isr(3), "at the epoch's start but before the HW (12)");
        fetched(&mut p, 3, 12);
        assert!(p.should_expand_isr(3));
        fetched(&mut p, 2, 14);
        assert!(!p.should_expand_isr(2), "in the ISR already");
        p.pending_alter = Some(PendingAlter { new_isr: vec![1, 2], sent_at_ms: 0 });
        assert!(!p.should_expand_isr(3), "an AlterPartition in flight");
        p.pending_alter = None;
        p.state.replicas = vec![1, 2];
        assert!(!p.should_expand_isr(3), "no longer a replica");
        p.state.replicas = vec![1, 2, 3];
        p.role = Role::Follower;
        assert!(!p.should_expand_isr(3), "only a leader expands its ISR");
    }
}

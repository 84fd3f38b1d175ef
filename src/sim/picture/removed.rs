//! What each replica's log lost, and why, so the page can draw a ghost where the records
//! were instead of letting them vanish: segments deleted by retention (`retention.ms`,
//! `retention.bytes`, or wholly below the log start offset), offsets cut off by
//! DeleteRecords or by a follower taking the leader's log start offset, and records the
//! log cleaner removed. Built from the engine's events only (`SegmentsDeleted`,
//! `LogStartOffsetIncremented`, `LogCleaned`, `ReplicaDeleted`), as the timeline carries
//! them, so a native test can check it against the same events.
//!
//! Invariants: regions of a replica never overlap and are kept oldest first; a new region
//! that continues the last one for the same reason extends it (retention deleting one
//! segment per check stays one ghost); at most [`REGIONS_PER_REPLICA`] per replica and
//! [`REPLICAS_TRACKED`] replicas, the oldest forgotten first; a deleted replica's regions go
//! with it (a topic created again under that name starts clean).

use crate::engine::cluster::events::LogStartOffsetIncrementReason;
use crate::engine::cluster::events::SegmentDeletionReason;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Ghosts kept per replica (older ones are forgotten).
pub const REGIONS_PER_REPLICA: usize = 3;
/// Replicas whose ghosts are kept (a cluster holds at most 9 × 64 × … replicas; the
/// picture keeps the ghosts of this many, dropping the replica touched longest ago).
pub const REPLICAS_TRACKED: usize = 512;

/// Why offsets left a replica's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// Retention deleted segments (`retention.ms`, `retention.bytes`, or segments wholly
    /// below the log start offset).
    Retention(SegmentDeletionReason),
    /// The leader applied DeleteRecords.
    DeleteRecords,
    /// A follower took the leader's log start offset.
    LeaderLogStart,
    /// The log cleaner removed older records of their keys (offsets stay as gaps).
    Cleaning,
}

/// One ghost: offsets `[from_offset, to_offset)` of a replica's log are gone. For a
/// cleaning, `records` counts the removed records between them (the others stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedRegion {
    pub reason: RemovalReason,
    /// `None` when the page did not see where the log started before (a reload).
    pub from_offset: Option<i64>,
    pub to_offset: i64,
    pub records: u64,
}

/// Ghosts of every replica, by (broker, partition).
#[derive(Debug, Clone, Default)]
pub struct RemovedRegions {
    regions: BTreeMap<(NodeId, TopicPartition), VecDeque<RemovedRegion>>,
    /// Where each replica's log started after the last removal seen.
    log_starts: BTreeMap<(NodeId, TopicPartition), i64>,
    /// Replicas in the order they were last touched (for the [`REPLICAS_TRACKED`] bound).
    touched: VecDeque<(NodeId, TopicPartition)>,
}

impl RemovedRegions {
    /// Takes one event of the timeline.
    pub fn absorb(&mut self, event: &ClusterEvent) {
        match event {
            ClusterEvent::SegmentsDeleted {
                broker_id,
                tp,
                base_offsets,
                log_start_offset,
                reason,
                end_offset,
            } => {
                let from = base_offsets.first().copied().unwrap_or(*end_offset);
                // The log now starts at `log_start_offset`: everything below it is gone.
                let to = *log_start_offset;
                self.add(*broker_id, tp, Some(from), to, RemovalReason::Retention(*reason), None);
            }
            ClusterEvent::LogStartOffsetIncremented { broker_id, tp, log_start_offset, reason } => {
                let reason = match reason {
                    LogStartOffsetIncrementReason::ClientRecordDeletion => RemovalReason::DeleteRecords,
                    LogStartOffsetIncrementReason::LeaderOffsetIncremented => RemovalReason::LeaderLogStart,
                };
                self.add(*broker_id, tp, None, *log_start_offset, reason, None);
            }
            ClusterEvent::LogCleaned { broker_id, tp, removed_offsets, .. } => {
                if let (Some(first), Some(last)) = (removed_offsets.first(), removed_offsets.last()) {
                    let records = removed_offsets.len() as u64;
                    self.add(*broker_id, tp, Some(*first), last + 1, RemovalReason::Cleaning, Some(records));
                }
            }
            ClusterEvent::ReplicaDeleted { broker_id, tp, .. } => {
                let key = (*broker_id, tp.clone());
                self.regions.remove(&key);
                self.log_starts.remove(&key);
                self.touched.retain(|k| *k != key);
            }
            _ => {}
        }
    }

    /// The ghosts of one replica, oldest first.
    pub fn of(&self, broker_id: NodeId, tp: &TopicPartition) -> Vec<RemovedRegion> {
        self.regions.get(&(broker_id, tp.clone())).map(|r| r.iter().cloned().collect()).unwrap_or_default()
    }

    /// Every replica's ghosts: `(broker, partition, regions oldest first)`.
    pub fn all(&self) -> impl Iterator<Item = (NodeId, &TopicPartition, &VecDeque<RemovedRegion>)> {
        self.regions.iter().map(|((b, tp), r)| (*b, tp, r))
    }

    fn add(
        &mut self,
        broker_id: NodeId,
        tp: &TopicPartition,
        from: Option<i64>,
        to: i64,
        reason: RemovalReason,
        cleaned_records: Option<u64>,
    ) {
        let key = (broker_id, tp.clone());
        self.touch(&key);
        let start = self.log_starts.get(&key).copied();
        let regions = self.regions.entry(key.clone()).or_default();
        if reason == RemovalReason::Cleaning {
            let records = cleaned_records.unwrap_or(0);
            match regions.back_mut() {
                Some(last) if last.reason == reason => {
                    last.from_offset = last.from_offset.min(from);
                    last.to_offset = last.to_offset.max(to);
                    last.records += records;
                }
                _ => {
                    push_bounded(regions, RemovedRegion { reason, from_offset: from, to_offset: to, records })
                }
            }
            return;
        }
        // A log start move: what lay below the new start and at or above the old one.
        let from = match (from, start) {
            (Some(f), Some(s)) => Some(f.max(s)),
            (None, Some(s)) => Some(s),
            (f, None) => f,
        };
        self.log_starts.insert(key, to.max(start.unwrap_or(to)));
        if from.is_some_and(|f| f >= to) || start.is_some_and(|s| s >= to) {
            return;
        }
        let records = from.map_or(0, |f| (to - f).max(0) as u64);
        match regions.back_mut() {
            Some(last) if last.reason == reason && last.to_offset == from.unwrap_or(i64::MIN) => {
                last.to_offset = to;
                last.records += records;
            }
            _ => push_bounded(regions, RemovedRegion { reason, from_offset: from, to_offset: to, records }),
        }
    }

    fn touch(&mut self, key: &(NodeId, TopicPartition)) {
        if self.touched.back() != Some(key) {
            self.touched.retain(|k| k != key);
            self.touched.push_back(key.clone());
        }
        while self.touched.len() > REPLICAS_TRACKED {
            if let Some(old) = self.touched.pop_front() {
                self.regions.remove(&old);
                self.log_starts.remove(&old);
            }
        }
    }
}

fn push_bounded(regions: &mut VecDeque<RemovedRegion>, region: RemovedRegion) {
    if regions.len() == REGIONS_PER_REPLICA {
        regions.pop_front();
    }
    regions.push_back(region);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition { topic: "t".into(), partition: 0 }
    }

    fn retention(base_offsets: Vec<i64>, end_offset: i64) -> ClusterEvent {
        ClusterEvent::SegmentsDeleted {
            broker_id: 1,
            tp: tp(),
            base_offsets,
            end_offset,
            reason: SegmentDeletionReason::RetentionMsBreach,
            log_start_offset: end_offset,
        }
    }

    #[test]
    fn retention_runs_in_a_row_make_one_ghost_and_delete_records_another() {
        let mut r = RemovedRegions::default();
        r.absorb(&retention(vec![0, 10], 20));
        r.absorb(&retention(vec![20], 30));
        let reason = LogStartOffsetIncrementReason::ClientRecordDeletion;
        r.absorb(&ClusterEvent::LogStartOffsetIncremented {
            broker_id: 1,
            tp: tp(),
            log_start_offset: 40,
            reason,
        });
        // The segment [30, 40) then goes wholly below the log start: nothing new is lost.
        r.absorb(&ClusterEvent::SegmentsDeleted {
            broker_id: 1,
            tp: tp(),
            base_offsets: vec![30],
            end_offset: 40,
            reason: SegmentDeletionReason::StartOffsetBreach,
            log_start_offset: 40,
        });
        let got = r.of(1, &tp());
        let ms = RemovalReason::Retention(SegmentDeletionReason::RetentionMsBreach);
        assert_eq!(
            got,
            vec![
                RemovedRegion { reason: ms, from_offset: Some(0), to_offset: 30, records: 30 },
                RemovedRegion {
                    reason: RemovalReason::DeleteRecords,
                    from_offset: Some(30),
                    to_offset: 40,
                    records: 10
                },
            ]
        );
        assert!(r.of(2, &tp()).is_empty(), "another broker's replica lost nothing");
    }

    #[test]
    fn bounded_per_replica_and_cleared_with_the_replica() {
        let mut r = RemovedRegions::default();
        for i in 0..10 {
            let reason = if i % 2 == 0 {
                LogStartOffsetIncrementReason::ClientRecordDeletion
            } else {
                LogStartOffsetIncrementReason::LeaderOffsetIncremented
            };
            r.absorb(&ClusterEvent::LogStartOffsetIncremented {
                broker_id: 1,
                tp: tp(),
                log_start_offset: 10 * (i + 1),
                reason,
            });
        }
        let got = r.of(1, &tp());
        assert_eq!(got.len(), REGIONS_PER_REPLICA);
        assert_eq!(got.last().map(|g| (g.from_offset, g.to_offset)), Some((Some(90), 100)));
        r.absorb(&ClusterEvent::ReplicaDeleted { broker_id: 1, tp: tp(), log_end_offset: 100, segments: 1 });
        assert!(r.of(1, &tp()).is_empty());
    }

    #[test]
    fn cleanings_count_the_removed_records() {
        let mut r = RemovedRegions::default();
        let cleaned = |removed_offsets: Vec<i64>| ClusterEvent::LogCleaned {
            broker_id: 2,
            tp: tp(),
            removed_offsets,
            dirty_ratio_percent: 60,
            first_dirty_offset: 9,
            segments_before: vec![0, 4, 8],
            segments_after: vec![0, 8],
        };
        r.absorb(&cleaned(vec![0, 2, 5]));
        r.absorb(&cleaned(vec![7]));
        let got = r.of(2, &tp());
        assert_eq!(
            got,
            vec![RemovedRegion {
                reason: RemovalReason::Cleaning,
                from_offset: Some(0),
                to_offset: 8,
                records: 4
            }]
        );
    }
}

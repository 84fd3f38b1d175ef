//! Transactional offset commits (`GroupCoordinator.handleTxnCommitOffsets`,
//! `GroupMetadataManager.storeOffsets` with a producer id, `GroupMetadata.
//! prepareTxnOffsetCommit` / `onTxnOffsetCommitAppend` / `failPendingTxnOffsetCommit` /
//! `completePendingTxnOffsetCommit`, `handleTxnCompletion`): TxnOffsetCommit's offsets are
//! written to the group's `__consumer_offsets` partition as one transactional batch of
//! the producer (sequence 0, as Kafka writes it) and wait, per producer, until the
//! producer's marker lands in that partition: COMMIT makes each the committed offset
//! unless a commit written later in the log is already there (`olderThan`), ABORT drops
//! them. Loading treats transactional batches and markers as `loadGroupsAndOffsets` does
//! ([`TxnOffsetLoad`]). Invariant: a pending offset becomes committed only through
//! [`GroupCoordinator::complete_txn_offsets`] or a loaded COMMIT marker.

use super::group::{ClassicGroup, GroupState, Waiter};
use super::records::{encode_key, encode_offset_commit_value, OffsetCommitValue, RecordKey};
use super::{
    append_error_to_response, partition_result, AppendCallback, CommittedOffset, Effect, GroupCoordinator,
};
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use std::collections::BTreeMap;

/// A transactional offset waiting for its producer's marker (`CommitRecordMetadataAndOffset`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTxnOffset {
    pub committed: CommittedOffset,
    /// Where its batch is in the log, once appended (`appendedBatchOffset`).
    pub appended_batch_offset: Option<i64>,
}

/// Pending offsets by producer id, group and partition.
pub type PendingTxnOffsets = BTreeMap<i64, BTreeMap<String, BTreeMap<TopicPartition, PendingTxnOffset>>>;

impl GroupCoordinator {
    pub(crate) fn handle_txn_offset_commit(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Message::TxnOffsetCommitRequest {
            correlation_id,
            group_id,
            producer_id,
            producer_epoch,
            generation_id,
            member_id,
            group_instance_id,
            offsets,
            ..
        } = message
        else {
            return;
        };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        let fail_all = |c: &mut GroupCoordinator, e: ErrorCode| {
            let partitions = offsets.iter().map(|o| partition_result(&o.tp, None, Some(e))).collect();
            c.send(waiter, Message::TxnOffsetCommitResponse { correlation_id: *correlation_id, partitions });
        };
        let partition = match self.route(group_id) {
            Ok(p) => p,
            Err(e) => return fail_all(self, e),
        };
        // A transactional commit creates the group whatever its generation.
        self.groups.entry(group_id.clone()).or_insert_with(|| ClassicGroup::new(group_id, partition, now_ms));
        let Some(g) = self.groups.get(group_id) else { return };
        if let Err(e) = validate_txn_offset_commit(g, member_id, group_instance_id.as_deref(), *generation_id)
        {
            return fail_all(self, e);
        }
        if offsets.iter().any(|o| o.committed_metadata.len() > super::offsets::OFFSET_METADATA_MAX_BYTES) {
            return fail_all(self, ErrorCode::InvalidCommitOffsetSize);
        }
        if offsets.is_empty() {
            let message =
                Message::TxnOffsetCommitResponse { correlation_id: *correlation_id, partitions: Vec::new() };
            return self.send(waiter, message);
        }
        let mut records = Vec::new();
        let mut committed = Vec::new();
        for o in offsets {
            let value = CommittedOffset {
                offset: o.committed_offset,
                leader_epoch: o.committed_leader_epoch,
                metadata: o.committed_metadata.clone(),
                commit_timestamp_ms: now_ms,
            };
            let key = RecordKey::OffsetCommit {
                group: group_id.clone(),
                topic: o.tp.topic.to_string(),
                partition: o.tp.partition as i32,
            };
            let bytes = encode_offset_commit_value(&OffsetCommitValue {
                offset: value.offset,
                leader_epoch: value.leader_epoch,
                metadata: value.metadata.clone(),
                commit_timestamp_ms: now_ms,
            });
            records.push((encode_key(&key), Some(bytes)));
            committed.push((o.tp.clone(), value));
        }
        // `prepareTxnOffsetCommit`.
        let pending =
            self.pending_txn_offsets.entry(*producer_id).or_default().entry(group_id.clone()).or_default();
        for (tp, c) in &committed {
            pending
                .insert(tp.clone(), PendingTxnOffset { committed: c.clone(), appended_batch_offset: None });
        }
        let callback = AppendCallback::TxnOffsetCommit {
            group: group_id.clone(),
            to: waiter,
            producer_id: *producer_id,
            offsets: committed,
        };
        let id = self.append_with(now_ms, partition, callback);
        self.push_effect(Effect::AppendTransactional {
            id,
            partition,
            producer_id: *producer_id,
            producer_epoch: *producer_epoch,
            records,
        });
    }

    /// The transactional write is replicated at `batch_offset` (or failed): the pending
    /// offsets learn where they are (`onTxnOffsetCommitAppend`) or go
    /// (`failPendingTxnOffsetCommit`); the client is answered.
    pub(crate) fn on_txn_offsets_stored(
        &mut self,
        group_id: &str,
        to: Waiter,
        producer_id: i64,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        batch_offset: Option<i64>,
        error: Option<ErrorCode>,
    ) {
        let error = error.map(append_error_to_response);
        if let Some(by_group) = self.pending_txn_offsets.get_mut(&producer_id) {
            if let Some(pending) = by_group.get_mut(group_id) {
                for (tp, c) in &offsets {
                    match error {
                        None => {
                            if let Some(p) = pending.get_mut(tp).filter(|p| p.committed == *c) {
                                p.appended_batch_offset = batch_offset;
                            }
                        }
                        Some(_) => {
                            pending.remove(tp);
                        }
                    }
                }
                if pending.is_empty() {
                    by_group.remove(group_id);
                }
            }
            if by_group.is_empty() {
                self.pending_txn_offsets.remove(&producer_id);
            }
        }
        let partitions = offsets.iter().map(|(tp, _)| partition_result(tp, None, error)).collect();
        self.send(to, Message::TxnOffsetCommitResponse { correlation_id: to.correlation_id, partitions });
    }

    /// A COMMIT (`committed`) or ABORT marker of `producer_id` was appended to
    /// `__consumer_offsets-{partition}` (`handleTxnCompletion`): the producer's pending
    /// offsets of that partition's groups are committed or dropped.
    pub fn complete_txn_offsets(&mut self, partition: u32, producer_id: i64, committed: bool) {
        let Some(by_group) = self.pending_txn_offsets.get_mut(&producer_id) else { return };
        let count = self.offsets_partitions;
        let groups: Vec<String> = by_group
            .keys()
            .filter(|g| super::placement::partition_for(g, count) == partition)
            .cloned()
            .collect();
        let mut completed = Vec::new();
        for g in groups {
            if self.groups.get(&g).is_some_and(|group| group.is(GroupState::Dead)) {
                continue;
            }
            if let Some(pending) = by_group.remove(&g) {
                completed.push((g, pending));
            }
        }
        if by_group.is_empty() {
            self.pending_txn_offsets.remove(&producer_id);
        }
        if !committed {
            return;
        }
        for (group, pending) in completed {
            let mut applied = Vec::new();
            for (tp, p) in pending {
                let Some(position) = p.appended_batch_offset else {
                    let reason = format!(
                        "Trying to complete a transactional offset commit for producerId {producer_id} and groupId {group} even though the offset commit record itself hasn't been appended to the log."
                    );
                    self.event(ClusterEvent::Refused { node_id: self.broker_id, reason });
                    continue;
                };
                let newer = self
                    .offset_positions
                    .get(&group)
                    .and_then(|m| m.get(&tp))
                    .is_none_or(|at| *at < position);
                if newer {
                    self.offset_positions.entry(group.clone()).or_default().insert(tp.clone(), position);
                    applied.push((tp.clone(), p.committed.offset));
                    self.offsets.entry(group.clone()).or_default().insert(tp, p.committed);
                }
            }
            if !applied.is_empty() {
                let event = ClusterEvent::OffsetsCommitted {
                    broker_id: self.broker_id,
                    group_id: group,
                    member_id: String::new(),
                    generation_id: -1,
                    offsets: applied,
                };
                self.event(event);
            }
        }
    }

    /// The pending transactional offsets a broker holds (the producers' open commits).
    pub fn pending_txn_offsets(&self) -> &PendingTxnOffsets {
        &self.pending_txn_offsets
    }

    /// Whether some producer's transactional offset for `tp` in `group_id` waits for its
    /// marker (`GroupMetadata.hasPendingOffsetCommitsForTopicPartition`).
    pub(crate) fn has_pending_txn_offset(&self, group_id: &str, tp: &TopicPartition) -> bool {
        self.pending_txn_offsets
            .values()
            .any(|by_group| by_group.get(group_id).is_some_and(|p| p.contains_key(tp)))
    }

    /// Drops the pending offsets of `partition`'s groups (resignation).
    pub(crate) fn drop_pending_txn_offsets(&mut self, partition: u32) {
        let count = self.offsets_partitions;
        for by_group in self.pending_txn_offsets.values_mut() {
            by_group.retain(|g, _| super::placement::partition_for(g, count) != partition);
        }
        self.pending_txn_offsets.retain(|_, by_group| !by_group.is_empty());
        self.offset_positions.retain(|g, _| super::placement::partition_for(g, count) != partition);
    }
}

/// `validateOffsetCommit` with `isTransactional = true`: a member in the group's current
/// generation, or no member at all (no Empty-group requirement for transactions).
fn validate_txn_offset_commit(
    g: &ClassicGroup,
    member_id: &str,
    group_instance_id: Option<&str>,
    generation_id: i32,
) -> Result<(), ErrorCode> {
    if g.is(GroupState::Dead) {
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    if generation_id >= 0 || !member_id.is_empty() || group_instance_id.is_some() {
        g.validate_member(member_id, group_instance_id)?;
        if generation_id != g.generation_id {
            return Err(ErrorCode::IllegalGeneration);
        }
    }
    Ok(())
}

/// What `loadGroupsAndOffsets` keeps while it reads: committed offsets with their batch
/// offsets, and each producer's transactional offsets until its marker.
#[derive(Debug, Default)]
pub(crate) struct TxnOffsetLoad {
    pub pending: PendingTxnOffsets,
    pub positions: BTreeMap<String, BTreeMap<TopicPartition, i64>>,
}

impl TxnOffsetLoad {
    /// An offset record (`None`: a tombstone) of a transactional batch of `producer_id`.
    pub fn on_txn_offset(
        &mut self,
        producer_id: i64,
        group: String,
        tp: TopicPartition,
        value: Option<(CommittedOffset, i64)>,
    ) {
        let pending = self.pending.entry(producer_id).or_default().entry(group).or_default();
        match value {
            Some((committed, batch_offset)) => {
                pending.insert(tp, PendingTxnOffset { committed, appended_batch_offset: Some(batch_offset) });
            }
            None => {
                pending.remove(&tp);
            }
        }
    }

    /// A control batch of `producer_id`: COMMIT moves its offsets into `offsets` where
    /// newer (`olderThan`), ABORT drops them.
    pub fn on_marker(
        &mut self,
        producer_id: i64,
        commit: bool,
        offsets: &mut BTreeMap<String, BTreeMap<TopicPartition, CommittedOffset>>,
    ) {
        let Some(by_group) = self.pending.remove(&producer_id) else { return };
        if !commit {
            return;
        }
        for (group, pending) in by_group {
            for (tp, p) in pending {
                let position = p.appended_batch_offset.unwrap_or(-1);
                let positions = self.positions.entry(group.clone()).or_default();
                if positions.get(&tp).is_none_or(|at| *at < position) {
                    positions.insert(tp.clone(), position);
                    offsets.entry(group.clone()).or_default().insert(tp, p.committed);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "txn_offsets_tests.rs"]
mod tests;

//! OffsetCommit and OffsetFetch (`OffsetMetadataManager`, `ClassicGroup.validateOffsetCommit`):
//! a member commits in its current generation (Stable, or PreparingRebalance before it
//! rejoins; REBALANCE_IN_PROGRESS while the group awaits SyncGroup); a consumer outside
//! group management commits with generation -1 to an empty (or new, "simple") group.
//! Each partition's offset becomes an `OffsetCommit` record; the cache and the answer
//! follow only once the write is replicated. Fetch reads the cache (-1 when nothing);
//! with KIP-447's `require_stable` a partition that a producer's transactional offset
//! commit still waits on is answered UNSTABLE_OFFSET_COMMIT (`GroupMetadataManager.
//! getOffsets` with `hasPendingOffsetCommitsForTopicPartition`; regular commits are not
//! pending here, since they reach the cache only once replicated).

use super::group::{ClassicGroup, GroupState, Waiter};
use super::records::{encode_key, encode_offset_commit_value, OffsetCommitValue, RecordKey};
use super::{append_error_to_response, partition_result, AppendCallback, CommittedOffset, GroupCoordinator};
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;

/// `offset.metadata.max.bytes`.
pub const OFFSET_METADATA_MAX_BYTES: usize = 4096;

impl GroupCoordinator {
    pub(crate) fn handle_offset_commit(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Message::OffsetCommitRequest {
            correlation_id,
            group_id,
            generation_id,
            member_id,
            group_instance_id,
            offsets,
        } = message
        else {
            return;
        };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        let fail_all = |c: &mut GroupCoordinator, e: ErrorCode| {
            let partitions = offsets.iter().map(|o| partition_result(&o.tp, None, Some(e))).collect();
            c.send(waiter, Message::OffsetCommitResponse { correlation_id: *correlation_id, partitions });
        };
        let partition = match self.route(group_id) {
            Ok(p) => p,
            Err(e) => return fail_all(self, e),
        };
        if !self.groups.contains_key(group_id) {
            if *generation_id >= 0 {
                return fail_all(self, ErrorCode::IllegalGeneration);
            }
            self.groups.insert(group_id.clone(), ClassicGroup::new(group_id, partition, now_ms));
        }
        let Some(g) = self.groups.get(group_id) else { return };
        if let Err(e) = validate_offset_commit(g, member_id, group_instance_id.as_deref(), *generation_id) {
            return fail_all(self, e);
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
        if offsets.iter().any(|o| o.committed_metadata.len() > OFFSET_METADATA_MAX_BYTES) {
            return fail_all(self, ErrorCode::InvalidCommitOffsetSize);
        }
        if records.is_empty() {
            return self.send(
                waiter,
                Message::OffsetCommitResponse { correlation_id: *correlation_id, partitions: Vec::new() },
            );
        }
        let callback = AppendCallback::OffsetCommit {
            group: group_id.clone(),
            to: waiter,
            member_id: member_id.clone(),
            generation_id: *generation_id,
            offsets: committed,
        };
        self.append(now_ms, partition, records, callback);
    }

    /// The commit is durable (or failed): cache it and answer.
    pub(crate) fn on_offsets_stored(
        &mut self,
        group_id: &str,
        to: Waiter,
        member_id: &str,
        generation_id: i32,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        error: Option<ErrorCode>,
    ) {
        let error = error.map(append_error_to_response);
        let partitions = offsets.iter().map(|(tp, _)| partition_result(tp, None, error)).collect();
        if error.is_none() {
            let event = ClusterEvent::OffsetsCommitted {
                broker_id: self.broker_id,
                group_id: group_id.to_string(),
                member_id: member_id.to_string(),
                generation_id,
                offsets: offsets.iter().map(|(tp, c)| (tp.clone(), c.offset)).collect(),
            };
            let cache = self.offsets.entry(group_id.to_string()).or_default();
            for (tp, c) in offsets {
                cache.insert(tp, c);
            }
            self.event(event);
        }
        self.send(to, Message::OffsetCommitResponse { correlation_id: to.correlation_id, partitions });
    }

    pub(crate) fn handle_offset_fetch(&mut self, from: NodeId, message: &Message) {
        let Message::OffsetFetchRequest { correlation_id, group_id, partitions, require_stable } = message
        else {
            return;
        };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        if let Err(e) = self.route(group_id) {
            let message = Message::OffsetFetchResponse {
                correlation_id: *correlation_id,
                error: Some(e),
                partitions: Vec::new(),
            };
            return self.send(waiter, message);
        }
        let cache = self.offsets.get(group_id);
        let asked: Vec<TopicPartition> = match partitions {
            Some(tps) => tps.clone(),
            None => cache.map(|c| c.keys().cloned().collect()).unwrap_or_default(),
        };
        let results = asked
            .iter()
            .map(|tp| {
                if *require_stable && self.has_pending_txn_offset(group_id, tp) {
                    partition_result(tp, None, Some(ErrorCode::UnstableOffsetCommit))
                } else {
                    partition_result(tp, cache.and_then(|c| c.get(tp)), None)
                }
            })
            .collect();
        self.send(
            waiter,
            Message::OffsetFetchResponse {
                correlation_id: *correlation_id,
                error: None,
                partitions: results,
            },
        );
    }
}

/// `ClassicGroup.validateOffsetCommit` (non-transactional).
fn validate_offset_commit(
    g: &ClassicGroup,
    member_id: &str,
    group_instance_id: Option<&str>,
    generation_id: i32,
) -> Result<(), ErrorCode> {
    if g.is(GroupState::Dead) {
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    if generation_id < 0 && g.is(GroupState::Empty) {
        return Ok(());
    }
    if generation_id >= 0 || !member_id.is_empty() || group_instance_id.is_some() {
        g.validate_member(member_id, group_instance_id)?;
        if generation_id != g.generation_id {
            return Err(ErrorCode::IllegalGeneration);
        }
    } else if !g.is(GroupState::Empty) {
        return Err(ErrorCode::UnknownMemberId);
    }
    if g.is(GroupState::CompletingRebalance) {
        return Err(ErrorCode::RebalanceInProgress);
    }
    Ok(())
}

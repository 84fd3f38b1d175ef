//! DeleteRecords on the leader (`ReplicaManager.deleteRecords`,
//! `Partition.deleteRecordsOnLeader`, `DelayedDeleteRecords`): each partition's log start
//! offset moves to the requested offset (-1: the high watermark) with Kafka's errors
//! (`OFFSET_OUT_OF_RANGE` past the HW or below 0, `POLICY_VIOLATION` without `delete` in
//! `cleanup.policy`, `NOT_LEADER_OR_FOLLOWER`, `UNKNOWN_TOPIC_OR_PARTITION`); the answer
//! carries each partition's low watermark — the smallest log start offset among the
//! leader and the followers on live brokers — and is held until that reaches the
//! requested offset (the followers take it from their next fetch responses) or the
//! request's `timeout_ms` passes (`REQUEST_TIMED_OUT`). Invariant: every request is
//! answered exactly once, and its timer is cancelled when it is answered early.

use super::BrokerNode;
use crate::engine::cluster::events::LogStartOffsetIncrementReason;
use crate::engine::cluster::messages::{
    DeleteRecordsPartition, DeletedRecordsPartition, Message, TopicPartition,
};
use crate::engine::cluster::NodeId;
use crate::engine::cluster::TimerKind;
use crate::engine::error::ErrorCode;
use crate::engine::faults::{self, Fault};

/// `DeleteRecordsRequest.HIGH_WATERMARK`: delete up to the high watermark.
pub const DELETE_RECORDS_HIGH_WATERMARK: i64 = -1;

/// One partition of a held DeleteRecords: the offset asked for, or its final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PartitionStatus {
    tp: TopicPartition,
    requested_offset: i64,
    answer: Option<(i64, Option<ErrorCode>)>,
}

/// A DeleteRecords request held until every partition's low watermark reaches its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedDeleteRecords {
    from: NodeId,
    correlation_id: u64,
    partitions: Vec<PartitionStatus>,
}

impl BrokerNode {
    pub(crate) fn handle_delete_records(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        timeout_ms: i64,
        partitions: &[DeleteRecordsPartition],
    ) {
        let partitions = partitions
            .iter()
            .map(|d| {
                let (requested_offset, answer) = match self.delete_records_on_leader(&d.tp, d.offset) {
                    Ok(offset) => (offset, None),
                    Err(e) => (d.offset, Some((-1, Some(e)))),
                };
                PartitionStatus { tp: d.tp.clone(), requested_offset, answer }
            })
            .collect();
        let mut held = DelayedDeleteRecords { from, correlation_id, partitions };
        if self.try_complete_delete_records(&mut held) {
            self.answer_delete_records(held);
        } else {
            let id = self.next_id();
            self.set_timer(TimerKind::DelayedDeleteRecords, id, now_ms + timeout_ms.max(0));
            self.delayed_delete_records.insert(id, held);
        }
    }

    /// `Partition.deleteRecordsOnLeader`: the offset the log now starts at or after.
    fn delete_records_on_leader(&mut self, tp: &TopicPartition, offset: i64) -> Result<i64, ErrorCode> {
        let p = self.partitions.get_mut(tp).ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if !p.is_leader() {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if !p.log.config.deletes_old_segments() {
            return Err(ErrorCode::PolicyViolation);
        }
        let offset = if offset == DELETE_RECORDS_HIGH_WATERMARK { p.high_watermark } else { offset };
        if offset < 0 {
            return Err(ErrorCode::OffsetOutOfRange);
        }
        // A test-only bug (break-engine): the log may start past the HW, up to the LEO.
        let limit =
            if faults::on(Fault::DeleteRecordsPastHw) { p.log_end_offset() } else { p.high_watermark };
        let moved =
            p.log.maybe_increment_log_start_offset(offset, limit).map_err(|_| ErrorCode::OffsetOutOfRange)?;
        if moved {
            self.log_start_moved(tp, offset, LogStartOffsetIncrementReason::ClientRecordDeletion);
        }
        Ok(offset)
    }

    /// `DelayedDeleteRecords.tryComplete`: settles each partition whose low watermark
    /// reached its offset (or that this broker no longer leads).
    fn try_complete_delete_records(&self, held: &mut DelayedDeleteRecords) -> bool {
        let image = &self.image;
        for status in held.partitions.iter_mut().filter(|s| s.answer.is_none()) {
            status.answer = match self.partitions.get(&status.tp) {
                None => Some((-1, Some(ErrorCode::UnknownTopicOrPartition))),
                Some(p) if !p.is_leader() => Some((-1, Some(ErrorCode::NotLeaderOrFollower))),
                Some(p) => {
                    let low_watermark = p.low_watermark(|b| Self::is_eligible(image, b));
                    (low_watermark >= status.requested_offset).then_some((low_watermark, None))
                }
            };
        }
        held.partitions.iter().all(|s| s.answer.is_some())
    }

    fn answer_delete_records(&mut self, held: DelayedDeleteRecords) {
        let partitions = held
            .partitions
            .into_iter()
            .map(|s| {
                let (low_watermark, error) = s.answer.unwrap_or((-1, Some(ErrorCode::RequestTimedOut)));
                DeletedRecordsPartition { tp: s.tp, low_watermark, error }
            })
            .collect();
        let message = Message::DeleteRecordsResponse { correlation_id: held.correlation_id, partitions };
        self.send(held.from, message);
    }

    /// After every input: held requests whose low watermarks have caught up are answered.
    pub(crate) fn complete_delayed_delete_records(&mut self) {
        if self.delayed_delete_records.is_empty() {
            return;
        }
        let mut held = std::mem::take(&mut self.delayed_delete_records);
        let ready: Vec<u64> = held
            .iter_mut()
            .filter_map(|(id, d)| self.try_complete_delete_records(d).then_some(*id))
            .collect();
        for id in ready {
            if let Some(d) = held.remove(&id) {
                self.cancel_timer(TimerKind::DelayedDeleteRecords, id);
                self.answer_delete_records(d);
            }
        }
        self.delayed_delete_records = held;
    }

    /// `DelayedDeleteRecords.onExpiration`: what is still pending times out.
    pub(crate) fn expire_delayed_delete_records(&mut self, id: u64) {
        if let Some(d) = self.delayed_delete_records.remove(&id) {
            self.answer_delete_records(d);
        }
    }
}

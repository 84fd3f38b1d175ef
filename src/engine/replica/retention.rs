//! Retention on every replica, as each Kafka broker runs it for the logs it hosts:
//! the `kafka-log-retention` task (`LogManager.cleanupLogs` → `UnifiedLog.deleteOldSegments`)
//! every `log.retention.check.interval.ms` (playground default 10000, Kafka 300000; the
//! first run one interval after start, where Kafka waits `InitialTaskDelayMs`, 30 s),
//! a follower taking the leader's log start offset from each fetch response
//! (`ReplicaFetcherThread.processPartitionData` → `UnifiedLog.maybeIncrementLogStartOffset`
//! with `LeaderOffsetIncremented`), and the `log-start-offset-checkpoint` that lets a
//! restarted broker come back with the same log start offsets (`LogManager.checkpointLogStartOffsets`).
//!
//! Invariants: a replica's log start offset only moves forward and never past its own
//! high watermark (leaders and followers alike delete by their own segments and HW);
//! every change to a log start offset is followed, in the same input's outputs, by the
//! checkpoint that records it. Logs whose `cleanup.policy` is `compact` alone are left to
//! the log cleaner ([`super::cleaner`]); `compact,delete` logs are trimmed here on the
//! retention schedule (Kafka's cleaner thread does it after cleaning them: the same rules,
//! another clock).

use super::BrokerNode;
use crate::engine::cluster::events::LogStartOffsetIncrementReason;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::TimerKind;
use crate::engine::cluster::{ClusterEvent, Output};
use crate::engine::log::checkpoint::{write_checkpoint_of, LOG_START_OFFSET_CHECKPOINT};
use crate::engine::log::SegmentDeletion;
use crate::engine::store::StoreOp;

impl BrokerNode {
    pub(crate) fn arm_retention_timer(&mut self, now_ms: i64) {
        let at_ms = now_ms + self.config.log_retention_check_interval_ms;
        self.set_timer(TimerKind::LogRetention, 0, at_ms);
    }

    /// `LogManager.cleanupLogs`: every replica this broker hosts, leader or follower,
    /// deletes its old segments bounded by its own high watermark.
    pub(crate) fn cleanup_logs(&mut self, now_ms: i64) {
        self.maybe_remove_expired_producers(now_ms);
        let mut events = Vec::new();
        for (tp, p) in self.partitions.iter_mut() {
            if p.log.config.cleanup_policy.split(',').all(|c| c.trim() == "compact") {
                continue;
            }
            let deleted = p.log.delete_old_segments_breached(now_ms, p.high_watermark);
            if deleted.is_empty() {
                continue;
            }
            let log_start_offset = p.log.log_start_offset();
            p.epoch_cache.truncate_from_start(log_start_offset);
            // One event per reason, in the order Kafka applies them.
            let mut rest: &[SegmentDeletion] = &deleted;
            while let Some(first) = rest.first() {
                let n = rest.iter().take_while(|d| d.reason == first.reason).count();
                let (run, tail) = rest.split_at(n);
                events.push(ClusterEvent::SegmentsDeleted {
                    broker_id: self.broker_id,
                    tp: tp.clone(),
                    base_offsets: run.iter().map(|d| d.base_offset).collect(),
                    end_offset: run.last().map_or(first.next_offset, |d| d.next_offset),
                    reason: first.reason,
                    log_start_offset,
                });
                rest = tail;
            }
            self.log_start_changed = true;
        }
        for e in events {
            self.event(e);
        }
        self.arm_retention_timer(now_ms);
    }

    /// Kafka's `PeriodicProducerExpirationCheck`, every
    /// `producer.id.expiration.check.interval.ms`: each log forgets the producers idle for
    /// `producer.id.expiration.ms`. The engine has no scheduler of its own: the check runs
    /// on the retention task's timer once it is due (so up to
    /// `log.retention.check.interval.ms` late), which adds no timer to a run's journal.
    fn maybe_remove_expired_producers(&mut self, now_ms: i64) {
        if now_ms < self.next_producer_expiration_check_ms {
            return;
        }
        self.next_producer_expiration_check_ms =
            now_ms + self.config.producer_id_expiration_check_interval_ms;
        let expiration_ms = self.config.producer_id_expiration_ms;
        for p in self.partitions.values_mut() {
            p.log.set_producer_id_expiration_ms(expiration_ms);
            p.log.remove_expired_producers(now_ms);
        }
    }

    /// A follower's part of `processPartitionData`: the leader's log start offset,
    /// never past this replica's own high watermark.
    pub(crate) fn follow_leader_log_start(&mut self, tp: &TopicPartition, leader_log_start_offset: i64) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if let Ok(true) = p.log.maybe_increment_log_start_offset(leader_log_start_offset, p.high_watermark) {
            self.log_start_moved(
                tp,
                leader_log_start_offset,
                LogStartOffsetIncrementReason::LeaderOffsetIncremented,
            );
        }
    }

    /// A replica's log start offset moved inside its log (DeleteRecords on the leader, or
    /// a follower taking the leader's): the leader epoch cache forgets what lies below it,
    /// the checkpoint is rewritten after this input, and the picture is told.
    pub(crate) fn log_start_moved(
        &mut self,
        tp: &TopicPartition,
        log_start_offset: i64,
        reason: LogStartOffsetIncrementReason,
    ) {
        if let Some(p) = self.partitions.get_mut(tp) {
            p.epoch_cache.truncate_from_start(log_start_offset);
        }
        self.log_start_changed = true;
        let event = ClusterEvent::LogStartOffsetIncremented {
            broker_id: self.broker_id,
            tp: tp.clone(),
            log_start_offset,
            reason,
        };
        self.event(event);
    }

    /// `log-start-offset-checkpoint` after an input that moved a log start offset: every
    /// partition whose log does not start at 0 (a missing entry recovers as the first
    /// segment's base offset, as Kafka's `LogLoader` does).
    pub(crate) fn flush_log_start_checkpoint(&mut self) {
        if !std::mem::take(&mut self.log_start_changed) {
            return;
        }
        let starts = || {
            self.partitions
                .iter()
                .filter(|(_, p)| p.log.log_start_offset() > 0)
                .map(|(tp, p)| (tp.topic.as_str(), tp.partition, p.log.log_start_offset()))
        };
        let value = write_checkpoint_of(starts().count(), starts());
        self.outputs.push_back(Output::Persist(StoreOp::PutMeta {
            broker_id: self.broker_id,
            name: LOG_START_OFFSET_CHECKPOINT.to_string(),
            value,
        }));
    }
}

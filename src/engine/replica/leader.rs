//! The leader's side (`ReplicaManager.appendRecords` / `fetchMessages`, `Partition`):
//! produce with acks 0/1/all and `min.insync.replicas`; fetch from followers and
//! consumers with KIP-320 fencing and the KIP-595 divergence check; follower fetch state,
//! ISR expansion on catch-up and shrinking on lag. Invariants: nothing is appended for a
//! refused produce; a diverging fetch returns no records and does not count as progress;
//! consumers never read past the high watermark.

use super::delayed::{DelayedProduce, FetchRef, ProducePartitionStatus};
use super::BrokerNode;
use crate::engine::cluster::events::OutOfSyncReplica;
use crate::engine::cluster::messages::{
    Acks, EpochEndOffset, FetchPartition, FetchedPartition, IsolationLevel, Message, ProducePartition,
    TopicPartition,
};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::record::MemoryRecords;

/// One partition's part of a fetch answer, and whether it counts as the follower's fetch.
struct PartitionRead {
    answer: FetchedPartition,
    follower_progress: bool,
}

fn failed(tp: &TopicPartition, error: ErrorCode) -> FetchedPartition {
    FetchedPartition {
        tp: tp.clone(),
        error: Some(error),
        high_watermark: -1,
        last_stable_offset: -1,
        log_start_offset: -1,
        diverging_epoch: None,
        records: MemoryRecords::new(),
        aborted_transactions: None,
    }
}

impl BrokerNode {
    /// `ReplicaManager.appendRecords` for a whole request: each partition is appended or
    /// refused on its own; the answer goes out at once for acks=1, when every partition's
    /// ISR has it for acks=all (one held request for them all), and never for acks=0.
    pub(crate) fn handle_produce(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        acks: Acks,
        timeout_ms: i64,
        partitions: &[ProducePartition],
    ) {
        let mut statuses = Vec::with_capacity(partitions.len());
        for part in partitions {
            statuses.push(self.append_produced(now_ms, acks, &part.tp, &part.records));
        }
        let mut held = DelayedProduce { from, correlation_id, partitions: statuses, txn_markers: None };
        match acks {
            Acks::None => {}
            Acks::Leader => self.answer_produce(&held),
            Acks::All => {
                if self.try_complete_produce(&mut held) {
                    self.answer_produce(&held)
                } else {
                    self.hold_produce(held, timeout_ms, now_ms)
                }
            }
        }
    }

    /// One partition of a produce request: appended as leader, or refused with its error.
    fn append_produced(
        &mut self,
        now_ms: i64,
        acks: Acks,
        tp: &TopicPartition,
        records: &[u8],
    ) -> ProducePartitionStatus {
        let refused = |error: ErrorCode| ProducePartitionStatus::refused(tp, error);
        let Some(p) = self.partitions.get_mut(tp) else {
            return refused(ErrorCode::UnknownTopicOrPartition);
        };
        if !p.is_leader() {
            return refused(ErrorCode::NotLeaderOrFollower);
        }
        if acks == Acks::All && p.is_under_min_isr() {
            return refused(ErrorCode::NotEnoughReplicas);
        }
        let leader_epoch = p.state.leader_epoch;
        let info = match p.log.append_as_leader(now_ms, records, leader_epoch) {
            Ok(info) => info,
            Err(e) => return refused(e.code),
        };
        // A duplicate (`analyzeAndValidateProducerState` found the batch among its
        // producer's last five) appended nothing: the answer is the original batch's
        // offsets, and for acks=all it waits until the high watermark passes them like any
        // other. (DUPLICATE_SEQUENCE_NUMBER is what brokers before 0.11.0.1 answered.)
        if !info.duplicate {
            self.appended_as_leader(now_ms, tp, leader_epoch, &info);
        }
        ProducePartitionStatus {
            tp: tp.clone(),
            // acks=all waits for the ISR; otherwise the append is the answer.
            outcome: if acks == Acks::All { None } else { Some(None) },
            base_offset: info.first_offset,
            required_offset: info.last_offset + 1,
            leader_epoch,
            log_append_time_ms: info.log_append_time_ms,
        }
    }

    /// What follows every append as leader (a produce's or a coordinator's own): the
    /// leader epoch cache learns where the epoch's records start, the timeline hears of
    /// the append, and the high watermark may move (a lone in-sync replica).
    pub(crate) fn appended_as_leader(
        &mut self,
        now_ms: i64,
        tp: &TopicPartition,
        leader_epoch: i32,
        info: &crate::engine::log::partition_log::LogAppendInfo,
    ) {
        if let Some(p) = self.partitions.get_mut(tp) {
            p.epoch_cache.assign(leader_epoch, info.first_offset);
        }
        self.event(ClusterEvent::Appended {
            broker_id: self.broker_id,
            tp: tp.clone(),
            first_offset: info.first_offset,
            last_offset: info.last_offset,
            leader_epoch,
        });
        self.maybe_increment_high_watermark(now_ms, tp);
    }

    pub(crate) fn handle_fetch(&mut self, now_ms: i64, params: FetchRef<'_>) {
        self.serve_fetch(now_ms, params, true);
    }

    /// Reads every partition of a fetch, records the follower's progress, and answers —
    /// or holds the request when there is nothing to say yet and `may_delay`.
    pub(crate) fn serve_fetch(&mut self, now_ms: i64, params: FetchRef<'_>, may_delay: bool) {
        let mut answers = Vec::with_capacity(params.partitions.len());
        let mut bytes = 0u32;
        let mut urgent = false;
        // Which partitions count as the follower's progress: the first 64 by bit, any
        // further ones listed (no allocation for a usual fetch).
        let (mut progressed, mut progressed_more) = (0u64, Vec::new());
        for (i, fp) in params.partitions.iter().enumerate() {
            let limit = params.max_bytes.saturating_sub(bytes);
            let read = self.read_partition(now_ms, &params, fp, limit, bytes == 0);
            bytes = bytes.saturating_add(read.answer.records.len() as u32);
            urgent |= read.answer.error.is_some() || read.answer.diverging_epoch.is_some();
            if read.follower_progress {
                if i < 64 {
                    progressed |= 1u64 << i;
                } else {
                    progressed_more.push(i);
                }
            }
            answers.push(read.answer);
        }
        if let Some(follower) = params.replica_id {
            for (i, fp) in params.partitions.iter().enumerate() {
                let counted = if i < 64 { progressed >> i & 1 == 1 } else { progressed_more.contains(&i) };
                if counted {
                    self.maybe_expand_isr(now_ms, &fp.tp, follower);
                    self.maybe_increment_high_watermark(now_ms, &fp.tp);
                }
            }
        }
        if may_delay && params.max_wait_ms > 0 && bytes == 0 && !urgent && !params.partitions.is_empty() {
            self.hold_fetch(params.to_params(), now_ms);
            return;
        }
        self.send(
            params.from,
            Message::FetchResponse { correlation_id: params.correlation_id, partitions: answers },
        );
    }

    /// `Partition.fetchRecords` for one partition.
    fn read_partition(
        &mut self,
        now_ms: i64,
        params: &FetchRef<'_>,
        fp: &FetchPartition,
        limit: u32,
        first: bool,
    ) -> PartitionRead {
        let replica_id = params.replica_id;
        let refused = |error| PartitionRead { answer: failed(&fp.tp, error), follower_progress: false };
        let Some(p) = self.partitions.get_mut(&fp.tp) else {
            return refused(ErrorCode::UnknownTopicOrPartition);
        };
        if !p.is_leader() {
            return refused(ErrorCode::NotLeaderOrFollower);
        }
        if fp.current_leader_epoch >= 0 {
            if fp.current_leader_epoch < p.state.leader_epoch {
                return refused(ErrorCode::FencedLeaderEpoch);
            }
            if fp.current_leader_epoch > p.state.leader_epoch {
                return refused(ErrorCode::UnknownLeaderEpoch);
            }
        }
        if replica_id.is_some_and(|r| !p.followers.contains_key(&r)) {
            return refused(ErrorCode::NotLeaderOrFollower);
        }
        let leo = p.log_end_offset();
        let high_watermark = p.high_watermark;
        let log_start_offset = p.log.log_start_offset();
        let mut answer = FetchedPartition {
            tp: fp.tp.clone(),
            error: None,
            high_watermark,
            last_stable_offset: p.last_stable_offset(),
            log_start_offset,
            diverging_epoch: None,
            records: MemoryRecords::new(),
            aborted_transactions: None,
        };
        if fp.last_fetched_epoch >= 0 {
            let (epoch, end_offset) = p.epoch_cache.end_offset_for(fp.last_fetched_epoch, leo);
            if epoch < fp.last_fetched_epoch || end_offset < fp.fetch_offset {
                answer.diverging_epoch = Some(EpochEndOffset { epoch, end_offset });
                return PartitionRead { answer, follower_progress: false };
            }
        }
        if fp.fetch_offset < log_start_offset || fp.fetch_offset > leo {
            answer.error = Some(ErrorCode::OffsetOutOfRange);
            return PartitionRead { answer, follower_progress: false };
        }
        // `FetchIsolation`: a follower reads to the log end offset, a read_committed
        // consumer to the last stable offset (`TXN_COMMITTED`), any other to the HW.
        let read_committed = replica_id.is_none() && params.isolation_level == IsolationLevel::ReadCommitted;
        let max_offset = match replica_id {
            Some(_) => leo,
            // A test-only bug (break-engine): read_committed reads to the HW.
            None if read_committed
                && !crate::engine::faults::on(crate::engine::faults::Fault::ReadCommittedPastLso) =>
            {
                answer.last_stable_offset
            }
            None => high_watermark,
        };
        if limit > 0 || first {
            match p.log.read(fp.fetch_offset, limit.max(1), max_offset) {
                Ok(data) => answer.records = data.records,
                Err(e) => return refused(e.code),
            }
        }
        if read_committed {
            // `UnifiedLog.read` with TXN_COMMITTED: the aborted transactions overlapping
            // what was read (`addAbortedTransactions`), an empty list for an empty read.
            let aborted = if answer.records.is_empty() {
                Vec::new()
            } else {
                p.log.aborted_transactions_for_read(fp.fetch_offset, answer.records.len() as u32)
            };
            answer.aborted_transactions = Some(aborted);
        }
        let mut follower_progress = false;
        if let Some(r) = replica_id {
            if let Some(f) = p.followers.get_mut(&r) {
                f.record_fetch(fp.fetch_offset, now_ms, leo);
                f.log_start_offset = fp.log_start_offset;
                follower_progress = true;
            }
        }
        PartitionRead { answer, follower_progress }
    }

    /// `maybeExpandIsr`: a follower outside the ISR that has caught up is proposed.
    fn maybe_expand_isr(&mut self, now_ms: i64, tp: &TopicPartition, follower: NodeId) {
        let image = &self.image;
        let Some(p) = self.partitions.get(tp) else { return };
        if !p.should_expand_isr(follower) || !Self::is_eligible(image, follower) {
            return;
        }
        let mut new_isr = p.state.isr.clone();
        new_isr.push(follower);
        self.send_alter_partition(now_ms, tp, new_isr);
    }

    /// `maybeShrinkIsr` for every partition this broker leads (the `isr-expiration` task);
    /// an AlterPartition left unanswered too long is sent again.
    pub(crate) fn maybe_shrink_isr(&mut self, now_ms: i64) {
        let lag = self.config.replica_lag_time_max_ms;
        let retry_after = self.config.controller_socket_timeout_ms;
        let mut proposals = Vec::new();
        let mut reasons = Vec::new();
        for (tp, p) in &self.partitions {
            if !p.is_leader() {
                continue;
            }
            match &p.pending_alter {
                Some(pending) if now_ms - pending.sent_at_ms >= retry_after => {
                    proposals.push((tp.clone(), pending.new_isr.clone()));
                }
                Some(_) => {}
                None => {
                    let out = p.out_of_sync_replicas(now_ms, lag);
                    if !out.is_empty() {
                        let new_isr: Vec<NodeId> =
                            p.state.isr.iter().filter(|r| !out.contains(r)).copied().collect();
                        let out_of_sync = out
                            .iter()
                            .filter_map(|r| {
                                p.followers.get(r).map(|f| OutOfSyncReplica {
                                    broker_id: *r,
                                    log_end_offset: f.log_end_offset,
                                    last_caught_up_time_ms: f.last_caught_up_time_ms,
                                })
                            })
                            .collect();
                        reasons.push(ClusterEvent::IsrShrinkProposed {
                            broker_id: self.broker_id,
                            tp: tp.clone(),
                            isr: p.state.isr.clone(),
                            new_isr: new_isr.clone(),
                            high_watermark: p.high_watermark,
                            log_end_offset: p.log_end_offset(),
                            out_of_sync,
                            replica_lag_time_max_ms: lag,
                        });
                        proposals.push((tp.clone(), new_isr));
                    }
                }
            }
        }
        for event in reasons {
            self.event(event);
        }
        for (tp, new_isr) in proposals {
            self.send_alter_partition(now_ms, &tp, new_isr);
        }
    }
}

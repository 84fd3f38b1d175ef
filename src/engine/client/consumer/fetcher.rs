//! Where the consumer's records come from (Java's `Fetcher`) and the application's side of
//! `poll()`: one Fetch in flight per leader for the partitions with a position and nothing
//! buffered; `poll()` hands out at most `max.poll.records` buffered records and the
//! application processes them one after another. Positions: `positions.rs`; metadata:
//! `metadata.rs`. Fetch and ListOffsets carry `isolation.level`; fetched batches pass
//! [`crate::engine::txn::read_committed`] as in `CompletedFetch.nextFetchedRecord`:
//! control batches are never delivered, an aborted transaction's batches are dropped
//! under read_committed, and the position moves past every batch of the fetch, skipped
//! ones included (`nextFetchOffset`), once its records are handed out (at once when
//! none is).

use super::{ConsumerNode, JoinPhase, Pending, Subscription};
use crate::engine::cluster::messages::{FetchPartition, FetchedPartition, Message, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::record::decode::read_batch;
use crate::engine::record::split_batches;
use crate::engine::txn::read_committed::{BatchVerdict, FetchedBatch, ReadCommittedFilter};
use std::collections::BTreeMap;

impl ConsumerNode {
    /// One Fetch per leader with the partitions that have a position and nothing buffered.
    pub(crate) fn send_fetches(&mut self) {
        if self.now_ms < self.fetch_retry_ms {
            return;
        }
        let mut by_leader: BTreeMap<NodeId, Vec<FetchPartition>> = BTreeMap::new();
        for (tp, p) in &self.assigned {
            let Some(position) = p.position else { continue };
            if p.awaiting_reset.is_some() || self.buffer.iter().any(|(t, _, _)| t == tp) {
                continue;
            }
            match self.leader_of(tp) {
                Some((leader, epoch)) => by_leader.entry(leader).or_default().push(FetchPartition {
                    tp: tp.clone(),
                    fetch_offset: position,
                    last_fetched_epoch: -1,
                    current_leader_epoch: epoch,
                    log_start_offset: -1,
                }),
                None => self.metadata_refresh_needed = true,
            }
        }
        for (leader, partitions) in by_leader {
            if self.has_in_flight(|p| matches!(p, Pending::Fetch { broker } if *broker == leader)) {
                continue;
            }
            let (max_wait_ms, max_bytes) = (self.config.fetch_max_wait_ms, self.config.fetch_max_bytes);
            let timeout = self.config.request_timeout_ms;
            let isolation_level = self.config.isolation_level;
            self.request(
                leader,
                Pending::Fetch { broker: leader },
                |correlation_id| Message::FetchRequest {
                    correlation_id,
                    replica_id: None,
                    max_wait_ms,
                    max_bytes,
                    partitions,
                    isolation_level,
                },
                timeout,
            );
        }
    }

    pub(crate) fn handle_fetch_response(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        partitions: Vec<FetchedPartition>,
    ) {
        let Some(Pending::Fetch { broker }) = self.answered(correlation_id) else { return };
        if broker != from {
            return;
        }
        for answer in partitions {
            self.take_fetched(answer);
        }
    }

    pub(super) fn take_fetched(&mut self, answer: FetchedPartition) {
        let tp = answer.tp.clone();
        let Some(position) = self.assigned.get(&tp).and_then(|p| p.position) else { return };
        match answer.error {
            None => {}
            Some(ErrorCode::OffsetOutOfRange) => {
                self.offset_out_of_range(&tp, position, &answer);
                return;
            }
            Some(_) => {
                self.metadata_refresh_needed = true;
                self.fetch_retry_ms = self.now_ms + self.config.retry_backoff_ms;
                return;
            }
        }
        let aborted = answer.aborted_transactions.as_deref().unwrap_or_default();
        let mut filter = ReadCommittedFilter::new(self.config.isolation_level, aborted);
        let mut offsets = Vec::new();
        let mut skipped: Vec<(i64, i64)> = Vec::new();
        let mut next_fetch_offset = position;
        for view in split_batches(&answer.records) {
            let Ok(view) = view else { break };
            let Ok(fetched) = FetchedBatch::from_bytes(view.bytes) else { break };
            if fetched.last_offset < position {
                continue;
            }
            let verdict = filter.verdict(&fetched);
            // A test-only bug (break-engine): aborted batches delivered too.
            let aborted_too = verdict == BatchVerdict::SkipAborted
                && crate::engine::faults::on(crate::engine::faults::Fault::DeliverAbortedBatches);
            if verdict == BatchVerdict::Deliver || aborted_too {
                // Borrowed from the fetched bytes: what decode_batch checks, no copies.
                let txn_app = &mut self.txn_app;
                let read = read_batch(view.bytes, |header, records| {
                    let base = header.base_offset;
                    offsets.extend(records.iter().map(|r| r.offset(base)).filter(|o| *o >= position));
                    if let Some(app) = txn_app.as_mut() {
                        app.keep(&tp, position, base, records);
                    }
                });
                if read.is_err() {
                    break;
                }
            } else {
                skipped.push((fetched.base_offset.max(position), fetched.last_offset));
            }
            next_fetch_offset = next_fetch_offset.max(fetched.last_offset + 1);
        }
        let client_id = self.client_id;
        for (first_offset, last_offset) in skipped {
            self.event(ClusterEvent::RecordsSkipped { client_id, tp: tp.clone(), first_offset, last_offset });
        }
        let Some(p) = self.assigned.get_mut(&tp) else { return };
        p.high_watermark = answer.high_watermark.max(p.high_watermark);
        if answer.last_stable_offset >= 0 {
            p.last_stable_offset = Some(answer.last_stable_offset);
        }
        // `SubscriptionState.partitionLag`: against the LSO under read_committed.
        let end = p.end_offset(self.config.isolation_level);
        let sample = (position, end);
        let high_watermark = p.high_watermark;
        let lag_event = (p.last_lag_sample != Some(sample)).then(|| {
            p.last_lag_sample = Some(sample);
            ClusterEvent::ConsumerLag {
                client_id,
                tp: tp.clone(),
                position,
                high_watermark,
                lag: (end - position).max(0),
            }
        });
        if let Some(e) = lag_event {
            self.event(e);
        }
        if !offsets.is_empty() {
            self.buffer.push_back((tp, offsets, next_fetch_offset));
        } else if next_fetch_offset > position {
            // Only skipped batches: nothing for the application, the position moves on.
            if let Some(p) = self.assigned.get_mut(&tp) {
                p.position = Some(next_fetch_offset);
            }
            self.settle_processed(&tp);
        }
    }

    /// Java commits `subscriptions.allConsumed()`, the positions: once nothing of `tp`
    /// waits to be processed, what the position passed without a record for the
    /// application (control batches, aborted transactions) counts as consumed too, so a
    /// commit goes past a trailing COMMIT marker instead of leaving a lag of 1.
    fn settle_processed(&mut self, tp: &TopicPartition) {
        let waiting =
            self.processing.iter().any(|(t, _)| t == tp) || self.buffer.iter().any(|(t, _, _)| t == tp);
        if waiting || self.txn_app.is_some() {
            return;
        }
        if let Some(p) = self.assigned.get_mut(tp) {
            if let (Some(position), Some(processed)) = (p.position, p.processed) {
                p.processed = Some(processed.max(position));
            }
        }
    }

    /// The application calls `poll()`: the group's part, positions, then records.
    /// True if it handed records to the application or changed what can happen next.
    pub(crate) fn poll(&mut self) -> bool {
        self.last_poll_ms = self.now_ms;
        let mut progress = self.coordinator_poll();
        if self.join_phase == JoinPhase::Committing {
            // `onJoinPrepare`'s commitOffsetsSync blocks this poll() until it is answered
            // (or times out): no records reach the application, and the revocation that
            // follows the answer runs inside poll(), never while a batch is processed.
            return progress;
        }
        if !matches!(self.subscription, Subscription::None) {
            self.update_fetch_positions();
        }
        let max = self.config.max_poll_records as usize;
        let mut handed = 0;
        while handed < max {
            let Some((tp, mut offsets, next_fetch_offset)) = self.buffer.pop_front() else { break };
            let Some(p) = self.assigned.get_mut(&tp) else { continue };
            let Some(position) = p.position else { continue };
            offsets.retain(|o| *o >= position);
            let take = offsets.len().min(max - handed);
            let rest = offsets.split_off(take);
            if let Some(last) = offsets.last() {
                let after = if rest.is_empty() { next_fetch_offset.max(last + 1) } else { last + 1 };
                p.position = Some(after);
            }
            handed += offsets.len();
            for o in offsets {
                self.processing.push_back((tp.clone(), o));
            }
            if !rest.is_empty() {
                self.buffer.push_front((tp, rest, next_fetch_offset));
            }
        }
        if handed > 0 {
            // With `before-processing` the application first waits for its commitSync().
            if !self.commit_before_processing() {
                self.processing_done_ms = Some(self.now_ms + self.config.processing_time_per_record_ms);
            }
            progress = true;
        }
        progress
    }

    /// Records whose processing time has passed are done: counted, reported, and their
    /// offsets become committable. True if any finished.
    pub(crate) fn finish_processing(&mut self) -> bool {
        let per_record = self.config.processing_time_per_record_ms;
        let mut finished: Vec<(TopicPartition, i64)> = Vec::new();
        while let Some(due) = self.processing_done_ms {
            if due > self.now_ms {
                break;
            }
            let Some((tp, offset)) = self.processing.pop_front() else {
                self.processing_done_ms = None;
                break;
            };
            if let Some(app) = self.txn_app.as_mut() {
                app.finished(&tp, offset);
            }
            finished.push((tp, offset));
            self.processing_done_ms = if self.processing.is_empty() { None } else { Some(due + per_record) };
        }
        if finished.is_empty() {
            return false;
        }
        let mut i = 0;
        while i < finished.len() {
            let tp = finished[i].0.clone();
            let first = finished[i].1;
            let mut last = first;
            let mut j = i + 1;
            while j < finished.len() && finished[j].0 == tp && finished[j].1 == last + 1 {
                last += 1;
                j += 1;
            }
            let counts = self.consumed.entry(tp.clone()).or_default();
            for o in first..=last {
                *counts.entry(o).or_default() += 1;
            }
            if let Some(p) = self.assigned.get_mut(&tp) {
                p.processed = Some(p.processed.map_or(last + 1, |x| x.max(last + 1)));
            }
            self.settle_processed(&tp);
            self.event(ClusterEvent::RecordsConsumed {
                client_id: self.client_id,
                tp,
                first_offset: first,
                last_offset: last,
            });
            i = j;
        }
        if self.processing.is_empty() {
            self.last_poll_ms = self.now_ms;
            self.commit_after_processing();
        }
        true
    }
}

#[cfg(test)]
#[path = "read_committed_tests.rs"]
mod read_committed_tests;

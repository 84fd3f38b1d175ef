//! Where the consumer's records come from (Java's `Fetcher`, `OffsetFetcher`,
//! `ConsumerMetadata`) and the application's side of `poll()`: metadata for the
//! subscribed topics (refreshed every `metadata.max.age.ms`, after errors, and every
//! `retry.backoff.ms` while a subscribed topic does not exist — Kafka waits for it);
//! starting positions from the group's committed offsets, else `auto.offset.reset`
//! through ListOffsets; one Fetch in flight per leader for the partitions with a position
//! and nothing buffered; `poll()` hands out at most `max.poll.records` buffered records
//! and the application processes them one after another. A fetch answered
//! OFFSET_OUT_OF_RANGE (retention or DeleteRecords passed the position) resets per
//! `auto.offset.reset` as `FetchCollector.handleInitializeErrors` does: `earliest` /
//! `latest` through ListOffsets (never the committed offset), `none` raises
//! `OffsetOutOfRangeException` to the application (a note) and the partition waits for a
//! `seek`.

use super::{AutoOffsetReset, ConsumerNode, JoinPhase, Pending, Subscription};
use crate::engine::cluster::messages::{
    FetchPartition, FetchedPartition, Message, OffsetPartitionResult, TopicPartition,
};
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::record::{decode_batch, split_batches};
use std::collections::BTreeMap;

impl ConsumerNode {
    /// Topics metadata is wanted for: the subscription plus, for a leader, its members'.
    fn metadata_topics(&self) -> Vec<String> {
        let mut topics = self.subscribed_topics();
        topics.extend(self.unknown_topics.iter().cloned());
        topics.extend(self.topics.keys().cloned());
        topics.sort();
        topics.dedup();
        topics
    }

    pub(crate) fn maybe_request_metadata(&mut self) {
        let topics = self.metadata_topics();
        if topics.is_empty()
            || self.has_in_flight(|p| matches!(p, Pending::Metadata))
            || self.now_ms < self.metadata_next_ms
        {
            return;
        }
        let stale = self.metadata_refreshed_ms == i64::MIN
            || self.now_ms >= self.metadata_refreshed_ms + self.config.metadata_max_age_ms;
        let missing = topics.iter().any(|t| !self.topics.contains_key(t));
        if !(self.metadata_refresh_needed || stale || missing) {
            return;
        }
        let Some(broker) = self.any_broker() else { return };
        self.metadata_refresh_needed = false;
        self.metadata_next_ms = self.now_ms + self.config.retry_backoff_ms;
        let timeout = self.config.request_timeout_ms;
        self.request(
            broker,
            Pending::Metadata,
            |correlation_id| Message::MetadataRequest { correlation_id, topics },
            timeout,
        );
    }

    pub(crate) fn handle_metadata_response(
        &mut self,
        correlation_id: u64,
        brokers: Vec<NodeId>,
        partitions: Vec<(TopicPartition, PartitionState)>,
        unknown_topics: Vec<String>,
    ) {
        if self.answered(correlation_id).is_none() {
            return;
        }
        self.metadata_refreshed_ms = self.now_ms;
        if !brokers.is_empty() {
            self.brokers = brokers;
        }
        let mut fresh: BTreeMap<String, Vec<PartitionState>> = BTreeMap::new();
        for (tp, state) in partitions {
            let list = fresh.entry(tp.topic.to_string()).or_default();
            let old = self.topics.get(tp.topic.as_str()).and_then(|ps| ps.get(tp.partition as usize));
            let state = match old {
                Some(o) if o.leader_epoch > state.leader_epoch => o.clone(),
                _ => state,
            };
            if tp.partition as usize == list.len() {
                list.push(state);
            }
        }
        for (topic, ps) in fresh {
            if self.unknown_topics.remove(&topic) {
                self.note(format!("topic {topic} now exists ({} partitions)", ps.len()));
            }
            self.topics.insert(topic, ps);
        }
        for topic in unknown_topics {
            self.topics.remove(&topic);
            if self.unknown_topics.insert(topic.clone()) && self.subscribed_topics().contains(&topic) {
                self.note(format!(
                    "subscribed topic {topic} does not exist (UNKNOWN_TOPIC_OR_PARTITION): waiting for it to be created"
                ));
            }
        }
    }

    fn leader_of(&self, tp: &TopicPartition) -> Option<(NodeId, i32)> {
        let p = self.topics.get(tp.topic.as_str())?.get(tp.partition as usize)?;
        Some((p.leader?, p.leader_epoch))
    }

    /// `updateFetchPositions`: committed offsets first, then the reset policy.
    fn update_fetch_positions(&mut self) {
        let resetting: Vec<(TopicPartition, AutoOffsetReset)> = self
            .assigned
            .iter()
            .filter(|(_, p)| p.position.is_none())
            .filter_map(|(tp, p)| p.awaiting_reset.map(|policy| (tp.clone(), policy)))
            .collect();
        for (tp, policy) in resetting {
            self.reset_offset(&tp, policy);
        }
        let without: Vec<TopicPartition> = self
            .assigned
            .iter()
            .filter(|(_, p)| p.position.is_none() && p.awaiting_reset.is_none())
            .map(|(tp, _)| tp.clone())
            .collect();
        if without.is_empty() {
            return;
        }
        let use_group = self.config.group_id.is_some() && self.join_phase == JoinPhase::Idle;
        if use_group {
            if self.now_ms < self.offset_fetch_retry_ms
                || self.has_in_flight(|p| matches!(p, Pending::OffsetFetch { .. }))
            {
                return;
            }
            let Some(coordinator) = self.coordinator else { return };
            let group_id = self.group_id_or_empty();
            let partitions = without.clone();
            let timeout = self.config.request_timeout_ms;
            self.request(
                coordinator,
                Pending::OffsetFetch { partitions: without },
                |correlation_id| Message::OffsetFetchRequest {
                    correlation_id,
                    group_id,
                    partitions: Some(partitions),
                },
                timeout,
            );
        } else if self.config.group_id.is_none() {
            let policy = self.config.auto_offset_reset;
            for tp in without {
                self.reset_offset(&tp, policy);
            }
        }
    }

    pub(crate) fn handle_offset_fetch_response(
        &mut self,
        correlation_id: u64,
        error: Option<ErrorCode>,
        partitions: Vec<OffsetPartitionResult>,
    ) {
        let Some(Pending::OffsetFetch { .. }) = self.answered(correlation_id) else { return };
        match error {
            None => {}
            Some(ErrorCode::CoordinatorLoadInProgress) => {
                self.offset_fetch_retry_ms = self.now_ms + self.config.retry_backoff_ms;
                return;
            }
            Some(_) => {
                self.offset_fetch_retry_ms = self.now_ms + self.config.retry_backoff_ms;
                self.mark_coordinator_unknown("OffsetFetch answered with a coordinator error");
                return;
            }
        }
        let policy = self.config.auto_offset_reset;
        for r in partitions {
            let Some(p) = self.assigned.get_mut(&r.tp) else { continue };
            if p.position.is_some() || p.awaiting_reset.is_some() {
                continue;
            }
            if r.committed_offset >= 0 {
                p.position = Some(r.committed_offset);
                p.processed = Some(r.committed_offset);
                p.committed = Some(r.committed_offset);
                let note = format!(
                    "Setting offset for partition {}-{} to the committed offset {}",
                    r.tp.topic, r.tp.partition, r.committed_offset
                );
                self.note(note);
            } else {
                self.reset_offset(&r.tp, policy);
            }
        }
    }

    /// No position: `auto.offset.reset` (earliest / latest through ListOffsets; none is
    /// NoOffsetForPartitionException and the partition is not fetched).
    pub(crate) fn reset_offset(&mut self, tp: &TopicPartition, policy: AutoOffsetReset) {
        let timestamp_ms = match policy {
            AutoOffsetReset::Earliest => -2,
            AutoOffsetReset::Latest => -1,
            AutoOffsetReset::None => {
                self.refuse(format!(
                    "Undefined offset with no reset policy for partition: {}-{} (auto.offset.reset = none)",
                    tp.topic, tp.partition
                ));
                return;
            }
        };
        if self.now_ms < self.list_offsets_retry_ms
            || self.has_in_flight(|p| matches!(p, Pending::ListOffsets { tp: t } if t == tp))
        {
            return;
        }
        let Some((leader, _)) = self.leader_of(tp) else {
            self.metadata_refresh_needed = true;
            return;
        };
        let target = tp.clone();
        let timeout = self.config.request_timeout_ms;
        self.request(
            leader,
            Pending::ListOffsets { tp: tp.clone() },
            |correlation_id| Message::ListOffsetsRequest { correlation_id, tp: target, timestamp_ms },
            timeout,
        );
    }

    pub(crate) fn handle_list_offsets_response(
        &mut self,
        correlation_id: u64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        offset: i64,
    ) {
        if self.answered(correlation_id).is_none() {
            return;
        }
        if error.is_some() || offset < 0 {
            self.metadata_refresh_needed = true;
            self.list_offsets_retry_ms = self.now_ms + self.config.retry_backoff_ms;
            return;
        }
        let policy = self.config.auto_offset_reset;
        let Some(p) = self.assigned.get_mut(&tp) else { return };
        if p.position.is_none() {
            p.position = Some(offset);
            p.processed = Some(offset);
            let policy = p.awaiting_reset.take().unwrap_or(policy);
            self.note(format!(
                "Resetting offset for partition {}-{} to position {offset} ({policy:?})",
                tp.topic, tp.partition
            ));
        }
    }

    /// One Fetch per leader with the partitions that have a position and nothing buffered.
    pub(crate) fn send_fetches(&mut self) {
        if self.now_ms < self.fetch_retry_ms {
            return;
        }
        let mut by_leader: BTreeMap<NodeId, Vec<FetchPartition>> = BTreeMap::new();
        for (tp, p) in &self.assigned {
            let Some(position) = p.position else { continue };
            if p.awaiting_reset.is_some() || self.buffer.iter().any(|(t, _)| t == tp) {
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
            self.request(
                leader,
                Pending::Fetch { broker: leader },
                |correlation_id| Message::FetchRequest {
                    correlation_id,
                    replica_id: None,
                    max_wait_ms,
                    max_bytes,
                    partitions,
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

    fn take_fetched(&mut self, answer: FetchedPartition) {
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
        let mut offsets = Vec::new();
        for view in split_batches(&answer.records) {
            let Ok(view) = view else { break };
            let Ok(batch) = decode_batch(view.bytes) else { break };
            offsets.extend(batch.records.iter().map(|r| r.offset).filter(|o| *o >= position));
        }
        let client_id = self.client_id;
        let Some(p) = self.assigned.get_mut(&tp) else { return };
        p.high_watermark = answer.high_watermark.max(p.high_watermark);
        let sample = (position, p.high_watermark);
        let lag_event = (p.last_lag_sample != Some(sample)).then(|| {
            p.last_lag_sample = Some(sample);
            ClusterEvent::ConsumerLag {
                client_id,
                tp: tp.clone(),
                position,
                high_watermark: sample.1,
                lag: (sample.1 - position).max(0),
            }
        });
        if let Some(e) = lag_event {
            self.event(e);
        }
        if !offsets.is_empty() {
            self.buffer.push_back((tp, offsets));
        }
    }

    /// `handleInitializeErrors` for OFFSET_OUT_OF_RANGE at `position`.
    fn offset_out_of_range(&mut self, tp: &TopicPartition, position: i64, answer: &FetchedPartition) {
        let policy = self.config.auto_offset_reset;
        let event = ClusterEvent::OffsetOutOfRange {
            client_id: self.client_id,
            tp: tp.clone(),
            fetch_offset: position,
            log_start_offset: answer.log_start_offset,
            high_watermark: answer.high_watermark,
            auto_offset_reset: format!("{policy:?}").to_lowercase(),
        };
        self.event(event);
        self.buffer.retain(|(t, _)| t != tp);
        let Some(p) = self.assigned.get_mut(tp) else { return };
        p.awaiting_reset = Some(policy);
        let message = format!(
            "Fetch position {position} is out of range for partition {}-{} (log start offset {}, high watermark {})",
            tp.topic, tp.partition, answer.log_start_offset, answer.high_watermark
        );
        if policy == AutoOffsetReset::None {
            self.note(format!(
                "{message}, raising error to the application since no reset policy is configured: OffsetOutOfRangeException (the partition is not fetched until a seek)"
            ));
            return;
        }
        p.position = None;
        self.note(format!("{message}, resetting offset"));
        self.reset_offset(tp, policy);
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
            let Some((tp, mut offsets)) = self.buffer.pop_front() else { break };
            let Some(p) = self.assigned.get_mut(&tp) else { continue };
            let Some(position) = p.position else { continue };
            offsets.retain(|o| *o >= position);
            let take = offsets.len().min(max - handed);
            let rest = offsets.split_off(take);
            if let Some(last) = offsets.last() {
                p.position = Some(last + 1);
            }
            handed += offsets.len();
            for o in offsets {
                self.processing.push_back((tp.clone(), o));
            }
            if !rest.is_empty() {
                self.buffer.push_front((tp, rest));
            }
        }
        if handed > 0 {
            self.processing_done_ms = Some(self.now_ms + self.config.processing_time_per_record_ms);
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
        }
        true
    }
}

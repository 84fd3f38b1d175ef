//! Where the consumer starts reading (Java's `OffsetFetcher`, `updateFetchPositions`):
//! the group's committed offsets, else `auto.offset.reset` through ListOffsets. A fetch
//! answered OFFSET_OUT_OF_RANGE (retention or DeleteRecords passed the position) resets per
//! `auto.offset.reset` as `FetchCollector.handleInitializeErrors` does: `earliest` /
//! `latest` through ListOffsets (never the committed offset), `none` raises
//! `OffsetOutOfRangeException` to the application (a note) and the partition waits for a
//! `seek`.

use super::{AutoOffsetReset, ConsumerNode, JoinPhase, Pending};
use crate::engine::cluster::messages::{FetchedPartition, Message, OffsetPartitionResult, TopicPartition};
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

impl ConsumerNode {
    /// `updateFetchPositions`: committed offsets first, then the reset policy.
    pub(super) fn update_fetch_positions(&mut self) {
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
                // `ConsumerCoordinator.sendOffsetFetchRequest` always requires stable offsets.
                |correlation_id| Message::OffsetFetchRequest {
                    correlation_id,
                    group_id,
                    partitions: Some(partitions),
                    require_stable: true,
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
        // `OffsetFetchResponseHandler`: a partition whose transactional offsets are still
        // pending fails the whole fetch with the retriable UnstableOffsetCommitException;
        // nothing is applied, and the fetch is tried again after `retry.backoff.ms`.
        let unstable: Vec<String> = partitions
            .iter()
            .filter(|r| r.error == Some(ErrorCode::UnstableOffsetCommit))
            .map(|r| format!("{}-{}", r.tp.topic, r.tp.partition))
            .collect();
        if !unstable.is_empty() {
            self.offset_fetch_retry_ms = self.now_ms + self.config.retry_backoff_ms;
            if unstable == self.unstable_offsets_noted {
                return;
            }
            self.unstable_offsets_noted.clone_from(&unstable);
            self.note(format!(
                "The following partitions still have unstable offsets which are not cleared on the broker side: [{}], this could be either transactional offsets waiting for completion, or normal offsets waiting for replication after appending to local log",
                unstable.join(", ")
            ));
            return;
        }
        self.unstable_offsets_noted.clear();
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
        let isolation_level = self.config.isolation_level;
        self.request(
            leader,
            Pending::ListOffsets { tp: tp.clone() },
            |correlation_id| Message::ListOffsetsRequest {
                correlation_id,
                tp: target,
                timestamp_ms,
                isolation_level,
            },
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

    /// `handleInitializeErrors` for OFFSET_OUT_OF_RANGE at `position`.
    pub(super) fn offset_out_of_range(
        &mut self,
        tp: &TopicPartition,
        position: i64,
        answer: &FetchedPartition,
    ) {
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
        self.buffer.retain(|(t, _, _)| t != tp);
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
}

#[cfg(test)]
mod tests {
    //! `ConsumerCoordinatorTest.testRefreshOffsetWithPendingTransactions`: the request
    //! requires stable offsets, an unstable partition fails the whole fetch (nothing
    //! applied, no reset), and the fetch is retried (after `retry.backoff.ms`).
    use super::super::{ConsumerConfig, ConsumerNode, PartitionPosition, Subscription};
    use crate::engine::cluster::messages::{OffsetPartitionResult, TopicPartition};
    use crate::engine::cluster::{Message, Output};
    use crate::engine::error::ErrorCode;

    fn sent_offset_fetch(c: &mut ConsumerNode) -> Option<(u64, bool)> {
        c.outputs.drain(..).find_map(|o| match o {
            Output::Send(e) => match e.message {
                Message::OffsetFetchRequest { correlation_id, require_stable, .. } => {
                    Some((correlation_id, require_stable))
                }
                _ => None,
            },
            _ => None,
        })
    }

    fn answer(tp: &TopicPartition, offset: i64, error: Option<ErrorCode>) -> Vec<OffsetPartitionResult> {
        let r = OffsetPartitionResult {
            tp: tp.clone(),
            committed_offset: offset,
            committed_leader_epoch: -1,
            metadata: String::new(),
            error,
        };
        vec![r]
    }

    #[test]
    fn unstable_offsets_are_retried_not_reset() {
        let config = ConsumerConfig { group_id: Some("g".into()), ..ConsumerConfig::default() };
        let mut c = ConsumerNode::new(1, config, Subscription::None);
        let tp = TopicPartition::new("t", 0);
        c.assigned.insert(tp.clone(), PartitionPosition::default());
        c.coordinator = Some(7);
        c.update_fetch_positions();
        let (id, require_stable) = sent_offset_fetch(&mut c).expect("an OffsetFetch");
        assert!(require_stable, "the Java consumer always requires stable offsets");
        c.handle_offset_fetch_response(id, None, answer(&tp, -1, Some(ErrorCode::UnstableOffsetCommit)));
        assert_eq!(c.assigned[&tp].position, None, "nothing applied");
        assert!(c.in_flight.is_empty(), "no ListOffsets: an unstable offset is not a missing one");
        c.update_fetch_positions();
        assert!(sent_offset_fetch(&mut c).is_none(), "not before retry.backoff.ms");
        c.now_ms += c.config.retry_backoff_ms;
        c.update_fetch_positions();
        let (id, _) = sent_offset_fetch(&mut c).expect("retried");
        c.handle_offset_fetch_response(id, None, answer(&tp, 6, None));
        assert_eq!(c.assigned[&tp].position, Some(6));
    }
}

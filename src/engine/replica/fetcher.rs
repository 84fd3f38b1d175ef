//! The follower's side (`ReplicaFetcherThread` / `AbstractFetcherThread`): one fetcher per
//! leader, one Fetch in flight for all the partitions this broker follows from it, each
//! carrying the follower's LEO, its latest epoch (KIP-595) and the leader epoch it
//! believes current (KIP-320). Answers are appended as sent, the HW follows the leader's
//! (bounded by the LEO), and a `diverging_epoch` truncates the log where it parts from
//! the leader's (KIP-279's rule). Invariants: an answer is used only if it belongs to the
//! fetch in flight and the partition still follows the same leader, in the same epoch,
//! from the same offset; an unanswered fetch is given up after `replica.socket.timeout.ms`,
//! a refused one (closed connection) at once, and retried after `replica.fetch.backoff.ms`.

use super::partition::Role;
use super::BrokerNode;
use crate::engine::cluster::messages::{
    EpochEndOffset, FetchPartition, FetchedPartition, IsolationLevel, Message, TopicPartition,
};
use crate::engine::cluster::TimerKind;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::faults::{self, Fault};
use crate::engine::log::{UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
use crate::engine::record::split_batches;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetcher {
    in_flight: Option<InFlight>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct InFlight {
    correlation_id: u64,
    sent_at_ms: i64,
    deadline_ms: i64,
    /// Per partition: the fetch offset and leader epoch the request was built from.
    sent: BTreeMap<TopicPartition, (i64, i32)>,
}

impl BrokerNode {
    /// Makes sure a fetch toward `leader` is in flight (or scheduled).
    pub(crate) fn kick_fetcher(&mut self, now_ms: i64, leader: NodeId) {
        let idle = self.fetchers.entry(leader).or_default().in_flight.is_none();
        if idle {
            self.send_fetch(now_ms, leader);
        }
    }

    fn send_fetch(&mut self, now_ms: i64, leader: NodeId) {
        let mut partitions = Vec::new();
        let mut sent = BTreeMap::new();
        let mut next_retry_ms: Option<i64> = None;
        for (tp, p) in &self.partitions {
            if p.role != Role::Follower || p.state.leader != Some(leader) {
                continue;
            }
            if p.fetch_backoff_until_ms > now_ms {
                next_retry_ms =
                    Some(next_retry_ms.map_or(p.fetch_backoff_until_ms, |t| t.min(p.fetch_backoff_until_ms)));
                continue;
            }
            let fetch_offset = p.log_end_offset();
            partitions.push(FetchPartition {
                tp: tp.clone(),
                fetch_offset,
                last_fetched_epoch: p.epoch_cache.latest_epoch(),
                current_leader_epoch: p.state.leader_epoch,
                log_start_offset: p.log.log_start_offset(),
            });
            sent.insert(tp.clone(), (fetch_offset, p.state.leader_epoch));
        }
        if partitions.is_empty() {
            match next_retry_ms {
                Some(at_ms) => self.set_timer(TimerKind::Fetcher, u64::from(leader), at_ms),
                None => {
                    self.fetchers.remove(&leader);
                    self.cancel_timer(TimerKind::Fetcher, u64::from(leader));
                }
            }
            return;
        }
        let correlation_id = self.next_id();
        let deadline_ms = now_ms + self.config.replica_socket_timeout_ms;
        self.fetchers.insert(
            leader,
            Fetcher { in_flight: Some(InFlight { correlation_id, sent_at_ms: now_ms, deadline_ms, sent }) },
        );
        let message = Message::FetchRequest {
            correlation_id,
            replica_id: Some(self.broker_id),
            max_wait_ms: self.config.replica_fetch_wait_max_ms,
            max_bytes: self.config.replica_fetch_max_bytes,
            partitions,
            isolation_level: IsolationLevel::ReadUncommitted,
        };
        self.send(leader, message);
        self.set_timer(TimerKind::Fetcher, u64::from(leader), deadline_ms);
    }

    /// The fetch in flight to `leader` that carries `tp`: when it was sent and when it is
    /// given up (`replica.socket.timeout.ms` after).
    pub(crate) fn fetch_in_flight(&self, leader: NodeId, tp: &TopicPartition) -> Option<(i64, i64)> {
        let f = self.fetchers.get(&leader)?.in_flight.as_ref()?;
        f.sent.contains_key(tp).then_some((f.sent_at_ms, f.deadline_ms))
    }

    /// The fetcher's timer: a fetch unanswered by its deadline is given up (then retried
    /// after `replica.fetch.backoff.ms`); an idle fetcher fetches.
    pub(crate) fn on_fetcher_timer(&mut self, now_ms: i64, leader: NodeId) {
        let Some(fetcher) = self.fetchers.get_mut(&leader) else { return };
        match &fetcher.in_flight {
            Some(f) if now_ms < f.deadline_ms => {}
            Some(_) => {
                fetcher.in_flight = None;
                self.set_timer(
                    TimerKind::Fetcher,
                    u64::from(leader),
                    now_ms + self.config.replica_fetch_backoff_ms,
                );
            }
            None => self.send_fetch(now_ms, leader),
        }
    }

    /// The connection to `leader` was closed (its broker is gone): a fetch in flight to
    /// it fails at once, and the next is tried after `replica.fetch.backoff.ms`, as when
    /// it times out.
    pub(crate) fn on_fetcher_disconnect(&mut self, now_ms: i64, leader: NodeId) {
        let Some(fetcher) = self.fetchers.get_mut(&leader) else { return };
        if fetcher.in_flight.take().is_some() {
            self.set_timer(
                TimerKind::Fetcher,
                u64::from(leader),
                now_ms + self.config.replica_fetch_backoff_ms,
            );
        }
    }

    pub(crate) fn handle_fetch_response(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        answers: &[FetchedPartition],
    ) {
        let Some(fetcher) = self.fetchers.get_mut(&from) else { return };
        if fetcher.in_flight.as_ref().is_none_or(|f| f.correlation_id != correlation_id) {
            return;
        }
        let Some(in_flight) = fetcher.in_flight.take() else { return };
        for answer in answers {
            let Some(&(fetch_offset, leader_epoch)) = in_flight.sent.get(&answer.tp) else { continue };
            let current = self.partitions.get(&answer.tp).is_some_and(|p| {
                p.role == Role::Follower
                    && p.state.leader == Some(from)
                    && p.state.leader_epoch == leader_epoch
                    && p.log_end_offset() == fetch_offset
            });
            if current {
                self.process_fetched(now_ms, answer);
            }
        }
        self.send_fetch(now_ms, from);
    }

    fn process_fetched(&mut self, now_ms: i64, answer: &FetchedPartition) {
        let tp = answer.tp.clone();
        let backoff_until = now_ms + self.config.replica_fetch_backoff_ms;
        match answer.error {
            None => {}
            Some(ErrorCode::OffsetOutOfRange) => {
                let Some(p) = self.partitions.get(&tp) else { return };
                // Behind the leader's log start: start over there; ahead of it: go back to
                // what the leader has committed and fetch again.
                if p.log_end_offset() < answer.log_start_offset {
                    let start = answer.log_start_offset;
                    if let Some(p) = self.partitions.get_mut(&tp) {
                        p.log.truncate_fully_and_start_at(now_ms, start);
                        p.epoch_cache.clear();
                        p.high_watermark = start;
                    }
                    self.log_start_changed = true;
                } else {
                    let target = answer.high_watermark.min(p.high_watermark).max(0);
                    self.truncate_follower(now_ms, &tp, target);
                }
                return;
            }
            Some(_) => {
                if let Some(p) = self.partitions.get_mut(&tp) {
                    p.fetch_backoff_until_ms = backoff_until;
                }
                return;
            }
        }
        // A test-only bug (break-engine): the divergent tail stays.
        if let Some(diverging) = answer.diverging_epoch.filter(|_| !faults::on(Fault::SkipFollowerTruncation))
        {
            let target = self.truncation_offset(&tp, diverging);
            self.truncate_follower(now_ms, &tp, target);
            return;
        }
        let Some(p) = self.partitions.get_mut(&tp) else { return };
        match p.log.append_as_follower(now_ms, &answer.records) {
            Ok(_) => {
                for view in split_batches(&answer.records).flatten() {
                    p.epoch_cache.assign(view.header.partition_leader_epoch, view.header.base_offset);
                }
            }
            Err(e) => {
                p.fetch_backoff_until_ms = backoff_until;
                let reason = format!(
                    "broker {} refused fetched data for {}-{}: {e}",
                    self.broker_id, tp.topic, tp.partition
                );
                self.refuse(reason);
                return;
            }
        }
        let mut new_hw = answer.high_watermark.min(p.log_end_offset()).max(p.log.log_start_offset());
        if faults::on(Fault::FollowerHwPastLeo) {
            // A test-only bug (break-engine): the leader's HW taken unbounded.
            new_hw = answer.high_watermark;
        }
        if new_hw != p.high_watermark {
            let advanced = new_hw > p.high_watermark;
            p.high_watermark = new_hw;
            p.log.on_high_watermark_updated(new_hw);
            if advanced {
                let event = ClusterEvent::HighWatermarkAdvanced {
                    broker_id: self.broker_id,
                    tp: tp.clone(),
                    high_watermark: new_hw,
                };
                self.event(event);
            }
        }
        // After the HW, as Kafka: the leader's log start never passes this replica's HW.
        self.follow_leader_log_start(&tp, answer.log_start_offset);
    }

    /// `getOffsetTruncationState` (KIP-279) for the leader's `DivergingEpoch`.
    fn truncation_offset(&self, tp: &TopicPartition, leader: EpochEndOffset) -> i64 {
        let Some(p) = self.partitions.get(tp) else { return 0 };
        let leo = p.log_end_offset();
        if leader.end_offset == UNDEFINED_EPOCH_OFFSET {
            return p.high_watermark;
        }
        if leader.epoch == UNDEFINED_EPOCH {
            return leader.end_offset.min(leo);
        }
        let (epoch, end_offset) = p.epoch_cache.end_offset_for(leader.epoch, leo);
        if epoch == UNDEFINED_EPOCH {
            leader.end_offset.min(leo)
        } else if epoch != leader.epoch {
            // This follower never saw the leader's epoch: cut back to the end of its own
            // largest earlier epoch; the next fetch checks again from there.
            end_offset.min(leo)
        } else {
            end_offset.min(leader.end_offset).min(leo)
        }
    }

    /// Cuts a follower's log (and epoch cache, and HW) back to `target`, persisted.
    fn truncate_follower(&mut self, now_ms: i64, tp: &TopicPartition, target: i64) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        let before = p.log_end_offset();
        let start_before = p.log.log_start_offset();
        let removed_records = p.log.truncate_to(now_ms, target);
        self.log_start_changed |= p.log.log_start_offset() != start_before;
        p.epoch_cache.truncate_from_end(p.log_end_offset());
        if p.log.log_start_offset() > 0 {
            p.epoch_cache.truncate_from_start(p.log.log_start_offset());
        }
        p.high_watermark = p.high_watermark.min(p.log_end_offset()).max(p.log.log_start_offset());
        let to_offset = p.log_end_offset();
        if to_offset != before || removed_records > 0 {
            let event = ClusterEvent::Truncated {
                broker_id: self.broker_id,
                tp: tp.clone(),
                to_offset,
                removed_records: removed_records as i64,
            };
            self.event(event);
        }
    }
}

//! The consumer's heartbeat thread (Java's `HeartbeatThread`): a heartbeat every
//! `heartbeat.interval.ms` while the member is in a generation, the session timeout
//! (coordinator unknown), and leaving the group when the application has not polled for
//! `max.poll.interval.ms`.

use super::{ConsumerNode, MemberState, Pending};
use crate::engine::cluster::messages::Message;
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

/// Kafka's reason when the poll loop was too slow.
pub const POLL_TIMEOUT_REASON: &str = "consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with max.poll.records.";

impl ConsumerNode {
    /// Deadlines of the heartbeat thread: next heartbeat, session expiry, poll timeout.
    pub(crate) fn heartbeat_deadlines(&self) -> Vec<i64> {
        let mut out = Vec::new();
        if self.heartbeat_enabled() {
            out.push(
                (self.last_heartbeat_send_ms + self.config.heartbeat_interval_ms)
                    .max(self.heartbeat_retry_ms),
            );
            out.push(self.last_heartbeat_receive_ms + self.config.session_timeout_ms);
            out.push(self.last_poll_ms + self.config.max_poll_interval_ms);
        }
        if self.coordinator.is_none() && self.wants_coordinator() {
            out.push(self.coordinator_retry_ms);
        }
        out
    }

    fn heartbeat_enabled(&self) -> bool {
        matches!(self.member_state, MemberState::CompletingRebalance | MemberState::Stable)
            && !self.heartbeats_paused
    }

    /// Java's `HeartbeatThread.run` loop, one pass.
    pub(crate) fn heartbeat_thread(&mut self) {
        if self.coordinator.is_none() {
            if self.wants_coordinator() {
                self.lookup_coordinator();
            }
            return;
        }
        if !self.heartbeat_enabled() {
            return;
        }
        let now = self.now_ms;
        if now >= self.last_heartbeat_receive_ms + self.config.session_timeout_ms {
            self.mark_coordinator_unknown("session timed out without receiving a heartbeat response");
            return;
        }
        if now >= self.last_poll_ms + self.config.max_poll_interval_ms {
            self.note(format!("[client {}] {POLL_TIMEOUT_REASON}", self.config.client_id));
            self.maybe_leave_group("consumer poll timeout has expired.");
            return;
        }
        if self.has_in_flight(|p| matches!(p, Pending::Heartbeat)) {
            return;
        }
        if now < self.last_heartbeat_send_ms + self.config.heartbeat_interval_ms
            || now < self.heartbeat_retry_ms
        {
            return;
        }
        let Some(coordinator) = self.coordinator else { return };
        self.last_heartbeat_send_ms = now;
        let group_id = self.group_id_or_empty();
        let generation = self.generation.clone();
        let instance = self.config.group_instance_id.clone();
        let timeout = self.config.request_timeout_ms;
        self.request(
            coordinator,
            Pending::Heartbeat,
            |correlation_id| Message::HeartbeatRequest {
                correlation_id,
                group_id,
                generation_id: generation.generation_id,
                member_id: generation.member_id,
                group_instance_id: instance,
            },
            timeout,
        );
    }

    pub(crate) fn handle_heartbeat_response(&mut self, correlation_id: u64, error: Option<ErrorCode>) {
        if self.answered(correlation_id).is_none() {
            return;
        }
        self.event(ClusterEvent::HeartbeatAnswered {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            member_id: self.generation.member_id.clone(),
            generation_id: self.generation.generation_id,
            error,
        });
        match error {
            None => self.last_heartbeat_receive_ms = self.now_ms,
            Some(ErrorCode::RebalanceInProgress) => {
                self.last_heartbeat_receive_ms = self.now_ms;
                if self.member_state == MemberState::Stable {
                    self.request_rejoin("group is already rebalancing");
                }
            }
            Some(ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator) => {
                self.mark_coordinator_unknown("heartbeat answered with a coordinator error")
            }
            Some(ErrorCode::IllegalGeneration) => {
                self.reset_generation("encountered ILLEGAL_GENERATION from HEARTBEAT response", false)
            }
            Some(ErrorCode::UnknownMemberId) => {
                self.reset_generation("encountered UNKNOWN_MEMBER_ID from HEARTBEAT response", true)
            }
            Some(ErrorCode::FencedInstanceId) => self.fail(ErrorCode::FencedInstanceId, "heartbeat"),
            Some(_) => self.heartbeat_retry_ms = self.now_ms + self.config.retry_backoff_ms,
        }
    }
}

//! The client side of the classic group protocol (Java's `AbstractCoordinator` and
//! `ConsumerCoordinator`): find the coordinator, decide when to (re)join, auto-commit
//! from `poll()`, leave the group, and stop on a fatal error. The heartbeat thread is in
//! [`super::heartbeat`], join and sync in [`super::rebalance`], commits in
//! [`super::commit`].

use super::{
    CommitPurpose, ConsumerNode, Generation, JoinPhase, Lifecycle, MemberState, Pending, Subscription,
};
use crate::engine::cluster::messages::{CoordinatorType, LeavingMember, Message};
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;

impl ConsumerNode {
    pub(crate) fn group_id_or_empty(&self) -> String {
        self.config.group_id.clone().unwrap_or_default()
    }

    pub(crate) fn mark_coordinator_unknown(&mut self, reason: &str) {
        if let Some(c) = self.coordinator.take() {
            self.note(format!(
                "Group coordinator {c} is unavailable or invalid: {reason}; will attempt rediscovery"
            ));
            self.coordinator_retry_ms = self.now_ms + self.config.retry_backoff_ms;
        }
    }

    pub(crate) fn request_rejoin(&mut self, reason: &str) {
        if !self.rejoin_needed {
            self.rejoin_reason = reason.to_string();
        }
        self.rejoin_needed = true;
    }

    /// `resetStateAndGeneration`: back to UNJOINED without a generation.
    pub(crate) fn reset_generation(&mut self, reason: &str, reset_member_id: bool) {
        let member_id = if reset_member_id { String::new() } else { self.generation.member_id.clone() };
        self.generation = Generation { member_id, ..Generation::none() };
        self.member_state = MemberState::Unjoined;
        self.join_phase = JoinPhase::Idle;
        self.request_rejoin(reason);
    }

    pub(super) fn wants_coordinator(&self) -> bool {
        self.config.group_id.is_some() && !matches!(self.subscription, Subscription::None)
    }

    /// A fatal error: the consumer stops, as the Java client throws.
    pub(crate) fn fail(&mut self, error: ErrorCode, during: &str) {
        let reason = match error {
            ErrorCode::FencedInstanceId => format!(
                "FENCED_INSTANCE_ID during {during}: another consumer with group.instance.id {} took its place",
                self.config.group_instance_id.as_deref().unwrap_or("?")
            ),
            e => format!("{} during {during}", e.name()),
        };
        self.refuse(reason.clone());
        self.lifecycle = Lifecycle::Failed(reason);
        self.member_state = MemberState::Unjoined;
        self.join_phase = JoinPhase::Idle;
        self.buffer.clear();
    }

    pub(super) fn lookup_coordinator(&mut self) {
        if self.now_ms < self.coordinator_retry_ms
            || self.has_in_flight(|p| matches!(p, Pending::FindCoordinator))
        {
            return;
        }
        let Some(broker) = self.any_broker() else { return };
        let key = self.group_id_or_empty();
        let timeout = self.config.request_timeout_ms;
        self.request(
            broker,
            Pending::FindCoordinator,
            |correlation_id| Message::FindCoordinatorRequest {
                correlation_id,
                key,
                key_type: CoordinatorType::Group,
            },
            timeout,
        );
    }

    pub(crate) fn handle_find_coordinator_response(
        &mut self,
        correlation_id: u64,
        error: Option<ErrorCode>,
        node_id: Option<NodeId>,
    ) {
        if self.answered(correlation_id).is_none() {
            return;
        }
        match (error, node_id) {
            (None, Some(node)) => {
                self.coordinator = Some(node);
                self.note(format!("Discovered group coordinator {node}"));
                // A new coordinator: the heartbeat session starts afresh.
                self.last_heartbeat_receive_ms = self.now_ms;
            }
            (error, _) => {
                self.coordinator_retry_ms = self.now_ms + self.config.retry_backoff_ms;
                if let Some(e) = error.filter(|e| !e.is_retriable()) {
                    self.fail(e, "FindCoordinator");
                }
            }
        }
    }

    /// Whether this member must (re)join (`rejoinNeededOrPending`).
    fn needs_rejoin(&mut self) -> bool {
        if !matches!(self.subscription, Subscription::Topics(_)) {
            return false;
        }
        if self.joined_subscription != self.subscribed_topics() && self.member_state == MemberState::Stable {
            self.request_rejoin("subscription changed");
        }
        if let Some(snapshot) = &self.assignment_snapshot {
            if self.member_state == MemberState::Stable
                && snapshot != &self.partition_counts(&self.snapshot_topics())
            {
                self.request_rejoin("cached metadata has changed");
            }
        }
        self.rejoin_needed || self.member_state == MemberState::Unjoined
    }

    /// The group part of `poll()`: coordinator, rejoin, auto-commit. True if it did
    /// something that may let more happen now.
    pub(crate) fn coordinator_poll(&mut self) -> bool {
        if !self.wants_coordinator() {
            return false;
        }
        if self.coordinator.is_none() {
            self.lookup_coordinator();
            return false;
        }
        let mut progress = false;
        if self.join_phase == JoinPhase::Idle && self.needs_rejoin() && self.now_ms >= self.join_retry_ms {
            let unknown: Vec<&String> =
                self.subscribed_topics_ref().iter().filter(|t| !self.topics.contains_key(*t)).collect();
            if !unknown.is_empty() && self.topics.is_empty() && self.metadata_refreshed_ms == i64::MIN {
                return false; // wait for the first metadata answer
            }
            self.start_join();
            progress = true;
        }
        if self.config.enable_auto_commit
            && self.now_ms >= self.next_auto_commit_ms
            && self.join_phase == JoinPhase::Idle
        {
            self.next_auto_commit_ms = self.now_ms + self.config.auto_commit_interval_ms;
            if self.member_state == MemberState::Stable
                || matches!(self.subscription, Subscription::Assigned(_))
            {
                self.commit_processed(CommitPurpose::Auto);
            }
        }
        progress
    }

    fn subscribed_topics_ref(&self) -> &[String] {
        match &self.subscription {
            Subscription::Topics(t) => t,
            _ => &[],
        }
    }

    /// `maybeLeaveGroup`: dynamic members send LeaveGroup (static members never do);
    /// either way the generation is reset.
    pub(crate) fn maybe_leave_group(&mut self, reason: &str) {
        if self.config.group_instance_id.is_none() && self.generation.is_valid() {
            self.leave_group(reason);
        }
        self.reset_generation(reason, true);
    }

    pub(crate) fn leave_group(&mut self, reason: &str) {
        let Some(coordinator) = self.coordinator else { return };
        let group_id = self.group_id_or_empty();
        let member = LeavingMember {
            member_id: self.generation.member_id.clone(),
            group_instance_id: self.config.group_instance_id.clone(),
            reason: Some(reason.to_string()),
            error: None,
        };
        let timeout = self.config.request_timeout_ms;
        self.request(
            coordinator,
            Pending::LeaveGroup,
            |correlation_id| Message::LeaveGroupRequest { correlation_id, group_id, members: vec![member] },
            timeout,
        );
    }
}

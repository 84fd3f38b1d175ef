//! The client side of the classic group protocol (Java's `AbstractCoordinator` and
//! `ConsumerCoordinator`): find the coordinator, join (answering MEMBER_ID_REQUIRED with
//! the id given), let the leader compute the assignment with the configured assignor,
//! sync, then heartbeat every `heartbeat.interval.ms` from a "heartbeat thread" that also
//! leaves the group when the application has not polled for `max.poll.interval.ms`.
//! Before rejoining (`onJoinPrepare`) offsets are committed if auto-commit is on; with
//! the EAGER protocol every partition is revoked then, with COOPERATIVE (KIP-429) only the
//! partitions the new assignment takes away are, after which the member rejoins once more.
//! Partitions are *lost* (no commit) when the generation was already gone.

use super::protocol::{decode_assignment, decode_subscription, encode_assignment, encode_subscription, PROTOCOL_TYPE};
use super::{CommitPurpose, ConsumerNode, Generation, JoinPhase, Lifecycle, MemberState, Pending, Subscription};
use crate::engine::cluster::messages::{
    JoinGroupMember, JoinGroupProtocol, LeavingMember, Message, OffsetCommitPartition, OffsetPartitionResult, SyncGroupAssignment,
    TopicPartition,
};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::group::assignor::{AssignorKind, RebalanceProtocol};
use std::collections::{BTreeMap, BTreeSet};

/// Kafka's reason when the poll loop was too slow.
pub const POLL_TIMEOUT_REASON: &str = "consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time processing messages. You can address this either by increasing max.poll.interval.ms or by reducing the maximum size of batches returned in poll() with max.poll.records.";

impl ConsumerNode {
    pub(crate) fn group_id_or_empty(&self) -> String {
        self.config.group_id.clone().unwrap_or_default()
    }

    pub(crate) fn mark_coordinator_unknown(&mut self, reason: &str) {
        if let Some(c) = self.coordinator.take() {
            self.note(format!("Group coordinator {c} is unavailable or invalid: {reason}; will attempt rediscovery"));
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

    /// Deadlines of the heartbeat thread: next heartbeat, session expiry, poll timeout.
    pub(crate) fn heartbeat_deadlines(&self) -> Vec<i64> {
        let mut out = Vec::new();
        if self.heartbeat_enabled() {
            out.push((self.last_heartbeat_send_ms + self.config.heartbeat_interval_ms).max(self.heartbeat_retry_ms));
            out.push(self.last_heartbeat_receive_ms + self.config.session_timeout_ms);
            out.push(self.last_poll_ms + self.config.max_poll_interval_ms);
        }
        if self.coordinator.is_none() && self.wants_coordinator() {
            out.push(self.coordinator_retry_ms);
        }
        out
    }

    fn heartbeat_enabled(&self) -> bool {
        matches!(self.member_state, MemberState::CompletingRebalance | MemberState::Stable) && !self.heartbeats_paused
    }

    fn wants_coordinator(&self) -> bool {
        self.config.group_id.is_some() && !matches!(self.subscription, Subscription::None)
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
        if now < self.last_heartbeat_send_ms + self.config.heartbeat_interval_ms || now < self.heartbeat_retry_ms {
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
            Some(ErrorCode::IllegalGeneration) => self.reset_generation("encountered ILLEGAL_GENERATION from HEARTBEAT response", false),
            Some(ErrorCode::UnknownMemberId) => self.reset_generation("encountered UNKNOWN_MEMBER_ID from HEARTBEAT response", true),
            Some(ErrorCode::FencedInstanceId) => self.fail(ErrorCode::FencedInstanceId, "heartbeat"),
            Some(_) => self.heartbeat_retry_ms = self.now_ms + self.config.retry_backoff_ms,
        }
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

    fn lookup_coordinator(&mut self) {
        if self.now_ms < self.coordinator_retry_ms || self.has_in_flight(|p| matches!(p, Pending::FindCoordinator)) {
            return;
        }
        let Some(broker) = self.any_broker() else { return };
        let key = self.group_id_or_empty();
        let timeout = self.config.request_timeout_ms;
        self.request(broker, Pending::FindCoordinator, |correlation_id| Message::FindCoordinatorRequest { correlation_id, key }, timeout);
    }

    pub(crate) fn handle_find_coordinator_response(&mut self, correlation_id: u64, error: Option<ErrorCode>, node_id: Option<NodeId>) {
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
            if self.member_state == MemberState::Stable && snapshot != &self.partition_counts(&self.joined_subscription) {
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
            let unknown: Vec<&String> = self.subscribed_topics_ref().iter().filter(|t| !self.topics.contains_key(*t)).collect();
            if !unknown.is_empty() && self.topics.is_empty() && self.metadata_refreshed_ms == i64::MIN {
                return false; // wait for the first metadata answer
            }
            self.start_join();
            progress = true;
        }
        if self.config.enable_auto_commit && self.now_ms >= self.next_auto_commit_ms && self.join_phase == JoinPhase::Idle {
            self.next_auto_commit_ms = self.now_ms + self.config.auto_commit_interval_ms;
            if self.member_state == MemberState::Stable || matches!(self.subscription, Subscription::Assigned(_)) {
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

    /// `joinGroupIfNeeded`: `onJoinPrepare` once per rebalance, then JoinGroup.
    fn start_join(&mut self) {
        if self.needs_join_prepare {
            self.needs_join_prepare = false;
            if self.generation.is_valid() && self.config.enable_auto_commit && self.commit_processed(CommitPurpose::BeforeJoin) {
                self.join_phase = JoinPhase::Committing;
                return;
            }
            self.revoke_before_join();
        }
        self.send_join_group();
    }

    /// The revocation half of `onJoinPrepare`.
    fn revoke_before_join(&mut self) {
        if !self.generation.is_valid() {
            if !self.assigned.is_empty() {
                self.revoke_all(true);
            }
            return;
        }
        match self.protocol {
            RebalanceProtocol::Eager => {
                if !self.assigned.is_empty() {
                    self.revoke_all(false);
                }
            }
            RebalanceProtocol::Cooperative => {
                let topics: BTreeSet<String> = self.subscribed_topics().into_iter().collect();
                let gone: Vec<TopicPartition> = self.assigned.keys().filter(|tp| !topics.contains(&tp.topic)).cloned().collect();
                if !gone.is_empty() {
                    self.revoke(&gone, false);
                }
            }
        }
    }

    /// `onPartitionsRevoked` / `onPartitionsLost` for every owned partition.
    pub(crate) fn revoke_all(&mut self, lost: bool) {
        let all: Vec<TopicPartition> = self.assigned.keys().cloned().collect();
        self.revoke(&all, lost);
    }

    pub(crate) fn revoke(&mut self, partitions: &[TopicPartition], lost: bool) {
        for tp in partitions {
            self.assigned.remove(tp);
        }
        self.buffer.retain(|(tp, _)| !partitions.contains(tp));
        self.event(ClusterEvent::PartitionsRevoked {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            generation_id: self.generation.generation_id,
            revoked: partitions.to_vec(),
            lost,
        });
    }

    fn send_join_group(&mut self) {
        let Some(coordinator) = self.coordinator else {
            self.join_phase = JoinPhase::Idle;
            return;
        };
        let topics = self.subscribed_topics();
        let owned: Vec<TopicPartition> = self.assigned.keys().cloned().collect();
        let protocols: Vec<JoinGroupProtocol> = self
            .config
            .partition_assignment_strategy
            .iter()
            .map(|a| JoinGroupProtocol {
                name: a.name().to_string(),
                metadata: encode_subscription(&topics, &owned, self.generation.generation_id, None),
            })
            .collect();
        self.joined_subscription = topics;
        self.join_phase = JoinPhase::Joining;
        self.member_state = MemberState::PreparingRebalance;
        let reason = self.rejoin_reason.clone();
        self.rejoin_needed = false;
        self.event(ClusterEvent::ConsumerJoining {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            member_id: self.generation.member_id.clone(),
            reason: reason.clone(),
        });
        let (group_id, client_id) = (self.group_id_or_empty(), self.config.client_id.clone());
        let member_id = self.generation.member_id.clone();
        let instance = self.config.group_instance_id.clone();
        let session = self.config.session_timeout_ms as i32;
        let rebalance = self.config.max_poll_interval_ms as i32;
        let timeout = self.config.join_request_timeout_ms();
        self.request(
            coordinator,
            Pending::JoinGroup,
            |correlation_id| Message::JoinGroupRequest {
                correlation_id,
                client_id,
                group_id,
                session_timeout_ms: session,
                rebalance_timeout_ms: rebalance,
                member_id,
                group_instance_id: instance,
                protocol_type: PROTOCOL_TYPE.to_string(),
                protocols,
                reason: Some(reason),
            },
            timeout,
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn handle_join_response(
        &mut self,
        correlation_id: u64,
        error: Option<ErrorCode>,
        generation_id: i32,
        protocol_name: Option<String>,
        leader: String,
        member_id: String,
        members: Vec<JoinGroupMember>,
    ) {
        if self.answered(correlation_id).is_none() || self.join_phase != JoinPhase::Joining {
            return;
        }
        let retry_now = |c: &mut ConsumerNode| {
            c.join_phase = JoinPhase::Idle;
            c.member_state = MemberState::Unjoined;
            c.rejoin_needed = true;
        };
        match error {
            None => {
                self.generation = Generation { generation_id, member_id: member_id.clone(), protocol_name: protocol_name.clone() };
                self.member_state = MemberState::CompletingRebalance;
                self.last_heartbeat_receive_ms = self.now_ms;
                self.last_heartbeat_send_ms = self.now_ms;
                let assignments = if leader == member_id { self.perform_assignment(protocol_name.as_deref(), &members) } else { Vec::new() };
                self.send_sync_group(assignments);
            }
            Some(ErrorCode::MemberIdRequired) => {
                self.generation.member_id = member_id;
                self.send_join_group();
            }
            Some(ErrorCode::UnknownMemberId) => {
                self.generation = Generation::none();
                retry_now(self);
            }
            Some(ErrorCode::IllegalGeneration | ErrorCode::RebalanceInProgress) => {
                self.generation.generation_id = -1;
                retry_now(self);
            }
            Some(ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator) => {
                retry_now(self);
                self.mark_coordinator_unknown("JoinGroup answered with a coordinator error");
            }
            Some(ErrorCode::CoordinatorLoadInProgress) => {
                retry_now(self);
                self.join_retry_ms = self.now_ms + self.config.retry_backoff_ms;
            }
            Some(e) => self.fail(e, "JoinGroup"),
        }
    }

    /// The leader's `onLeaderElected`: the assignor over every member's subscription
    /// and the partition counts this leader knows.
    fn perform_assignment(&mut self, protocol: Option<&str>, members: &[JoinGroupMember]) -> Vec<SyncGroupAssignment> {
        let Some(kind) = protocol.and_then(|p| p.parse::<AssignorKind>().ok()) else {
            self.refuse(format!("the group chose protocol {protocol:?}, which this consumer does not know"));
            return Vec::new();
        };
        let subscriptions: Vec<_> = members
            .iter()
            .filter_map(|m| decode_subscription(&m.member_id, m.group_instance_id.clone(), &m.metadata))
            .collect();
        let mut all_topics: Vec<String> = subscriptions.iter().flat_map(|s| s.topics.iter().cloned()).collect();
        all_topics.sort();
        all_topics.dedup();
        let counts = self.partition_counts(&all_topics);
        let missing: Vec<&String> = all_topics.iter().filter(|t| !counts.contains_key(*t)).collect();
        if !missing.is_empty() {
            self.metadata_refresh_needed = true;
            self.note(format!("leader assigns without topics it has no metadata for yet: {missing:?}"));
        }
        // The leader also tracks every topic its members subscribe to.
        for t in &all_topics {
            if !self.topics.contains_key(t) {
                self.unknown_topics.insert(t.clone());
            }
        }
        self.assignment_snapshot = Some(self.partition_counts(&self.joined_subscription.clone()));
        let assignment = kind.assign(&counts, &subscriptions);
        members
            .iter()
            .map(|m| SyncGroupAssignment {
                member_id: m.member_id.clone(),
                assignment: encode_assignment(assignment.get(&m.member_id).map(Vec::as_slice).unwrap_or(&[])),
            })
            .collect()
    }

    /// Partition counts of the topics this consumer has metadata for.
    pub(crate) fn partition_counts(&self, topics: &[String]) -> BTreeMap<String, u32> {
        topics.iter().filter_map(|t| self.topics.get(t).map(|ps| (t.clone(), ps.len() as u32))).collect()
    }

    fn send_sync_group(&mut self, assignments: Vec<SyncGroupAssignment>) {
        let Some(coordinator) = self.coordinator else {
            self.join_phase = JoinPhase::Idle;
            self.member_state = MemberState::Unjoined;
            return;
        };
        self.join_phase = JoinPhase::Syncing;
        let group_id = self.group_id_or_empty();
        let generation = self.generation.clone();
        let instance = self.config.group_instance_id.clone();
        let timeout = self.config.request_timeout_ms;
        self.request(
            coordinator,
            Pending::SyncGroup,
            |correlation_id| Message::SyncGroupRequest {
                correlation_id,
                group_id,
                generation_id: generation.generation_id,
                member_id: generation.member_id,
                group_instance_id: instance,
                protocol_type: Some(PROTOCOL_TYPE.to_string()),
                protocol_name: generation.protocol_name,
                assignments,
            },
            timeout,
        );
    }

    pub(crate) fn handle_sync_response(&mut self, correlation_id: u64, error: Option<ErrorCode>, assignment: &[u8]) {
        if self.answered(correlation_id).is_none() || self.join_phase != JoinPhase::Syncing {
            return;
        }
        match error {
            None => match decode_assignment(assignment) {
                Some(partitions) => self.on_join_complete(partitions),
                None => {
                    self.refuse("SyncGroup carried an assignment that is not ConsumerProtocol bytes".into());
                    self.reset_generation("unreadable assignment", false);
                }
            },
            Some(ErrorCode::RebalanceInProgress) => {
                self.join_phase = JoinPhase::Idle;
                self.member_state = MemberState::Unjoined;
                self.request_rejoin("rebalance in progress during SyncGroup");
                self.rejoin_needed = true;
            }
            Some(ErrorCode::UnknownMemberId) => self.reset_generation("encountered UNKNOWN_MEMBER_ID from SYNC_GROUP response", true),
            Some(ErrorCode::IllegalGeneration) => self.reset_generation("encountered ILLEGAL_GENERATION from SYNC_GROUP response", false),
            Some(ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator) => {
                self.join_phase = JoinPhase::Idle;
                self.member_state = MemberState::Unjoined;
                self.rejoin_needed = true;
                self.mark_coordinator_unknown("SyncGroup answered with a coordinator error");
            }
            Some(e) => self.fail(e, "SyncGroup"),
        }
    }

    /// `onJoinComplete`: take the assignment; COOPERATIVE revokes what moved away first
    /// and rejoins for the second round.
    fn on_join_complete(&mut self, partitions: Vec<TopicPartition>) {
        self.join_phase = JoinPhase::Idle;
        self.member_state = MemberState::Stable;
        self.needs_join_prepare = true;
        self.last_heartbeat_receive_ms = self.now_ms;
        let assigned: BTreeSet<TopicPartition> = partitions.into_iter().collect();
        let owned: BTreeSet<TopicPartition> = self.assigned.keys().cloned().collect();
        let revoked: Vec<TopicPartition> = owned.difference(&assigned).cloned().collect();
        let added: Vec<TopicPartition> = assigned.difference(&owned).cloned().collect();
        if !revoked.is_empty() {
            self.revoke(&revoked, false);
            if self.protocol == RebalanceProtocol::Cooperative {
                self.request_rejoin("need to revoke partitions and re-join");
            }
        }
        for tp in &added {
            self.assigned.entry(tp.clone()).or_default();
        }
        if self.next_auto_commit_ms <= self.now_ms {
            self.next_auto_commit_ms = self.now_ms + self.config.auto_commit_interval_ms;
        }
        self.event(ClusterEvent::PartitionsAssigned {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            member_id: self.generation.member_id.clone(),
            generation_id: self.generation.generation_id,
            added,
            owned: assigned.into_iter().collect(),
        });
    }

    /// Commits what the application finished processing; false if there was nothing to
    /// commit or no way to (no coordinator).
    pub(crate) fn commit_processed(&mut self, purpose: CommitPurpose) -> bool {
        let Some(coordinator) = self.coordinator else {
            if purpose == CommitPurpose::Manual {
                self.refuse("commit: the group coordinator is not known yet".into());
            }
            return false;
        };
        let offsets: Vec<(TopicPartition, i64)> = self
            .assigned
            .iter()
            .filter_map(|(tp, p)| p.processed.filter(|o| Some(*o) != p.committed || purpose == CommitPurpose::Manual).map(|o| (tp.clone(), o)))
            .collect();
        if offsets.is_empty() {
            return false;
        }
        let in_group = matches!(self.subscription, Subscription::Topics(_));
        let generation = if in_group { self.generation.clone() } else { Generation::none() };
        let instance = if in_group { self.config.group_instance_id.clone() } else { None };
        let group_id = self.group_id_or_empty();
        let partitions: Vec<OffsetCommitPartition> = offsets
            .iter()
            .map(|(tp, o)| OffsetCommitPartition { tp: tp.clone(), committed_offset: *o, committed_leader_epoch: -1, committed_metadata: String::new() })
            .collect();
        let timeout = self.config.request_timeout_ms;
        self.request(
            coordinator,
            Pending::OffsetCommit { offsets, purpose },
            |correlation_id| Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation_id: generation.generation_id,
                member_id: generation.member_id,
                group_instance_id: instance,
                offsets: partitions,
            },
            timeout,
        );
        true
    }

    pub(crate) fn handle_commit_response(&mut self, correlation_id: u64, partitions: Vec<OffsetPartitionResult>) {
        let Some(Pending::OffsetCommit { offsets, purpose }) = self.answered(correlation_id) else { return };
        let error = partitions.iter().find_map(|p| p.error);
        if error.is_none() {
            for (tp, o) in &offsets {
                if let Some(p) = self.assigned.get_mut(tp) {
                    p.committed = Some(p.committed.map_or(*o, |c| c.max(*o)));
                }
            }
        }
        self.event(ClusterEvent::CommitCompleted { client_id: self.client_id, group_id: self.group_id_or_empty(), offsets, error });
        match error {
            Some(ErrorCode::CoordinatorNotAvailable | ErrorCode::NotCoordinator) => {
                self.mark_coordinator_unknown("OffsetCommit answered with a coordinator error")
            }
            Some(ErrorCode::UnknownMemberId) => self.reset_generation("encountered UNKNOWN_MEMBER_ID from OFFSET_COMMIT response", true),
            Some(ErrorCode::IllegalGeneration) => self.reset_generation("encountered ILLEGAL_GENERATION from OFFSET_COMMIT response", false),
            Some(ErrorCode::RebalanceInProgress) => self.request_rejoin("OffsetCommit answered REBALANCE_IN_PROGRESS"),
            Some(ErrorCode::FencedInstanceId) => self.fail(ErrorCode::FencedInstanceId, "OffsetCommit"),
            _ => {}
        }
        self.commit_finished(purpose);
    }

    /// A synchronous commit ended (answered or timed out): what waited for it goes on.
    pub(crate) fn commit_finished(&mut self, purpose: CommitPurpose) {
        match purpose {
            CommitPurpose::BeforeJoin if self.join_phase == JoinPhase::Committing => {
                self.revoke_before_join();
                self.send_join_group();
            }
            CommitPurpose::BeforeClose if self.lifecycle == Lifecycle::Closing => self.finish_close(),
            _ => {}
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
        self.request(coordinator, Pending::LeaveGroup, |correlation_id| Message::LeaveGroupRequest { correlation_id, group_id, members: vec![member] }, timeout);
    }

    /// `close()`: commit (auto-commit on), revoke, leave, stop.
    pub(crate) fn close(&mut self) {
        if self.lifecycle != Lifecycle::Running {
            return;
        }
        self.lifecycle = Lifecycle::Closing;
        self.processing.clear();
        self.processing_done_ms = None;
        if self.config.enable_auto_commit && self.generation.is_valid() && self.commit_processed(CommitPurpose::BeforeClose) {
            return;
        }
        if self.config.enable_auto_commit && matches!(self.subscription, Subscription::Assigned(_)) && self.commit_processed(CommitPurpose::BeforeClose) {
            return;
        }
        self.finish_close();
    }

    fn finish_close(&mut self) {
        if !self.assigned.is_empty() {
            let lost = !self.generation.is_valid() && matches!(self.subscription, Subscription::Topics(_));
            self.revoke_all(lost);
        }
        if matches!(self.subscription, Subscription::Topics(_)) {
            self.maybe_leave_group("the consumer is being closed");
        }
        self.lifecycle = Lifecycle::Closed;
        self.member_state = MemberState::Unjoined;
        self.buffer.clear();
        self.note("consumer closed".into());
        if let Some(config) = self.take_reborn() {
            self.rebirth(config);
        }
    }
}

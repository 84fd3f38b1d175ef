//! Joining a group on the client side: `onJoinPrepare` (commit if auto-commit is on; with
//! the EAGER protocol every partition is revoked then, with COOPERATIVE (KIP-429) only
//! the partitions the new assignment takes away are, after which the member rejoins once
//! more), JoinGroup (answering MEMBER_ID_REQUIRED with the id given), the leader's
//! assignment with the configured assignor, SyncGroup and `onJoinComplete`. Partitions
//! are *lost* (no commit) when the generation was already gone.

use super::protocol::{
    decode_assignment, decode_subscription, encode_assignment, encode_subscription, PROTOCOL_TYPE,
};
use super::{CommitPurpose, ConsumerNode, Generation, JoinPhase, MemberState, Pending};
use crate::engine::cluster::messages::{
    JoinGroupMember, JoinGroupProtocol, Message, SyncGroupAssignment, TopicPartition,
};
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;
use crate::engine::group::assignor::{AssignorKind, RebalanceProtocol};
use std::collections::{BTreeMap, BTreeSet};

impl ConsumerNode {
    /// `joinGroupIfNeeded`: `onJoinPrepare` once per rebalance, then JoinGroup.
    pub(super) fn start_join(&mut self) {
        if self.needs_join_prepare {
            self.needs_join_prepare = false;
            // The end of `onJoinPrepare`: `isLeader = false`, `resetGroupSubscription()`.
            self.group_subscription.clear();
            self.leader_join = None;
            if self.generation.is_valid()
                && self.config.enable_auto_commit
                && self.commit_processed(CommitPurpose::BeforeJoin)
            {
                self.join_phase = JoinPhase::Committing;
                return;
            }
            self.revoke_before_join();
        }
        self.send_join_group();
    }

    /// The revocation half of `onJoinPrepare`.
    pub(super) fn revoke_before_join(&mut self) {
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
                let gone: Vec<TopicPartition> =
                    self.assigned.keys().filter(|tp| !topics.contains(tp.topic.as_str())).cloned().collect();
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
        self.buffer.retain(|(tp, _, _)| !partitions.contains(tp));
        self.event(ClusterEvent::PartitionsRevoked {
            client_id: self.client_id,
            group_id: self.group_id_or_empty(),
            generation_id: self.generation.generation_id,
            revoked: partitions.to_vec(),
            lost,
        });
    }

    pub(super) fn send_join_group(&mut self) {
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
                client_host: None,
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
                self.generation = Generation {
                    generation_id,
                    member_id: member_id.clone(),
                    protocol_name: protocol_name.clone(),
                };
                self.member_state = MemberState::CompletingRebalance;
                self.last_heartbeat_receive_ms = self.now_ms;
                self.last_heartbeat_send_ms = self.now_ms;
                if leader != member_id {
                    // `onJoinComplete`: only the leader watches metadata for changes.
                    self.assignment_snapshot = None;
                    self.send_sync_group(Vec::new());
                } else if self.group_subscribe(&members) {
                    self.join_phase = JoinPhase::AwaitingMetadata;
                    self.leader_join = Some((protocol_name, members));
                } else {
                    let assignments = self.perform_assignment(protocol_name.as_deref(), &members);
                    self.send_sync_group(assignments);
                }
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

    /// The start of `onLeaderElected`: `updateGroupSubscription` over every member's
    /// topics, then `ensureFreshMetadata`. True if the leader must wait for a metadata
    /// answer first: the group subscribes to a topic this consumer does not
    /// (`requestUpdateForNewTopics`), or an update was already asked for, or the metadata
    /// is older than `metadata.max.age.ms`.
    fn group_subscribe(&mut self, members: &[JoinGroupMember]) -> bool {
        let own: BTreeSet<String> = self.subscribed_topics().into_iter().collect();
        self.group_subscription = members
            .iter()
            .filter_map(|m| decode_subscription(&m.member_id, None, &m.metadata))
            .flat_map(|s| s.topics)
            .collect();
        if !self.group_subscription.is_subset(&own) {
            self.metadata_refresh_needed = true;
        }
        self.metadata_refresh_needed || self.metadata_stale()
    }

    /// `ensureFreshMetadata` answered: the held JoinGroup answer is assigned now.
    pub(crate) fn assign_after_metadata(&mut self) {
        if self.join_phase != JoinPhase::AwaitingMetadata {
            return;
        }
        if let Some((protocol, members)) = self.leader_join.take() {
            let assignments = self.perform_assignment(protocol.as_deref(), &members);
            self.send_sync_group(assignments);
        }
    }

    /// The topics whose partitions the leader's `MetadataSnapshot` holds
    /// (`SubscriptionState.metadataTopics`: the subscription and the group's).
    pub(crate) fn snapshot_topics(&self) -> Vec<String> {
        let mut topics: BTreeSet<String> = self.group_subscription.clone();
        topics.extend(self.subscribed_topics());
        topics.into_iter().collect()
    }

    /// The rest of `onLeaderElected`: the assignor over every member's subscription and
    /// the partition counts this leader knows (a topic without metadata is skipped, as
    /// `AbstractPartitionAssignor` does).
    fn perform_assignment(
        &mut self,
        protocol: Option<&str>,
        members: &[JoinGroupMember],
    ) -> Vec<SyncGroupAssignment> {
        let Some(kind) = protocol.and_then(|p| p.parse::<AssignorKind>().ok()) else {
            self.refuse(format!("the group chose protocol {protocol:?}, which this consumer does not know"));
            return Vec::new();
        };
        let subscriptions: Vec<_> = members
            .iter()
            .filter_map(|m| decode_subscription(&m.member_id, m.group_instance_id.clone(), &m.metadata))
            .collect();
        // Every member's topics, sorted: what `group_subscribe` kept.
        let all_topics: Vec<String> = self.group_subscription.iter().cloned().collect();
        let counts = self.partition_counts(&all_topics);
        let missing: Vec<&String> = all_topics.iter().filter(|t| !counts.contains_key(*t)).collect();
        if !missing.is_empty() {
            self.note(format!("skipping assignment for topics {missing:?} since no metadata is available"));
        }
        self.assignment_snapshot = Some(self.partition_counts(&self.snapshot_topics()));
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

    pub(crate) fn handle_sync_response(
        &mut self,
        correlation_id: u64,
        error: Option<ErrorCode>,
        assignment: &[u8],
    ) {
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
            Some(ErrorCode::UnknownMemberId) => {
                self.reset_generation("encountered UNKNOWN_MEMBER_ID from SYNC_GROUP response", true)
            }
            Some(ErrorCode::IllegalGeneration) => {
                self.reset_generation("encountered ILLEGAL_GENERATION from SYNC_GROUP response", false)
            }
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
}

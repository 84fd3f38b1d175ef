//! JoinGroup and the join phase of a rebalance (`classicGroupJoin…`, `prepareRebalance`,
//! `completeClassicGroupJoin`): new dynamic members get an id with MEMBER_ID_REQUIRED
//! (KIP-394) and join with it; static members (KIP-345) join directly and replace their
//! old id; the first rebalance of an empty group waits `group.initial.rebalance.delay.ms`
//! (longer while members keep arriving, up to the rebalance timeout); a later one ends
//! when every member has rejoined or the rebalance timeout passes, removing dynamic
//! members that did not rejoin. Completing it bumps the generation, picks the protocol
//! and answers every member (the leader with the member list).

use super::group::{ClassicGroup, GroupState, Member, Waiter};
use super::records::{encode_group_metadata_value, encode_key, GroupMetadataValue, MemberMetadata, RecordKey};
use super::timers::TimerKey;
use super::{AppendCallback, GroupCoordinator};
use crate::engine::cluster::messages::{JoinGroupMember, JoinGroupProtocol, Message};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use std::collections::BTreeMap;

/// A JoinGroup request's fields.
pub(crate) struct JoinRequest {
    pub waiter: Waiter,
    pub client_id: String,
    pub group_id: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub protocol_type: String,
    pub protocols: Vec<JoinGroupProtocol>,
    pub reason: String,
}

impl JoinRequest {
    fn from_message(from: NodeId, message: &Message) -> Option<JoinRequest> {
        let Message::JoinGroupRequest {
            correlation_id,
            client_id,
            group_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            member_id,
            group_instance_id,
            protocol_type,
            protocols,
            reason,
        } = message
        else {
            return None;
        };
        Some(JoinRequest {
            waiter: Waiter { node: from, correlation_id: *correlation_id },
            client_id: client_id.clone(),
            group_id: group_id.clone(),
            session_timeout_ms: *session_timeout_ms,
            rebalance_timeout_ms: *rebalance_timeout_ms,
            member_id: member_id.clone(),
            group_instance_id: group_instance_id.clone(),
            protocol_type: protocol_type.clone(),
            protocols: protocols.clone(),
            reason: reason.clone().unwrap_or_else(|| "not provided".to_string()),
        })
    }
}

fn join_error(correlation_id: u64, member_id: &str, error: ErrorCode) -> Message {
    Message::JoinGroupResponse {
        correlation_id,
        error: Some(error),
        generation_id: -1,
        protocol_type: None,
        protocol_name: None,
        leader: String::new(),
        skip_assignment: false,
        member_id: member_id.to_string(),
        members: Vec::new(),
    }
}

impl GroupCoordinator {
    pub(crate) fn handle_join(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Some(req) = JoinRequest::from_message(from, message) else { return };
        let reply_error = |c: &mut GroupCoordinator, member_id: &str, e: ErrorCode| {
            c.send(req.waiter, join_error(req.waiter.correlation_id, member_id, e));
        };
        let partition = match self.route(&req.group_id) {
            Ok(p) => p,
            Err(e) => return reply_error(self, &req.member_id, e),
        };
        let session = i64::from(req.session_timeout_ms);
        if session < self.config.group_min_session_timeout_ms || session > self.config.group_max_session_timeout_ms {
            return reply_error(self, &req.member_id, ErrorCode::InvalidSessionTimeout);
        }
        let unknown_member = req.member_id.is_empty();
        if !self.groups.contains_key(&req.group_id) {
            if !unknown_member {
                return reply_error(self, &req.member_id, ErrorCode::UnknownMemberId);
            }
            self.groups.insert(req.group_id.clone(), ClassicGroup::new(&req.group_id, partition, now_ms));
        }
        if !self.accept_joining_member(&req.group_id, &req.member_id) {
            return reply_error(self, "", ErrorCode::GroupMaxSizeReached);
        }
        if unknown_member {
            self.join_new_member(now_ms, req);
        } else {
            self.join_existing_member(now_ms, req);
        }
    }

    /// `acceptJoiningMember`: `group.max.size`.
    fn accept_joining_member(&self, group_id: &str, member_id: &str) -> bool {
        let Some(g) = self.groups.get(group_id) else { return false };
        let max = self.config.group_max_size as usize;
        match g.state {
            GroupState::Empty | GroupState::Dead => true,
            GroupState::PreparingRebalance => {
                g.members.get(member_id).is_some_and(|m| m.awaiting_join.is_some()) || g.awaiting_join_count() < max
            }
            GroupState::CompletingRebalance | GroupState::Stable => g.members.contains_key(member_id) || g.members.len() < max,
        }
    }

    fn join_new_member(&mut self, now_ms: i64, req: JoinRequest) {
        let Some(g) = self.groups.get(&req.group_id) else { return };
        if g.is(GroupState::Dead) {
            return self.send(req.waiter, join_error(req.waiter.correlation_id, "", ErrorCode::CoordinatorNotAvailable));
        }
        if !g.supports_protocols(&req.protocol_type, &req.protocols) {
            return self.send(req.waiter, join_error(req.waiter.correlation_id, "", ErrorCode::InconsistentGroupProtocol));
        }
        let existing_static = req.group_instance_id.as_ref().and_then(|i| g.static_members.get(i)).cloned();
        let prefix = req.group_instance_id.clone().unwrap_or_else(|| req.client_id.clone());
        let new_member_id = format!("{prefix}-{}", self.random_uuid());
        match req.group_instance_id.clone() {
            Some(_) => match existing_static {
                Some(old) => self.update_static_member(now_ms, req, &old, &new_member_id),
                None => self.add_member_then_rebalance(now_ms, req, &new_member_id),
            },
            None => {
                // KIP-394: hand out the id, then expect the member back with it.
                let Some(g) = self.groups.get_mut(&req.group_id) else { return };
                g.pending_members.insert(new_member_id.clone());
                let key = TimerKey::Heartbeat { group: req.group_id.clone(), member: new_member_id.clone() };
                self.timers.schedule(key, now_ms + i64::from(req.session_timeout_ms));
                self.send(req.waiter, join_error(req.waiter.correlation_id, &new_member_id, ErrorCode::MemberIdRequired));
            }
        }
    }

    fn join_existing_member(&mut self, now_ms: i64, req: JoinRequest) {
        let Some(g) = self.groups.get(&req.group_id) else { return };
        let error = |e| join_error(req.waiter.correlation_id, &req.member_id, e);
        if g.is(GroupState::Dead) {
            return self.send(req.waiter, error(ErrorCode::CoordinatorNotAvailable));
        }
        if !g.supports_protocols(&req.protocol_type, &req.protocols) {
            return self.send(req.waiter, error(ErrorCode::InconsistentGroupProtocol));
        }
        if g.pending_members.contains(&req.member_id) {
            let member_id = req.member_id.clone();
            return self.add_member_then_rebalance(now_ms, req, &member_id);
        }
        if let Err(e) = g.validate_member(&req.member_id, req.group_instance_id.as_deref()) {
            return self.send(req.waiter, error(e));
        }
        let Some(member) = g.members.get(&req.member_id) else { return };
        let matches = member.matches(&req.protocols);
        match g.state {
            GroupState::PreparingRebalance => {
                let reason = format!("Member {} is joining group during PreparingRebalance; client reason: {}", req.member_id, req.reason);
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::CompletingRebalance if matches => {
                let response = current_generation_response(g, &req.member_id, req.waiter.correlation_id, g.is_leader(&req.member_id));
                self.send(req.waiter, response)
            }
            GroupState::CompletingRebalance => {
                let reason = format!("Updating metadata for member {} during CompletingRebalance; client reason: {}", req.member_id, req.reason);
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::Stable if g.is_leader(&req.member_id) || !matches => {
                let who = if g.is_leader(&req.member_id) { "Leader" } else { "Updating metadata for member" };
                let reason = format!("{who} {} re-joining group during Stable; client reason: {}", req.member_id, req.reason);
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::Stable => {
                let response = current_generation_response(g, &req.member_id, req.waiter.correlation_id, false);
                self.send(req.waiter, response)
            }
            GroupState::Empty | GroupState::Dead => self.send(req.waiter, error(ErrorCode::UnknownMemberId)),
        }
    }

    fn add_member_then_rebalance(&mut self, now_ms: i64, req: JoinRequest, member_id: &str) {
        let broker_id = self.broker_id;
        let timeout_ms = self.config.new_member_join_timeout_ms;
        let Some(g) = self.groups.get_mut(&req.group_id) else { return };
        if g.is(GroupState::PreparingRebalance) && g.previous_state == GroupState::Empty {
            g.new_member_added = true;
        }
        g.add(Member {
            member_id: member_id.to_string(),
            group_instance_id: req.group_instance_id.clone(),
            client_id: req.client_id.clone(),
            client_host: format!("/client-{}", req.waiter.node),
            client_node: req.waiter.node,
            rebalance_timeout_ms: req.rebalance_timeout_ms,
            session_timeout_ms: req.session_timeout_ms,
            protocol_type: req.protocol_type.clone(),
            protocols: req.protocols.clone(),
            assignment: Vec::new(),
            awaiting_join: Some(req.waiter),
            awaiting_sync: None,
            is_new: true,
        });
        self.event(ClusterEvent::MemberJoined {
            broker_id,
            group_id: req.group_id.clone(),
            member_id: member_id.to_string(),
            group_instance_id: req.group_instance_id.clone(),
            client: req.waiter.node,
        });
        let key = TimerKey::Heartbeat { group: req.group_id.clone(), member: member_id.to_string() };
        self.timers.schedule(key, now_ms + timeout_ms);
        let reason = format!(
            "Adding new member {member_id} with group instance id {}; client reason: {}",
            req.group_instance_id.as_deref().unwrap_or("null"),
            req.reason
        );
        self.maybe_prepare_rebalance_or_complete_join(now_ms, &req.group_id, &reason);
    }

    fn update_member_then_rebalance(&mut self, now_ms: i64, req: JoinRequest, reason: &str) {
        let Some(g) = self.groups.get_mut(&req.group_id) else { return };
        let Some(m) = g.members.get_mut(&req.member_id) else { return };
        m.protocols = req.protocols;
        m.rebalance_timeout_ms = req.rebalance_timeout_ms;
        m.session_timeout_ms = req.session_timeout_ms;
        m.awaiting_join = Some(req.waiter);
        self.maybe_prepare_rebalance_or_complete_join(now_ms, &req.group_id, reason);
    }

    /// `updateStaticMemberThenRebalanceOrCompleteJoin`: the new id takes the old one's
    /// place (and assignment); the old id is fenced.
    fn update_static_member(&mut self, now_ms: i64, req: JoinRequest, old_member_id: &str, new_member_id: &str) {
        let broker_id = self.broker_id;
        let Some(g) = self.groups.get_mut(&req.group_id) else { return };
        let Some(mut member) = g.members.remove(old_member_id) else { return };
        let fenced: Vec<Waiter> = member.awaiting_join.take().into_iter().chain(member.awaiting_sync.take()).collect();
        member.member_id = new_member_id.to_string();
        member.client_node = req.waiter.node;
        member.client_id = req.client_id.clone();
        member.protocols = req.protocols.clone();
        member.rebalance_timeout_ms = req.rebalance_timeout_ms;
        member.session_timeout_ms = req.session_timeout_ms;
        member.awaiting_join = Some(req.waiter);
        if g.is_leader(old_member_id) {
            g.leader_id = Some(new_member_id.to_string());
        }
        if g.pending_sync.remove(old_member_id) {
            g.pending_sync.insert(new_member_id.to_string());
        }
        if let Some(instance) = &req.group_instance_id {
            g.static_members.insert(instance.clone(), new_member_id.to_string());
        }
        g.members.insert(new_member_id.to_string(), member);
        let state = g.state;
        let same_protocol = g.protocol_name == g.select_protocol();
        for w in fenced {
            self.send(w, join_error(w.correlation_id, old_member_id, ErrorCode::FencedInstanceId));
        }
        self.timers.cancel(&TimerKey::Heartbeat { group: req.group_id.clone(), member: old_member_id.to_string() });
        let key = TimerKey::Heartbeat { group: req.group_id.clone(), member: new_member_id.to_string() };
        self.timers.schedule(key, now_ms + i64::from(req.session_timeout_ms));
        self.event(ClusterEvent::MemberJoined {
            broker_id,
            group_id: req.group_id.clone(),
            member_id: new_member_id.to_string(),
            group_instance_id: req.group_instance_id.clone(),
            client: req.waiter.node,
        });
        match state {
            GroupState::Stable if same_protocol => {
                // No rebalance: persist the new member id, then hand back the current
                // generation (the leader gets the members and skips assigning, KIP-814).
                let Some(g) = self.groups.get(&req.group_id) else { return };
                let assignment = g.members.iter().map(|(id, m)| (id.clone(), m.assignment.clone())).collect();
                let partition = g.partition;
                let record = group_metadata_record(g, &assignment, now_ms);
                let callback = AppendCallback::StaticReplace { group: req.group_id.clone(), member_id: new_member_id.to_string() };
                self.append(now_ms, partition, vec![record], callback);
            }
            GroupState::Stable => {
                let reason = format!("Group's selectedProtocol will change because static member {new_member_id} joined with change of protocol");
                self.maybe_prepare_rebalance_or_complete_join(now_ms, &req.group_id, &reason)
            }
            GroupState::CompletingRebalance => {
                let reason = format!("Updating metadata for static member {new_member_id}; client reason: {}", req.reason);
                self.prepare_rebalance(now_ms, &req.group_id, &reason)
            }
            _ => self.maybe_complete_join_phase(now_ms, &req.group_id),
        }
    }

    pub(crate) fn on_static_member_stored(&mut self, _now_ms: i64, group_id: &str, member_id: &str, error: Option<ErrorCode>) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let Some(m) = g.members.get_mut(member_id) else { return };
        let Some(w) = m.awaiting_join.take() else { return };
        let response = match error {
            Some(e) => join_error(w.correlation_id, "", super::append_error_to_response(e)),
            None => {
                let is_leader = g.is_leader(member_id);
                let mut r = current_generation_response(g, member_id, w.correlation_id, is_leader);
                if let Message::JoinGroupResponse { skip_assignment, .. } = &mut r {
                    *skip_assignment = is_leader;
                }
                r
            }
        };
        self.send(w, response);
    }

    pub(crate) fn maybe_prepare_rebalance_or_complete_join(&mut self, now_ms: i64, group_id: &str, reason: &str) {
        let Some(g) = self.groups.get(group_id) else { return };
        if g.can_rebalance() {
            self.prepare_rebalance(now_ms, group_id, reason);
        } else {
            self.maybe_complete_join_phase(now_ms, group_id);
        }
    }

    pub(crate) fn prepare_rebalance(&mut self, now_ms: i64, group_id: &str, reason: &str) {
        if self.groups.get(group_id).is_some_and(|g| g.is(GroupState::CompletingRebalance)) {
            self.reset_and_propagate_assignment_with_error(now_ms, group_id, ErrorCode::RebalanceInProgress);
        }
        self.timers.cancel(&TimerKey::Sync { group: group_id.to_string() });
        let initial_delay_ms = self.config.group_initial_rebalance_delay_ms;
        let Some(g) = self.groups.get_mut(group_id) else { return };
        g.pending_sync.clear();
        let initial = g.is(GroupState::Empty);
        if initial {
            let remaining = (g.rebalance_timeout_ms() - initial_delay_ms).max(0);
            g.initial_delay = Some((initial_delay_ms, remaining));
            self.timers.schedule(TimerKey::Join { group: group_id.to_string() }, now_ms + initial_delay_ms);
        }
        self.transition(now_ms, group_id, GroupState::PreparingRebalance, reason);
        if !initial {
            self.maybe_complete_join_else_schedule(now_ms, group_id);
        }
    }

    fn maybe_complete_join_else_schedule(&mut self, now_ms: i64, group_id: &str) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if g.has_all_members_joined() {
            self.complete_join(now_ms, group_id);
        } else {
            g.initial_delay = None;
            let at = now_ms + g.rebalance_timeout_ms();
            self.timers.schedule(TimerKey::Join { group: group_id.to_string() }, at);
        }
    }

    /// `maybeCompleteJoinPhase`: never during the initial rebalance's delay.
    pub(crate) fn maybe_complete_join_phase(&mut self, now_ms: i64, group_id: &str) {
        let Some(g) = self.groups.get(group_id) else { return };
        if g.is(GroupState::PreparingRebalance) && g.previous_state != GroupState::Empty && g.has_all_members_joined() {
            self.complete_join(now_ms, group_id);
        }
    }

    /// The join deadline: the initial delay (maybe extended) or the rebalance timeout.
    pub(crate) fn on_join_deadline(&mut self, now_ms: i64, group_id: &str) {
        let initial_delay_ms = self.config.group_initial_rebalance_delay_ms;
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if let Some((delay, remaining)) = g.initial_delay {
            if g.new_member_added && remaining != 0 {
                g.new_member_added = false;
                let next_delay = initial_delay_ms.min(remaining);
                g.initial_delay = Some((next_delay, (remaining - delay).max(0)));
                self.timers.schedule(TimerKey::Join { group: group_id.to_string() }, now_ms + next_delay);
                return;
            }
        }
        self.complete_join(now_ms, group_id);
    }

    /// `completeClassicGroupJoin`.
    pub(crate) fn complete_join(&mut self, now_ms: i64, group_id: &str) {
        self.timers.cancel(&TimerKey::Join { group: group_id.to_string() });
        let broker_id = self.broker_id;
        let Some(g) = self.groups.get_mut(group_id) else { return };
        g.initial_delay = None;
        g.new_member_added = false;
        let not_rejoined: Vec<String> = g
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        let mut removed = Vec::new();
        for id in &not_rejoined {
            if let Some(m) = g.remove(id) {
                removed.push(m);
            }
        }
        for m in removed {
            self.timers.cancel(&TimerKey::Heartbeat { group: group_id.to_string(), member: m.member_id.clone() });
            self.event(ClusterEvent::MemberRemoved {
                broker_id,
                group_id: group_id.to_string(),
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                cause: crate::engine::cluster::events::RemovalCause::RebalanceTimeout,
                reason: format!("member {} did not rejoin before the rebalance timeout ({} ms)", m.member_id, m.rebalance_timeout_ms),
            });
        }
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if g.is(GroupState::Dead) {
            return;
        }
        if !g.maybe_elect_new_joined_leader() && !g.members.is_empty() {
            let at = now_ms + g.rebalance_timeout_ms();
            self.timers.schedule(TimerKey::Join { group: group_id.to_string() }, at);
            return;
        }
        g.generation_id += 1;
        if g.members.is_empty() {
            g.protocol_name = None;
            let reason = format!("group {group_id} with generation {} is now empty", g.generation_id);
            self.transition(now_ms, group_id, GroupState::Empty, &reason);
            let Some(g) = self.groups.get(group_id) else { return };
            let record = group_metadata_record(g, &BTreeMap::new(), now_ms);
            let partition = g.partition;
            self.append(now_ms, partition, vec![record], AppendCallback::EmptyGroup);
            return;
        }
        g.protocol_name = g.select_protocol();
        let reason = format!("stabilized group {group_id} generation {} with {} members", g.generation_id, g.members.len());
        self.transition(now_ms, group_id, GroupState::CompletingRebalance, &reason);
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let leader_members = leader_member_list(g);
        let mut answers = Vec::new();
        let ids: Vec<String> = g.members.keys().cloned().collect();
        for id in &ids {
            let is_leader = g.is_leader(id);
            let Some(m) = g.members.get_mut(id) else { continue };
            let Some(w) = m.awaiting_join.take() else { continue };
            m.is_new = false;
            let session_ms = i64::from(m.session_timeout_ms);
            answers.push((
                w,
                Message::JoinGroupResponse {
                    correlation_id: w.correlation_id,
                    error: None,
                    generation_id: g.generation_id,
                    protocol_type: g.protocol_type.clone(),
                    protocol_name: g.protocol_name.clone(),
                    leader: g.leader_id.clone().unwrap_or_default(),
                    skip_assignment: false,
                    member_id: id.clone(),
                    members: if is_leader { leader_members.clone() } else { Vec::new() },
                },
                session_ms,
            ));
            g.pending_sync.insert(id.clone());
        }
        let sync_at = now_ms + g.rebalance_timeout_ms();
        for (w, message, session_ms) in answers {
            if let Message::JoinGroupResponse { member_id, .. } = &message {
                let key = TimerKey::Heartbeat { group: group_id.to_string(), member: member_id.clone() };
                self.timers.schedule(key, now_ms + session_ms);
            }
            self.send(w, message);
        }
        self.timers.schedule(TimerKey::Sync { group: group_id.to_string() }, sync_at);
    }

    /// `resetAndPropagateAssignmentWithError`.
    pub(crate) fn reset_and_propagate_assignment_with_error(&mut self, now_ms: i64, group_id: &str, error: ErrorCode) {
        if let Some(g) = self.groups.get_mut(group_id) {
            for m in g.members.values_mut() {
                m.assignment.clear();
            }
        }
        self.propagate_assignment(now_ms, group_id, Some(error));
    }

    /// Answers every awaited SyncGroup with the member's assignment (or the error).
    pub(crate) fn propagate_assignment(&mut self, now_ms: i64, group_id: &str, error: Option<ErrorCode>) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let (protocol_type, protocol_name) =
            if error.is_none() { (g.protocol_type.clone(), g.protocol_name.clone()) } else { (None, None) };
        let mut answers = Vec::new();
        for m in g.members.values_mut() {
            if let Some(w) = m.awaiting_sync.take() {
                let message = Message::SyncGroupResponse {
                    correlation_id: w.correlation_id,
                    error,
                    protocol_type: protocol_type.clone(),
                    protocol_name: protocol_name.clone(),
                    assignment: m.assignment.clone(),
                };
                answers.push((w, message, m.member_id.clone(), i64::from(m.session_timeout_ms)));
            }
        }
        for (w, message, member, session_ms) in answers {
            self.timers.schedule(TimerKey::Heartbeat { group: group_id.to_string(), member }, now_ms + session_ms);
            self.send(w, message);
        }
    }
}

/// The members the leader is told about: id, instance id and metadata for the protocol.
fn leader_member_list(g: &ClassicGroup) -> Vec<JoinGroupMember> {
    let protocol = g.protocol_name.clone().unwrap_or_default();
    g.members
        .values()
        .map(|m| JoinGroupMember {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            metadata: m.metadata(&protocol).map(<[u8]>::to_vec).unwrap_or_default(),
        })
        .collect()
}

/// The current generation's JoinGroup answer (for a member rejoining without change).
fn current_generation_response(g: &ClassicGroup, member_id: &str, correlation_id: u64, with_members: bool) -> Message {
    Message::JoinGroupResponse {
        correlation_id,
        error: None,
        generation_id: g.generation_id,
        protocol_type: g.protocol_type.clone(),
        protocol_name: g.protocol_name.clone(),
        leader: g.leader_id.clone().unwrap_or_default(),
        skip_assignment: false,
        member_id: member_id.to_string(),
        members: if with_members { leader_member_list(g) } else { Vec::new() },
    }
}

/// The group's `GroupMetadata` record with `assignment` (`newGroupMetadataRecord`).
pub(crate) fn group_metadata_record(g: &ClassicGroup, assignment: &BTreeMap<String, Vec<u8>>, _now_ms: i64) -> (Vec<u8>, Option<Vec<u8>>) {
    let protocol = g.protocol_name.clone();
    let members = g
        .members
        .values()
        .map(|m| MemberMetadata {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id.clone(),
            client_id: m.client_id.clone(),
            client_host: m.client_host.clone(),
            rebalance_timeout_ms: m.rebalance_timeout_ms,
            session_timeout_ms: m.session_timeout_ms,
            subscription: protocol.as_deref().and_then(|p| m.metadata(p)).map(<[u8]>::to_vec).unwrap_or_default(),
            assignment: assignment.get(&m.member_id).cloned().unwrap_or_default(),
        })
        .collect();
    let value = GroupMetadataValue {
        protocol_type: g.protocol_type.clone().unwrap_or_default(),
        generation: g.generation_id,
        protocol,
        leader: g.leader_id.clone(),
        current_state_timestamp_ms: g.state_timestamp_ms,
        members,
    };
    (encode_key(&RecordKey::GroupMetadata { group: g.group_id.clone() }), Some(encode_group_metadata_value(&value)))
}

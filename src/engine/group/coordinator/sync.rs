//! SyncGroup, Heartbeat and LeaveGroup, and the deadlines that remove members
//! (`classicGroupSync`, `classicGroupHeartbeat`, `classicGroupLeave`,
//! `expireClassicGroupMemberHeartbeat`, `expirePendingSync`). The leader's SyncGroup
//! carries the assignment, which is written to `__consumer_offsets` before anyone gets
//! theirs; then the group is Stable. A member silent for its session timeout is removed
//! (members waiting in a rebalance are excused) and the group rebalances.

use super::group::{GroupState, Waiter};
use super::rebalance::group_metadata_record;
use super::timers::TimerKey;
use super::{append_error_to_response, AppendCallback, GroupCoordinator};
use crate::engine::cluster::events::RemovalCause;
use crate::engine::cluster::messages::{LeavingMember, Message};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::faults::{self, Fault};
use std::collections::BTreeMap;

fn sync_error(correlation_id: u64, error: ErrorCode) -> Message {
    Message::SyncGroupResponse {
        correlation_id,
        error: Some(error),
        protocol_type: None,
        protocol_name: None,
        assignment: Vec::new(),
    }
}

impl GroupCoordinator {
    pub(crate) fn handle_sync(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Message::SyncGroupRequest {
            correlation_id,
            group_id,
            generation_id,
            member_id,
            group_instance_id,
            protocol_type,
            protocol_name,
            assignments,
        } = message
        else {
            return;
        };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        if let Err(e) = self.route(group_id) {
            return self.send(waiter, sync_error(*correlation_id, e));
        }
        let Some(g) = self.groups.get_mut(group_id) else {
            return self.send(waiter, sync_error(*correlation_id, ErrorCode::UnknownMemberId));
        };
        let error = if g.is(GroupState::Empty) {
            Some(ErrorCode::UnknownMemberId)
        } else if g.is(GroupState::Dead) {
            Some(ErrorCode::CoordinatorNotAvailable)
        } else if let Err(e) = g.validate_member(member_id, group_instance_id.as_deref()) {
            Some(e)
        } else if *generation_id != g.generation_id {
            Some(ErrorCode::IllegalGeneration)
        } else if inconsistent(protocol_type, &g.protocol_type)
            || inconsistent(protocol_name, &g.protocol_name)
        {
            Some(ErrorCode::InconsistentGroupProtocol)
        } else if g.is(GroupState::PreparingRebalance) {
            Some(ErrorCode::RebalanceInProgress)
        } else {
            None
        };
        if let Some(e) = error {
            return self.send(waiter, sync_error(*correlation_id, e));
        }
        g.pending_sync.remove(member_id);
        if g.pending_sync.is_empty() {
            self.timers.cancel(&TimerKey::Sync { group: group_id.clone() });
        }
        let Some(g) = self.groups.get_mut(group_id) else { return };
        match g.state {
            GroupState::CompletingRebalance => {
                if let Some(m) = g.members.get_mut(member_id) {
                    m.awaiting_sync = Some(waiter);
                }
                if g.is_leader(member_id) {
                    let mut assignment: BTreeMap<String, Vec<u8>> =
                        assignments.iter().map(|a| (a.member_id.clone(), a.assignment.clone())).collect();
                    for id in g.members.keys() {
                        assignment.entry(id.clone()).or_default();
                    }
                    assignment.retain(|id, _| g.members.contains_key(id));
                    if faults::on(Fault::SameAssignmentForAll) {
                        // A test-only bug (break-engine): every member gets the first's.
                        let first = assignment.values().next().cloned().unwrap_or_default();
                        assignment.values_mut().for_each(|a| a.clone_from(&first));
                    }
                    let record = group_metadata_record(g, &assignment, now_ms);
                    let partition = g.partition;
                    let callback = AppendCallback::SyncAssignment {
                        group: group_id.clone(),
                        generation: *generation_id,
                        assignment,
                    };
                    self.append(now_ms, partition, vec![record], callback);
                }
            }
            GroupState::Stable => {
                let assignment = g.members.get(member_id).map(|m| m.assignment.clone()).unwrap_or_default();
                let message = Message::SyncGroupResponse {
                    correlation_id: *correlation_id,
                    error: None,
                    protocol_type: g.protocol_type.clone(),
                    protocol_name: g.protocol_name.clone(),
                    assignment,
                };
                self.send(waiter, message);
            }
            _ => {}
        }
    }

    /// The leader's assignment is durable (or not): Stable with it, or back to rebalancing.
    pub(crate) fn on_assignment_stored(
        &mut self,
        now_ms: i64,
        group_id: &str,
        generation: i32,
        assignment: BTreeMap<String, Vec<u8>>,
        error: Option<ErrorCode>,
    ) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if !g.is(GroupState::CompletingRebalance) || g.generation_id != generation {
            return;
        }
        match error {
            Some(e) => {
                let e = append_error_to_response(e);
                self.reset_and_propagate_assignment_with_error(now_ms, group_id, e);
                let reason = format!("Error {} when storing group assignment during SyncGroup", e.name());
                self.maybe_prepare_rebalance_or_complete_join(now_ms, group_id, &reason);
            }
            None => {
                for (id, m) in g.members.iter_mut() {
                    m.assignment = assignment.get(id).cloned().unwrap_or_default();
                }
                self.propagate_assignment(now_ms, group_id, None);
                let reason = format!("the leader's assignment for generation {generation} is stored");
                self.transition(now_ms, group_id, GroupState::Stable, &reason);
            }
        }
    }

    pub(crate) fn handle_heartbeat(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Message::HeartbeatRequest {
            correlation_id,
            group_id,
            generation_id,
            member_id,
            group_instance_id,
        } = message
        else {
            return;
        };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        let result = match self.route(group_id) {
            Err(e) => Err(e),
            Ok(_) => match self.groups.get(group_id) {
                None => Err(ErrorCode::UnknownMemberId),
                Some(g) if g.is(GroupState::Dead) => Err(ErrorCode::CoordinatorNotAvailable),
                Some(g) => match g.validate_member(member_id, group_instance_id.as_deref()) {
                    Err(e) => Err(e),
                    Ok(()) if *generation_id != g.generation_id => Err(ErrorCode::IllegalGeneration),
                    Ok(()) => Ok(g.state),
                },
            },
        };
        let error = match result {
            Err(e) => Some(e),
            Ok(GroupState::Empty | GroupState::Dead) => Some(ErrorCode::UnknownMemberId),
            Ok(state) => {
                self.reschedule_heartbeat(now_ms, group_id, member_id);
                (state == GroupState::PreparingRebalance).then_some(ErrorCode::RebalanceInProgress)
            }
        };
        self.send(waiter, Message::HeartbeatResponse { correlation_id: *correlation_id, error });
    }

    pub(crate) fn reschedule_heartbeat(&mut self, now_ms: i64, group_id: &str, member_id: &str) {
        let Some(m) = self.groups.get(group_id).and_then(|g| g.members.get(member_id)) else { return };
        let at = now_ms + i64::from(m.session_timeout_ms);
        self.timers
            .schedule(TimerKey::Heartbeat { group: group_id.to_string(), member: member_id.to_string() }, at);
    }

    pub(crate) fn handle_leave(&mut self, now_ms: i64, from: NodeId, message: &Message) {
        let Message::LeaveGroupRequest { correlation_id, group_id, members } = message else { return };
        let waiter = Waiter { node: from, correlation_id: *correlation_id };
        let top = match self.route(group_id) {
            Err(e) => Some(e),
            Ok(_) => match self.groups.get(group_id) {
                None => Some(ErrorCode::UnknownMemberId),
                Some(g) if g.is(GroupState::Dead) => Some(ErrorCode::CoordinatorNotAvailable),
                Some(_) => None,
            },
        };
        if let Some(e) = top {
            let message = Message::LeaveGroupResponse {
                correlation_id: *correlation_id,
                error: Some(e),
                members: Vec::new(),
            };
            return self.send(waiter, message);
        }
        let mut answers = Vec::new();
        let mut left = Vec::new();
        for m in members {
            let reason = m.reason.clone().unwrap_or_else(|| "not provided".to_string());
            let Some(g) = self.groups.get_mut(group_id) else { break };
            let error = if m.member_id.is_empty() {
                match m.group_instance_id.as_ref().and_then(|i| g.static_members.get(i)).cloned() {
                    Some(id) => {
                        left.push((id, reason));
                        None
                    }
                    None => Some(ErrorCode::UnknownMemberId),
                }
            } else if g.pending_members.remove(&m.member_id) {
                self.timers
                    .cancel(&TimerKey::Heartbeat { group: group_id.clone(), member: m.member_id.clone() });
                None
            } else {
                match g.validate_member(&m.member_id, m.group_instance_id.as_deref()) {
                    Ok(()) => {
                        left.push((m.member_id.clone(), reason));
                        None
                    }
                    Err(e) => Some(e),
                }
            };
            answers.push(LeavingMember { error, ..m.clone() });
        }
        for (id, reason) in &left {
            self.remove_member(group_id, id, RemovalCause::LeaveGroup, &format!("LeaveGroup: {reason}"));
        }
        // `validLeaveGroupMembers`: every member the answer accepts, a pending one too (so a
        // rebalance that waited only for it completes), named as the request named it.
        let valid: Vec<&str> =
            answers.iter().filter(|a| a.error.is_none()).map(|a| a.member_id.as_str()).collect();
        if !valid.is_empty() {
            let reason = format!("explicit `LeaveGroup` request for ({}) members.", valid.join(", "));
            match self.groups.get(group_id).map(|g| g.state) {
                Some(GroupState::Stable | GroupState::CompletingRebalance) => {
                    self.maybe_prepare_rebalance_or_complete_join(now_ms, group_id, &reason)
                }
                Some(GroupState::PreparingRebalance) => self.maybe_complete_join_phase(now_ms, group_id),
                _ => {}
            }
        }
        self.send(
            waiter,
            Message::LeaveGroupResponse { correlation_id: *correlation_id, error: None, members: answers },
        );
    }

    /// Removes a member, answering its parked JoinGroup with UNKNOWN_MEMBER_ID.
    pub(crate) fn remove_member(
        &mut self,
        group_id: &str,
        member_id: &str,
        cause: RemovalCause,
        reason: &str,
    ) {
        let broker_id = self.broker_id;
        self.timers
            .cancel(&TimerKey::Heartbeat { group: group_id.to_string(), member: member_id.to_string() });
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let Some(m) = g.remove(member_id) else { return };
        if let Some(w) = m.awaiting_join {
            let message = Message::JoinGroupResponse {
                correlation_id: w.correlation_id,
                error: Some(ErrorCode::UnknownMemberId),
                generation_id: -1,
                protocol_type: None,
                protocol_name: None,
                leader: String::new(),
                skip_assignment: false,
                member_id: String::new(),
                members: Vec::new(),
            };
            self.send(w, message);
        }
        self.event(ClusterEvent::MemberRemoved {
            broker_id,
            group_id: group_id.to_string(),
            member_id: member_id.to_string(),
            group_instance_id: m.group_instance_id,
            cause,
            reason: reason.to_string(),
        });
    }

    /// A member's (or pending member's) heartbeat deadline passed.
    pub(crate) fn expire_heartbeat(&mut self, now_ms: i64, group_id: &str, member_id: &str) {
        let broker_id = self.broker_id;
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if g.is(GroupState::Dead) {
            return;
        }
        if g.pending_members.remove(member_id) {
            self.event(ClusterEvent::MemberRemoved {
                broker_id,
                group_id: group_id.to_string(),
                member_id: member_id.to_string(),
                group_instance_id: None,
                cause: RemovalCause::PendingJoinTimeout,
                reason: format!("pending member {member_id} did not join within its session timeout"),
            });
            let Some(g) = self.groups.get(group_id) else { return };
            if g.is(GroupState::PreparingRebalance) && g.has_all_members_joined() {
                self.complete_join(now_ms, group_id);
            }
            return;
        }
        let Some(m) = g.members.get(member_id) else { return };
        if m.has_satisfied_heartbeat() {
            return;
        }
        let reason = format!(
            "removing member {member_id} on heartbeat expiration (session.timeout.ms = {} ms).",
            m.session_timeout_ms
        );
        self.remove_member(group_id, member_id, RemovalCause::SessionTimeout, &reason);
        match self.groups.get(group_id).map(|g| (g.state, g.has_all_members_joined())) {
            Some((GroupState::Stable | GroupState::CompletingRebalance, _)) => {
                self.maybe_prepare_rebalance_or_complete_join(now_ms, group_id, &reason)
            }
            Some((GroupState::PreparingRebalance, true)) => self.complete_join(now_ms, group_id),
            _ => {}
        }
    }

    /// `expirePendingSync`: members that never sent SyncGroup are removed.
    pub(crate) fn expire_pending_sync(&mut self, now_ms: i64, group_id: &str) {
        let Some(g) = self.groups.get(group_id) else { return };
        if !matches!(g.state, GroupState::CompletingRebalance | GroupState::Stable)
            || g.pending_sync.is_empty()
        {
            return;
        }
        let pending: Vec<String> = g.pending_sync.iter().cloned().collect();
        for id in &pending {
            let reason = format!("member {id} did not send SyncGroup before the rebalance timeout");
            self.remove_member(group_id, id, RemovalCause::SyncTimeout, &reason);
        }
        let reason = format!("Removing {pending:?} on pending sync request expiration");
        self.prepare_rebalance(now_ms, group_id, &reason);
    }
}

fn inconsistent(requested: &Option<String>, current: &Option<String>) -> bool {
    requested.is_some() && current.is_some() && requested != current
}

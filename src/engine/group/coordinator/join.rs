//! JoinGroup (`classicGroupJoin…`): the request is checked (coordinator, session timeout,
//! `group.max.size`, protocols); new dynamic members get an id with MEMBER_ID_REQUIRED
//! (KIP-394) and join with it; static members (KIP-345) join directly and replace their
//! old id ([`super::static_member`]); a known member's join starts or joins a rebalance,
//! or is answered with the current generation. The join phase itself (waiting for the
//! members, completing it) is in [`super::rebalance`].

use super::group::{ClassicGroup, GroupState, Member, Waiter};
use super::rebalance::leader_member_list;
use super::timers::TimerKey;
use super::GroupCoordinator;
use crate::engine::cluster::events::RemovalCause;
use crate::engine::cluster::messages::{JoinGroupProtocol, Message};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;

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
    /// Kafka's `clientHost`: the connection's address, or `/client-{node}` in the simulation.
    pub client_host: String,
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
            client_host,
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
            client_host: client_host.clone().unwrap_or_else(|| format!("/client-{from}")),
        })
    }
}

pub(super) fn join_error(correlation_id: u64, member_id: &str, error: ErrorCode) -> Message {
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
        if session < self.config.group_min_session_timeout_ms
            || session > self.config.group_max_session_timeout_ms
        {
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
            // `classicGroupJoin`: the refused member leaves the group at once (a rebalance
            // that waited for it completes when the others are in, or at its deadline).
            let reason = format!(
                "refused with GROUP_MAX_SIZE_REACHED: the group has group.max.size = {} members",
                self.config.group_max_size
            );
            self.remove_member(&req.group_id, &req.member_id, RemovalCause::GroupMaxSize, &reason);
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
                g.members.get(member_id).is_some_and(|m| m.awaiting_join.is_some())
                    || g.awaiting_join_count() < max
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                g.members.contains_key(member_id) || g.members.len() < max
            }
        }
    }

    fn join_new_member(&mut self, now_ms: i64, req: JoinRequest) {
        let Some(g) = self.groups.get(&req.group_id) else { return };
        if g.is(GroupState::Dead) {
            return self.send(
                req.waiter,
                join_error(req.waiter.correlation_id, "", ErrorCode::CoordinatorNotAvailable),
            );
        }
        if !g.supports_protocols(&req.protocol_type, &req.protocols) {
            return self.send(
                req.waiter,
                join_error(req.waiter.correlation_id, "", ErrorCode::InconsistentGroupProtocol),
            );
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
                self.send(
                    req.waiter,
                    join_error(req.waiter.correlation_id, &new_member_id, ErrorCode::MemberIdRequired),
                );
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
                let reason = format!(
                    "Member {} is joining group during PreparingRebalance; client reason: {}",
                    req.member_id, req.reason
                );
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::CompletingRebalance if matches => {
                let response = current_generation_response(
                    g,
                    &req.member_id,
                    req.waiter.correlation_id,
                    g.is_leader(&req.member_id),
                );
                self.send(req.waiter, response)
            }
            GroupState::CompletingRebalance => {
                let reason = format!(
                    "Updating metadata for member {} during CompletingRebalance; client reason: {}",
                    req.member_id, req.reason
                );
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::Stable if g.is_leader(&req.member_id) || !matches => {
                let who = if g.is_leader(&req.member_id) { "Leader" } else { "Updating metadata for member" };
                let reason = format!(
                    "{who} {} re-joining group during Stable; client reason: {}",
                    req.member_id, req.reason
                );
                self.update_member_then_rebalance(now_ms, req, &reason)
            }
            GroupState::Stable => {
                let response =
                    current_generation_response(g, &req.member_id, req.waiter.correlation_id, false);
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
            client_host: req.client_host.clone(),
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
}

/// The current generation's JoinGroup answer (for a member rejoining without change).
pub(super) fn current_generation_response(
    g: &ClassicGroup,
    member_id: &str,
    correlation_id: u64,
    with_members: bool,
) -> Message {
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

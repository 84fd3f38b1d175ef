//! The join phase of a rebalance (`prepareRebalance`, `completeClassicGroupJoin`): the
//! first rebalance of an empty group waits `group.initial.rebalance.delay.ms` (longer
//! while members keep arriving, up to the rebalance timeout); a later one ends when every
//! member has rejoined or the rebalance timeout passes, removing dynamic members that did
//! not rejoin. Completing it bumps the generation, picks the protocol and answers every
//! member (the leader with the member list). Also: answering the SyncGroups that wait
//! (with the assignment or an error), and the group's `GroupMetadata` record.

use super::group::{ClassicGroup, GroupState};
use super::join::current_generation_response;
use super::records::{
    encode_group_metadata_value, encode_key, GroupMetadataValue, MemberMetadata, RecordKey,
};
use super::timers::TimerKey;
use super::{AppendCallback, GroupCoordinator};
use crate::engine::cluster::messages::{JoinGroupMember, Message};
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;
use std::collections::BTreeMap;

impl GroupCoordinator {
    pub(crate) fn maybe_prepare_rebalance_or_complete_join(
        &mut self,
        now_ms: i64,
        group_id: &str,
        reason: &str,
    ) {
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
        if g.is(GroupState::PreparingRebalance)
            && g.previous_state != GroupState::Empty
            && g.has_all_members_joined()
        {
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
            self.timers
                .cancel(&TimerKey::Heartbeat { group: group_id.to_string(), member: m.member_id.clone() });
            self.event(ClusterEvent::MemberRemoved {
                broker_id,
                group_id: group_id.to_string(),
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                cause: crate::engine::cluster::events::RemovalCause::RebalanceTimeout,
                reason: format!(
                    "member {} did not rejoin before the rebalance timeout ({} ms)",
                    m.member_id, m.rebalance_timeout_ms
                ),
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
        let reason = format!(
            "stabilized group {group_id} generation {} with {} members",
            g.generation_id,
            g.members.len()
        );
        self.transition(now_ms, group_id, GroupState::CompletingRebalance, &reason);
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let mut answers = Vec::new();
        let ids: Vec<String> = g.members.keys().cloned().collect();
        for id in &ids {
            let is_leader = g.is_leader(id);
            let Some(m) = g.members.get_mut(id) else { continue };
            let Some(w) = m.awaiting_join.take() else { continue };
            m.is_new = false;
            let session_ms = i64::from(m.session_timeout_ms);
            answers.push((w, current_generation_response(g, id, w.correlation_id, is_leader), session_ms));
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
    pub(crate) fn reset_and_propagate_assignment_with_error(
        &mut self,
        now_ms: i64,
        group_id: &str,
        error: ErrorCode,
    ) {
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
            self.timers
                .schedule(TimerKey::Heartbeat { group: group_id.to_string(), member }, now_ms + session_ms);
            self.send(w, message);
        }
    }
}

/// The members the leader is told about: id, instance id and metadata for the protocol.
pub(super) fn leader_member_list(g: &ClassicGroup) -> Vec<JoinGroupMember> {
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

/// The group's `GroupMetadata` record with `assignment` (`newGroupMetadataRecord`).
pub(crate) fn group_metadata_record(
    g: &ClassicGroup,
    assignment: &BTreeMap<String, Vec<u8>>,
    _now_ms: i64,
) -> (Vec<u8>, Option<Vec<u8>>) {
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
            subscription: protocol
                .as_deref()
                .and_then(|p| m.metadata(p))
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
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
    (
        encode_key(&RecordKey::GroupMetadata { group: g.group_id.clone() }),
        Some(encode_group_metadata_value(&value)),
    )
}

//! A static member (KIP-345) rejoining with its `group.instance.id` under a new member id
//! (`updateStaticMemberThenRebalanceOrCompleteJoin`): the new id takes the old one's place
//! and assignment, requests of the old id are fenced (FENCED_INSTANCE_ID), and in a Stable
//! group with the same protocol there is no rebalance: the new id is persisted, then the
//! current generation is handed back.

use super::group::{GroupState, Waiter};
use super::join::{current_generation_response, join_error, JoinRequest};
use super::rebalance::group_metadata_record;
use super::timers::TimerKey;
use super::{AppendCallback, GroupCoordinator};
use crate::engine::cluster::messages::Message;
use crate::engine::cluster::ClusterEvent;
use crate::engine::error::ErrorCode;

impl GroupCoordinator {
    /// `updateStaticMemberThenRebalanceOrCompleteJoin`: the new id takes the old one's
    /// place (and assignment); the old id is fenced.
    pub(super) fn update_static_member(
        &mut self,
        now_ms: i64,
        req: JoinRequest,
        old_member_id: &str,
        new_member_id: &str,
    ) {
        let broker_id = self.broker_id;
        let Some(g) = self.groups.get_mut(&req.group_id) else { return };
        let Some(mut member) = g.members.remove(old_member_id) else { return };
        let fenced: Vec<Waiter> =
            member.awaiting_join.take().into_iter().chain(member.awaiting_sync.take()).collect();
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
        self.timers
            .cancel(&TimerKey::Heartbeat { group: req.group_id.clone(), member: old_member_id.to_string() });
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
                let callback = AppendCallback::StaticReplace {
                    group: req.group_id.clone(),
                    member_id: new_member_id.to_string(),
                };
                self.append(now_ms, partition, vec![record], callback);
            }
            GroupState::Stable => {
                let reason = format!("Group's selectedProtocol will change because static member {new_member_id} joined with change of protocol");
                self.maybe_prepare_rebalance_or_complete_join(now_ms, &req.group_id, &reason)
            }
            GroupState::CompletingRebalance => {
                let reason = format!(
                    "Updating metadata for static member {new_member_id}; client reason: {}",
                    req.reason
                );
                self.prepare_rebalance(now_ms, &req.group_id, &reason)
            }
            _ => self.maybe_complete_join_phase(now_ms, &req.group_id),
        }
    }

    pub(crate) fn on_static_member_stored(
        &mut self,
        _now_ms: i64,
        group_id: &str,
        member_id: &str,
        error: Option<ErrorCode>,
    ) {
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
}

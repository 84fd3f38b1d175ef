//! One classic group as its coordinator holds it (Kafka's `ClassicGroup` and
//! `ClassicGroupMember`): the state (Empty, PreparingRebalance, CompletingRebalance,
//! Stable, Dead), the generation, the chosen protocol and leader, the members with the
//! protocols they offer, static members by `group.instance.id`, members that were given an
//! id with MEMBER_ID_REQUIRED and have not joined yet, and members whose SyncGroup is
//! still awaited. Invariants: every static member's id is a member; a member awaiting a
//! JoinGroup or SyncGroup answer has the request to answer recorded.

use crate::engine::cluster::messages::JoinGroupProtocol;
use crate::engine::cluster::NodeId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// Kafka's name (`ClassicGroupState.toString`).
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// A request waiting for its answer: who sent it and its correlation id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Waiter {
    pub node: NodeId,
    pub correlation_id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    /// The node the member's requests come from.
    pub client_node: NodeId,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    pub protocol_type: String,
    #[serde(skip)]
    pub protocols: Vec<JoinGroupProtocol>,
    #[serde(skip)]
    pub assignment: Vec<u8>,
    pub awaiting_join: Option<Waiter>,
    pub awaiting_sync: Option<Waiter>,
    /// Joined in the current rebalance and not yet answered (`isNew`).
    pub is_new: bool,
}

impl Member {
    /// The member's metadata for `protocol`, if it offers it.
    pub fn metadata(&self, protocol: &str) -> Option<&[u8]> {
        self.protocols.iter().find(|p| p.name == protocol).map(|p| p.metadata.as_slice())
    }

    /// `ClassicGroupMember.matches`: the same protocols with the same metadata, in order.
    pub fn matches(&self, protocols: &[JoinGroupProtocol]) -> bool {
        self.protocols == protocols
    }

    /// `vote`: the member's first preference among the candidates.
    pub fn vote(&self, candidates: &BTreeSet<String>) -> Option<String> {
        self.protocols.iter().find(|p| candidates.contains(&p.name)).map(|p| p.name.clone())
    }

    /// `hasSatisfiedHeartbeat` when its heartbeat deadline passes: members awaiting a
    /// JoinGroup or SyncGroup answer are excused, new members are not.
    pub fn has_satisfied_heartbeat(&self) -> bool {
        !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassicGroup {
    pub group_id: String,
    /// The `__consumer_offsets` partition the group lives in.
    pub partition: u32,
    pub state: GroupState,
    pub previous_state: GroupState,
    pub state_timestamp_ms: i64,
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader_id: Option<String>,
    pub members: BTreeMap<String, Member>,
    /// `group.instance.id` → member id.
    pub static_members: BTreeMap<String, String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, not joined yet.
    pub pending_members: BTreeSet<String>,
    /// Members whose SyncGroup the coordinator still waits for.
    pub pending_sync: BTreeSet<String>,
    /// The initial rebalance may wait longer: a member joined during its delay.
    pub new_member_added: bool,
    /// The initial rebalance's next delay and the time left of the rebalance timeout.
    pub initial_delay: Option<(i64, i64)>,
}

impl ClassicGroup {
    pub fn new(group_id: &str, partition: u32, now_ms: i64) -> Self {
        ClassicGroup {
            group_id: group_id.to_string(),
            partition,
            state: GroupState::Empty,
            previous_state: GroupState::Empty,
            state_timestamp_ms: now_ms,
            generation_id: 0,
            protocol_type: None,
            protocol_name: None,
            leader_id: None,
            members: BTreeMap::new(),
            static_members: BTreeMap::new(),
            pending_members: BTreeSet::new(),
            pending_sync: BTreeSet::new(),
            new_member_added: false,
            initial_delay: None,
        }
    }

    pub fn is(&self, state: GroupState) -> bool {
        self.state == state
    }

    /// `canRebalance`: PreparingRebalance may follow Stable, CompletingRebalance or Empty.
    pub fn can_rebalance(&self) -> bool {
        matches!(self.state, GroupState::Stable | GroupState::CompletingRebalance | GroupState::Empty)
    }

    pub fn is_leader(&self, member_id: &str) -> bool {
        self.leader_id.as_deref() == Some(member_id)
    }

    /// The longest rebalance timeout of the members (`rebalanceTimeoutMs`).
    pub fn rebalance_timeout_ms(&self) -> i64 {
        self.members.values().map(|m| i64::from(m.rebalance_timeout_ms)).max().unwrap_or(0)
    }

    pub fn awaiting_join_count(&self) -> usize {
        self.members.values().filter(|m| m.awaiting_join.is_some()).count()
    }

    /// `hasAllMembersJoined`.
    pub fn has_all_members_joined(&self) -> bool {
        self.members.len() == self.awaiting_join_count() && self.pending_members.is_empty()
    }

    /// `supportsProtocols`: the group is empty (and the type is set), or some protocol of
    /// `protocols` is offered by every member.
    pub fn supports_protocols(&self, protocol_type: &str, protocols: &[JoinGroupProtocol]) -> bool {
        if protocol_type.is_empty() || protocols.is_empty() {
            return false;
        }
        if self.members.is_empty() {
            return true;
        }
        if self.protocol_type.as_deref() != Some(protocol_type) {
            return false;
        }
        let candidates = self.candidate_protocols();
        protocols.iter().any(|p| candidates.contains(&p.name))
    }

    /// The protocols every member offers.
    pub fn candidate_protocols(&self) -> BTreeSet<String> {
        let mut members = self.members.values();
        let Some(first) = members.next() else { return BTreeSet::new() };
        let mut common: BTreeSet<String> = first.protocols.iter().map(|p| p.name.clone()).collect();
        for m in members {
            common.retain(|name| m.protocols.iter().any(|p| &p.name == name));
        }
        common
    }

    /// `selectProtocol`: each member votes for its first preference among the common
    /// protocols; most votes wins (ties: Kafka takes a `HashMap`'s iteration order; here
    /// the name first in sort order).
    pub fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes: BTreeMap<String, u32> = BTreeMap::new();
        for m in self.members.values() {
            if let Some(v) = m.vote(&candidates) {
                *votes.entry(v).or_default() += 1;
            }
        }
        let best = votes.values().copied().max()?;
        votes.into_iter().find(|(_, n)| *n == best).map(|(name, _)| name)
    }

    /// Adds a member (the first one sets the protocol type and leads).
    pub fn add(&mut self, member: Member) {
        if self.members.is_empty() {
            self.protocol_type = Some(member.protocol_type.clone());
        }
        if self.leader_id.is_none() {
            self.leader_id = Some(member.member_id.clone());
        }
        if let Some(instance) = &member.group_instance_id {
            self.static_members.insert(instance.clone(), member.member_id.clone());
        }
        self.pending_members.remove(&member.member_id);
        self.members.insert(member.member_id.clone(), member);
    }

    /// Removes a member or pending member; a leader leaving hands over to any member.
    pub fn remove(&mut self, member_id: &str) -> Option<Member> {
        self.pending_members.remove(member_id);
        self.pending_sync.remove(member_id);
        let removed = self.members.remove(member_id)?;
        if let Some(instance) = &removed.group_instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        if self.is_leader(member_id) {
            self.leader_id = self.members.keys().next().cloned();
        }
        if self.members.is_empty() {
            self.protocol_type = None;
        }
        Some(removed)
    }

    /// `maybeElectNewJoinedLeader`: a leader that did not rejoin is replaced by a member
    /// that did; false when none did.
    pub fn maybe_elect_new_joined_leader(&mut self) -> bool {
        let Some(leader) = self.leader_id.clone() else { return false };
        match self.members.get(&leader) {
            Some(m) if m.awaiting_join.is_some() => true,
            _ => match self.members.values().find(|m| m.awaiting_join.is_some()) {
                Some(m) => {
                    self.leader_id = Some(m.member_id.clone());
                    true
                }
                None => false,
            },
        }
    }

    /// `validateMember`: FENCED_INSTANCE_ID for an old id of a static member,
    /// UNKNOWN_MEMBER_ID for an unknown one.
    pub fn validate_member(
        &self,
        member_id: &str,
        group_instance_id: Option<&str>,
    ) -> Result<(), crate::engine::error::ErrorCode> {
        use crate::engine::error::ErrorCode;
        if let Some(instance) = group_instance_id {
            match self.static_members.get(instance) {
                None => return Err(ErrorCode::UnknownMemberId),
                Some(existing) if existing != member_id => return Err(ErrorCode::FencedInstanceId),
                Some(_) => {}
            }
        }
        if !self.members.contains_key(member_id) {
            return Err(ErrorCode::UnknownMemberId);
        }
        Ok(())
    }
}

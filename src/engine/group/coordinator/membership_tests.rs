//! JoinGroup, SyncGroup, Heartbeat and LeaveGroup rule by rule, as Kafka's classic group
//! protocol has them (`GroupMetadataManager`: `classicGroupJoin…`, `acceptJoiningMember`,
//! `classicGroupSync…`, `classicGroupLeave…`, `expireClassicGroupMemberHeartbeat`,
//! `expirePendingSync`): the bounds of the session timeout, `group.max.size`, what a
//! rejoin does in each state, the deadlines of pending and new members, and the writes of
//! the leader's assignment that come back after the group moved on. Written for the
//! mutation run of `join.rs` and `sync.rs` (TESTING.md, "Tests measured by mutation").

use super::group::GroupState;
use super::*;
use crate::engine::cluster::events::RemovalCause;
use crate::engine::cluster::messages::{JoinGroupProtocol, LeavingMember, Message, SyncGroupAssignment};

const G: &str = "g";
const C1: NodeId = 10_001;
const C2: NodeId = 10_002;
const C3: NodeId = 10_003;
const C4: NodeId = 10_004;

/// Kafka's defaults, with no initial rebalance delay unless a test sets one.
fn config() -> GroupCoordinatorConfig {
    GroupCoordinatorConfig { group_initial_rebalance_delay_ms: 0, ..GroupCoordinatorConfig::default() }
}

fn coordinator(config: GroupCoordinatorConfig) -> GroupCoordinator {
    let mut c = GroupCoordinator::new(1, config, 7);
    c.on_elected(0, placement::partition_for(G, 50), 0);
    while let Some(key) = c.pop_due(0) {
        if let TimerKey::Load { partition } = key {
            c.load(0, partition, &[]);
        }
    }
    effects(&mut c, true);
    c
}

/// What the coordinator did: answers sent, members removed (and why), writes held back.
#[derive(Default)]
struct Out {
    sent: Vec<(NodeId, Message)>,
    removed: Vec<(String, RemovalCause)>,
    held: Vec<u64>,
}

/// Takes the effects; writes are durable at once when `durable`, else held.
fn effects(c: &mut GroupCoordinator, durable: bool) -> Out {
    let mut out = Out::default();
    while let Some(e) = c.take_effect() {
        match e {
            Effect::Send { to, message } => out.sent.push((to, message)),
            Effect::Event(ClusterEvent::MemberRemoved { member_id, cause, .. }) => {
                out.removed.push((member_id, cause))
            }
            Effect::Event(_) => {}
            Effect::Append { id, .. } | Effect::AppendTransactional { id, .. } => {
                if durable {
                    c.append_started(0, id, Ok((1, 0)));
                    c.append_completed(0, id, None);
                } else {
                    out.held.push(id);
                }
            }
        }
    }
    out
}

/// A JoinGroup answer: error, member id, generation, how many members it lists.
type JoinAnswer = (Option<ErrorCode>, String, i32, usize);

fn join_answer(out: &Out, to: NodeId) -> Option<JoinAnswer> {
    out.sent.iter().rev().find_map(|(n, m)| match m {
        Message::JoinGroupResponse { error, member_id, generation_id, members, .. } if *n == to => {
            Some((*error, member_id.clone(), *generation_id, members.len()))
        }
        _ => None,
    })
}

fn sync_answer(out: &Out, to: NodeId) -> Option<(Option<ErrorCode>, Vec<u8>)> {
    out.sent.iter().rev().find_map(|(n, m)| match m {
        Message::SyncGroupResponse { error, assignment, .. } if *n == to => {
            Some((*error, assignment.clone()))
        }
        _ => None,
    })
}

struct Join<'a> {
    member: &'a str,
    session_ms: i32,
    rebalance_ms: i32,
    metadata: u8,
}

impl Join<'_> {
    fn of(member: &str) -> Join<'_> {
        Join { member, session_ms: 45_000, rebalance_ms: 10_000, metadata: 1 }
    }

    fn send(&self, c: &mut GroupCoordinator, now_ms: i64, from: NodeId) -> Out {
        let m = Message::JoinGroupRequest {
            correlation_id: 1,
            client_id: format!("client-{from}"),
            group_id: G.into(),
            session_timeout_ms: self.session_ms,
            rebalance_timeout_ms: self.rebalance_ms,
            member_id: self.member.into(),
            group_instance_id: None,
            protocol_type: "consumer".into(),
            protocols: vec![JoinGroupProtocol { name: "range".into(), metadata: vec![self.metadata] }],
            reason: None,
            client_host: None,
        };
        assert!(c.handle_request(now_ms, from, &m));
        effects(c, true)
    }
}

/// The KIP-394 handshake: MEMBER_ID_REQUIRED with an id, then the join with it.
fn new_member(c: &mut GroupCoordinator, now_ms: i64, from: NodeId, join: Join) -> (String, Out) {
    let (e, id, _, _) = join_answer(&join.send(c, now_ms, from), from).unwrap();
    assert_eq!(e, Some(ErrorCode::MemberIdRequired));
    let out = Join { member: &id, ..join }.send(c, now_ms, from);
    (id, out)
}

fn sync(
    c: &mut GroupCoordinator,
    from: NodeId,
    member: &str,
    generation: i32,
    protocol: (Option<&str>, Option<&str>),
    assignments: &[(&str, u8)],
    durable: bool,
) -> Out {
    let m = Message::SyncGroupRequest {
        correlation_id: 2,
        group_id: G.into(),
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        protocol_type: protocol.0.map(str::to_string),
        protocol_name: protocol.1.map(str::to_string),
        assignments: assignments
            .iter()
            .map(|(id, a)| SyncGroupAssignment { member_id: id.to_string(), assignment: vec![*a] })
            .collect(),
    };
    assert!(c.handle_request(0, from, &m));
    effects(c, durable)
}

fn leave(c: &mut GroupCoordinator, now_ms: i64, from: NodeId, member: &str) -> Out {
    let m = Message::LeaveGroupRequest {
        correlation_id: 3,
        group_id: G.into(),
        members: vec![LeavingMember {
            member_id: member.into(),
            group_instance_id: None,
            reason: None,
            error: None,
        }],
    };
    assert!(c.handle_request(now_ms, from, &m));
    effects(c, true)
}

/// Fires every deadline due at `now_ms`.
fn advance(c: &mut GroupCoordinator, now_ms: i64) -> Out {
    let mut out = Out::default();
    while let Some(key) = c.pop_due(now_ms) {
        c.on_timer(now_ms, key);
        let more = effects(c, true);
        out.sent.extend(more.sent);
        out.removed.extend(more.removed);
    }
    out
}

fn state(c: &GroupCoordinator) -> (GroupState, i32, usize) {
    let g = c.group(G).unwrap();
    (g.state, g.generation_id, g.members.len())
}

/// Members of `clients` join at 0 and the join phase completes: CompletingRebalance,
/// generation 1. Returns the member ids in the order of `clients`.
fn completing(c: &mut GroupCoordinator, clients: &[NodeId]) -> Vec<String> {
    let ids: Vec<String> = clients.iter().map(|&n| new_member(c, 0, n, Join::of("")).0).collect();
    advance(c, 0);
    assert_eq!(state(c), (GroupState::CompletingRebalance, 1, clients.len()));
    ids
}

/// [`completing`], then every member syncs (the leader with an assignment): Stable.
fn stable(c: &mut GroupCoordinator, clients: &[NodeId]) -> Vec<String> {
    let ids = completing(c, clients);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    for (n, id) in clients.iter().zip(&ids) {
        let assignments: Vec<(&str, u8)> = ids.iter().map(|i| (i.as_str(), 7)).collect();
        let assignments = if *id == leader { assignments } else { Vec::new() };
        sync(c, *n, id, 1, (None, None), &assignments, true);
    }
    assert_eq!(state(c).0, GroupState::Stable);
    ids
}

#[test]
fn a_session_timeout_on_the_brokers_bounds_is_accepted_one_past_them_is_not() {
    let mut c = coordinator(config());
    for (session_ms, expected) in [
        (5_999, ErrorCode::InvalidSessionTimeout),
        (6_000, ErrorCode::MemberIdRequired),
        (1_800_000, ErrorCode::MemberIdRequired),
        (1_800_001, ErrorCode::InvalidSessionTimeout),
    ] {
        let out = Join { session_ms, ..Join::of("") }.send(&mut c, 0, C1);
        let (error, _, generation, _) = join_answer(&out, C1).unwrap();
        // An answer with an error has no generation: -1 (`JoinGroupResponseData`'s default).
        assert_eq!((error, generation), (Some(expected), -1), "session.timeout.ms {session_ms}");
    }
}

#[test]
fn group_max_size_turns_away_new_members_and_the_last_to_rejoin() {
    let mut c = coordinator(GroupCoordinatorConfig { group_max_size: 2, ..config() });
    let full = Some(ErrorCode::GroupMaxSizeReached);
    let m1 = stable(&mut c, &[C1]).remove(0);
    // Stable with 1 of 2: a new member is welcome.
    let (m2, _) = new_member(&mut c, 1_000, C2, Join::of(""));
    assert_eq!(state(&c), (GroupState::PreparingRebalance, 1, 2));
    // PreparingRebalance counts those who rejoined (m2): one more may come.
    let (m3, _) = new_member(&mut c, 1_000, C3, Join::of(""));
    assert_eq!(state(&c).2, 3);
    // Two have rejoined: m2, which is waiting already, may rejoin again ...
    let out = Join::of(&m2).send(&mut c, 1_000, C2);
    assert_eq!(join_answer(&out, C2), None, "parked again");
    // ... m1, a member that has not, is turned away.
    let out = Join::of(&m1).send(&mut c, 1_000, C1);
    assert_eq!(join_answer(&out, C1).unwrap().0, full);
    // At the rebalance timeout m2 and m3 make generation 2.
    advance(&mut c, 11_000);
    assert_eq!(state(&c), (GroupState::CompletingRebalance, 2, 2));
    // CompletingRebalance and Stable count the members: no room for a third ...
    let out = Join::of("").send(&mut c, 11_000, C4);
    assert_eq!(join_answer(&out, C4).unwrap().0, full);
    // ... while a member rejoining as it was gets the generation.
    let out = Join::of(&m3).send(&mut c, 11_000, C3);
    assert_eq!(join_answer(&out, C3).unwrap().0, None);
}

/// `classicGroupJoin`: a member refused with GROUP_MAX_SIZE_REACHED is removed at once
/// (`group.remove(memberId)`), so the rebalance completes as soon as the members that stay
/// have rejoined, not at its deadline.
#[test]
fn a_member_refused_for_group_max_size_leaves_the_group_at_once() {
    let mut c = coordinator(GroupCoordinatorConfig { group_max_size: 2, ..config() });
    let m1 = stable(&mut c, &[C1]).remove(0);
    let (m2, _) = new_member(&mut c, 1_000, C2, Join::of(""));
    new_member(&mut c, 1_000, C3, Join::of(""));
    let out = Join::of(&m1).send(&mut c, 1_000, C1);
    assert_eq!(join_answer(&out, C1).unwrap().0, Some(ErrorCode::GroupMaxSizeReached));
    assert_eq!(out.removed, vec![(m1.clone(), RemovalCause::GroupMaxSize)]);
    assert_eq!(state(&c), (GroupState::PreparingRebalance, 1, 2));
    // The next join finds everyone in: generation 2 at 2 s, not at the 11 s deadline.
    let out = Join::of(&m2).send(&mut c, 2_000, C2);
    assert_eq!(state(&c), (GroupState::CompletingRebalance, 2, 2));
    assert_eq!(join_answer(&out, C3).map(|a| a.2), Some(2));
}

#[test]
fn rejoining_unchanged_while_syncs_are_awaited_returns_the_generation_a_change_rebalances() {
    let mut c = coordinator(config());
    let ids = completing(&mut c, &[C1, C2]);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    let (follower, f_node) = if leader == ids[0] { (&ids[1], C2) } else { (&ids[0], C1) };
    let l_node = if f_node == C1 { C2 } else { C1 };
    // As it was: generation 1 again, the member list for the leader only.
    let out = Join::of(follower).send(&mut c, 0, f_node);
    assert_eq!(join_answer(&out, f_node), Some((None, follower.clone(), 1, 0)));
    let out = Join::of(&leader).send(&mut c, 0, l_node);
    assert_eq!(join_answer(&out, l_node), Some((None, leader.clone(), 1, 2)));
    assert_eq!(state(&c), (GroupState::CompletingRebalance, 1, 2));
    // With new metadata: a rebalance.
    let out = Join { metadata: 2, ..Join::of(follower) }.send(&mut c, 0, f_node);
    assert_eq!(join_answer(&out, f_node), None, "parked for the next generation");
    assert_eq!(state(&c).0, GroupState::PreparingRebalance);
}

#[test]
fn in_a_stable_group_a_follower_rejoining_unchanged_gets_the_generation_the_leader_rebalances() {
    let mut c = coordinator(config());
    let ids = stable(&mut c, &[C1, C2]);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    let (follower, f_node) = if leader == ids[0] { (&ids[1], C2) } else { (&ids[0], C1) };
    let l_node = if f_node == C1 { C2 } else { C1 };
    let out = Join::of(follower).send(&mut c, 0, f_node);
    assert_eq!(join_answer(&out, f_node), Some((None, follower.clone(), 1, 0)));
    assert_eq!(state(&c), (GroupState::Stable, 1, 2));
    // A follower with new metadata rebalances the group ...
    let out = Join { metadata: 2, ..Join::of(follower) }.send(&mut c, 0, f_node);
    assert_eq!(join_answer(&out, f_node), None);
    assert_eq!(state(&c).0, GroupState::PreparingRebalance);
    // ... and so does the leader, unchanged (topic metadata the members do not carry).
    let mut c = coordinator(config());
    stable(&mut c, &[C1, C2]);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    let out = Join::of(&leader).send(&mut c, 0, l_node);
    assert_eq!(join_answer(&out, l_node), None);
    assert_eq!(state(&c).0, GroupState::PreparingRebalance);
}

#[test]
fn a_member_id_never_used_to_join_expires_after_the_session_timeout() {
    let mut c = coordinator(config());
    let out = Join { session_ms: 6_000, ..Join::of("") }.send(&mut c, 1_000, C1);
    let (_, id, _, _) = join_answer(&out, C1).unwrap();
    assert!(advance(&mut c, 6_999).removed.is_empty(), "not before 1,000 + 6,000 ms");
    let out = advance(&mut c, 7_000);
    assert_eq!(out.removed, vec![(id.clone(), RemovalCause::PendingJoinTimeout)]);
    // Only a PreparingRebalance group completes its join phase then: this one stays Empty.
    assert_eq!(state(&c), (GroupState::Empty, 0, 0));
    let out = Join::of(&id).send(&mut c, 7_000, C1);
    assert_eq!(join_answer(&out, C1).unwrap().0, Some(ErrorCode::UnknownMemberId));
}

#[test]
fn a_new_members_join_is_given_up_after_five_minutes_even_while_the_group_waits() {
    // An initial delay longer than the new-member timeout keeps the JoinGroup parked.
    let config = GroupCoordinatorConfig { group_initial_rebalance_delay_ms: 400_000, ..config() };
    let mut c = coordinator(config);
    let (id, out) = new_member(&mut c, 1_000, C1, Join { rebalance_ms: 600_000, ..Join::of("") });
    assert_eq!(join_answer(&out, C1), None, "parked");
    assert!(advance(&mut c, 300_999).removed.is_empty(), "not before 1,000 + 300,000 ms");
    let out = advance(&mut c, 301_000);
    assert_eq!(out.removed, vec![(id, RemovalCause::SessionTimeout)]);
    let unknown = (Some(ErrorCode::UnknownMemberId), String::new(), -1, 0);
    assert_eq!(join_answer(&out, C1), Some(unknown), "no member id, no generation");
    // Nobody left to wait for: the join phase completes, empty.
    assert_eq!(state(&c), (GroupState::Empty, 1, 0));
}

#[test]
fn a_rebalance_waiting_only_for_a_silent_member_completes_when_its_session_ends() {
    let mut c = coordinator(config());
    let ids = stable(&mut c, &[C1, C2]);
    // C1's member rejoins (a rebalance); C2's neither rejoins nor heartbeats.
    let rejoin = Join { metadata: 2, rebalance_ms: 60_000, ..Join::of(&ids[0]) };
    assert_eq!(join_answer(&rejoin.send(&mut c, 1_000, C1), C1), None);
    let out = advance(&mut c, 45_000);
    assert_eq!(out.removed, vec![(ids[1].clone(), RemovalCause::SessionTimeout)]);
    assert_eq!(join_answer(&out, C1), Some((None, ids[0].clone(), 2, 1)), "before the rebalance timeout");
}

#[test]
fn a_rebalance_waiting_only_for_a_pending_member_completes_when_its_id_expires() {
    let mut c = coordinator(config());
    let m1 = stable(&mut c, &[C1]).remove(0);
    let out = Join { session_ms: 6_000, ..Join::of("") }.send(&mut c, 1_000, C2);
    let (_, pending, _, _) = join_answer(&out, C2).unwrap();
    let out = Join { metadata: 2, ..Join::of(&m1) }.send(&mut c, 1_000, C1);
    assert_eq!(join_answer(&out, C1), None, "waits for the pending member");
    let out = advance(&mut c, 7_000);
    assert_eq!(out.removed, vec![(pending, RemovalCause::PendingJoinTimeout)]);
    assert_eq!(join_answer(&out, C1), Some((None, m1, 2, 1)));
}

/// `classicGroupLeaveToClassicGroup`: a pending member's leave is one of the
/// `validLeaveGroupMembers`, so a rebalance that waited only for it completes at once
/// (`maybeCompleteJoinPhase`), not at the pending id's session deadline.
#[test]
fn a_rebalance_waiting_only_for_a_pending_member_completes_when_it_leaves() {
    let mut c = coordinator(config());
    let m1 = stable(&mut c, &[C1]).remove(0);
    let out = Join::of("").send(&mut c, 1_000, C2);
    let (_, pending, _, _) = join_answer(&out, C2).unwrap();
    let out = Join { metadata: 2, ..Join::of(&m1) }.send(&mut c, 1_000, C1);
    assert_eq!(join_answer(&out, C1), None, "waits for the pending member");
    let out = leave(&mut c, 2_000, C2, &pending);
    match out.sent.iter().find(|(to, _)| *to == C2) {
        Some((_, Message::LeaveGroupResponse { error: None, members, .. })) => {
            assert_eq!(members[0].error, None, "a pending member leaves without error")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(join_answer(&out, C1), Some((None, m1, 2, 1)), "the join phase completes at the leave");
}

#[test]
fn a_member_leaving_during_a_rebalance_completes_it_if_the_others_are_in() {
    let mut c = coordinator(config());
    let ids = stable(&mut c, &[C1, C2]);
    let out = Join { metadata: 2, ..Join::of(&ids[0]) }.send(&mut c, 1_000, C1);
    assert_eq!(join_answer(&out, C1), None);
    let out = leave(&mut c, 1_000, C2, &ids[1]);
    assert_eq!(out.removed, vec![(ids[1].clone(), RemovalCause::LeaveGroup)]);
    assert_eq!(join_answer(&out, C1), Some((None, ids[0].clone(), 2, 1)));
}

#[test]
fn a_leave_naming_only_unknown_members_changes_nothing() {
    let mut c = coordinator(config());
    stable(&mut c, &[C1, C2]);
    let out = leave(&mut c, 1_000, C1, "ghost");
    match out.sent.last() {
        Some((_, Message::LeaveGroupResponse { error: None, members, .. })) => {
            assert_eq!(members[0].error, Some(ErrorCode::UnknownMemberId))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(state(&c), (GroupState::Stable, 1, 2), "no rebalance");
}

#[test]
fn a_sync_group_naming_another_protocol_type_or_name_is_inconsistent() {
    let mut c = coordinator(config());
    let ids = completing(&mut c, &[C1, C2]);
    let inconsistent = Some(ErrorCode::InconsistentGroupProtocol);
    for protocol in [(Some("connect"), Some("range")), (Some("consumer"), Some("roundrobin"))] {
        let out = sync(&mut c, C1, &ids[0], 1, protocol, &[], true);
        assert_eq!(sync_answer(&out, C1).unwrap().0, inconsistent, "{protocol:?}");
    }
    // Naming none, or the group's own, is consistent.
    for (n, id, protocol) in [(C1, &ids[0], (None, None)), (C2, &ids[1], (Some("consumer"), Some("range")))] {
        let out = sync(&mut c, n, id, 1, protocol, &[], true);
        assert_eq!(sync_answer(&out, n).and_then(|(e, _)| e), None, "{protocol:?}");
    }
}

#[test]
fn the_leaders_assignment_stored_after_the_group_moved_on_is_not_applied() {
    let mut c = coordinator(config());
    let ids = completing(&mut c, &[C1, C2]);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    let (l_node, follower, f_node) = if leader == ids[0] { (C1, &ids[1], C2) } else { (C2, &ids[0], C1) };
    let out = sync(&mut c, l_node, &leader, 1, (None, None), &[(&leader, 5), (follower, 6)], false);
    let [write] = *out.held.as_slice() else { panic!("one write: {:?}", out.held) };
    // Before it is durable, the follower changes its metadata: a new rebalance.
    let out = Join { metadata: 2, ..Join::of(follower) }.send(&mut c, 0, f_node);
    assert_eq!(sync_answer(&out, l_node).unwrap().0, Some(ErrorCode::RebalanceInProgress));
    c.append_started(0, write, Ok((1, 0)));
    c.append_completed(0, write, None);
    effects(&mut c, true);
    assert_eq!(state(&c).0, GroupState::PreparingRebalance);
    assert!(c.group(G).unwrap().members.values().all(|m| m.assignment.is_empty()));
}

#[test]
fn members_that_never_send_sync_group_are_removed_at_the_rebalance_timeout() {
    let mut c = coordinator(config());
    let ids = completing(&mut c, &[C1, C2]);
    let leader = c.group(G).unwrap().leader_id.clone().unwrap();
    let (l_node, follower) = if leader == ids[0] { (C1, &ids[1]) } else { (C2, &ids[0]) };
    sync(&mut c, l_node, &leader, 1, (None, None), &[(&leader, 5), (follower, 6)], true);
    assert_eq!(state(&c).0, GroupState::Stable);
    assert!(advance(&mut c, 9_999).removed.is_empty());
    let out = advance(&mut c, 10_000);
    assert_eq!(out.removed, vec![(follower.clone(), RemovalCause::SyncTimeout)]);
    assert_eq!(state(&c).0, GroupState::PreparingRebalance);
}

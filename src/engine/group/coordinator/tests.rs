//! The coordinator at the message level: Kafka's error codes for each way a request can
//! be wrong, the KIP-394 join handshake, rebalances, static-member fencing, and a
//! load of written records back into the same groups and offsets.

use super::group::GroupState;
use super::*;
use crate::engine::cluster::messages::{
    JoinGroupProtocol, Message, OffsetCommitPartition, SyncGroupAssignment,
};

const C1: NodeId = 10_001;
const C2: NodeId = 10_002;

fn coordinator_for(group: &str) -> GroupCoordinator {
    let mut c = GroupCoordinator::new(1, GroupCoordinatorConfig::default(), 7);
    let p = placement::partition_for(group, 50);
    c.on_elected(0, p, 0);
    while let Some(key) = c.pop_due(0) {
        if let TimerKey::Load { partition } = key {
            c.load(0, partition, &[]);
        }
    }
    drain(&mut c);
    c
}

/// Effects, with appends reported durable at once.
fn drain(c: &mut GroupCoordinator) -> Vec<(NodeId, Message)> {
    let mut out = Vec::new();
    while let Some(e) = c.take_effect() {
        match e {
            Effect::Send { to, message } => out.push((to, message)),
            Effect::Event(_) => {}
            Effect::Append { id, .. } | Effect::AppendTransactional { id, .. } => {
                c.append_started(0, id, Ok((1, 0)));
                c.append_completed(0, id, None);
            }
        }
    }
    out
}

fn join(
    c: &mut GroupCoordinator,
    from: NodeId,
    member_id: &str,
    instance: Option<&str>,
    session_ms: i32,
) -> Vec<(NodeId, Message)> {
    let m = Message::JoinGroupRequest {
        correlation_id: 1,
        client_id: format!("client-{from}"),
        group_id: "g".into(),
        session_timeout_ms: session_ms,
        rebalance_timeout_ms: 10_000,
        member_id: member_id.into(),
        group_instance_id: instance.map(str::to_string),
        protocol_type: "consumer".into(),
        protocols: vec![JoinGroupProtocol { name: "range".into(), metadata: vec![1] }],
        reason: None,
        client_host: None,
    };
    assert!(c.handle_request(0, from, &m));
    drain(c)
}

fn join_error(out: &[(NodeId, Message)]) -> (Option<ErrorCode>, String) {
    match out.last() {
        Some((_, Message::JoinGroupResponse { error, member_id, .. })) => (*error, member_id.clone()),
        other => panic!("expected a JoinGroup answer, got {other:?}"),
    }
}

#[test]
fn requests_get_kafkas_errors() {
    let mut c = coordinator_for("g");
    assert_eq!(join_error(&join(&mut c, C1, "", None, 1_000)).0, Some(ErrorCode::InvalidSessionTimeout));
    assert_eq!(join_error(&join(&mut c, C1, "nobody", None, 45_000)).0, Some(ErrorCode::UnknownMemberId));
    let mut other = GroupCoordinator::new(2, GroupCoordinatorConfig::default(), 1);
    assert_eq!(join_error(&join(&mut other, C1, "", None, 45_000)).0, Some(ErrorCode::NotCoordinator));
    other.on_elected(0, placement::partition_for("g", 50), 3);
    assert_eq!(
        join_error(&join(&mut other, C1, "", None, 45_000)).0,
        Some(ErrorCode::CoordinatorLoadInProgress)
    );
    assert_eq!(c.route(""), Err(ErrorCode::InvalidGroupId));
}

/// Two members join (KIP-394), the initial delay passes, the leader syncs.
fn stable_group() -> (GroupCoordinator, String, String) {
    let mut c = coordinator_for("g");
    let (e, m1) = join_error(&join(&mut c, C1, "", None, 45_000));
    assert_eq!(e, Some(ErrorCode::MemberIdRequired));
    assert!(m1.starts_with("client-10001-"), "clientId-UUID: {m1}");
    assert!(join(&mut c, C1, &m1, None, 45_000).is_empty(), "parked in PreparingRebalance");
    let (_, m2) = join_error(&join(&mut c, C2, "", None, 45_000));
    assert!(join(&mut c, C2, &m2, None, 45_000).is_empty());
    assert_eq!(c.group("g").unwrap().state, GroupState::PreparingRebalance);
    c.on_timer(3_000, TimerKey::Join { group: "g".into() });
    c.on_timer(3_000, TimerKey::Join { group: "g".into() }); // the delay was extended once
    let answers = drain(&mut c);
    assert_eq!(answers.len(), 2, "both members answered: {answers:?}");
    let g = c.group("g").unwrap();
    assert_eq!(
        (g.state, g.generation_id, g.protocol_name.as_deref()),
        (GroupState::CompletingRebalance, 1, Some("range"))
    );
    let sync = |member: &str, assignments: Vec<SyncGroupAssignment>| Message::SyncGroupRequest {
        correlation_id: 2,
        group_id: "g".into(),
        generation_id: 1,
        member_id: member.into(),
        group_instance_id: None,
        protocol_type: Some("consumer".into()),
        protocol_name: Some("range".into()),
        assignments,
    };
    let leader = c.group("g").unwrap().leader_id.clone().unwrap();
    let follower = if leader == m1 { m2.clone() } else { m1.clone() };
    c.handle_request(3_000, C2, &sync(&follower, vec![]));
    let assignments = vec![SyncGroupAssignment { member_id: m1.clone(), assignment: vec![9] }];
    c.handle_request(3_000, C1, &sync(&leader, assignments));
    let answers = drain(&mut c);
    assert_eq!(answers.len(), 2, "both SyncGroups answered once the assignment is stored");
    assert_eq!(c.group("g").unwrap().state, GroupState::Stable);
    (c, m1, m2)
}

fn heartbeat(c: &mut GroupCoordinator, from: NodeId, member: &str, generation: i32) -> Option<ErrorCode> {
    let m = Message::HeartbeatRequest {
        correlation_id: 3,
        group_id: "g".into(),
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
    };
    c.handle_request(4_000, from, &m);
    match drain(c).pop() {
        Some((_, Message::HeartbeatResponse { error, .. })) => error,
        other => panic!("{other:?}"),
    }
}

#[test]
fn heartbeats_commits_and_session_expiry() {
    let (mut c, m1, m2) = stable_group();
    assert_eq!(heartbeat(&mut c, C1, &m1, 1), None);
    assert_eq!(heartbeat(&mut c, C1, &m1, 0), Some(ErrorCode::IllegalGeneration));
    assert_eq!(heartbeat(&mut c, C1, "ghost", 1), Some(ErrorCode::UnknownMemberId));
    let commit = |member: &str, generation: i32| Message::OffsetCommitRequest {
        correlation_id: 4,
        group_id: "g".into(),
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        offsets: vec![OffsetCommitPartition {
            tp: TopicPartition { topic: "t".into(), partition: 0 },
            committed_offset: 42,
            committed_leader_epoch: -1,
            committed_metadata: String::new(),
        }],
    };
    c.handle_request(4_000, C1, &commit(&m1, 1));
    assert!(
        matches!(drain(&mut c).pop(), Some((_, Message::OffsetCommitResponse { partitions, .. })) if partitions[0].error.is_none())
    );
    assert_eq!(c.committed("g").unwrap()[&TopicPartition { topic: "t".into(), partition: 0 }].offset, 42);
    c.handle_request(4_000, C1, &commit(&m1, 7));
    assert!(
        matches!(drain(&mut c).pop(), Some((_, Message::OffsetCommitResponse { partitions, .. })) if partitions[0].error == Some(ErrorCode::IllegalGeneration))
    );
    // m2 stops heartbeating: its session ends, the group rebalances, m1 hears of it.
    c.on_timer(60_000, TimerKey::Heartbeat { group: "g".into(), member: m2.clone() });
    drain(&mut c);
    let g = c.group("g").unwrap();
    assert_eq!(g.state, GroupState::PreparingRebalance);
    assert!(!g.members.contains_key(&m2));
    assert_eq!(heartbeat(&mut c, C1, &m1, 1), Some(ErrorCode::RebalanceInProgress));
}

#[test]
fn a_static_member_rejoining_fences_its_old_id_without_rebalancing() {
    let mut c = coordinator_for("g");
    assert!(
        join(&mut c, C1, "", Some("host-1"), 45_000).is_empty(),
        "no MEMBER_ID_REQUIRED round for static members"
    );
    c.on_timer(3_000, TimerKey::Join { group: "g".into() });
    assert_eq!(join_error(&drain(&mut c)).0, None, "answered when the join phase completes");
    let old = c.group("g").unwrap().static_members["host-1"].clone();
    let sync = Message::SyncGroupRequest {
        correlation_id: 2,
        group_id: "g".into(),
        generation_id: 1,
        member_id: old.clone(),
        group_instance_id: Some("host-1".into()),
        protocol_type: None,
        protocol_name: None,
        assignments: vec![SyncGroupAssignment { member_id: old.clone(), assignment: vec![5] }],
    };
    c.handle_request(3_000, C1, &sync);
    drain(&mut c);
    assert_eq!(c.group("g").unwrap().state, GroupState::Stable);
    let (e, new) = join_error(&join(&mut c, C2, "", Some("host-1"), 45_000));
    assert_eq!(e, None);
    assert_ne!(new, old);
    let g = c.group("g").unwrap();
    assert_eq!((g.state, g.generation_id), (GroupState::Stable, 1), "no rebalance");
    assert_eq!(g.members[&new].assignment, vec![5], "the old assignment");
    let m = Message::HeartbeatRequest {
        correlation_id: 3,
        group_id: "g".into(),
        generation_id: 1,
        member_id: old,
        group_instance_id: Some("host-1".into()),
    };
    c.handle_request(4_000, C1, &m);
    assert!(matches!(
        drain(&mut c).pop(),
        Some((_, Message::HeartbeatResponse { error: Some(ErrorCode::FencedInstanceId), .. }))
    ));
}

#[test]
fn loading_the_written_records_restores_groups_and_offsets() {
    let (mut c, m1, _) = stable_group();
    let commit = Message::OffsetCommitRequest {
        correlation_id: 4,
        group_id: "g".into(),
        generation_id: 1,
        member_id: m1,
        group_instance_id: None,
        offsets: vec![OffsetCommitPartition {
            tp: TopicPartition { topic: "t".into(), partition: 1 },
            committed_offset: 7,
            committed_leader_epoch: 2,
            committed_metadata: "m".into(),
        }],
    };
    c.handle_request(5_000, C1, &commit);
    // Capture what is written this time, as a log.
    let mut builder =
        crate::engine::record::BatchBuilder::new(crate::engine::record::BatchOptions::default());
    while let Some(e) = c.take_effect() {
        if let Effect::Append { id, records, .. } = e {
            for (k, v) in &records {
                builder.append(5_000, Some(k), v.as_deref(), &[]);
            }
            c.append_started(5_000, id, Ok((1, 0)));
            c.append_completed(5_000, id, None);
        }
    }
    let group = c.group("g").unwrap().clone();
    let (key, value) = rebalance::group_metadata_record(
        &group,
        &group.members.iter().map(|(id, m)| (id.clone(), m.assignment.clone())).collect(),
        0,
    );
    builder.append(5_000, Some(&key), value.as_deref(), &[]);
    let log = builder.build().unwrap();
    let mut fresh = GroupCoordinator::new(2, GroupCoordinatorConfig::default(), 1);
    let p = placement::partition_for("g", 50);
    fresh.on_elected(9_000, p, 1);
    fresh.load(9_000, p, &log);
    let g = fresh.group("g").unwrap();
    assert_eq!((g.state, g.generation_id, g.members.len()), (GroupState::Stable, 1, 2));
    let o = &fresh.committed("g").unwrap()[&TopicPartition { topic: "t".into(), partition: 1 }];
    assert_eq!((o.offset, o.leader_epoch, o.metadata.as_str()), (7, 2, "m"));
    fresh.on_resigned(10_000, p);
    assert!(fresh.group("g").is_none());
    assert_eq!(fresh.route("g"), Err(ErrorCode::NotCoordinator));
}

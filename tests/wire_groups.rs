//! The classic group APIs through `serve`'s wire layer and the serve world's simulation,
//! without sockets ([`wire_serve::Serve`]), checked against Kafka's rules
//! (`KafkaApis.handleFindCoordinatorRequest`, `handleJoinGroupRequest` and the rest,
//! `GroupCoordinator`'s classic protocol, KIP-394's MEMBER_ID_REQUIRED from JoinGroup v4).
#![cfg(not(target_arch = "wasm32"))]

use bytes::Bytes;
#[path = "common/serve_sim.rs"]
mod serve_sim;
#[path = "common/wire_serve.rs"]
mod wire_serve;

use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::Decodable;
use wire_serve::{create_topic, s, Serve};

const MEMBER_ID_REQUIRED: i16 = 79;
const ILLEGAL_GENERATION: i16 = 22;
const UNKNOWN_MEMBER_ID: i16 = 25;
const INVALID_REQUEST: i16 = 42;

#[test]
fn find_coordinator_answers_each_version_as_kafka_does() {
    let mut serve = Serve::new();
    // The first lookup creates __consumer_offsets: COORDINATOR_NOT_AVAILABLE (15) and
    // Node.noNode() until it has a leader (KafkaApis.getCoordinator).
    let first = serve.find_coordinator(1, 0, &["g"]);
    assert_eq!((first.error_code, first.node_id.0, first.host.as_str(), first.port), (15, -1, "", -1));
    assert_eq!(first.error_message.as_deref(), Some("The coordinator is not available."));
    serve.coordinator_ready("g");
    for version in 0..=3 {
        let r = serve.find_coordinator(version, 0, &["g"]);
        assert_eq!(
            (r.error_code, r.node_id.0, r.host.as_str(), r.port),
            (0, 1, "127.0.0.1", 9092),
            "v{version}"
        );
        if version >= 1 {
            // prepareOldResponse: Errors.NONE.message() is its name (v0 has no message).
            assert_eq!(r.error_message.as_deref(), Some("NONE"), "v{version}");
        }
    }
    // v4 batches keys, one Coordinator each, in request order.
    let r = serve.find_coordinator(4, 0, &["g", "other"]);
    let keys: Vec<(&str, i16, i32)> =
        r.coordinators.iter().map(|c| (c.key.as_str(), c.error_code, c.node_id.0)).collect();
    assert_eq!(keys, vec![("g", 0, 1), ("other", 0, 1)]);
    // A transactional id (key type 1): the first lookup creates __transaction_state
    // (COORDINATOR_NOT_AVAILABLE meanwhile), then the leader of its partition answers.
    let first = serve.find_coordinator(3, 1, &["txn"]);
    assert_eq!((first.error_code, first.node_id.0), (15, -1));
    let mut found = None;
    for _ in 0..50 {
        let r = serve.find_coordinator(4, 1, &["txn"]);
        if r.coordinators[0].error_code == 0 {
            found = Some(r.coordinators[0].node_id.0);
            break;
        }
    }
    assert_eq!(found, Some(1), "the transaction coordinator is broker 1");
    // Key type 2 (share) needs v6, not served: CoordinatorType.forId's InvalidRequestException.
    let r = serve.find_coordinator(3, 2, &["x"]);
    assert_eq!((r.error_code, r.node_id.0, r.host.as_str(), r.port), (INVALID_REQUEST, -1, "", -1));
    assert!(r.error_message.as_deref().is_some_and(|m| m.starts_with("This most likely occurs")));
}

#[test]
fn join_sync_heartbeat_commit_fetch_leave_follow_the_classic_protocol() {
    let mut serve = Serve::new();
    create_topic(&mut serve, "t", 2);
    serve.coordinator_ready("g");
    // v5: a new dynamic member gets MEMBER_ID_REQUIRED with its id (KIP-394), whose
    // prefix is its client.id (`ClassicGroup.generateMemberId`).
    let first = serve.join(5, "g", "");
    assert_eq!(first.error_code, MEMBER_ID_REQUIRED);
    assert!(first.member_id.starts_with("wire-groups-"), "{:?}", first.member_id);
    assert_eq!(first.generation_id, -1);
    let joined = serve.join(5, "g", first.member_id.as_str());
    assert_eq!(joined.error_code, 0);
    assert_eq!(joined.generation_id, 1);
    assert_eq!(joined.leader, joined.member_id, "the only member leads");
    assert_eq!(joined.protocol_name.as_deref(), Some("range"));
    assert_eq!(joined.members.len(), 1, "the leader gets every member's metadata");
    let member = joined.member_id.to_string();

    let assignment = Bytes::from_static(
        b"\x00\x01\x00\x00\x00\x01\x00\x01t\x00\x00\x00\x01\x00\x00\x00\x00\xff\xff\xff\xff",
    );
    let sync = SyncGroupRequest::default()
        .with_group_id(GroupId(s("g")))
        .with_generation_id(1)
        .with_member_id(s(&member))
        .with_assignments(vec![SyncGroupRequestAssignment::default()
            .with_member_id(s(&member))
            .with_assignment(assignment.clone())]);
    let mut b = serve.call(ApiKey::SyncGroup, 3, &sync);
    let synced = SyncGroupResponse::decode(&mut b, 3).unwrap();
    assert_eq!(
        (synced.error_code, synced.assignment.clone()),
        (0, assignment),
        "the leader's assignment, as sent"
    );

    let beat = |generation| {
        HeartbeatRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_generation_id(generation)
            .with_member_id(s(&member))
    };
    let mut b = serve.call(ApiKey::Heartbeat, 3, &beat(1));
    assert_eq!(HeartbeatResponse::decode(&mut b, 3).unwrap().error_code, 0);
    let mut b = serve.call(ApiKey::Heartbeat, 0, &beat(7));
    assert_eq!(HeartbeatResponse::decode(&mut b, 0).unwrap().error_code, ILLEGAL_GENERATION);

    let commit = |retention_time_ms| {
        OffsetCommitRequest::default()
            .with_group_id(GroupId(s("g")))
            .with_generation_id_or_member_epoch(1)
            .with_member_id(s(&member))
            .with_retention_time_ms(retention_time_ms)
            .with_topics(vec![OffsetCommitRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![OffsetCommitRequestPartition::default()
                    .with_partition_index(0)
                    .with_committed_offset(42)])])
    };
    let mut b = serve.call(ApiKey::OffsetCommit, 7, &commit(-1));
    let r = OffsetCommitResponse::decode(&mut b, 7).unwrap();
    assert_eq!(r.topics[0].partitions[0].error_code, 0);
    // KafkaApis' metadata-cache check: an unknown partition or topic is never committed.
    let mut unknown = commit(-1);
    unknown.topics[0].partitions[0].partition_index = 7;
    unknown.topics.push(
        OffsetCommitRequestTopic::default().with_name(TopicName(s("nowhere"))).with_partitions(vec![
            OffsetCommitRequestPartition::default().with_partition_index(0).with_committed_offset(1),
        ]),
    );
    let mut b = serve.call(ApiKey::OffsetCommit, 7, &unknown);
    let r = OffsetCommitResponse::decode(&mut b, 7).unwrap();
    let errors: Vec<(&str, i32, i16)> = r
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| (t.name.0.as_str(), p.partition_index, p.error_code)))
        .collect();
    assert_eq!(errors, vec![("t", 7, 3), ("nowhere", 0, 3)]);
    // A v2 retention time the engine cannot keep is refused, not ignored.
    let mut b = serve.call(ApiKey::OffsetCommit, 2, &commit(60_000));
    let r = OffsetCommitResponse::decode(&mut b, 2).unwrap();
    assert_eq!(r.topics[0].partitions[0].error_code, INVALID_REQUEST);

    for version in [1, 2, 7] {
        let fetch = OffsetFetchRequest::default().with_group_id(GroupId(s("g"))).with_topics(Some(vec![
            OffsetFetchRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partition_indexes(vec![0, 1]),
        ]));
        let mut b = serve.call(ApiKey::OffsetFetch, version, &fetch);
        let r = OffsetFetchResponse::decode(&mut b, version).unwrap();
        let got: Vec<(i32, i64, i16)> = r.topics[0]
            .partitions
            .iter()
            .map(|p| (p.partition_index, p.committed_offset, p.error_code))
            .collect();
        assert_eq!(got, vec![(0, 42, 0), (1, -1, 0)], "v{version}: nothing committed is -1");
    }
    // v2+: a null topic list asks for everything the group committed.
    let mut b = serve.call(
        ApiKey::OffsetFetch,
        3,
        &OffsetFetchRequest::default().with_group_id(GroupId(s("g"))).with_topics(None),
    );
    let r = OffsetFetchResponse::decode(&mut b, 3).unwrap();
    assert_eq!(r.topics.len(), 1);
    assert_eq!(r.topics[0].partitions[0].committed_offset, 42);

    // LeaveGroup v3 names members; an unknown one gets UNKNOWN_MEMBER_ID, the top level 0.
    let leave = LeaveGroupRequest::default().with_group_id(GroupId(s("g"))).with_members(vec![
        MemberIdentity::default().with_member_id(s(&member)),
        MemberIdentity::default().with_member_id(s("nobody")),
    ]);
    let mut b = serve.call(ApiKey::LeaveGroup, 3, &leave);
    let r = LeaveGroupResponse::decode(&mut b, 3).unwrap();
    let errors: Vec<(&str, i16)> = r.members.iter().map(|m| (m.member_id.as_str(), m.error_code)).collect();
    assert_eq!((r.error_code, errors), (0, vec![(member.as_str(), 0), ("nobody", UNKNOWN_MEMBER_ID)]));
    // The member is gone: its heartbeat is UNKNOWN_MEMBER_ID.
    let mut b = serve.call(ApiKey::Heartbeat, 3, &beat(1));
    assert_eq!(HeartbeatResponse::decode(&mut b, 3).unwrap().error_code, UNKNOWN_MEMBER_ID);
}

#[test]
fn join_below_v4_adds_a_new_member_at_once() {
    // requireKnownMemberId is `version >= 4`: v0–3 clients never see MEMBER_ID_REQUIRED.
    for version in [0, 3] {
        let mut serve = Serve::new();
        serve.coordinator_ready("old");
        let r = serve.join(version, "old", "");
        assert_eq!(r.error_code, 0, "v{version}");
        assert_eq!(r.generation_id, 1, "v{version}");
        assert!(r.member_id.starts_with("wire-groups-"), "v{version}");
        assert_eq!(r.leader, r.member_id, "v{version}");
        // LeaveGroup v0 names the member at the top level.
        let leave =
            LeaveGroupRequest::default().with_group_id(GroupId(s("old"))).with_member_id(r.member_id.clone());
        let mut b = serve.call(ApiKey::LeaveGroup, 0, &leave);
        assert_eq!(LeaveGroupResponse::decode(&mut b, 0).unwrap().error_code, 0, "v{version}");
        let leave = LeaveGroupRequest::default().with_group_id(GroupId(s("old"))).with_member_id(s("nobody"));
        let mut b = serve.call(ApiKey::LeaveGroup, 1, &leave);
        assert_eq!(
            LeaveGroupResponse::decode(&mut b, 1).unwrap().error_code,
            UNKNOWN_MEMBER_ID,
            "v{version}"
        );
    }
}

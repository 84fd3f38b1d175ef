//! The classic group APIs through `serve`'s wire layer and the serve world's simulation,
//! without sockets: requests encoded with the `kafka-protocol` crate go through
//! [`Connection`] into the cluster, and the answers are checked against Kafka's rules
//! (`KafkaApis.handleFindCoordinatorRequest`, `handleJoinGroupRequest` and the rest,
//! `GroupCoordinator`'s classic protocol, KIP-394's MEMBER_ID_REQUIRED from JoinGroup v4),
//! InitProducerId (`TransactionCoordinator.handleInitProducerId`), DeleteTopics
//! (`ControllerApis.deleteTopics`) and OffsetForLeaderEpoch (`Partition
//! .lastOffsetForLeaderEpoch`, `LeaderEpochFileCache.endOffsetFor`).
#![cfg(not(target_arch = "wasm32"))]

use bytes::{Bytes, BytesMut};
#[path = "common/serve_sim.rs"]
mod serve_sim;

use kafka_playground::engine::cluster::{Envelope, CONTROLLER_ID};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::serve_world::{build_serve_sim, Outbox, FIRST_CONNECTION_ID};
use kafka_playground::sim::{Action, Sim};
use kafka_playground::wire::{Connection, ServeContext};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

const MEMBER_ID_REQUIRED: i16 = 79;
const ILLEGAL_GENERATION: i16 = 22;
const UNKNOWN_MEMBER_ID: i16 = 25;
const INVALID_REQUEST: i16 = 42;

struct Serve {
    sim: Sim,
    outbox: Outbox,
    context: ServeContext,
    conn: u32,
    c: Connection,
    now: i64,
    correlation_id: i32,
}

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

impl Serve {
    fn new() -> Serve {
        Serve::with_delete_topic_enable(true)
    }

    fn with_delete_topic_enable(delete_topic_enable: bool) -> Serve {
        let scenario: Scenario = serde_json::from_value(serde_json::json!({
            "version": 1, "name": "serve",
            "cluster": { "brokers": 1, "network": { "latency_ms": 0, "jitter_ms": 0 },
                         "configs": { "num.partitions": "3", "offsets.topic.replication.factor": "1",
                                      "group.initial.rebalance.delay.ms": "0",
                                      "transaction.state.log.replication.factor": "1",
                                      "transaction.state.log.min.isr": "1",
                                      "delete.topic.enable": delete_topic_enable.to_string() } },
            "until_ms": 3_600_000
        }))
        .unwrap();
        let outbox = Outbox::default();
        let mut sim = build_serve_sim(&scenario, 0, outbox.clone()).unwrap();
        let now = serve_sim::run_until_broker_1_serves(&mut sim);
        let conn = FIRST_CONNECTION_ID;
        sim.schedule(now, Action::Start(conn));
        let context = ServeContext {
            cluster_id: "a2Fma2EtcGxheWdyb3VuZA".into(),
            controller_id: CONTROLLER_ID,
            endpoints: [(1, ("127.0.0.1".to_string(), 9092))].into_iter().collect(),
            auto_create_topics_enable: true,
        };
        Serve { sim, outbox, context, conn, c: Connection::new(1), now, correlation_id: 0 }
    }

    /// Sends one request and runs the cluster until its answer is out (at most 10 s of
    /// virtual time); returns the response body after its header.
    fn call<T: Encodable>(&mut self, key: ApiKey, version: i16, body: &T) -> Bytes {
        self.correlation_id += 1;
        let mut buf = BytesMut::new();
        RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .with_client_id(Some(s("wire-groups")))
            .encode(&mut buf, key.request_header_version(version))
            .unwrap();
        body.encode(&mut buf, version).unwrap();
        let mut frame = (buf.len() as i32).to_be_bytes().to_vec();
        frame.extend_from_slice(&buf);
        for out in self.c.receive(&frame, &self.context) {
            self.sim.deliver_external(Envelope { from: self.conn, to: out.to, message: out.message });
        }
        assert!(self.c.close_reason().is_none(), "{:?}", self.c.close_reason());
        for _ in 0..1000 {
            self.now += 10;
            self.sim.run_until(self.now, 1_000_000);
            loop {
                let answers: Vec<Envelope> = self.outbox.borrow_mut().drain(..).collect();
                if answers.is_empty() {
                    break;
                }
                for env in answers {
                    for out in self.c.on_engine(&env.message, &self.context) {
                        self.sim.deliver_external(Envelope {
                            from: env.to,
                            to: out.to,
                            message: out.message,
                        });
                    }
                }
                self.sim.run_until(self.now, 1_000_000);
            }
            let out = self.c.take_output();
            if !out.is_empty() {
                let mut bytes = Bytes::from(out[4..].to_vec());
                let header =
                    ResponseHeader::decode(&mut bytes, key.response_header_version(version)).unwrap();
                assert_eq!(header.correlation_id, self.correlation_id);
                return bytes;
            }
        }
        panic!("{key:?} v{version} was never answered");
    }

    fn find_coordinator(&mut self, version: i16, key_type: i8, keys: &[&str]) -> FindCoordinatorResponse {
        let mut r = FindCoordinatorRequest::default().with_key_type(key_type);
        if version >= 4 {
            r = r.with_coordinator_keys(keys.iter().map(|k| s(k)).collect());
        } else {
            r = r.with_key(s(keys[0]));
        }
        let mut b = self.call(ApiKey::FindCoordinator, version, &r);
        FindCoordinatorResponse::decode(&mut b, version).unwrap()
    }

    /// FindCoordinator until `__consumer_offsets` exists and has a leader.
    fn coordinator_ready(&mut self, group: &str) {
        for _ in 0..50 {
            if self.find_coordinator(3, 0, &[group]).error_code == 0 {
                return;
            }
        }
        panic!("no coordinator for {group}");
    }

    fn join(&mut self, version: i16, group: &str, member_id: &str) -> JoinGroupResponse {
        let r = JoinGroupRequest::default()
            .with_group_id(GroupId(s(group)))
            .with_session_timeout_ms(10_000)
            .with_rebalance_timeout_ms(if version >= 1 { 30_000 } else { -1 })
            .with_member_id(s(member_id))
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![JoinGroupRequestProtocol::default()
                .with_name(s("range"))
                .with_metadata(Bytes::from_static(b"\x00\x00\x00\x00\x00\x01\x00\x01t\xff\xff\xff\xff"))]);
        let mut b = self.call(ApiKey::JoinGroup, version, &r);
        JoinGroupResponse::decode(&mut b, version).unwrap()
    }
}

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

#[test]
fn init_producer_id_hands_out_ids_and_refuses_what_kafka_refuses() {
    let mut serve = Serve::new();
    let mut init = |version: i16, transactional_id: Option<&str>, producer_id: i64, producer_epoch: i16| {
        let r = InitProducerIdRequest::default()
            .with_transactional_id(transactional_id.map(|t| TransactionalId(s(t))))
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch);
        let mut b = serve.call(ApiKey::InitProducerId, version, &r);
        let r = InitProducerIdResponse::decode(&mut b, version).unwrap();
        (r.error_code, r.producer_id.0, r.producer_epoch)
    };
    // The broker's first id waits for its block from the controller:
    // COORDINATOR_LOAD_IN_PROGRESS (14), retriable, until it is there.
    let mut first = init(0, None, -1, -1);
    for _ in 0..50 {
        if first.0 != 14 {
            break;
        }
        first = init(0, None, -1, -1);
    }
    assert_eq!((first.0, first.2), (0, 0), "a new id with epoch 0");
    assert!(first.1 >= 0);
    let second = init(4, None, -1, -1);
    assert_eq!((second.0, second.2), (0, 0));
    assert_ne!(second.1, first.1, "an id is handed out once");
    // KafkaApis: a producer id without an epoch (or the reverse) is INVALID_REQUEST.
    assert_eq!(init(4, None, 5, -1), (INVALID_REQUEST, -1, -1));
    // handleInitProducerId: an empty transactional id is INVALID_REQUEST; another, before
    // any broker leads its __transaction_state partition, NOT_COORDINATOR (16).
    assert_eq!(init(3, Some(""), -1, -1), (INVALID_REQUEST, -1, -1));
    assert_eq!(init(3, Some("tx"), -1, -1), (16, -1, -1));
}

/// Creates a topic and waits until the broker leads its partitions.
fn create_topic(serve: &mut Serve, name: &str, partitions: i32) {
    let create = CreateTopicsRequest::default().with_timeout_ms(30_000).with_topics(vec![
        kafka_protocol::messages::create_topics_request::CreatableTopic::default()
            .with_name(TopicName(s(name)))
            .with_num_partitions(partitions)
            .with_replication_factor(1),
    ]);
    let mut b = serve.call(ApiKey::CreateTopics, 4, &create);
    assert_eq!(CreateTopicsResponse::decode(&mut b, 4).unwrap().topics[0].error_code, 0);
    for _ in 0..100 {
        let metadata = MetadataRequest::default().with_topics(Some(vec![
            kafka_protocol::messages::metadata_request::MetadataRequestTopic::default()
                .with_name(Some(TopicName(s(name)))),
        ]));
        let mut b = serve.call(ApiKey::Metadata, 1, &metadata);
        let r = MetadataResponse::decode(&mut b, 1).unwrap();
        if r.topics[0].error_code == 0 && r.topics[0].partitions.iter().all(|p| p.leader_id.0 == 1) {
            return;
        }
    }
    panic!("{name} never got a leader");
}

fn delete_topics(serve: &mut Serve, version: i16, names: &[&str]) -> Vec<(String, i16, Option<String>)> {
    let r = DeleteTopicsRequest::default()
        .with_topic_names(names.iter().map(|n| TopicName(s(n))).collect())
        .with_timeout_ms(30_000);
    let mut b = serve.call(ApiKey::DeleteTopics, version, &r);
    let r = DeleteTopicsResponse::decode(&mut b, version).unwrap();
    r.responses
        .iter()
        .map(|t| {
            let name = t.name.as_ref().map(|n| n.0.to_string()).unwrap_or_default();
            (name, t.error_code, t.error_message.as_ref().map(|m| m.to_string()))
        })
        .collect()
}

#[test]
fn delete_topics_goes_to_the_controller_with_its_checks() {
    let mut serve = Serve::new();
    let create = CreateTopicsRequest::default().with_timeout_ms(30_000).with_topics(vec![
        kafka_protocol::messages::create_topics_request::CreatableTopic::default()
            .with_name(TopicName(s("doomed")))
            .with_num_partitions(2)
            .with_replication_factor(1),
    ]);
    let mut b = serve.call(ApiKey::CreateTopics, 4, &create);
    assert_eq!(CreateTopicsResponse::decode(&mut b, 4).unwrap().topics[0].error_code, 0);
    assert_eq!(delete_topics(&mut serve, 5, &["doomed"]), vec![("doomed".to_string(), 0, None)]);
    // The controller no longer knows it: UNKNOWN_TOPIC_OR_PARTITION (3), with its message from v5.
    let again = delete_topics(&mut serve, 5, &["doomed"]);
    assert_eq!(
        (again[0].1, again[0].2.as_deref()),
        (3, Some("This server does not host this topic-partition."))
    );
    assert_eq!(delete_topics(&mut serve, 4, &["doomed"])[0].2, None, "no message below v5");
    // A name given twice: INVALID_REQUEST "Duplicate topic name.", asked once.
    assert_eq!(
        delete_topics(&mut serve, 5, &["x", "x"]),
        vec![("x".to_string(), INVALID_REQUEST, Some("Duplicate topic name.".to_string()))]
    );
    // delete.topic.enable=false: TOPIC_DELETION_DISABLED (73) from v3; below, the
    // controller's InvalidRequestException.
    let mut off = Serve::with_delete_topic_enable(false);
    assert_eq!(delete_topics(&mut off, 3, &["t"])[0].1, 73);
    assert_eq!(delete_topics(&mut off, 1, &["t"])[0].1, INVALID_REQUEST);
}

#[test]
fn offset_for_leader_epoch_answers_from_the_leaders_epoch_cache() {
    let mut serve = Serve::new();
    let create = CreateTopicsRequest::default().with_timeout_ms(30_000).with_topics(vec![
        kafka_protocol::messages::create_topics_request::CreatableTopic::default()
            .with_name(TopicName(s("epochs")))
            .with_num_partitions(1)
            .with_replication_factor(1),
    ]);
    let mut b = serve.call(ApiKey::CreateTopics, 4, &create);
    assert_eq!(CreateTopicsResponse::decode(&mut b, 4).unwrap().topics[0].error_code, 0);
    let mut ask = |version: i16, topic: &str, current_leader_epoch: i32, leader_epoch: i32| {
        use kafka_protocol::messages::offset_for_leader_epoch_request::{
            OffsetForLeaderPartition, OffsetForLeaderTopic,
        };
        let r = OffsetForLeaderEpochRequest::default().with_replica_id(BrokerId(-1)).with_topics(vec![
            OffsetForLeaderTopic::default().with_topic(TopicName(s(topic))).with_partitions(vec![
                OffsetForLeaderPartition::default()
                    .with_partition(0)
                    .with_current_leader_epoch(current_leader_epoch)
                    .with_leader_epoch(leader_epoch),
            ]),
        ]);
        let mut b = serve.call(ApiKey::OffsetForLeaderEpoch, version, &r);
        let r = OffsetForLeaderEpochResponse::decode(&mut b, version).unwrap();
        let p = &r.topics[0].partitions[0];
        (p.error_code, p.leader_epoch, p.end_offset)
    };
    // Until the broker leads the new partition it answers as Kafka's getLocalLog does.
    let mut first = ask(4, "epochs", -1, 0);
    for _ in 0..50 {
        if first.0 == 0 {
            break;
        }
        first = ask(4, "epochs", -1, 0);
    }
    // Epoch 0 is the latest: it ends at the log end offset (0, an empty log).
    assert_eq!(first, (0, 0, 0));
    assert_eq!(ask(2, "epochs", -1, 0), (0, 0, 0));
    // An epoch newer than any known: UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET.
    assert_eq!(ask(3, "epochs", -1, 9), (0, -1, -1));
    // The client's current epoch fences: newer than the leader's is UNKNOWN_LEADER_EPOCH (75).
    assert_eq!(ask(4, "epochs", 3, 0), (75, -1, -1));
    assert_eq!(ask(4, "nowhere", -1, 0).0, 3, "UNKNOWN_TOPIC_OR_PARTITION");
}

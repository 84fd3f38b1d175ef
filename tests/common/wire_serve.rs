//! A `serve` connection without sockets, for the wire tests: requests encoded with the
//! `kafka-protocol` crate go through [`Connection`] into the serve world's simulation of
//! one broker, and the response body comes back after its header.
#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use kafka_playground::engine::cluster::{Envelope, CONTROLLER_ID};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::serve_world::{build_serve_sim, Outbox, FIRST_CONNECTION_ID};
use kafka_playground::sim::{Action, Sim};
use kafka_playground::wire::{Connection, ServeContext};
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::*;
use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

pub struct Serve {
    pub sim: Sim,
    pub outbox: Outbox,
    pub context: ServeContext,
    pub conn: u32,
    pub c: Connection,
    pub now: i64,
    pub correlation_id: i32,
}

pub fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_string())
}

impl Serve {
    pub fn new() -> Serve {
        Serve::with_delete_topic_enable(true)
    }

    pub fn with_delete_topic_enable(delete_topic_enable: bool) -> Serve {
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
        let now = super::serve_sim::run_until_broker_1_serves(&mut sim);
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
    pub fn call<T: Encodable>(&mut self, key: ApiKey, version: i16, body: &T) -> Bytes {
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

    pub fn find_coordinator(&mut self, version: i16, key_type: i8, keys: &[&str]) -> FindCoordinatorResponse {
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
    pub fn coordinator_ready(&mut self, group: &str) {
        for _ in 0..50 {
            if self.find_coordinator(3, 0, &[group]).error_code == 0 {
                return;
            }
        }
        panic!("no coordinator for {group}");
    }

    pub fn join(&mut self, version: i16, group: &str, member_id: &str) -> JoinGroupResponse {
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

/// Creates a topic and waits until the broker leads its partitions.
pub fn create_topic(serve: &mut Serve, name: &str, partitions: i32) {
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

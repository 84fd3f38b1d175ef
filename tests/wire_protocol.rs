//! `serve`'s wire layer against bytes from an independent implementation: request
//! frames and response bytes made by kafka-python 3.0.12's encoders of Kafka's JSON
//! schemas (tests/vectors/wire_requests.json, written by tests/serve/make_wire_vectors.py).
//! Requests must decode to what kafka-python encoded; ApiVersions answers must be the
//! bytes kafka-python encodes for the same answer (Kafka's unsupported-version answer
//! included); bad frames close the connection as Kafka's `SocketServer` does; responses
//! leave in request order and `acks=0` gets none.
#![cfg(not(target_arch = "wasm32"))]

use bytes::Bytes;
use kafka_playground::engine::cluster::messages::{Acks, ProducedPartition, TopicPartition};
use kafka_playground::engine::cluster::Message;
use kafka_playground::wire::request::{decode_request, Request};
use kafka_playground::wire::{Connection, ServeContext};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/wire_requests.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn request(name: &str) -> (Vec<u8>, Value) {
    let v = vectors();
    let r = v["requests"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
    (unhex(r["frame"].as_str().unwrap()), r)
}

fn context() -> ServeContext {
    ServeContext {
        cluster_id: "a2Fma2EtcGxheWdyb3VuZA".into(),
        controller_id: 3000,
        endpoints: [(1, ("127.0.0.1".to_string(), 9092))].into_iter().collect(),
        auto_create_topics_enable: true,
    }
}

/// The correlation ids of the frames in `bytes`, in order.
fn correlation_ids(mut bytes: &[u8]) -> Vec<i32> {
    let mut ids = Vec::new();
    while bytes.len() >= 8 {
        let size = i32::from_be_bytes(bytes[0..4].try_into().unwrap()) as usize;
        ids.push(i32::from_be_bytes(bytes[4..8].try_into().unwrap()));
        bytes = &bytes[4 + size..];
    }
    ids
}

#[test]
fn every_request_kafka_python_encodes_decodes_to_its_fields() {
    let v = vectors();
    for r in v["requests"].as_array().unwrap() {
        let name = r["name"].as_str().unwrap();
        let frame = unhex(r["frame"].as_str().unwrap());
        let (header, request) =
            decode_request(Bytes::from(frame[4..].to_vec())).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(header.api_key as i64, r["api_key"].as_i64().unwrap(), "{name}");
        assert_eq!(i64::from(header.api_version), r["version"].as_i64().unwrap(), "{name}");
        assert_eq!(i64::from(header.correlation_id), r["correlation_id"].as_i64().unwrap(), "{name}");
        assert_eq!(header.client_id.as_deref(), Some("vectors"), "{name}");
        let e = &r["expect"];
        match request {
            Request::ApiVersions { unsupported } => assert!(!unsupported, "{name}"),
            Request::Metadata(m) => {
                let names: Option<Vec<String>> =
                    m.topics.map(|t| t.iter().map(|t| t.name.as_ref().unwrap().0.to_string()).collect());
                let expected: Option<Vec<String>> = serde_json::from_value(e["topics"].clone()).unwrap();
                assert_eq!(names, expected, "{name}");
            }
            Request::Produce(p) => {
                assert_eq!(i64::from(p.acks), e["acks"].as_i64().unwrap(), "{name}");
                assert_eq!(i64::from(p.timeout_ms), e["timeout_ms"].as_i64().unwrap(), "{name}");
                let t = &p.topic_data[0];
                assert_eq!(t.name.0.as_str(), e["topic"].as_str().unwrap(), "{name}");
                assert_eq!(i64::from(t.partition_data[0].index), e["partition"].as_i64().unwrap(), "{name}");
                let records = t.partition_data[0].records.as_ref().unwrap();
                assert_eq!(records.to_vec(), unhex(e["records"].as_str().unwrap()), "{name}");
            }
            Request::Fetch(f) => {
                assert_eq!(i64::from(f.max_wait_ms), e["max_wait_ms"].as_i64().unwrap(), "{name}");
                assert_eq!(i64::from(f.max_bytes), e["max_bytes"].as_i64().unwrap(), "{name}");
                assert_eq!(f.topics[0].topic.0.as_str(), e["topic"].as_str().unwrap(), "{name}");
                let p = &f.topics[0].partitions[0];
                assert_eq!(i64::from(p.partition), e["partition"].as_i64().unwrap(), "{name}");
                assert_eq!(p.fetch_offset, e["fetch_offset"].as_i64().unwrap(), "{name}");
            }
            Request::ListOffsets(l) => {
                assert_eq!(l.topics[0].name.0.as_str(), e["topic"].as_str().unwrap(), "{name}");
                assert_eq!(l.topics[0].partitions[0].timestamp, e["timestamp"].as_i64().unwrap(), "{name}");
            }
            Request::CreateTopics(c) => {
                let t = &c.topics[0];
                assert_eq!(t.name.0.as_str(), e["name"].as_str().unwrap(), "{name}");
                assert_eq!(i64::from(t.num_partitions), e["num_partitions"].as_i64().unwrap(), "{name}");
                assert_eq!(
                    i64::from(t.replication_factor),
                    e["replication_factor"].as_i64().unwrap(),
                    "{name}"
                );
                assert_eq!(t.configs[0].name.as_str(), "retention.ms", "{name}");
            }
            Request::FindCoordinator(f) => {
                let key = if header.api_version >= 4 {
                    f.coordinator_keys[0].to_string()
                } else {
                    f.key.to_string()
                };
                assert_eq!(key, e["group_id"].as_str().unwrap(), "{name}");
            }
            Request::JoinGroup(j) => {
                assert_eq!(j.group_id.0.as_str(), e["group_id"].as_str().unwrap(), "{name}");
                assert_eq!(j.protocols[0].name.as_str(), "range", "{name}");
            }
            Request::SyncGroup(r) => assert_eq!(r.assignments[0].member_id.as_str(), "m", "{name}"),
            Request::Heartbeat(r) => assert_eq!((r.group_id.0.as_str(), r.generation_id), ("g", 1), "{name}"),
            Request::LeaveGroup(r) => {
                let member = if header.api_version >= 3 {
                    r.members[0].member_id.as_str()
                } else {
                    r.member_id.as_str()
                };
                assert_eq!(member, "m", "{name}");
            }
            Request::OffsetCommit(r) => {
                let p = &r.topics[0].partitions[0];
                assert_eq!((r.topics[0].name.0.as_str(), p.committed_offset), ("some_topic", 5), "{name}");
            }
            Request::OffsetFetch(r) => {
                assert_eq!(r.topics.as_ref().unwrap()[0].partition_indexes, vec![0], "{name}");
            }
            Request::InitProducerId(r) => {
                assert_eq!((r.transactional_id, r.producer_id.0, r.producer_epoch), (None, -1, -1), "{name}")
            }
            Request::DeleteTopics(r) => assert_eq!(r.topic_names[0].0.as_str(), "some_topic", "{name}"),
            Request::OffsetForLeaderEpoch(r) => {
                let p = &r.topics[0].partitions[0];
                assert_eq!((r.topics[0].topic.0.as_str(), p.leader_epoch), ("some_topic", 0), "{name}");
            }
            Request::DescribeGroups(r) => assert_eq!(r.groups[0].0.as_str(), "g", "{name}"),
            Request::ListGroups(r) => {
                let filter: Vec<&str> = r.states_filter.iter().map(|s| s.as_str()).collect();
                assert_eq!(filter, if header.api_version >= 4 { vec!["Stable"] } else { vec![] }, "{name}");
            }
            Request::DeleteRecords(r) => {
                let p = &r.topics[0].partitions[0];
                assert_eq!(
                    (r.topics[0].name.0.as_str(), p.partition_index, p.offset),
                    ("some_topic", 0, 5),
                    "{name}"
                );
            }
            Request::CreatePartitions(r) => {
                assert_eq!((r.topics[0].name.0.as_str(), r.topics[0].count), ("some_topic", 6), "{name}")
            }
            Request::IncrementalAlterConfigs(r) => {
                let c = &r.resources[0].configs[0];
                let got = (r.resources[0].resource_type, c.name.as_str(), c.value.as_deref());
                assert_eq!(got, (4, "log.retention.check.interval.ms", Some("5000")), "{name}");
            }
            Request::AddPartitionsToTxn(r) => {
                let t = &r.v3_and_below_topics[0];
                let got = (r.v3_and_below_transactional_id.0.as_str(), t.name.0.as_str(), t.partitions[0]);
                assert_eq!(got, ("txn", "some_topic", 0), "{name}");
            }
            Request::AddOffsetsToTxn(r) => {
                assert_eq!((r.transactional_id.0.as_str(), r.group_id.0.as_str()), ("txn", "g"), "{name}")
            }
            Request::EndTxn(r) => {
                assert_eq!((r.transactional_id.0.as_str(), r.committed), ("txn", true), "{name}")
            }
            Request::TxnOffsetCommit(r) => {
                let p = &r.topics[0].partitions[0];
                assert_eq!((r.group_id.0.as_str(), p.committed_offset), ("g", 5), "{name}");
            }
            Request::DescribeConfigs(r) => {
                let d = &r.resources[0];
                let keys: Vec<String> =
                    d.configuration_keys.iter().flatten().map(|k| k.to_string()).collect();
                assert_eq!(
                    (d.resource_type, d.resource_name.as_str(), keys),
                    (2, "some_topic", vec!["retention.ms".to_string()]),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn api_versions_answers_are_the_bytes_kafka_python_encodes() {
    let v = vectors();
    for version in 0..=4 {
        let (frame, _) = request(&format!("api_versions_v{version}"));
        let mut c = Connection::new(1);
        assert!(c.receive(&frame, &context()).is_empty(), "ApiVersions asks the engine nothing");
        let expected = unhex(v["responses"][format!("api_versions_v{version}")].as_str().unwrap());
        assert_eq!(c.take_output(), expected, "ApiVersions v{version}");
    }
    // A version this server does not know (KIP-511: clients send their newest first):
    // v0 answer, UNSUPPORTED_VERSION, ApiVersions' own range. Header v2 (flexible), body
    // not read.
    let mut body = vec![0, 18, 0, 127, 0, 0, 0, 77, 0, 7];
    body.extend_from_slice(b"vectors");
    body.extend_from_slice(&[0, 0xde, 0xad]);
    let mut frame = (body.len() as i32).to_be_bytes().to_vec();
    frame.extend(body);
    let mut c = Connection::new(1);
    c.receive(&frame, &context());
    assert_eq!(c.take_output(), unhex(v["responses"]["api_versions_unsupported"].as_str().unwrap()));
    assert_eq!(c.close_reason(), None, "the client may retry on the same connection");
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as i32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

#[test]
fn bad_frames_close_the_connection_as_kafka_does() {
    // (frame bytes, words the close reason starts with)
    let unknown_key = framed(&[0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
    let metadata_v13 = framed(&[0, 3, 0, 13, 0, 0, 0, 1, 0xff, 0xff, 0]);
    let describe_acls = framed(&[0, 29, 0, 1, 0, 0, 0, 1, 0xff, 0xff]);
    let mut truncated_produce = request("produce_v9").0;
    truncated_produce.truncate(truncated_produce.len() - 10);
    let cut = truncated_produce.len() as i32 - 4;
    truncated_produce[0..4].copy_from_slice(&cut.to_be_bytes());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (unknown_key, "Unknown API key 999"),
        (metadata_v13, "Received request api key Metadata with version 13 which is not enabled"),
        (describe_acls, "Received request api key DescribeAcls with version 1 which is not enabled"),
        (truncated_produce, "Error getting request for apiKey: Produce, apiVersion: 9"),
        ((-5i32).to_be_bytes().to_vec(), "Invalid receive (size = -5)"),
        (104_857_601i32.to_be_bytes().to_vec(), "Invalid receive (size = 104857601 larger than 104857600)"),
        (framed(&[0, 3]), "a request header needs 4 bytes"),
    ];
    for (frame, words) in cases {
        let mut c = Connection::new(1);
        let sends = c.receive(&frame, &context());
        assert!(sends.is_empty(), "{words}");
        assert!(c.take_output().is_empty(), "{words}: nothing is answered");
        let reason = c.close_reason().unwrap_or_else(|| panic!("{words}: the connection stays open"));
        assert!(reason.starts_with(words), "{reason:?} should start with {words:?}");
        // Nothing more is read once closing.
        assert!(c.receive(&request("api_versions_v0").0, &context()).is_empty());
        assert!(c.take_output().is_empty());
    }
}

#[test]
fn acks_0_gets_no_answer_and_later_answers_are_not_held_for_it() {
    let mut c = Connection::new(1);
    let sends = c.receive(&request("produce_v8_acks0").0, &context());
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].to, 1, "the connection's broker");
    match &sends[0].message {
        Message::ProduceRequest { acks, timeout_ms, partitions, .. } => {
            assert_eq!(*acks, Acks::None);
            assert_eq!(*timeout_ms, 1500);
            assert_eq!(partitions[0].tp, TopicPartition::new("t", 0));
        }
        other => panic!("{other:?}"),
    }
    let (frame, r) = request("api_versions_v0");
    c.receive(&frame, &context());
    assert_eq!(correlation_ids(&c.take_output()), vec![r["correlation_id"].as_i64().unwrap() as i32]);
}

#[test]
fn answers_leave_in_request_order_whatever_order_the_engine_answers_in() {
    let mut c = Connection::new(1);
    let (produce, p) = request("produce_v9");
    let (metadata, m) = request("metadata_v12");
    let (versions, a) = request("api_versions_v3");
    let mut bytes = produce;
    bytes.extend(metadata);
    bytes.extend(versions);
    // Fed one byte at a time: framing does not depend on how reads cut the stream.
    let mut sends = Vec::new();
    for b in &bytes {
        sends.extend(c.receive(std::slice::from_ref(b), &context()));
    }
    assert_eq!(sends.len(), 2, "produce and metadata ask the engine; ApiVersions does not");
    assert!(c.take_output().is_empty(), "ApiVersions' answer waits behind the produce");
    let metadata_id = match &sends[1].message {
        Message::MetadataRequest { correlation_id, topics } => {
            assert_eq!(topics, &vec!["some_topic".to_string()]);
            *correlation_id
        }
        other => panic!("{other:?}"),
    };
    let produce_id = match &sends[0].message {
        Message::ProduceRequest { correlation_id, partitions, acks, .. } => {
            assert_eq!(*acks, Acks::All);
            let records = unhex(p["expect"]["records"].as_str().unwrap());
            assert_eq!(partitions[0].records.as_slice(), records.as_slice(), "the client's batch, untouched");
            *correlation_id
        }
        other => panic!("{other:?}"),
    };
    c.on_engine(
        &Message::MetadataResponse {
            correlation_id: metadata_id,
            brokers: vec![1],
            partitions: vec![],
            unknown_topics: vec![],
        },
        &context(),
    );
    assert!(c.take_output().is_empty(), "still behind the produce");
    let produced = ProducedPartition {
        tp: TopicPartition::new("some_topic", 2),
        error: None,
        base_offset: 41,
        log_append_time_ms: -1,
    };
    c.on_engine(
        &Message::ProduceResponse { correlation_id: produce_id, partitions: vec![produced] },
        &context(),
    );
    let out = c.take_output();
    let ids: Vec<i64> = correlation_ids(&out).into_iter().map(i64::from).collect();
    let expected: Vec<i64> = [p, m, a].iter().map(|r| r["correlation_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, expected);
    // Produce v9 (flexible): header v1 (correlation id, no tags), then topics(1): name
    // "some_topic", partitions(1): index 2, error 0, base offset 41.
    let body = &out[8..];
    let mut expected_start = vec![0u8, 2, 11];
    expected_start.extend_from_slice(b"some_topic");
    expected_start.extend_from_slice(&[2, 0, 0, 0, 2, 0, 0]);
    expected_start.extend_from_slice(&41i64.to_be_bytes());
    assert_eq!(&body[..expected_start.len()], &expected_start[..]);
}

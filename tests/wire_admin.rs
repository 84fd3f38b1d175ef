//! Admin and transaction-entry APIs through `serve`'s wire layer, without sockets
//! ([`wire_serve::Serve`]): InitProducerId (`TransactionCoordinator.handleInitProducerId`),
//! DeleteTopics (`ControllerApis.deleteTopics`) and OffsetForLeaderEpoch
//! (`Partition.lastOffsetForLeaderEpoch`, `LeaderEpochFileCache.endOffsetFor`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/serve_sim.rs"]
mod serve_sim;
#[path = "common/wire_serve.rs"]
mod wire_serve;

use kafka_protocol::messages::*;
use kafka_protocol::protocol::Decodable;
use wire_serve::{s, Serve};

const INVALID_REQUEST: i16 = 42;

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

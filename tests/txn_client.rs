//! The transactional producer's configs act, checked on the producer alone (the
//! coordinator is built apart): `transactional.id` makes `initTransactions` find the
//! transaction coordinator (FindCoordinator key type 1, the id as key) and ask it for a
//! producer id with the id and `transaction.timeout.ms`, and makes each batch
//! transactional; without it the producer asks any broker with a null id and
//! `Integer.MAX_VALUE` (`TransactionManager.bumpIdempotentEpochAndResetIdIfNeeded`).
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::txn_parts::CoordinatorType;
use kafka_playground::engine::cluster::{Envelope, Input, Message};

#[path = "common/producer_sim.rs"]
mod producer_sim;
use producer_sim::{Sim, CLIENT};

fn init_transactions(s: &mut Sim) -> Vec<(u32, Message)> {
    s.input(Input::Command(Command::from_json(r#"{"init_transactions": true}"#).unwrap()))
}

/// The InitProducerId a producer sends: (transactional_id, transaction_timeout_ms).
fn init_producer_id(pairs: &[(&str, &str)]) -> (Option<String>, i32) {
    let mut s = Sim::new(pairs);
    let mut sent = s.input(Input::Command(Command::start()));
    if pairs.iter().any(|(k, _)| *k == "transactional.id") {
        sent = init_transactions(&mut s);
        let find = sent.iter().find_map(|(to, m)| match m {
            Message::FindCoordinatorRequest { correlation_id, key, key_type } => {
                Some((*to, *correlation_id, key.clone(), *key_type))
            }
            _ => None,
        });
        let (to, correlation_id, key, key_type) = find.expect("a FindCoordinator");
        assert_eq!((key.as_str(), key_type), ("tx-1", CoordinatorType::Transaction));
        let answer = Message::FindCoordinatorResponse { correlation_id, key, error: None, node_id: Some(1) };
        sent = s.input(Input::Deliver(Envelope { from: to, to: CLIENT, message: answer }));
    } else {
        sent.extend(s.produce(serde_json::json!({"topic": "t", "count": 1})));
    }
    sent.into_iter()
        .find_map(|(_, m)| match m {
            Message::InitProducerIdRequest { transactional_id, transaction_timeout_ms, .. } => {
                Some((transactional_id, transaction_timeout_ms))
            }
            _ => None,
        })
        .expect("an InitProducerId")
}

#[test]
fn transactional_id_and_transaction_timeout_ms_act() {
    assert_eq!(init_producer_id(&[]), (None, i32::MAX));
    assert_eq!(init_producer_id(&[("transactional.id", "tx-1")]), (Some("tx-1".into()), 60_000));
    assert_eq!(
        init_producer_id(&[("transactional.id", "tx-1"), ("transaction.timeout.ms", "900000")]),
        (Some("tx-1".into()), 900_000)
    );
}

/// `KafkaProducer.throwIfNoTransactionManager`: an idempotent producer refuses the
/// transactional calls.
#[test]
fn a_producer_without_transactional_id_refuses_transactions() {
    let mut s = Sim::new(&[]);
    init_transactions(&mut s);
    let refused = s.events.iter().any(|e| matches!(e,
        kafka_playground::engine::cluster::ClusterEvent::Refused { reason, .. }
            if reason == "init_transactions refused: Cannot use transactional methods without enabling transactions by setting the transactional.id configuration property"));
    assert!(refused, "{:?}", s.events);
}

/// `send_offsets_to_transaction` names a consumer: the driver reads that consumer's
/// `groupMetadata()` and processed positions when the step runs and hands them to the
/// producer in the command, which the journal keeps as delivered.
#[test]
fn send_offsets_to_transaction_carries_the_named_consumers_metadata_and_positions() {
    use kafka_playground::sim::cluster_world::build_sim;
    use kafka_playground::sim::journal::JournalEntry;
    use kafka_playground::sim::scenario::Scenario;
    let text = serde_json::json!({
        "version": 1,
        "name": "send-offsets-route",
        "cluster": { "brokers": 3 },
        "topics": [ { "name": "orders", "partitions": 1, "replication_factor": 3 } ],
        "clients": [
            { "id": "p0", "type": "producer", "configs": {} },
            { "id": "p1", "type": "producer", "configs": { "transactional.id": "tx" } },
            { "id": "c1", "type": "consumer", "configs": { "group.id": "g", "auto.offset.reset": "earliest" }, "subscribe": ["orders"] }
        ],
        "steps": [
            { "at_ms": 2000, "produce": { "client": "p0", "topic": "orders", "count": 5 } },
            { "at_ms": 12000, "send_offsets_to_transaction": { "client": "p1", "consumer": "c1" } }
        ],
        "until_ms": 12500
    })
    .to_string();
    let s = Scenario::parse(&text).unwrap();
    let p1 = s.node_id(&kafka_playground::sim::scenario::NodeRef::Named("p1".into())).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 5_000_000);
    let delivered: Vec<_> = sim
        .journal()
        .entries
        .into_iter()
        .filter_map(|e| match e {
            JournalEntry::Deliver {
                node,
                input: Input::Command(Command::SendOffsetsToTransaction(c)),
                ..
            } if node == p1 => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(delivered.len(), 1);
    let c = &delivered[0];
    let g = c.group_metadata.as_ref().expect("c1's group metadata");
    assert_eq!((c.consumer.as_str(), g.group_id.as_str(), g.group_instance_id.as_deref()), ("c1", "g", None));
    assert!(g.generation_id >= 1 && !g.member_id.is_empty(), "{g:?}");
    assert_eq!(c.offsets.len(), 1);
    assert_eq!((c.offsets[0].topic.as_str(), c.offsets[0].partition, c.offsets[0].offset), ("orders", 0, 5));
    // p1 never called initTransactions: refused with TransactionManager's words.
    let refusal = sim.timeline().iter().find_map(|(_, _, e)| match e {
        kafka_playground::engine::cluster::ClusterEvent::Refused { node_id, reason } if node_id == &p1 => {
            Some(reason.clone())
        }
        _ => None,
    });
    assert_eq!(
        refusal.as_deref(),
        Some("send_offsets_to_transaction refused: Cannot send offsets if a transaction is not in progress (currentState= UNINITIALIZED)")
    );
    // A step naming a producer as the consumer is refused when the file is read.
    let wrong = text.replace(r#""consumer":"c1""#, r#""consumer":"p0""#);
    let e = Scenario::parse(&wrong).unwrap_err().to_string();
    assert!(e.contains("send_offsets_to_transaction.consumer"), "{e}");
}

/// The transaction commands' JSON, as `scenarios/README.md` writes it: read and written
/// back byte for byte (fields in name order, as the journal keeps them).
#[test]
fn transaction_commands_keep_their_json() {
    for text in [
        r#"{"init_transactions":true}"#,
        r#"{"begin_transaction":true}"#,
        r#"{"commit_transaction":true}"#,
        r#"{"abort_transaction":true}"#,
        r#"{"send_offsets_to_transaction":{"consumer":"c1","group_metadata":{"generation_id":3,"group_id":"g","group_instance_id":null,"member_id":"c1-1"},"offsets":[{"offset":42,"partition":0,"topic":"in"}]}}"#,
        r#"{"send_offsets_to_transaction":{"consumer":"c1","group_metadata":null,"offsets":[]}}"#,
    ] {
        let command = Command::from_json(text).unwrap();
        assert_eq!(serde_json::to_string(&command).unwrap(), text);
    }
    assert!(Command::from_json(r#"{"commit_transaction":false}"#).is_err());
}

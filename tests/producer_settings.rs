//! The page's "producer settings" run natively: `{"restart_with": {"configs"}}` closes
//! the producer (flushing, waiting for its sends, as `KafkaProducer.close()`) and builds
//! it again under the same client id, so the produce path acts as Kafka documents each
//! config: `acks=0` gets no response and learns no offset, `linger.ms` groups sends
//! into one batch, `compression.type` sets the batch's codec bits (and the records
//! still decode). Bad values are refused with `ConfigException`'s words and change
//! nothing; a restarted client keeps its settings; every run replays exactly.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::client::producer::ProducerNode;
use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::messages::Acks;
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Message, NodeId};
use kafka_playground::engine::record::{decode_batch, split_batches, Compression};
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{replay, Action, JournalEntry, Sim};
use serde_json::{json, Value};

const P1: NodeId = 10_000;

/// One broker, topic `t` with one partition, producer `p1` with `configs`, no steps.
fn scenario(configs: Value) -> Scenario {
    let text = json!({
        "version": 1, "name": "producer-settings",
        "cluster": { "brokers": 1, "network": { "latency_ms": 2, "jitter_ms": 0 } },
        "topics": [ { "name": "t", "partitions": 1, "replication_factor": 1 } ],
        "clients": [ { "id": "p1", "type": "producer", "configs": configs } ],
        "steps": [],
        "until_ms": 40000
    });
    Scenario::parse(&text.to_string()).unwrap()
}

fn settings(sim: &mut Sim, at_ms: i64, configs: Value) {
    sim.schedule(
        at_ms,
        Action::Command(
            P1,
            Command::from_json(&json!({ "restart_with": { "configs": configs } }).to_string()).unwrap(),
        ),
    );
}

fn produce(sim: &mut Sim, at_ms: i64, count: u32) {
    let spec = json!({ "topic": "t", "count": count, "key": "k-{i}", "value": "v-{i}" });
    sim.schedule(
        at_ms,
        Action::Command(P1, Command::from_json(&json!({ "produce": spec }).to_string()).unwrap()),
    );
}

/// Runs to the end, checks the invariants and that the journal replays to the same state.
fn finish(s: &Scenario, mut sim: Sim) -> Sim {
    sim.run_until(s.until_ms, 5_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let (state, events) = replay(&sim.journal(), &ClusterWorld::new(s, 1).unwrap());
    assert_eq!(state, sim.final_state(), "replay rebuilds the same state");
    assert_eq!(events, sim.timeline().to_vec(), "replay reports the same events");
    sim
}

/// Produce requests delivered to the broker after `since_ms`: (time, acks, batches).
fn produce_requests(sim: &Sim, since_ms: i64) -> Vec<(i64, Acks, Vec<Vec<u8>>)> {
    sim.journal()
        .entries
        .into_iter()
        .filter_map(|e| match e {
            JournalEntry::Deliver {
                at_ms,
                input:
                    Input::Deliver(Envelope {
                        from: P1,
                        message: Message::ProduceRequest { acks, partitions, .. },
                        ..
                    }),
                ..
            } if at_ms > since_ms => {
                let batches = partitions
                    .iter()
                    .flat_map(|p| {
                        split_batches(p.records.as_slice())
                            .map(|b| b.unwrap().bytes.to_vec())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                Some((at_ms, acks, batches))
            }
            _ => None,
        })
        .collect()
}

fn responses_to_producer(sim: &Sim, since_ms: i64) -> usize {
    sim.journal()
        .entries
        .iter()
        .filter(|e| {
            matches!(e, JournalEntry::Deliver { at_ms, node: P1, input: Input::Deliver(Envelope { message: Message::ProduceResponse { .. }, .. }) } if *at_ms > since_ms)
        })
        .count()
}

fn producer(sim: &Sim) -> &ProducerNode {
    sim.node(P1).and_then(|n| n.view().producer()).expect("a running producer")
}

fn acknowledged(sim: &Sim) -> Vec<(i64, i16)> {
    sim.timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::SendAcknowledged { base_offset, acks, .. } => Some((*base_offset, *acks)),
            _ => None,
        })
        .collect()
}

/// acks=0 (Kafka: "the producer will not wait for any acknowledgment from the server"):
/// the broker sends no ProduceResponse, and the send completes with offset -1.
#[test]
fn acks_0_gets_no_response() {
    let s = scenario(json!({}));
    let mut sim = build_sim(&s, 1).unwrap();
    produce(&mut sim, 4000, 1);
    settings(&mut sim, 6000, json!({ "acks": "0" }));
    produce(&mut sim, 7000, 1);
    let sim = finish(&s, sim);
    assert_eq!(acknowledged(&sim), vec![(0, -1), (-1, 0)]);
    let after = produce_requests(&sim, 6000);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].1, Acks::None);
    assert_eq!(responses_to_producer(&sim, 6000), 0, "acks=0: no ProduceResponse");
    assert_eq!(responses_to_producer(&sim, 0), 1, "acks=all before: one ProduceResponse");
    // The record was written all the same.
    let broker = sim.node(1).and_then(|n| n.view().broker()).unwrap();
    assert_eq!(broker.log_detail("t", 0, 10).unwrap().log_end_offset, 2);
}

/// linger.ms: sends 10 ms apart go out one batch each with linger.ms=0, and in one batch
/// when each waits 100 ms for the next (the batch is sent 100 ms after its first record).
#[test]
fn linger_groups_records_into_one_batch() {
    let s = scenario(json!({ "linger.ms": "0" }));
    let run = |linger: Option<&str>| {
        let mut sim = build_sim(&s, 1).unwrap();
        if let Some(ms) = linger {
            settings(&mut sim, 4000, json!({ "linger.ms": ms }));
        }
        for k in 0..5 {
            produce(&mut sim, 5000 + 10 * k, 1);
        }
        finish(&s, sim)
    };
    let eager = run(None);
    let batches = |sim: &Sim| produce_requests(sim, 0).iter().map(|r| r.2.len()).sum::<usize>();
    assert_eq!(batches(&eager), 5);
    let lingering = run(Some("100"));
    assert_eq!(batches(&lingering), 1);
    let first = produce_requests(&lingering, 0)[0].0;
    assert!((5100..5110).contains(&first), "sent at {first}");
    let detail = |sim: &Sim| {
        let broker = sim.node(1).and_then(|n| n.view().broker()).unwrap();
        broker.log_detail("t", 0, 10).unwrap()
    };
    assert_eq!(detail(&eager).segments[0].batches_count, 5);
    assert_eq!(detail(&lingering).segments[0].batches_count, 1);
    assert_eq!(detail(&lingering).log_end_offset, 5);
}

/// compression.type: the batch's attributes carry the codec (bits 0–2; gzip = 1, zstd =
/// 4), the log keeps it (the broker's `compression.type=producer`), and the records read
/// back as sent.
#[test]
fn compression_sets_the_batch_attribute() {
    for (codec, id) in [("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)] {
        let s = scenario(json!({}));
        let mut sim = build_sim(&s, 1).unwrap();
        produce(&mut sim, 4000, 3);
        settings(&mut sim, 6000, json!({ "compression.type": codec }));
        produce(&mut sim, 7000, 3);
        let sim = finish(&s, sim);
        let requests = produce_requests(&sim, 0);
        assert_eq!(requests.len(), 2);
        let attributes = |b: &[u8]| i16::from_be_bytes([b[21], b[22]]);
        assert_eq!(attributes(&requests[0].2[0]) & 7, 0, "before: none");
        assert_eq!(attributes(&requests[1].2[0]) & 7, id, "{codec}");
        let decoded = decode_batch(&requests[1].2[0]).unwrap();
        assert_eq!(decoded.header.compression().unwrap(), Compression::from_name(codec).unwrap());
        let values: Vec<Vec<u8>> = decoded.records.into_iter().map(|r| r.value.unwrap()).collect();
        assert_eq!(values, vec![b"v-3".to_vec(), b"v-4".to_vec(), b"v-5".to_vec()]);
        let broker = sim.node(1).and_then(|n| n.view().broker()).unwrap();
        let detail = broker.log_detail("t", 0, 10).unwrap();
        assert_eq!(detail.segments[0].codecs, vec!["none".to_string(), codec.to_string()]);
        assert_eq!(detail.records.len(), 6);
    }
}

/// close() first: a batch lingering when the settings change is sent at once (flush),
/// with the settings it was built with; a send asked for meanwhile waits for the new
/// producer and goes with the new settings.
#[test]
fn close_flushes_with_the_old_settings_and_holds_new_sends() {
    let s = scenario(json!({ "linger.ms": "10000" }));
    let mut sim = build_sim(&s, 1).unwrap();
    produce(&mut sim, 5000, 2);
    settings(&mut sim, 5100, json!({ "compression.type": "gzip", "linger.ms": "0" }));
    produce(&mut sim, 5100, 2);
    let sim = finish(&s, sim);
    let requests = produce_requests(&sim, 0);
    assert_eq!(requests.len(), 2);
    assert!(requests[0].0 < 5200, "flushed at {}, not after linger.ms", requests[0].0);
    assert_eq!(decode_batch(&requests[0].2[0]).unwrap().header.compression().unwrap(), Compression::None);
    assert_eq!(decode_batch(&requests[1].2[0]).unwrap().header.compression().unwrap(), Compression::Gzip);
    let rebuilt = sim
        .timeline()
        .iter()
        .find_map(|(at, _, e)| match e {
            ClusterEvent::ProducerRebuilt { configs, .. } => Some((*at, configs.clone())),
            _ => None,
        })
        .unwrap();
    // Kafka 3.0+: idempotence is on by default with acks=all and 5 requests in flight.
    assert_eq!(
        rebuilt.1,
        "acks=all linger.ms=0 batch.size=16384 compression.type=gzip enable.idempotence=true max.in.flight.requests.per.connection=5"
    );
    let first_acked =
        sim.timeline().iter().find(|(_, _, e)| matches!(e, ClusterEvent::SendAcknowledged { .. }));
    assert!(first_acked.unwrap().0 <= rebuilt.0, "the new producer comes after the old one's sends");
    assert!(requests[1].0 >= rebuilt.0);
    assert_eq!(acknowledged(&sim), vec![(0, -1), (2, -1)]);
    assert_eq!(producer(&sim).config().compression_type, Compression::Gzip);
}

/// Kafka's `ConfigException` words; nothing changes.
#[test]
fn bad_settings_are_refused_and_change_nothing() {
    let s = scenario(json!({ "acks": "1" }));
    let mut sim = build_sim(&s, 1).unwrap();
    settings(&mut sim, 4000, json!({ "compression.type": "brotli" }));
    settings(&mut sim, 4000, json!({ "acks": "2" }));
    settings(&mut sim, 4000, json!({ "batch.size": "-1" }));
    settings(&mut sim, 4000, json!({ "max.in.flight.requests.per.connection": "0" }));
    // acks=1 (the scenario's) with idempotence asked for (`postProcessAndValidateIdempotenceConfigs`).
    settings(&mut sim, 4000, json!({ "enable.idempotence": "true" }));
    produce(&mut sim, 5000, 1);
    let sim = finish(&s, sim);
    let refusals: Vec<String> = sim
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::Refused { node_id: P1, reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        refusals,
        vec![
            "restart_with refused: Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd",
            "restart_with refused: Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1",
            "restart_with refused: Invalid value -1 for configuration batch.size: Value must be at least 0",
            "restart_with refused: Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1",
            "restart_with refused: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
        ]
    );
    assert!(!sim.timeline().iter().any(|(_, _, e)| matches!(e, ClusterEvent::ProducerRebuilt { .. })));
    assert_eq!(acknowledged(&sim), vec![(0, 1)]);
}

/// A client process restarted (or a page reloaded) after a change keeps the changed
/// settings, kept in its store as a consumer keeps its own.
#[test]
fn a_restarted_producer_keeps_its_changed_settings() {
    let s = scenario(json!({}));
    let mut sim = build_sim(&s, 1).unwrap();
    settings(&mut sim, 4000, json!({ "acks": "1", "compression.type": "lz4" }));
    sim.schedule(6000, Action::Crash(P1));
    sim.schedule(7000, Action::Restart(P1));
    produce(&mut sim, 8000, 1);
    let sim = finish(&s, sim);
    assert_eq!(producer(&sim).config().acks, Acks::Leader);
    assert_eq!(producer(&sim).config().compression_type, Compression::Lz4);
    assert_eq!(acknowledged(&sim), vec![(0, 1)]);
}

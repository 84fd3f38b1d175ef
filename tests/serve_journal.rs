//! A `serve` session without sockets: kafka-python's request frames go through the wire
//! layer into the serve world's simulation at chosen virtual times, as `serve` feeds
//! them at the wall clock's. The session's journal alone (what `replay` reads) rebuilds
//! the identical final state with the serve world, so a later `replay` of a real
//! session is possible; and the produce lands at offset 0 of the partition it named.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/serve_sim.rs"]
mod serve_sim;

use kafka_playground::engine::cluster::{Envelope, NodeView, CONTROLLER_ID};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::serve_world::{build_serve_sim, serve_world, Outbox, FIRST_CONNECTION_ID};
use kafka_playground::sim::{replay, Action, Sim};
use kafka_playground::wire::{Connection, ServeContext};
use serde_json::Value;

fn frame(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/wire_requests.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let hex = v["requests"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["frame"]
        .as_str()
        .unwrap()
        .to_string();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

fn scenario() -> Scenario {
    serde_json::from_value(serde_json::json!({
        "version": 1, "name": "serve",
        "cluster": { "brokers": 1, "network": { "latency_ms": 0, "jitter_ms": 0 },
                     "configs": { "num.partitions": "3", "offsets.topic.replication.factor": "1" } },
        "until_ms": 3_600_000
    }))
    .unwrap()
}

/// Runs to `at_ms`, handing the cluster's answers to the connection until it settles.
fn settle(sim: &mut Sim, outbox: &Outbox, c: &mut Connection, context: &ServeContext, at_ms: i64) {
    sim.run_until(at_ms, 1_000_000);
    loop {
        let answers: Vec<Envelope> = outbox.borrow_mut().drain(..).collect();
        if answers.is_empty() {
            return;
        }
        for env in answers {
            for s in c.on_engine(&env.message, context) {
                sim.deliver_external(Envelope { from: env.to, to: s.to, message: s.message });
            }
        }
        sim.run_until(at_ms, 1_000_000);
    }
}

fn send(sim: &mut Sim, c: &mut Connection, context: &ServeContext, conn: u32, bytes: &[u8]) {
    for s in c.receive(bytes, context) {
        sim.deliver_external(Envelope { from: conn, to: s.to, message: s.message });
    }
}

/// The error code and base offset of a Produce v9 answer for one partition.
fn produce_answer(out: &[u8]) -> (i16, i64) {
    // size, correlation id, header tags, topics(1), name (compact), partitions(1), index.
    let at = 4 + 4 + 1 + 1 + 1 + "some_topic".len() + 1 + 4;
    (i16::from_be_bytes([out[at], out[at + 1]]), i64::from_be_bytes(out[at + 2..at + 10].try_into().unwrap()))
}

#[test]
fn a_serve_session_lands_its_produce_and_its_journal_replays_to_the_same_state() {
    let s = scenario();
    let outbox = Outbox::default();
    let mut sim = build_serve_sim(&s, 0, outbox.clone()).unwrap();
    let context = ServeContext {
        cluster_id: "a2Fma2EtcGxheWdyb3VuZA".into(),
        controller_id: CONTROLLER_ID,
        endpoints: [(1, ("127.0.0.1".to_string(), 9092))].into_iter().collect(),
        auto_create_topics_enable: true,
    };
    // The broker registers and is unfenced before it serves (as serve waits for).
    let mut now = serve_sim::run_until_broker_1_serves(&mut sim);
    let conn = FIRST_CONNECTION_ID;
    sim.schedule(now, Action::Start(conn));
    let mut c = Connection::new(1);
    // Metadata v1 for some_topic: unknown, so auto-created; asked again until it has a
    // leader, as a client does.
    let mut leader_found = false;
    for _ in 0..100 {
        send(&mut sim, &mut c, &context, conn, &frame("metadata_v1"));
        now += 50;
        settle(&mut sim, &outbox, &mut c, &context, now);
        let out = c.take_output();
        assert!(!out.is_empty(), "every Metadata is answered");
        let known = matches!(sim.live_node(1).map(|n| n.view()),
            Some(NodeView::Broker(b)) if b.image().topics.get("some_topic").is_some_and(|t| t.partitions.iter().all(|p| p.leader == Some(1))));
        if known {
            leader_found = true;
            break;
        }
    }
    assert!(leader_found, "some_topic was auto-created with a leader");
    let topic_partitions = match sim.live_node(1).map(|n| n.view()) {
        Some(NodeView::Broker(b)) => b.image().topics.get("some_topic").map(|t| t.partitions.len()),
        _ => None,
    };
    assert_eq!(topic_partitions, Some(3), "num.partitions 3, as serve sets it");
    send(&mut sim, &mut c, &context, conn, &frame("produce_v9"));
    now += 50;
    settle(&mut sim, &outbox, &mut c, &context, now);
    assert_eq!(produce_answer(&c.take_output()), (0, 0), "no error, base offset 0");
    sim.schedule(now, Action::Crash(conn));
    sim.run_until(now + 1000, 1_000_000);

    let world = serve_world(&s, 0, Outbox::default()).unwrap();
    let (replayed, _) = replay(&sim.journal(), &world);
    assert_eq!(replayed, sim.final_state());
    let text = serde_json::to_string(&replayed).unwrap();
    assert!(text.contains("some_topic"), "the state holds the topic the client created");
}

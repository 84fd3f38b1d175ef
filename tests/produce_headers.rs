//! Record headers from a producer client (a scenario's `produce` step, the page's form):
//! stored in the RecordBatch v2 record as Kafka writes them — ordered, keys may repeat, a
//! null value stays null — and read back by the record decoder; a record without headers
//! is unchanged; too many headers are refused at parse with the field named.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::record::{decode_batch, split_batches, Header};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use serde_json::json;

fn scenario(headers: serde_json::Value) -> serde_json::Value {
    json!({
        "version": 1, "name": "headers",
        "cluster": { "brokers": 1 },
        "topics": [ { "name": "t", "partitions": 1, "replication_factor": 1 } ],
        "clients": [ { "id": "p1", "type": "producer" } ],
        "steps": [
            { "at_ms": 3000, "produce": { "client": "p1", "topic": "t", "count": 2, "key": "k{i}", "value": "v{i}", "headers": headers } },
            { "at_ms": 4000, "produce": { "client": "p1", "topic": "t", "count": 1, "key": "plain", "value": "none" } }
        ],
        "until_ms": 8000
    })
}

/// (key, headers) of every record broker 1 stored for t-0.
fn stored(s: &serde_json::Value) -> Vec<(String, Vec<Header>)> {
    let s = Scenario::parse(&s.to_string()).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 1_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let store = sim.store(1).unwrap();
    let mut out = Vec::new();
    for id in store.segment_ids(1).into_iter().filter(|id| &*id.topic == "t") {
        let bytes = store.segment_bytes(&id).unwrap().to_vec();
        for view in split_batches(&bytes) {
            for r in decode_batch(view.unwrap().bytes).unwrap().records {
                out.push((String::from_utf8(r.key.unwrap()).unwrap(), r.headers));
            }
        }
    }
    out
}

#[test]
fn headers_are_stored_in_order_with_repeats_and_nulls() {
    let got = stored(&scenario(json!([
        { "key": "trace", "value": "abc" }, { "key": "trace", "value": "def" }, { "key": "empty" }
    ])));
    let want = vec![
        Header { key: "trace".into(), value: Some(b"abc".to_vec()) },
        Header { key: "trace".into(), value: Some(b"def".to_vec()) },
        Header { key: "empty".into(), value: None },
    ];
    assert_eq!(got.len(), 3);
    assert_eq!(got[0], ("k0".to_string(), want.clone()));
    assert_eq!(got[1], ("k1".to_string(), want));
    assert_eq!(got[2], ("plain".to_string(), Vec::new()), "a record without headers has none");
}

#[test]
fn too_many_headers_are_refused_at_parse() {
    let many: Vec<_> = (0..17).map(|i| json!({ "key": format!("h{i}"), "value": "x" })).collect();
    let e = Scenario::parse(&scenario(json!(many)).to_string()).unwrap_err();
    assert_eq!(e.field, "steps[0].produce.headers");
}

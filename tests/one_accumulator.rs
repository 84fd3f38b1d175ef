//! One accumulator rule and one sticky-partition rule: the producer client (which the
//! page and the simulation both run) and the CLI's `produce` place the same records in
//! the same partitions and cut the same batches. Both close a batch by Java's
//! `MemoryRecordsBuilder.hasRoomFor` (`BatchBuilder::has_room_for`) and count a null-key
//! record toward Java's sticky partition by one size (`sticky_size_hint`); the batches
//! here are read back from what each wrote (the broker's store, the CLI's `.log` files
//! through `dump-log`), so a difference in either rule shows as a different batch.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::record::{decode_batch, split_batches};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");
const SEED: u64 = 3;
/// The producer client's node id: the simulation seeds its partitioner with `seed ^ id`.
const P1: u64 = 10_000;
/// A value long enough that 16384 bytes (batch.size) hold about a hundred records.
const PAD: &str = "……………………………………………………………………………………………………………………";

fn value(i: usize) -> String {
    format!("v-{i}-{PAD}")
}

/// 300 null-key records (Java's sticky partition), then 100 keyed ones (murmur2).
fn records() -> Vec<(Option<String>, String)> {
    (0..400).map(|i| ((i >= 300).then(|| format!("key-{i}")), value(i))).collect()
}

/// Each partition's batches as lists of values, from the producer client in the sim.
fn client_batches(kind: &str) -> Vec<Vec<Vec<String>>> {
    let s = json!({
        "version": 1, "name": "one-accumulator",
        "cluster": { "brokers": 1 },
        "topics": [ { "name": "t", "partitions": 3, "replication_factor": 1 } ],
        "clients": [ { "id": "p1", "type": "producer", "configs": { "partitioner": kind, "linger.ms": "60000" } } ],
        "steps": [
            { "at_ms": 3000, "produce": { "client": "p1", "topic": "t", "count": 300, "key": null, "value": format!("v-{{i}}-{PAD}") } },
            { "at_ms": 3000, "produce": { "client": "p1", "topic": "t", "count": 100, "key": "key-{i}", "value": format!("v-{{i}}-{PAD}") } }
        ],
        "until_ms": 70000
    });
    let s = Scenario::parse(&s.to_string()).unwrap();
    let mut sim = build_sim(&s, SEED).unwrap();
    sim.run_until(s.until_ms, 5_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let store = sim.store(1).unwrap();
    (0..3)
        .map(|p| {
            let mut batches = Vec::new();
            for id in store.segment_ids(1).into_iter().filter(|id| &*id.topic == "t" && id.partition == p) {
                let bytes = store.segment_bytes(&id).unwrap().to_vec();
                for view in split_batches(&bytes) {
                    let batch = decode_batch(view.unwrap().bytes).unwrap();
                    batches.push(
                        batch
                            .records
                            .iter()
                            .map(|r| String::from_utf8(r.value.clone().unwrap()).unwrap())
                            .collect(),
                    );
                }
            }
            batches
        })
        .collect()
}

/// The same, from the CLI's `produce` with the client's seed.
fn cli_batches(kind: &str, dir: &Path) -> Vec<Vec<Vec<String>>> {
    let lines: Vec<String> = records()
        .into_iter()
        // One timestamp for all, as the client stamps the records of one instant.
        .map(|(k, v)| {
            let key = k.map(|k| k.bytes().map(|b| format!("{b:02x}")).collect::<String>());
            json!({ "key": key, "value": v, "timestamp": 1_700_000_000_000i64 }).to_string()
        })
        .collect();
    let input = dir.join("in.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let logs = dir.join("logs");
    let seed = (SEED ^ P1).to_string();
    let out = Command::new(BIN)
        .args(["produce", "--log-dir", logs.to_str().unwrap(), "--topic", "t", "--partitions", "3"])
        .args(["--partitioner", kind, "--input", input.to_str().unwrap(), "--seed", &seed])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (0..3)
        .map(|p| {
            let dir = logs.join(format!("t-{p}"));
            let mut names: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|n| n.extension().is_some_and(|x| x == "log"))
                .collect();
            names.sort();
            let mut batches = Vec::new();
            for name in names {
                let out = Command::new(BIN)
                    .args(["dump-log", name.to_str().unwrap(), "--print-data-log"])
                    .output()
                    .unwrap();
                let json: Value = serde_json::from_slice(&out.stdout).unwrap();
                for b in json["batches"].as_array().unwrap() {
                    batches.push(
                        b["records"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r["payload"].as_str().unwrap().to_string())
                            .collect(),
                    );
                }
            }
            batches
        })
        .collect()
}

#[test]
fn the_client_and_the_cli_cut_the_same_batches_in_the_same_partitions() {
    for kind in ["built_in", "murmur2"] {
        let dir = tempfile::tempdir().unwrap();
        let client = client_batches(kind);
        let cli = cli_batches(kind, dir.path());
        let total: usize = client.iter().flatten().map(Vec::len).sum();
        assert_eq!(total, 400, "{kind}: every record once");
        assert!(client.iter().map(Vec::len).sum::<usize>() > 3, "{kind}: batch.size cut more than one batch");
        assert_eq!(client, cli, "{kind}: the same records in the same batches and partitions");
    }
}

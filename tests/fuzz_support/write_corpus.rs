//! Writes `tests/fuzz_corpus/` from independent vectors and real runs (an ignored test:
//! `cargo test --test fuzz_decoders -- --ignored write_corpus`): the golden batches of
//! `tests/vectors/recordbatch_golden.json` (kafka-python's bytes), batches in every codec
//! from the producer's builder, the segments, stored documents and `__consumer_offsets`
//! records (and their segments) of two shipped scenarios run by the simulation, the
//! transaction formats built by `engine::txn` (`write_txn_corpus`), a short run's journal, the
//! shipped scenario files and the commands of `tests/command_json.rs`. Invariant: the
//! corpus stays small (asserted under 1 MB) and every file is a valid input.

use super::corpus_dir;
use kafka_playground::engine::group::coordinator::records::decode_group_metadata_value;
use kafka_playground::engine::record::{
    decode_batch, split_batches, BatchBuilder, BatchOptions, Compression, Header,
};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use std::collections::BTreeSet;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus_dir(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn built(codec: Compression, records: u32, with_headers: bool) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions { compression: codec, ..BatchOptions::default() });
    let headers =
        [Header { key: "h".into(), value: Some(b"v".to_vec()) }, Header { key: "n".into(), value: None }];
    for i in 0..records {
        let key = format!("key-{}", i % 3);
        let value = format!("value {i} value {i} value");
        let headers: &[Header] = if with_headers { &headers } else { &[] };
        b.append(1_700_000_000_000 + i64::from(i), Some(key.as_bytes()), Some(value.as_bytes()), headers);
    }
    b.build().unwrap()
}

fn scenario(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
#[ignore = "rewrites tests/fuzz_corpus; run by hand"]
fn write_corpus() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/vectors/recordbatch_golden.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    for b in golden["batches"].as_array().unwrap() {
        put(
            "record_batch",
            &format!("golden_{}.bin", b["name"].as_str().unwrap()),
            &unhex(b["hex"].as_str().unwrap()),
        );
    }
    for codec in Compression::ALL {
        let batch = built(codec, 5, true);
        put("record_batch", &format!("built_{}.bin", codec.name()), &batch);
        if codec != Compression::None {
            let mut section = vec![codec as u8];
            section.extend_from_slice(&built(codec, 40, false)[61..]);
            put("compressed", &format!("{}.bin", codec.name()), &section);
        }
    }
    let raw_snappy =
        snap::raw::Encoder::new().compress_vec(&built(Compression::None, 20, false)[61..]).unwrap();
    put("compressed", "snappy_raw.bin", &[&[2u8][..], &raw_snappy].concat());

    // The lecture's notebook: its segment and every stored document of every node.
    let s = scenario("lecture-notebook");
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 20_000_000);
    let mut names = BTreeSet::new();
    for (node, store) in sim.stores() {
        for id in store.segment_ids(*node) {
            let bytes = store.segment_bytes(&id).unwrap();
            if *node == 1 && &*id.topic == "some_topic" && names.insert(format!("seg-{}", id.partition)) {
                put("segment", &format!("notebook_{}.bin", id.dir_name()), &bytes);
            }
        }
        for (name, value) in store.meta_of(*node) {
            // One document per kind of name (`topics/…`, `__cluster_metadata-…` kept to 3).
            let kind = name.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
            let n = names.iter().filter(|k| k.starts_with(&kind)).count();
            if n < 3 && names.insert(format!("{kind}{n}")) {
                let file = format!("node{node}_{}.txt", name.replace(['/', '.'], "_"));
                put("stored_value", &file, format!("{name}\n{value}").as_bytes());
            }
        }
    }
    // Checkpoints this run did not write, in Kafka's format (`CheckpointFile`).
    for name in ["log-start-offset-checkpoint", "cleaner-offset-checkpoint"] {
        put(
            "stored_value",
            &format!("{name}.txt"),
            format!("{name}\n0\n2\nsome_topic 0 5\nsome_topic 2 1\n").as_bytes(),
        );
    }
    let segment: Vec<u8> = [
        built(Compression::None, 3, false),
        built(Compression::Gzip, 2, true),
        built(Compression::Zstd, 2, false),
    ]
    .into_iter()
    .scan(0i64, |next, mut b| {
        b[..8].copy_from_slice(&next.to_be_bytes());
        *next += i64::from(i32::from_be_bytes([b[57], b[58], b[59], b[60]]));
        Some(b)
    })
    .flatten()
    .collect();
    put("segment", "built_mixed_codecs.bin", &segment);

    // A short run's journal (what `replay` reads).
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(1_500, 1_000_000);
    put("journal", "notebook_1500ms.json", serde_json::to_string(&sim.journal()).unwrap().as_bytes());

    // A consumer group's `__consumer_offsets`: keys, values, subscriptions, assignments.
    let s = scenario("consumer-group-three-members");
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 20_000_000);
    let mut written = 0;
    for (node, store) in sim.stores() {
        for id in store.segment_ids(*node).into_iter().filter(|id| &*id.topic == "__consumer_offsets") {
            let bytes = store.segment_bytes(&id).unwrap();
            if !bytes.is_empty() && corpus_len("offsets_log") < 3 {
                put("offsets_log", &format!("node{node}_{}.bin", id.dir_name()), &bytes);
            }
            for view in split_batches(&bytes).flatten() {
                for r in decode_batch(view.bytes).unwrap().records {
                    let (key, value) = (r.key.unwrap_or_default(), r.value.unwrap_or_default());
                    if written < 12 {
                        put("group_record", &format!("key_{written}.bin"), &key);
                        put("group_record", &format!("value_{written}.bin"), &value);
                        if let Ok(g) = decode_group_metadata_value(&value) {
                            for (i, m) in g.members.iter().enumerate().take(2) {
                                put(
                                    "group_record",
                                    &format!("subscription_{written}_{i}.bin"),
                                    &m.subscription,
                                );
                                put("group_record", &format!("assignment_{written}_{i}.bin"), &m.assignment);
                            }
                        }
                        written += 1;
                    }
                }
            }
        }
    }
    assert!(written > 0, "the group committed offsets");

    for entry in std::fs::read_dir(format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            put("scenario", path.file_name().unwrap().to_str().unwrap(), &std::fs::read(&path).unwrap());
        }
    }
    let commands =
        std::fs::read_to_string(format!("{}/tests/command_json.rs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut n = 0;
    for line in commands.lines().map(str::trim) {
        if let Some(json) = line.strip_prefix("r#\"").and_then(|l| l.strip_suffix("\"#,")) {
            put("command", &format!("command_{n:02}.json"), json.as_bytes());
            n += 1;
        }
    }
    assert!(n > 10, "commands found in tests/command_json.rs");

    write_txn_corpus();

    let total: u64 = walk(&corpus_dir("").join(".."));
    assert!(total < 1_000_000, "the corpus is {total} bytes");
}

/// The transaction targets' corpus alone (no simulation run): `cargo test --test
/// fuzz_decoders -- --ignored write_txn_corpus_only`.
#[test]
#[ignore = "rewrites the transaction targets of tests/fuzz_corpus; run by hand"]
fn write_txn_corpus_only() {
    write_txn_corpus();
}

/// `__transaction_state` keys and values (v0 and v1, every state, unknown tags), end
/// marker control batches, and `.txnindex` files.
fn write_txn_corpus() {
    use kafka_playground::engine::txn::log_record::{key_to_bytes, value_to_bytes};
    use kafka_playground::engine::txn::marker::{
        end_txn_marker_batch, ControlRecordType, EndTransactionMarker,
    };
    use kafka_playground::engine::txn::txn_index::{AbortedTxn, TransactionIndex};
    use kafka_playground::engine::txn::{
        TopicPartition, TransactionMetadata, TransactionState, TransactionVersion,
    };
    for (i, id) in ["my-txn", "é-日本", ""].into_iter().enumerate() {
        put("txn_record", &format!("key_{i}.bin"), &key_to_bytes(id));
    }
    for state in TransactionState::ALL {
        let mut m =
            TransactionMetadata::new("t", 4000, -1, -1, 3, 2, 60000, state, 10, 20, TransactionVersion::Tv2);
        if state != TransactionState::Empty {
            m.add_partitions([
                TopicPartition::new("orders", 0),
                TopicPartition::new("orders", 2),
                TopicPartition::new("audit", 1),
            ]);
        }
        let mut t = m.prepare_no_transit();
        for tv in [TransactionVersion::Tv0, TransactionVersion::Tv2] {
            // v0 cannot carry the ClientTransactionVersion tag (Kafka's writer refuses it).
            t.client_transaction_version = tv;
            if let Ok(bytes) = value_to_bytes(&t, tv) {
                put(
                    "txn_record",
                    &format!("value_{}_v{}.bin", state.name(), tv.transaction_log_value_version()),
                    &bytes,
                );
            }
        }
    }
    // `TransactionLogTest.testDeserializeFutureTransactionLogValue`'s bytes: unknown tags.
    put(
        "txn_record",
        "value_future_tags.bin",
        &unhex("000100000000000003e80064000003e8040206746f70696302000000010264050003666f6f650400000fa000000000000007d00000000000000bb80264050003666f6f650400000fa0"),
    );
    for (i, (t, pid, epoch)) in
        [(ControlRecordType::Commit, 1, 0), (ControlRecordType::Abort, 4000, 7)].into_iter().enumerate()
    {
        let marker = EndTransactionMarker::new(t, 5).unwrap();
        put(
            "control_batch",
            &format!("marker_{i}.bin"),
            &end_txn_marker_batch(14, 1000, 2, pid, epoch, &marker).unwrap(),
        );
    }
    let mut b = BatchBuilder::new(BatchOptions {
        is_transactional: true,
        producer_id: 4000,
        producer_epoch: 7,
        base_sequence: 0,
        ..BatchOptions::default()
    });
    b.append(0, Some(b"k"), Some(b"v"), &[]);
    put("control_batch", "transactional_data.bin", &b.build().unwrap());
    let mut index = TransactionIndex::new(0);
    for (pid, first, last, lso) in [(0, 0, 10, 11), (1, 5, 15, 13), (2, 18, 35, 25), (3, 32, 50, 40)] {
        index.append(AbortedTxn::new(pid, first, last, lso)).unwrap();
    }
    put("txnindex", "four_entries.bin", index.bytes());
    put("txnindex", "one_entry.bin", &index.bytes()[..34]);
}

fn corpus_len(target: &str) -> usize {
    std::fs::read_dir(corpus_dir(target)).map_or(0, |d| d.count())
}

fn walk(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir.join("fuzz_corpus"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().metadata().unwrap().len())
        .sum()
}

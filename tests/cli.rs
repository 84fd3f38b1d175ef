#![cfg(not(target_arch = "wasm32"))]
//! The `kafka-playground` binary end to end, in temp dirs: `produce` places every record
//! where its partitioner says (Kafka's murmur2 vectors for `built_in`/`murmur2`, the
//! engine's hashes and a seeded replay for the others), re-runs append, segments roll
//! with their indexes, `dump-log` prints Kafka's fields, and bad input fails cleanly
//! without writing anything.

mod common;

use kafka_playground::cli::input::parse_input;
use kafka_playground::engine::partitioner::sticky_size_hint;
use kafka_playground::engine::partitioner::{Partitioner, PartitionerConfig, PartitionerKind};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");
const CLOCK: i64 = 1_700_000_000_000;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn cli(args: &[&str]) -> Run {
    let out = Command::new(BIN).args(args).output().expect("run the CLI");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `lines` as the input file and runs produce for `[topic, partitions, partitioner]`.
fn produce(dir: &Path, t: [&str; 3], lines: &[String], extra: &[&str]) -> Run {
    let input = dir.join(format!("input-{}-{}.jsonl", t[0], t[2]));
    std::fs::write(&input, lines.join("\n")).unwrap();
    let logs = dir.join("logs");
    let mut args = vec!["produce", "--log-dir", logs.to_str().unwrap(), "--topic", t[0]];
    args.extend(["--partitions", t[1], "--partitioner", t[2], "--input", input.to_str().unwrap()]);
    args.extend(extra);
    cli(&args)
}

fn produce_ok(dir: &Path, t: [&str; 3], lines: &[String], extra: &[&str]) -> Value {
    let run = produce(dir, t, lines, extra);
    assert_eq!(run.code, 0, "produce failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("summary is JSON")
}

/// Every field of `expected` (an object) has that value in `actual`.
fn assert_fields(actual: &Value, expected: Value) {
    for (name, value) in expected.as_object().unwrap() {
        assert_eq!(&actual[name], value, "field {name} of {actual}");
    }
}

fn dump(path: &Path, flags: &[&str]) -> (i32, Value) {
    let mut args = vec!["dump-log", path.to_str().unwrap()];
    args.extend(flags);
    let run = cli(&args);
    (run.code, serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout)))
}

/// Every record of a partition (all its segments, in order), with `--print-data-log`.
fn records_of(logs: &Path, topic: &str, partition: u32) -> Vec<Value> {
    let dir = logs.join(format!("{topic}-{partition}"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let (code, json) = dump(&dir.join(name), &["--print-data-log"]);
        assert_eq!(code, 0);
        for batch in json["batches"].as_array().unwrap() {
            out.extend(batch["records"].as_array().unwrap().iter().cloned());
        }
    }
    out
}

fn line(key: Option<&str>, value: &str) -> String {
    json!({ "key": key, "value": value }).to_string()
}

#[test]
fn built_in_and_murmur2_put_kafka_vector_keys_in_their_partitions() {
    let cases = common::vector("partitioner_murmur2.json")["cases"].as_array().unwrap().clone();
    let lines: Vec<String> =
        cases.iter().enumerate().map(|(i, c)| line(c["key_hex"].as_str(), &format!("rec-{i}"))).collect();
    for partitioner in ["built_in", "murmur2"] {
        let tmp = tempfile::tempdir().unwrap();
        produce_ok(tmp.path(), ["vectors", "3", partitioner], &lines, &[]);
        let mut seen = 0;
        for p in 0..3u32 {
            for r in records_of(&tmp.path().join("logs"), "vectors", p) {
                let i: usize = r["payload"].as_str().unwrap()[4..].parse().unwrap();
                assert_eq!(r["keyHex"], cases[i]["key_hex"]);
                assert_eq!(cases[i]["partition"]["3"], p, "{partitioner}: key {}", cases[i]["key_hex"]);
                seen += 1;
            }
        }
        assert_eq!(seen, cases.len());
    }
}

#[test]
fn every_partitioner_places_records_as_the_engine_decides() {
    let lines: Vec<String> = (0..60)
        .map(|i| match i % 4 {
            0 => line(None, &format!("rec-{i}")),
            1 => line(Some(""), &format!("rec-{i}")),
            _ => line(Some(&common::hex(format!("key-{}", i % 7).as_bytes())), &format!("rec-{i}")),
        })
        .collect();
    let input = parse_input(&lines.join("\n")).unwrap();
    for kind in PartitionerKind::ALL {
        let tmp = tempfile::tempdir().unwrap();
        produce_ok(tmp.path(), ["all", "3", kind.name()], &lines, &["--seed", "7"]);
        // Replay: same seed, clock CLOCK + i, size hint as the CLI computes it.
        let mut replay = Partitioner::new(kind, PartitionerConfig::default(), 7);
        let expected: Vec<u32> = input
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let size = sticky_size_hint(r.key.as_deref(), r.value.as_ref().map(Vec::len), &r.headers);
                replay.partition((CLOCK + i as i64) as u64, "all", r.key.as_deref(), size, 3)
            })
            .collect::<Result<_, _>>()
            .unwrap();
        for p in 0..3u32 {
            for (n, r) in records_of(&tmp.path().join("logs"), "all", p).into_iter().enumerate() {
                let i: usize = r["payload"].as_str().unwrap()[4..].parse().unwrap();
                assert_eq!(expected[i], p, "{}: record {i}", kind.name());
                if let Some(hash) = kind.key_hash(input[i].key.as_deref()) {
                    if !kind.uses_sticky_partition(input[i].key.as_deref(), 10) {
                        assert_eq!(hash % 3, p, "{}: hashed record {i}", kind.name());
                    }
                }
                assert_eq!(r["offset"], n as i64, "offsets are contiguous");
                assert_eq!(r["CreateTime"], CLOCK + i as i64, "the fixed clock gives the timestamp");
            }
        }
    }
}

#[test]
fn rerun_appends_after_existing_offsets_and_time() {
    let tmp = tempfile::tempdir().unwrap();
    let first: Vec<String> = (0..5).map(|i| line(Some("6b"), &format!("a{i}"))).collect();
    let s1 = produce_ok(tmp.path(), ["again", "2", "built_in"], &first, &[]);
    let p = s1["per_partition"].as_array().unwrap().iter().find(|p| p["records"] == 5).unwrap().clone();
    let partition = p["partition"].as_u64().unwrap() as u32;
    assert_eq!((p["first_offset"].as_i64(), p["last_offset"].as_i64()), (Some(0), Some(4)));
    let second: Vec<String> = (0..3).map(|i| line(Some("6b"), &format!("b{i}"))).collect();
    let s2 = produce_ok(tmp.path(), ["again", "2", "built_in"], &second, &[]);
    let p2 = &s2["per_partition"][partition as usize];
    assert_eq!((p2["first_offset"].as_i64(), p2["last_offset"].as_i64()), (Some(5), Some(7)));
    assert_eq!(p2["log_end_offset"], 8);
    assert_eq!(s2["clock_start_ms"], CLOCK + 5, "the clock resumes after the newest timestamp");
    let records = records_of(&tmp.path().join("logs"), "again", partition);
    let payloads: Vec<&str> = records.iter().map(|r| r["payload"].as_str().unwrap()).collect();
    assert_eq!(payloads, ["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2"]);
    let offsets: Vec<i64> = records.iter().map(|r| r["offset"].as_i64().unwrap()).collect();
    assert_eq!(offsets, (0..8).collect::<Vec<_>>());
    // A different partition count for the same topic is refused.
    let run = produce(tmp.path(), ["again", "3", "built_in"], &second, &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--partitions is 3"), "{}", run.stderr);
}

#[test]
fn small_segments_roll_with_kafka_names_and_valid_indexes() {
    let tmp = tempfile::tempdir().unwrap();
    let value = "v".repeat(100);
    let lines: Vec<String> = (0..200).map(|i| line(Some(&format!("{:04x}", i)), &value)).collect();
    let extra = [
        "--config",
        "segment.bytes=4096",
        "--config",
        "index.interval.bytes=500",
        "--producer-config",
        "batch.size=1024",
    ];
    let summary = produce_ok(tmp.path(), ["roll", "1", "murmur2"], &lines, &extra);
    assert_eq!(summary["batch_limit_bytes"], 1024);
    let segments: Vec<i64> = summary["per_partition"][0]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(segments.len() > 3, "{segments:?}");
    let dir = tmp.path().join("logs/roll-0");
    for (k, base) in segments.iter().enumerate() {
        let log = dir.join(format!("{base:020}.log"));
        let size = std::fs::metadata(&log).unwrap().len();
        assert!(size <= 4096, "segment {base} is {size} bytes");
        let (code, json) = dump(&log, &[]);
        assert_eq!(code, 0);
        let batches = json["batches"].as_array().unwrap();
        assert_eq!(batches[0]["baseOffset"], *base);
        let end = segments.get(k + 1).copied().unwrap_or(200);
        assert_eq!(batches.last().unwrap()["lastOffset"], end - 1);
        let (code, index) = dump(&dir.join(format!("{base:020}.index")), &[]);
        assert_eq!(code, 0);
        for entry in index["entries"].as_array().unwrap() {
            let batch =
                batches.iter().find(|b| b["position"] == entry["position"]).expect("entry at a batch start");
            assert!(batch["lastOffset"].as_i64() >= entry["offset"].as_i64());
        }
        if k + 1 < segments.len() {
            assert!(!index["entries"].as_array().unwrap().is_empty(), "index entries every 500 bytes");
            let (_, time) = dump(&dir.join(format!("{base:020}.timeindex")), &[]);
            let last = time["entries"].as_array().unwrap().last().cloned().expect("final time entry on roll");
            assert_eq!(last["timestamp"], CLOCK + end - 1);
        }
    }
}

#[test]
fn dump_log_prints_kafka_fields_headers_and_control_free_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let lines = vec![
        r#"{"key": "6b6579", "value": "hello", "headers": [{"key": "h1", "value": "v1"}, {"key": "h2", "value": null}], "timestamp": 1600000000000}"#.to_string(),
        r#"{"key": null, "value": null}"#.to_string(),
    ];
    let gzip = ["--producer-config", "compression.type=gzip"];
    produce_ok(tmp.path(), ["fields", "1", "built_in"], &lines, &gzip);
    let log = tmp.path().join("logs/fields-0/00000000000000000000.log");
    let (code, shallow) = dump(&log, &[]);
    assert_eq!(code, 0);
    let b = &shallow["batches"][0];
    let size = std::fs::metadata(&log).unwrap().len();
    // An idempotent producer's batch (enable.idempotence defaults to true): the first
    // producer id of a fresh log dir, epoch 0, sequences from 0 (DumpLogSegments' fields).
    assert_fields(
        b,
        json!({"baseOffset": 0, "lastOffset": 1, "count": 2, "baseSequence": 0, "lastSequence": 1,
               "producerId": 0, "producerEpoch": 0, "partitionLeaderEpoch": 0, "isTransactional": false,
               "isControl": false, "deleteHorizonMs": null, "position": 0, "CreateTime": CLOCK + 1,
               "size": size, "magic": 2, "compresscodec": "gzip", "isvalid": true}),
    );
    assert!(b.get("records").is_none());
    let (_, deep) = dump(&log, &["--deep-iteration"]);
    let r = &deep["batches"][0]["records"][0];
    assert_fields(
        r,
        json!({"offset": 0, "CreateTime": 1_600_000_000_000i64, "keySize": 3, "valueSize": 5,
               "sequence": 0, "headerKeys": ["h1", "h2"]}),
    );
    assert_eq!(deep["batches"][0]["records"][1]["sequence"], 1);
    // Without idempotence Kafka writes -1 for producer id, epoch and sequences.
    let plain = ["--producer-config", "enable.idempotence=false"];
    produce_ok(tmp.path(), ["plain", "1", "built_in"], &lines, &plain);
    let (_, plain) = dump(&tmp.path().join("logs/plain-0/00000000000000000000.log"), &[]);
    assert_fields(
        &plain["batches"][0],
        json!({"baseSequence": -1, "lastSequence": -1, "producerId": -1, "producerEpoch": -1}),
    );
    assert!(r.get("payload").is_none(), "payload only with --print-data-log");
    let (_, data) = dump(&log, &["--print-data-log"]);
    let r = &data["batches"][0]["records"];
    assert_eq!((r[0]["key"].as_str(), r[0]["payload"].as_str()), (Some("key"), Some("hello")));
    assert_eq!(r[0]["headers"][1], json!({"key": "h2", "value": null}));
    assert_eq!((r[1]["keySize"].as_i64(), r[1]["valueSize"].as_i64()), (Some(-1), Some(-1)));
    assert!(r[1]["key"].is_null() && r[1]["payload"].is_null());
    // LogAppendTime topics: the broker's clock is every record's timestamp.
    let lat = ["--config", "message.timestamp.type=LogAppendTime"];
    produce_ok(tmp.path(), ["lat", "1", "built_in"], &lines, &lat);
    let (_, dumped) = dump(&tmp.path().join("logs/lat-0/00000000000000000000.log"), &["--deep-iteration"]);
    assert_eq!(dumped["batches"][0]["LogAppendTime"], CLOCK + 1);
    assert_eq!(dumped["batches"][0]["records"][0]["LogAppendTime"], CLOCK + 1);
}

#[test]
fn dump_log_reports_torn_and_corrupt_files_after_the_valid_part() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..40).map(|i| line(Some("61"), &format!("value-{i}"))).collect();
    produce_ok(tmp.path(), ["torn", "1", "built_in"], &lines, &["--producer-config", "batch.size=200"]);
    let log = tmp.path().join("logs/torn-0/00000000000000000000.log");
    let bytes = std::fs::read(&log).unwrap();
    let (_, whole) = dump(&log, &[]);
    let batches = whole["batches"].as_array().unwrap().clone();
    assert!(batches.len() > 3);
    let cut = batches[2]["position"].as_u64().unwrap() as usize + 30;
    let torn = tmp.path().join("torn.log");
    std::fs::write(&torn, &bytes[..cut]).unwrap();
    let run = cli(&["dump-log", torn.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["batches"].as_array().unwrap().len(), 2);
    assert_eq!(json["error"]["position"], batches[2]["position"]);
    assert!(json["error"]["message"].as_str().unwrap().contains("truncated"), "{}", json["error"]);
    assert!(run.stderr.contains("truncated"), "{}", run.stderr);
    // One flipped bit in a record: that batch is invalid, the rest still print.
    let mut flipped = bytes.clone();
    let at = batches[1]["position"].as_u64().unwrap() as usize + 70;
    flipped[at] ^= 0x01;
    let bad = tmp.path().join("bad.log");
    std::fs::write(&bad, &flipped).unwrap();
    let (code, json) = dump(&bad, &["--deep-iteration"]);
    assert_eq!(code, 1);
    let out = json["batches"].as_array().unwrap();
    assert_eq!(out.len(), batches.len());
    let valid: Vec<bool> = out.iter().map(|b| b["isvalid"].as_bool().unwrap()).collect();
    assert_eq!(valid.iter().filter(|v| !**v).count(), 1);
    assert!(!valid[1]);
    // Producing onto a corrupt partition is refused and changes nothing.
    std::fs::write(&log, &flipped).unwrap();
    let run = produce(tmp.path(), ["torn", "1", "built_in"], &lines[..1], &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("corrupt"), "{}", run.stderr);
    assert_eq!(std::fs::read(&log).unwrap(), flipped);
}

#[test]
fn bad_input_fails_with_a_message_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let good = vec![line(Some("00"), "ok")];
    let t3 = ["t", "3", "built_in"];
    // (input lines, [topic, partitions, partitioner], exit code, expected message)
    let cases = [
        (r#"{"key": "00"}"#, ["t", "3", "sticky"], 2, "invalid --partitioner"),
        (r#"{"key": "00"}"#, ["bad topic", "3", "built_in"], 2, "illegal"),
        (r#"{"key": "00"}"#, ["..", "3", "built_in"], 2, "cannot be"),
        (r#"{"key": "00"}"#, ["t", "0", "built_in"], 2, "larger than 0"),
        ("{\"key\": \"00\"}\n{\"key\": \"0g\"}", t3, 1, "input line 2: key \"0g\" is not hex"),
        ("{\"value\": \"ok\"}\n{\"key\": 5}", t3, 1, "input line 2: not a valid record"),
        ("not json", t3, 1, "input line 1"),
    ];
    for (input, t, code, needle) in cases {
        let run = produce(tmp.path(), t, &[input.to_string()], &[]);
        assert_eq!(run.code, code, "{needle}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "expected {needle:?} in {}", run.stderr);
        assert!(!tmp.path().join("logs").exists(), "{needle}: nothing may be written");
    }
    let run = produce(tmp.path(), ["t", "1", "built_in"], &good, &["--config", "segment.bytes=abc"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("segment.bytes"), "{}", run.stderr);
    let big = vec![line(None, &"x".repeat(300))];
    let run = produce(tmp.path(), ["t", "1", "built_in"], &big, &["--config", "max.message.bytes=200"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("MESSAGE_TOO_LARGE") && run.stderr.contains("input line 1"),
        "{}",
        run.stderr
    );
    assert!(!tmp.path().join("logs").exists());
    for (args, code) in
        [(vec!["frobnicate"], 2), (vec![], 2), (vec!["produce", "--topik", "t"], 2), (vec!["dump-log"], 2)]
    {
        let run = cli(&args);
        assert_eq!(run.code, code, "{args:?}");
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
    let run = cli(&["dump-log", tmp.path().join("missing.log").to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot read"));
    let help = cli(&["help", "produce"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--partitioner"));
}

//! Fuzzed decoders (issue #16, point 3), on stable Rust: every parser of bytes or text
//! the playground reads back — RecordBatch decode and validation in every codec, the
//! codecs themselves, segment recovery from arbitrary bytes, a broker's and the
//! controller's recovery from stored documents, checkpoints, `__consumer_offsets`
//! records, a coordinator's load of its `__consumer_offsets` log, the consumer protocol,
//! `__transaction_state` records, end transaction marker control batches, `.txnindex`
//! files, the scenario, journal and command parsers — runs
//! over its corpus (`tests/fuzz_corpus/<target>/`, valid inputs from real runs) and over
//! seeded mutants of it. Each input must not panic, must not allocate more than 64 MiB,
//! and a refusal must say what is wrong (`tests/fuzz_support`). `.index`/`.timeindex` are
//! not a target: the playground writes them (to download) but never reads one;
//! recovery rebuilds them from the `.log`, as Kafka's `LogSegment.recover` does.
//!
//! `cargo test --test fuzz_decoders` runs the short run (a few hundred mutants per
//! target); `FUZZ_ITERATIONS=N` (and `FUZZ_SEED=S`) make it a long one, e.g.
//! `FUZZ_ITERATIONS=200000 cargo test --release --test fuzz_decoders -- --nocapture`
//! (figures in TESTING.md, "Fuzzed decoders"). `cargo test --test fuzz_decoders --
//! --ignored write_corpus` rewrites the corpus from the vectors and a scenario run.
//! Native only: the fuzzer reads its corpus from disk and catches panics per input.
#![cfg(not(target_arch = "wasm32"))]

mod fuzz_support;

use fuzz_support::{fuzz, CountingAllocator, Figures, Outcome};
use kafka_playground::engine::client::consumer::protocol::{decode_assignment, decode_subscription};
use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::controller::{ControllerConfig, ControllerNode};
use kafka_playground::engine::group::coordinator::records::{
    decode_group_metadata_value, decode_key, decode_offset_commit_value, describe_record,
};
use kafka_playground::engine::group::coordinator::{GroupCoordinator, GroupCoordinatorConfig};
use kafka_playground::engine::log::checkpoint::read_checkpoint;
use kafka_playground::engine::log::{LeaderEpochCache, PartitionLog};
use kafka_playground::engine::record::batch::{write_crc, BATCH_LENGTH_OFFSET, LOG_OVERHEAD};
use kafka_playground::engine::record::compression::decompress;
use kafka_playground::engine::record::{
    decode_batch, read_header, split_batches, validate_batch, verify_crc, Compression,
};
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use kafka_playground::engine::store::SegmentId;
use kafka_playground::engine::topic::TopicConfig;
use kafka_playground::engine::txn::log_record::{
    decode_value, encode_value, format_record_key_and_value, read_txn_record_key, read_txn_record_value,
};
use kafka_playground::engine::txn::marker::{decode_control_batch, ControlRecordType, EndTransactionMarker};
use kafka_playground::engine::txn::read_committed::FetchedBatch;
use kafka_playground::engine::txn::txn_index::{AbortedTxn, TransactionIndex, ABORTED_TXN_TOTAL_SIZE};
use kafka_playground::sim::cluster_world::ClusterWorld;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Journal;
use std::path::PathBuf;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Mutants per target in the short run (the test command): ~10–20 s in all in debug.
const SHORT_RUN_ITERATIONS: u64 = 10_000;

fn iterations() -> u64 {
    std::env::var("FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(SHORT_RUN_ITERATIONS)
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus").join(target)
}

/// Every file of `tests/fuzz_corpus/<target>/`, in name order.
fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    paths.into_iter().map(|p| std::fs::read(&p).unwrap()).collect()
}

/// Runs one target and prints its figures (seen with `--nocapture`).
fn run(target: &str, check: impl Fn(&[u8]) -> Outcome) -> Figures {
    let (seed, iterations) = (seed(), iterations());
    let start = std::time::Instant::now();
    let figures = fuzz(target, &corpus(target), seed, iterations, check);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz {target}: seed {seed}, {} inputs ({} refused), {:.0} inputs/s, at most {} bytes allocated by one",
        figures.inputs,
        figures.refused,
        figures.inputs as f64 / secs.max(1e-9),
        figures.max_allocated_bytes
    );
    figures
}

fn words<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// A mutant's framing and CRC made right again, so the decoder gets past the CRC check
/// to the records and the codec (what a buggy producer that signs its garbage sends).
fn resigned(input: &[u8]) -> Option<Vec<u8>> {
    let mut batch = input.to_vec();
    let len = i32::try_from(batch.len().checked_sub(LOG_OVERHEAD)?).ok()?;
    read_header(&batch).ok()?;
    batch[BATCH_LENGTH_OFFSET..BATCH_LENGTH_OFFSET + 4].copy_from_slice(&len.to_be_bytes());
    write_crc(&mut batch);
    Some(batch)
}

/// Every batch that frames in `bytes` re-signed (a segment whose batches pass the CRC).
fn resign_segment(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let spans: Vec<(usize, usize)> =
        split_batches(bytes).map_while(Result::ok).map(|v| (v.position as usize, v.bytes.len())).collect();
    for (at, len) in spans {
        write_crc(&mut out[at..at + len]);
    }
    out
}

fn check_batch(batch: &[u8]) -> Outcome {
    let _ = read_header(batch);
    let _ = verify_crc(batch);
    let _ = split_batches(batch).count();
    let _ = validate_batch(batch).map_err(words)?;
    decode_batch(batch).map(drop).map_err(words)
}

#[test]
fn record_batches_decode_or_are_refused_in_every_codec() {
    let figures = run("record_batch", |input| {
        let raw = check_batch(input);
        match resigned(input) {
            Some(signed) => check_batch(&signed).and(raw),
            None => raw,
        }
    });
    assert!(figures.refused > 0, "mutants are refused: the fuzzer reaches the checks");
}

#[test]
fn codecs_decompress_or_are_refused() {
    // The first byte picks the codec (as a batch's attributes do), the rest is its data.
    run("compressed", |input| {
        let (&id, data) = input.split_first().ok_or("empty input")?;
        let codec = Compression::from_id(i16::from(id % 5)).map_err(words)?;
        decompress(codec, data).map(drop).map_err(words)
    });
}

fn recover_partition(segments: Vec<(i64, Vec<u8>)>) -> Outcome {
    let (log, report) = PartitionLog::recover(1, "t", 0, TopicConfig::default(), segments, Some(0), 0);
    let _ = LeaderEpochCache::from_log_bytes(log.segments().iter().flat_map(|s| s.log_chunks()));
    for segment in log.segments() {
        let _ = segment.files();
    }
    let _ = log.read(log.log_start_offset(), 1024 * 1024, log.log_end_offset());
    match report.corruption {
        Some(e) => Err(e.to_string()),
        None => Ok(()),
    }
}

#[test]
fn segments_recover_from_arbitrary_bytes() {
    run("segment", |input| {
        // As stored, then with every framed batch re-signed, then cut in two segments.
        let raw = recover_partition(vec![(0, input.to_vec())]);
        let signed = resign_segment(input);
        let cut = signed.len() / 2;
        let _ = recover_partition(vec![(0, signed[..cut].to_vec()), (0, signed[cut..].to_vec())]);
        recover_partition(vec![(0, signed)]).and(raw)
    });
}

/// A stored document as the corpus keeps it: its name, a newline, its value.
fn name_and_value(input: &[u8]) -> (String, String) {
    let text = String::from_utf8_lossy(input);
    match text.split_once('\n') {
        Some((name, value)) => (name.to_string(), value.to_string()),
        None => (String::new(), text.into_owned()),
    }
}

#[test]
fn brokers_and_the_controller_recover_from_stored_documents() {
    let segment = corpus("segment").into_iter().next().expect("a segment in the corpus");
    run("stored_value", |input| {
        let (name, value) = name_and_value(input);
        let _ = read_checkpoint(&value);
        let topic = SegmentId { broker_id: 1, topic: "some_topic".into(), partition: 0, base_offset: 0 };
        let meta = vec![(name.clone(), value.clone())];
        let mut broker =
            BrokerNode::recover(1, BrokerConfig::default(), vec![(topic, segment.clone())], meta.clone(), 0);
        use kafka_playground::engine::cluster::Node;
        while broker.poll_output().is_some() {}
        let _ = broker.state_json();
        let mut controller = ControllerNode::recover(ControllerConfig::default(), &meta);
        while controller.poll_output().is_some() {}
        let _ = controller.state_json();
        Ok(())
    });
}

#[test]
fn consumer_offsets_records_and_the_consumer_protocol_decode_or_are_refused() {
    run("group_record", |input| {
        let _ = describe_record(Some(input), Some(input));
        let _ = decode_subscription("m", None, input);
        let _ = decode_assignment(input);
        let _ = decode_offset_commit_value(input).map_err(words);
        let _ = decode_group_metadata_value(input).map_err(words);
        decode_key(input).map(drop).map_err(words)
    });
}

#[test]
fn group_coordinators_load_any_offsets_log() {
    // A broker elected leader of `__consumer_offsets-0` replays the partition's log.
    // The log as stored, then with its batches re-signed so mutated records get decoded.
    let load = |log: &[u8]| {
        let mut coordinator = GroupCoordinator::new(1, GroupCoordinatorConfig::default(), 0);
        coordinator.on_elected(0, 0, 0);
        coordinator.load(0, 0, log);
        while coordinator.take_effect().is_some() {}
        let _ = coordinator.state_json();
    };
    run("offsets_log", |input| {
        load(input);
        load(&resign_segment(input));
        Ok(())
    });
}

#[test]
fn transaction_log_records_decode_or_are_refused() {
    run("txn_record", |input| {
        let _ = format_record_key_and_value(input, Some(input));
        let _ = read_txn_record_value("id", Some(input)).map_err(words);
        // A value that decodes re-encodes, and that encoding is stable.
        if let Ok((version, value)) = decode_value(input) {
            let once = encode_value(version, &value).expect("a decoded value encodes");
            let (_, again) = decode_value(&once).expect("an encoded value decodes");
            assert_eq!(encode_value(version, &again).unwrap(), once, "encoding is stable");
        }
        read_txn_record_key(input).map(drop).map_err(words)
    });
}

fn check_control_batch(batch: &[u8]) -> Outcome {
    let _ = FetchedBatch::from_bytes(batch).map_err(words);
    let _ = ControlRecordType::parse(batch).map_err(words);
    let _ = EndTransactionMarker::deserialize_value(ControlRecordType::Commit, batch).map_err(words);
    decode_control_batch(batch).map(drop).map_err(words)
}

#[test]
fn control_batches_decode_or_are_refused() {
    run("control_batch", |input| {
        let raw = check_control_batch(input);
        match resigned(input) {
            Some(signed) => check_control_batch(&signed).and(raw),
            None => raw,
        }
    });
}

#[test]
fn txnindex_files_read_or_are_refused() {
    run("txnindex", |input| {
        let mut index = TransactionIndex::open(0, input.to_vec());
        let _ = index.sanity_check().map_err(words);
        let _ = index.collect_aborted_txns(5, 40).map_err(words);
        let entries = index.all_aborted_txns().map_err(words)?;
        // What is read is the file's bytes, entry by entry.
        let written: Vec<u8> = entries.iter().flat_map(|e| e.to_bytes()).collect();
        assert_eq!(written, input[..entries.len() * ABORTED_TXN_TOTAL_SIZE]);
        index.truncate_to(20).map_err(words)?;
        index.append(AbortedTxn::new(1, 60, i64::MAX, 0)).map_err(words)?;
        Ok(())
    });
}

#[test]
fn scenario_files_parse_or_name_the_field() {
    run("scenario", |input| Scenario::parse(&String::from_utf8_lossy(input)).map(drop).map_err(words));
}

#[test]
fn journals_parse_as_replay_reads_them() {
    run("journal", |input| {
        // `kafka-playground replay`: the journal, its scenario and the scenario's checks, the world.
        let journal: Journal = serde_json::from_slice(input).map_err(words)?;
        let scenario: Scenario = serde_json::from_value(journal.scenario).map_err(words)?;
        scenario.validate().map_err(words)?;
        ClusterWorld::new(&scenario, journal.seed).map(drop).map_err(words)
    });
}

/// `replay` checks a journal's scenario as `run` checks a file before building anything
/// from it: a million brokers (the playground hosts 9) is refused, naming the field.
#[test]
fn replay_refuses_a_journal_whose_scenario_is_out_of_bounds() {
    let text = String::from_utf8(corpus("journal").remove(0)).unwrap();
    let mut journal: serde_json::Value = serde_json::from_str(&text).unwrap();
    journal["scenario"]["cluster"]["brokers"] = 1_000_000.into();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.json");
    std::fs::write(&path, journal.to_string()).unwrap();
    let args = ["replay".to_string(), path.display().to_string()];
    let e = kafka_playground::cli::run(&args, &mut Vec::new()).unwrap_err();
    assert!(e.message.contains("cluster.brokers") && e.message.contains("1000000 brokers"), "{}", e.message);
    // The journal as written replays.
    std::fs::write(&path, &text).unwrap();
    kafka_playground::cli::run(&args, &mut Vec::new()).unwrap();
}

#[test]
fn commands_parse_or_name_what_is_wrong() {
    run("command", |input| Command::from_json(&String::from_utf8_lossy(input)).map(drop));
}

#[path = "fuzz_support/write_corpus.rs"]
mod write_corpus;

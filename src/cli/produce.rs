//! `kafka-playground produce`: writes records from a JSON-lines file into a topic laid
//! out as Kafka's log dirs, appending to what is already there. Everything is checked
//! (flags, the whole input, existing segments, every batch through the engine) before
//! the first byte is written, so a failed run leaves the directory untouched.
//!
//! Timestamps and the broker clock never come from the wall clock unless `--now` asks:
//! record i of the run (0-based) has clock `base + i`, where `base` is `--timestamp-ms`,
//! else one past the largest timestamp already in the topic's logs, else
//! 1700000000000 (2023-11-14T22:13:20Z). A record's `"timestamp"` overrides its
//! CreateTime; the clock still drives the partitioners' stickiness and LogAppendTime.

use super::accumulate::{Accumulator, PartitionStats};
use super::args::{self, Arity, FlagSpec};
use super::input::parse_input;
use super::logdir::{check_partition_count, existing_partitions, load_partition, save_partition};
use super::{write_out, CliError};
use crate::engine::partitioner::{Partitioner, PartitionerConfig, PartitionerKind};
use crate::engine::record::{BatchOptions, Compression};
use crate::engine::topic::{validate_partition_count, validate_topic_name, TopicConfig};
use serde::Serialize;
use std::io::{Read, Write};
use std::path::Path;

/// The clock's start when nothing else decides it: 2023-11-14T22:13:20Z.
pub const DEFAULT_BASE_TIMESTAMP_MS: i64 = 1_700_000_000_000;

pub const USAGE: &str = "\
kafka-playground produce: write records into Kafka log dirs (DIR/<topic>-<partition>/)

USAGE:
  kafka-playground produce --log-dir DIR --topic NAME --partitions N --partitioner NAME
                           --input FILE [--seed S] [--config k=v]... [--producer-config k=v]...
                           [--timestamp-ms MS | --now]

  --input FILE         one JSON object per line ('-' reads stdin):
                         {\"key\": \"<hex>\"|null, \"value\": \"<text>\"|null,
                          \"headers\": [{\"key\": \"<text>\", \"value\": \"<text>\"|null}],
                          \"timestamp\": <ms>}
                       key, value, headers and timestamp may be left out (null key,
                       null value, no headers, the clock below); blank lines are skipped
  --partitioner NAME   built_in (Java client default), random, consistent,
                       consistent_random, murmur2, murmur2_random, fnv1a, fnv1a_random
  --seed S             seed of the partitioners' random choices (default 0)
  --config k=v         topic config, Kafka names (segment.bytes, index.interval.bytes,
                       message.timestamp.type, ...); applies to this run
  --producer-config k=v  batch.size (16384), compression.type (none), enable.idempotence (true),
                         sticky.partitioning.linger.ms (10)
  --timestamp-ms MS    clock of the first record; record i gets MS + i
                       (default: one past the newest timestamp in the topic, else 1700000000000)
  --now                start the clock at the wall clock instead

Re-running appends after the existing offsets; --partitions must match the existing
partition directories. Batches close at min(batch.size, segment.bytes, max.message.bytes).
Prints a JSON summary.
";

const FLAGS: [FlagSpec; 11] = [
    FlagSpec { name: "log-dir", arity: Arity::One },
    FlagSpec { name: "topic", arity: Arity::One },
    FlagSpec { name: "partitions", arity: Arity::One },
    FlagSpec { name: "partitioner", arity: Arity::One },
    FlagSpec { name: "input", arity: Arity::One },
    FlagSpec { name: "seed", arity: Arity::One },
    FlagSpec { name: "config", arity: Arity::Many },
    FlagSpec { name: "producer-config", arity: Arity::Many },
    FlagSpec { name: "timestamp-ms", arity: Arity::One },
    FlagSpec { name: "now", arity: Arity::Switch },
    FlagSpec { name: "help", arity: Arity::Switch },
];

/// The JSON summary printed after a run.
#[derive(Serialize)]
struct Summary<'a> {
    log_dir: String,
    topic: &'a str,
    partitions: u32,
    partitioner: &'static str,
    seed: u64,
    records: usize,
    batches: u64,
    batch_limit_bytes: u32,
    /// The clock of the run's first record (see the module doc).
    clock_start_ms: i64,
    per_partition: Vec<PartitionSummary>,
}

#[derive(Serialize)]
struct PartitionSummary {
    #[serde(flatten)]
    stats: PartitionStats,
    log_start_offset: i64,
    log_end_offset: i64,
    /// Base offsets of the partition's segments after the run.
    segments: Vec<i64>,
}

/// Producer settings `--producer-config` can change.
struct ProducerSettings {
    partitioner: PartitionerConfig,
    compression: Compression,
    /// `enable.idempotence` (Kafka's default `true`): batches carry a producer id, epoch
    /// 0 and each partition's sequence numbers from 0, as a new idempotent producer's do.
    enable_idempotence: bool,
}

fn producer_settings(pairs: &[String]) -> Result<ProducerSettings, CliError> {
    let mut s = ProducerSettings {
        partitioner: PartitionerConfig::default(),
        compression: Compression::None,
        enable_idempotence: true,
    };
    for pair in pairs {
        let (name, value) = args::key_value("producer-config", pair)?;
        let bad = |what: &str| {
            CliError::usage(format!("invalid value {value:?} for producer config {name}: {what}"))
        };
        match name {
            "batch.size" => s.partitioner.batch_size_bytes = value.trim().parse().map_err(|_| bad("not a whole number"))?,
            "sticky.partitioning.linger.ms" => {
                s.partitioner.sticky_partitioning_linger_ms = value.trim().parse().map_err(|_| bad("not a whole number"))?
            }
            "compression.type" => {
                s.compression = Compression::from_name(value.trim())
                    .ok_or_else(|| bad("must be one of none, gzip, snappy, lz4, zstd"))?
            }
            "enable.idempotence" => {
                s.enable_idempotence = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("Expected value to be either true or false")),
                }
            }
            _ => {
                return Err(CliError::usage(format!(
                    "unknown producer config {name:?} (supported: batch.size, compression.type, enable.idempotence, sticky.partitioning.linger.ms)"
                )))
            }
        }
    }
    Ok(s)
}

/// One more than the largest producer id in `logs`' batches (0 when none has one).
fn next_producer_id(logs: &[crate::engine::log::PartitionLog]) -> i64 {
    let largest = logs
        .iter()
        .flat_map(|l| l.segments())
        .flat_map(|s| {
            let bytes = s.log_bytes();
            crate::engine::record::batch::split_batches(&bytes)
                .filter_map(|b| b.ok().map(|b| b.header.producer_id))
                .collect::<Vec<i64>>()
        })
        .max()
        .unwrap_or(-1);
    largest.max(-1) + 1
}

fn read_input(path: &str) -> Result<String, CliError> {
    let mut text = String::new();
    let result = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text)).map(|_| ())
    };
    result.map_err(|e| CliError::failure(format!("cannot read input {path}: {e}")))?;
    Ok(text)
}

fn wall_clock_ms() -> Result<i64, CliError> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| CliError::failure(format!("the system clock is before 1970: {e}")))?;
    Ok(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
}

/// Runs `produce` with its arguments.
pub fn run(argv: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let a = args::parse(argv, &FLAGS)?;
    if let Some(extra) = a.positionals.first() {
        return Err(CliError::usage(format!("produce takes no positional argument, got {extra:?}")));
    }
    let root = Path::new(a.required("log-dir")?);
    let topic = a.required("topic")?;
    validate_topic_name(topic).map_err(|e| CliError::usage(format!("invalid --topic: {e}")))?;
    let partitions: i64 =
        a.number("partitions")?.ok_or_else(|| CliError::usage("missing required flag --partitions"))?;
    let partitions = validate_partition_count(partitions)
        .map_err(|e| CliError::usage(format!("invalid --partitions: {e}")))?;
    let kind = PartitionerKind::from_name(a.required("partitioner")?)
        .map_err(|e| CliError::usage(format!("invalid --partitioner: {e}")))?;
    let seed: u64 = a.number("seed")?.unwrap_or(0);
    let pairs =
        a.values("config").iter().map(|p| args::key_value("config", p)).collect::<Result<Vec<_>, _>>()?;
    let config =
        TopicConfig::from_pairs(pairs).map_err(|e| CliError::usage(format!("invalid --config: {e}")))?;
    let producer = producer_settings(a.values("producer-config"))?;
    let explicit_clock: Option<i64> = a.number("timestamp-ms")?;
    if explicit_clock.is_some() && a.has("now") {
        return Err(CliError::usage("--timestamp-ms and --now cannot be used together"));
    }
    if explicit_clock.is_some_and(|t| t < 0) {
        return Err(CliError::usage("--timestamp-ms must be non-negative"));
    }
    let records = parse_input(&read_input(a.required("input")?)?)?;

    let existing = existing_partitions(root, topic)?;
    check_partition_count(root, topic, &existing, partitions)?;
    let load_clock = explicit_clock.unwrap_or(DEFAULT_BASE_TIMESTAMP_MS);
    let mut logs = (0..partitions)
        .map(|p| load_partition(root, topic, p, &config, load_clock))
        .collect::<Result<Vec<_>, _>>()?;
    let first_touched: Vec<i64> =
        logs.iter().map(|l| l.segments().last().map_or(0, |s| s.base_offset)).collect();
    let newest =
        logs.iter().flat_map(|l| l.segments()).map(|s| s.max_timestamp_so_far_ms).max().unwrap_or(-1);
    let base = match explicit_clock {
        Some(t) => t,
        None if a.has("now") => wall_clock_ms()?,
        None => DEFAULT_BASE_TIMESTAMP_MS.max(newest.saturating_add(1)),
    };

    let limit =
        producer.partitioner.batch_size_bytes.max(1).min(config.segment_bytes).min(config.max_message_bytes);
    let options = BatchOptions { compression: producer.compression, ..BatchOptions::default() };
    // Each run is a new producer: its id is above every id in the topic's logs, as the
    // controller never hands one out twice.
    let producer_id = producer.enable_idempotence.then(|| next_producer_id(&logs));
    let mut partitioner = Partitioner::new(kind, producer.partitioner, seed);
    let mut acc = Accumulator::new(topic, &mut logs, options, limit);
    acc.set_producer_id(producer_id);
    for (i, record) in records.iter().enumerate() {
        let clock = base.saturating_add(i as i64);
        acc.add(&mut partitioner, clock, record.timestamp_ms.unwrap_or(clock), record)?;
    }
    let stats = acc.finish()?;

    for (log, first) in logs.iter_mut().zip(&first_touched) {
        save_partition(root, log, *first)?;
    }
    let per_partition = logs
        .iter()
        .zip(stats)
        .map(|(log, stats)| PartitionSummary {
            stats,
            log_start_offset: log.log_start_offset(),
            log_end_offset: log.log_end_offset(),
            segments: log.segments().iter().map(|seg| seg.base_offset).collect(),
        })
        .collect::<Vec<_>>();
    let summary = Summary {
        log_dir: root.display().to_string(),
        topic,
        partitions,
        partitioner: kind.name(),
        seed,
        records: records.len(),
        batches: per_partition.iter().map(|p| p.stats.batches).sum(),
        batch_limit_bytes: limit,
        clock_start_ms: base,
        per_partition,
    };
    let text = serde_json::to_string_pretty(&summary)
        .map_err(|e| CliError::failure(format!("cannot print summary: {e}")))?;
    write_out(out, &(text + "\n"))
}

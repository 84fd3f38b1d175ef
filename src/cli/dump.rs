//! `kafka-playground dump-log`: prints a segment file as JSON with the fields and names of
//! Kafka's `kafka-dump-log.sh --files X [--deep-iteration] [--print-data-log]`.
//!
//! * `.log`: one object per batch (baseOffset … isvalid, in Kafka's order); with
//!   `--deep-iteration` its records (offset, CreateTime, keySize, valueSize, sequence,
//!   headerKeys, control markers); `--print-data-log` (which implies deep iteration, as in
//!   Kafka) adds key, payload and header values, as lossy UTF-8 text plus exact hex.
//!   A batch whose CRC fails is shown with `isvalid: false` and its records still decoded,
//!   as Kafka does; a torn or unframeable tail ends the list with an `error` entry.
//! * `.index` / `.timeindex`: the entries, absolute offsets from the file's base offset.
//! * `.snapshot` / `.txnindex`: one line per producer or aborted transaction, in the
//!   words of Kafka's `dumpProducerIdSnapshot` / `dumpTxnIndex`.
//!
//! Output is one JSON document, one batch or entry per line. Exit code 1 if anything was
//! invalid (after printing everything that could be read).

use super::args::{self, Arity, FlagSpec};
use super::input::to_hex;
use super::logdir::segment_base_offset;
use super::{write_out, CliError};
use crate::engine::record::batch::write_crc;
use crate::engine::record::{decode_batch, split_batches, verify_crc, BatchHeader, BatchView, Record};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

pub const USAGE: &str = "\
kafka-playground dump-log: print a Kafka segment file as JSON (like kafka-dump-log.sh)

USAGE:
  kafka-playground dump-log FILE [--deep-iteration] [--print-data-log]

  FILE               a .log, .index, .timeindex, .txnindex or .snapshot file
  --deep-iteration   also print every record of every batch
  --print-data-log   also print keys, payloads and header values (implies --deep-iteration)

Exit code 1 if a batch is invalid or the file ends in a torn or corrupt batch.
";

const FLAGS: [FlagSpec; 3] = [
    FlagSpec { name: "deep-iteration", arity: Arity::Switch },
    FlagSpec { name: "print-data-log", arity: Arity::Switch },
    FlagSpec { name: "help", arity: Arity::Switch },
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchJson {
    base_offset: i64,
    last_offset: i64,
    count: i32,
    base_sequence: i32,
    last_sequence: i32,
    producer_id: i64,
    producer_epoch: i16,
    partition_leader_epoch: i32,
    is_transactional: bool,
    is_control: bool,
    delete_horizon_ms: Option<i64>,
    position: u32,
    /// `CreateTime` or `LogAppendTime` → maxTimestamp, as Kafka prints it.
    #[serde(flatten)]
    timestamp: BTreeMap<&'static str, i64>,
    size: u32,
    magic: i8,
    compresscodec: &'static str,
    crc: u32,
    isvalid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    records: Option<Vec<RecordJson>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    records_error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson {
    offset: i64,
    #[serde(flatten)]
    timestamp: BTreeMap<&'static str, i64>,
    key_size: i64,
    value_size: i64,
    sequence: i32,
    header_keys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_txn_marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coordinator_epoch: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    control_type: Option<i16>,
    /// Inline, as Kafka prints `key: … payload: …` on the record's line.
    #[serde(flatten)]
    data: Option<DataJson>,
}

/// Contents shown with `--print-data-log`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DataJson {
    key: Option<String>,
    key_hex: Option<String>,
    payload: Option<String>,
    payload_hex: Option<String>,
    headers: Vec<HeaderJson>,
}

#[derive(Serialize)]
struct HeaderJson {
    key: String,
    value: Option<String>,
}

/// `DefaultRecordBatch.incrementSequence`: sequences wrap from Int.MAX to 0.
fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

fn sequence_at(base_sequence: i32, delta: i32) -> i32 {
    if base_sequence < 0 {
        -1
    } else {
        increment_sequence(base_sequence, delta)
    }
}

fn text(bytes: &Option<Vec<u8>>) -> Option<String> {
    bytes.as_deref().map(|b| String::from_utf8_lossy(b).into_owned())
}

fn be_i16(bytes: &[u8]) -> Option<i16> {
    Some(i16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

fn record_json(h: &BatchHeader, r: &Record, print_data: bool) -> RecordJson {
    let mut json = RecordJson {
        offset: r.offset,
        timestamp: BTreeMap::from([(h.timestamp_type().name(), r.timestamp_ms)]),
        key_size: r.key.as_ref().map_or(-1, |k| k.len() as i64),
        value_size: r.value.as_ref().map_or(-1, |v| v.len() as i64),
        sequence: sequence_at(h.base_sequence, r.offset_delta),
        header_keys: r.headers.iter().map(|x| x.key.clone()).collect(),
        end_txn_marker: None,
        coordinator_epoch: None,
        control_type: None,
        data: None,
    };
    if h.is_control_batch() {
        // Control key: version int16, type int16 (0 ABORT, 1 COMMIT); value: version, epoch.
        let kind = r.key.as_deref().and_then(|k| be_i16(k.get(2..)?));
        let value = r.value.as_deref().unwrap_or_default();
        match kind {
            Some(t @ (0 | 1)) if value.len() >= 6 => {
                json.end_txn_marker = Some(if t == 0 { "ABORT" } else { "COMMIT" }.to_string());
                json.coordinator_epoch = Some(i32::from_be_bytes([value[2], value[3], value[4], value[5]]));
            }
            other => json.control_type = Some(other.unwrap_or(-1)),
        }
    } else if print_data {
        json.data = Some(DataJson {
            key: text(&r.key),
            key_hex: r.key.as_deref().map(to_hex),
            payload: text(&r.value),
            payload_hex: r.value.as_deref().map(to_hex),
            headers: r
                .headers
                .iter()
                .map(|x| HeaderJson { key: x.key.clone(), value: text(&x.value) })
                .collect(),
        });
    }
    json
}

/// One batch as JSON; `Err` in `records_error` makes the dump a failure.
fn batch_json(view: &BatchView<'_>, deep: bool, print_data: bool) -> BatchJson {
    let h = view.header;
    let isvalid = verify_crc(view.bytes).is_ok();
    let (records, records_error) = if deep {
        // A batch with a bad CRC is re-signed on a copy so its records can still be shown.
        let decoded = if isvalid {
            decode_batch(view.bytes)
        } else {
            let mut copy = view.bytes.to_vec();
            write_crc(&mut copy);
            decode_batch(&copy)
        };
        match decoded {
            Ok(d) => (Some(d.records.iter().map(|r| record_json(&h, r, print_data)).collect()), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    BatchJson {
        base_offset: h.base_offset,
        last_offset: h.last_offset(),
        count: h.records_count,
        base_sequence: h.base_sequence,
        last_sequence: sequence_at(h.base_sequence, h.last_offset_delta),
        producer_id: h.producer_id,
        producer_epoch: h.producer_epoch,
        partition_leader_epoch: h.partition_leader_epoch,
        is_transactional: h.is_transactional(),
        is_control: h.is_control_batch(),
        delete_horizon_ms: h.has_delete_horizon_ms().then_some(h.base_timestamp),
        position: view.position,
        timestamp: BTreeMap::from([(h.timestamp_type().name(), h.max_timestamp)]),
        size: h.size_in_bytes(),
        magic: h.magic,
        compresscodec: h.compression().map_or("unknown", |c| c.name()),
        crc: h.crc,
        isvalid,
        records,
        records_error,
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string(value).map_err(|e| CliError::failure(format!("cannot print JSON: {e}")))
}

/// Dumps a `.log` file's bytes; returns the JSON text and the problems found.
pub fn dump_log(
    name: &str,
    bytes: &[u8],
    deep: bool,
    print_data: bool,
) -> Result<(String, Vec<String>), CliError> {
    let start = segment_base_offset(name, ".log");
    let mut out =
        format!("{{\"file\":{},\"logStartingOffset\":{},\"batches\":[", to_json(&name)?, to_json(&start)?);
    let mut problems = Vec::new();
    let mut error = None;
    let mut first = true;
    let mut next_position = 0usize;
    for view in split_batches(bytes) {
        let view = match view {
            Ok(v) => v,
            Err(e) => {
                error = Some((next_position, e.to_string()));
                break;
            }
        };
        next_position = view.position as usize + view.bytes.len();
        let batch = batch_json(&view, deep, print_data);
        if !batch.isvalid {
            problems.push(format!("batch at position {} has an invalid CRC", view.position));
        }
        if let Some(e) = &batch.records_error {
            problems.push(format!("batch at position {}: {e}", view.position));
        }
        out.push_str(if first { "\n" } else { ",\n" });
        out.push_str(&to_json(&batch)?);
        first = false;
    }
    out.push_str("\n],\"error\":");
    match error {
        None => out.push_str("null"),
        Some((position, message)) => {
            out.push_str(&to_json(&serde_json::json!({ "position": position, "message": message }))?);
            problems.push(format!("at position {position}: {message}"));
        }
    }
    out.push_str("}\n");
    Ok((out, problems))
}

/// Dumps a `.index` (8-byte entries) or `.timeindex` (12-byte entries) file.
pub fn dump_index(name: &str, bytes: &[u8], time: bool) -> Result<(String, Vec<String>), CliError> {
    let suffix = if time { ".timeindex" } else { ".index" };
    let base = segment_base_offset(name, suffix).unwrap_or(0);
    let entry = if time { 12 } else { 8 };
    let mut out = format!("{{\"file\":{},\"baseOffset\":{base},\"entries\":[", to_json(&name)?);
    for (i, e) in bytes.chunks_exact(entry).enumerate() {
        let be32 = |at: usize| i64::from(u32::from_be_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]));
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&if time {
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&e[..8]);
            format!("{{\"timestamp\":{},\"offset\":{}}}", i64::from_be_bytes(ts), base + be32(8))
        } else {
            format!("{{\"offset\":{},\"position\":{}}}", base + be32(0), be32(4))
        });
    }
    let mut problems = Vec::new();
    let tail = bytes.len() % entry;
    out.push_str("\n],\"error\":");
    if tail == 0 {
        out.push_str("null");
    } else {
        let message = format!("file size {} is not a multiple of the {entry}-byte entry size", bytes.len());
        out.push_str(&to_json(&serde_json::json!({ "position": bytes.len() - tail, "message": message }))?);
        problems.push(message);
    }
    out.push_str("}\n");
    Ok((out, problems))
}

/// `DumpLogSegments.dumpProducerIdSnapshot`: one line per producer, in Kafka's words
/// (Java prints the `OptionalLong` of the open transaction as it is); a corrupt file is
/// the problem reported.
pub fn dump_producer_snapshot(name: &str, bytes: &[u8]) -> (String, Vec<String>) {
    let mut out = format!("Dumping {name}\n");
    match crate::engine::log::producer_state::read_snapshot(bytes) {
        Ok(entries) => {
            for e in entries {
                let txn = e
                    .current_txn_first_offset
                    .map_or("OptionalLong.empty".to_string(), |o| format!("OptionalLong[{o}]"));
                out.push_str(&format!(
                    "producerId: {} producerEpoch: {} coordinatorEpoch: {} currentTxnFirstOffset: {txn} lastTimestamp: {} ",
                    e.producer_id, e.producer_epoch, e.coordinator_epoch, e.last_timestamp_ms
                ));
                if let Some(m) = e.batch_metadata.front() {
                    out.push_str(&format!(
                        "firstSequence: {} lastSequence: {} lastOffset: {} offsetDelta: {} timestamp: {}",
                        m.first_seq(),
                        m.last_seq,
                        m.last_offset,
                        m.offset_delta,
                        m.timestamp_ms
                    ));
                }
                out.push('\n');
            }
            (out, Vec::new())
        }
        Err(e) => (out, vec![e.to_string()]),
    }
}

/// `DumpLogSegments.dumpTxnIndex`: one line per aborted transaction
/// (`TransactionIndex.allAbortedTxns`); an entry of an unknown version is the problem
/// reported.
pub fn dump_txn_index(name: &str, bytes: &[u8]) -> (String, Vec<String>) {
    use crate::engine::txn::txn_index::TransactionIndex;
    let mut out = format!("Dumping {name}\n");
    let base = segment_base_offset(name, ".txnindex").unwrap_or(0);
    match TransactionIndex::open(base, bytes.to_vec()).all_aborted_txns() {
        Ok(entries) => {
            for t in entries {
                out.push_str(&format!(
                    "version: {} producerId: {} firstOffset: {} lastOffset: {} lastStableOffset: {}\n",
                    t.version(),
                    t.producer_id,
                    t.first_offset,
                    t.last_offset,
                    t.last_stable_offset
                ));
            }
            (out, Vec::new())
        }
        Err(e) => (out, vec![e.to_string()]),
    }
}

/// Runs `dump-log` with its arguments.
pub fn run(argv: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let a = args::parse(argv, &FLAGS)?;
    let [path] = a.positionals.as_slice() else {
        return Err(CliError::usage("dump-log takes exactly one FILE"));
    };
    let print_data = a.has("print-data-log");
    let deep = print_data || a.has("deep-iteration");
    let name = Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let read = || std::fs::read(path).map_err(|e| CliError::failure(format!("cannot read {path}: {e}")));
    let (text, problems) = if name.ends_with(".log") {
        dump_log(&name, &read()?, deep, print_data)?
    } else if name.ends_with(".timeindex") {
        dump_index(&name, &read()?, true)?
    } else if name.ends_with(".index") {
        dump_index(&name, &read()?, false)?
    } else if name.ends_with(".snapshot") {
        dump_producer_snapshot(&name, &read()?)
    } else if name.ends_with(".txnindex") {
        dump_txn_index(&name, &read()?)
    } else {
        return Err(CliError::usage(format!(
            "{path}: dump-log reads .log, .index, .timeindex, .txnindex and .snapshot files"
        )));
    };
    write_out(out, &text)?;
    match problems.first() {
        None => Ok(()),
        Some(first) => Err(CliError::failure(format!(
            "{path}: {first}{}",
            if problems.len() > 1 {
                format!(" (and {} more problems)", problems.len() - 1)
            } else {
                String::new()
            }
        ))),
    }
}

//! The batch anatomy (`engine::record::anatomy`) against the golden RecordBatch v2
//! vectors (`tests/vectors/recordbatch_golden.json`, written by kafka-python and an
//! independent encoder): the header's fields sit at the offsets of Kafka's
//! `DefaultRecordBatch` and say the vector's values; the fields cover every byte once, in
//! order; each record's key, value and deltas are the vector's; a compressed batch's
//! records are taken apart in its decompressed bytes. Any truncation or corruption of
//! the bytes gives a named problem, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{unhex, vector};
use kafka_playground::engine::record::anatomy::{batch_anatomy, Area, BatchAnatomy, Field, Note};
use serde_json::Value;

/// `DefaultRecordBatch`'s field offsets (BASE_OFFSET_OFFSET … RECORDS_COUNT_OFFSET) and
/// the protocol guide's names.
const HEADER: [(&str, u32, u32, &str); 13] = [
    ("baseOffset", 0, 8, "base_offset"),
    ("batchLength", 8, 4, "batch_length"),
    ("partitionLeaderEpoch", 12, 4, "partition_leader_epoch"),
    ("magic", 16, 1, "magic"),
    ("crc", 17, 4, "crc"),
    ("attributes", 21, 2, "attributes"),
    ("lastOffsetDelta", 23, 4, "last_offset_delta"),
    ("baseTimestamp", 27, 8, "base_timestamp"),
    ("maxTimestamp", 35, 8, "max_timestamp"),
    ("producerId", 43, 8, "producer_id"),
    ("producerEpoch", 51, 2, "producer_epoch"),
    ("baseSequence", 53, 4, "base_sequence"),
    ("records", 57, 4, "records_count"),
];

fn leading_int(text: &str) -> i64 {
    let end = text.find(|c: char| !(c == '-' || c.is_ascii_digit())).unwrap_or(text.len());
    text[..end].parse().unwrap_or_else(|_| panic!("no number at the start of {text:?}"))
}

fn bytes_of<'a>(a: &'a BatchAnatomy, f: &Field) -> &'a [u8] {
    let area = match f.area {
        Area::Batch => &a.bytes,
        Area::Records => a.records_bytes.as_ref().unwrap(),
    };
    &area[f.start as usize..(f.start + f.len) as usize]
}

/// The fields of `area` follow each other without a gap or an overlap, from 0 to `len`.
fn assert_tiles(a: &BatchAnatomy, area: Area, from: u32, len: usize, name: &str) {
    let mut at = from;
    for f in a.fields.iter().filter(|f| f.area == area && !(area == Area::Batch && f.start < from)) {
        assert_eq!(f.start, at, "{name}: {} starts where the previous field ended", f.name);
        at += f.len;
    }
    assert_eq!(at as usize, len, "{name}: the fields end where the bytes end");
}

#[test]
fn every_golden_batch_comes_apart_into_its_fields() {
    let doc = vector("recordbatch_golden.json");
    for b in doc["batches"].as_array().unwrap() {
        let name = b["name"].as_str().unwrap();
        let bytes = unhex(b["hex"].as_str().unwrap());
        let a = batch_anatomy(&bytes);
        assert_eq!(a.problem, None, "{name}");
        assert_eq!(a.bytes, bytes);
        for (i, (field, start, len, key)) in HEADER.iter().enumerate() {
            let f = &a.fields[i];
            assert_eq!((f.name.as_str(), f.start, f.len, f.record), (*field, *start, *len, None), "{name}");
            let want = if *key == "batch_length" { b.get(key) } else { b["header"].get(key) };
            if let Some(want) = want.and_then(Value::as_i64) {
                assert_eq!(leading_int(&f.value), want, "{name}: {field} says {:?}", f.value);
            }
        }
        assert_eq!(a.fields[4].note, Some(Note::CrcMatches), "{name}: {:?}", a.fields[4].value);
        let compressed = b["header"]["attributes"].as_i64().unwrap_or(0) & 7 != 0;
        if compressed {
            assert_tiles(&a, Area::Batch, 0, bytes.len(), name);
            let plain = a.records_bytes.as_ref().expect("decompressed records");
            assert_tiles(&a, Area::Records, 0, plain.len(), name);
        } else {
            assert_eq!(a.records_bytes, None);
            assert_tiles(&a, Area::Batch, 0, bytes.len(), name);
        }
        let records = b["records"].as_array().unwrap();
        for (i, want) in records.iter().enumerate() {
            let of = |field: &str| a.fields.iter().find(|f| f.record == Some(i as u32) && f.name == field);
            let key = of("key").map(|f| bytes_of(&a, f).to_vec());
            assert_eq!(key, want.get("key_hex").and_then(Value::as_str).map(unhex), "{name}[{i}]: key");
            let value = of("value").map(|f| bytes_of(&a, f).to_vec());
            assert_eq!(value, want.get("value_hex").and_then(Value::as_str).map(unhex), "{name}[{i}]: value");
            // The delta as listed, and the record's offset and timestamp it gives.
            let delta = of("offsetDelta").unwrap();
            if let Some(d) = want["offset_delta"].as_i64() {
                assert_eq!(leading_int(&delta.value), d, "{name}[{i}]");
            }
            assert_eq!(delta.note, Some(Note::Offset(want["offset"].as_i64().unwrap())), "{name}[{i}]");
            let delta = of("timestampDelta").unwrap();
            if let Some(d) = want["timestamp_delta"].as_i64() {
                assert_eq!(leading_int(&delta.value), d, "{name}[{i}]");
            }
            assert_eq!(delta.note, Some(Note::Timestamp(want["timestamp"].as_i64().unwrap())), "{name}[{i}]");
            let headers = want["headers"].as_array().map_or(0, Vec::len);
            assert_eq!(leading_int(&of("Headers").unwrap().value), headers as i64, "{name}[{i}]: headers");
            assert_eq!(
                a.fields.iter().filter(|f| f.record == Some(i as u32) && f.name == "headerKey").count(),
                headers
            );
        }
    }
}

#[test]
fn cut_or_corrupt_bytes_name_the_problem_and_never_panic() {
    let doc = vector("recordbatch_golden.json");
    for b in doc["batches"].as_array().unwrap() {
        let bytes = unhex(b["hex"].as_str().unwrap());
        for cut in 0..bytes.len() {
            let a = batch_anatomy(&bytes[..cut]);
            assert!(a.problem.is_some(), "{} cut at {cut}: {:?}", b["name"], a.fields.last());
        }
        for at in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut bad = bytes.clone();
                bad[at] ^= flip;
                let a = batch_anatomy(&bad);
                // A flipped bit past the CRC's start is caught by the CRC or by the walk.
                if at >= 21 {
                    let crc = &a.fields.iter().find(|f| f.name == "crc").unwrap().note;
                    assert!(
                        a.problem.is_some() || matches!(crc, Some(Note::CrcCorrupt { .. })),
                        "{} byte {at} ^ {flip:#x}",
                        b["name"]
                    );
                }
            }
        }
    }
}

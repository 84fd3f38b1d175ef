//! Every golden RecordBatch v2 from `tests/vectors/recordbatch_golden.json` decodes to
//! its listed fields, every uncompressed one re-encodes to identical bytes, and every
//! varint vector (from Kafka's ByteUtilsTest) encodes and decodes exactly.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{hex, unhex, vector};
use kafka_playground::engine::record::varint::*;
use kafka_playground::engine::record::*;
use serde_json::Value;

fn i64_of(v: &Value, field: &str) -> Option<i64> {
    v.get(field).and_then(Value::as_i64)
}

fn opt_hex(v: &Value, field: &str) -> Option<Vec<u8>> {
    v.get(field).and_then(Value::as_str).map(unhex)
}

#[test]
fn every_golden_batch_decodes_to_its_fields() {
    let doc = vector("recordbatch_golden.json");
    let batches = doc["batches"].as_array().unwrap();
    assert!(batches.len() >= 6);
    for b in batches {
        let name = b["name"].as_str().unwrap();
        let bytes = unhex(b["hex"].as_str().unwrap());
        assert_eq!(bytes.len() as i64, b["length"].as_i64().unwrap(), "{name}: length");
        let decoded = decode_batch(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let h = &decoded.header;
        let want = &b["header"];
        let checks: [(&str, i64); 12] = [
            ("base_offset", h.base_offset),
            ("partition_leader_epoch", h.partition_leader_epoch.into()),
            ("magic", h.magic.into()),
            ("crc", h.crc.into()),
            ("attributes", h.attributes.into()),
            ("last_offset_delta", h.last_offset_delta.into()),
            ("base_timestamp", h.base_timestamp),
            ("max_timestamp", h.max_timestamp),
            ("producer_id", h.producer_id),
            ("producer_epoch", h.producer_epoch.into()),
            ("base_sequence", h.base_sequence.into()),
            ("records_count", h.records_count.into()),
        ];
        for (field, got) in checks {
            if let Some(expected) = i64_of(want, field) {
                assert_eq!(got, expected, "{name}: header.{field}");
            }
        }
        if let Some(crc_hex) = b.get("crc_hex").and_then(Value::as_str) {
            assert_eq!(format!("0x{:08x}", h.crc), crc_hex, "{name}: crc_hex");
        }
        if let Some(len) = i64_of(b, "batch_length") {
            assert_eq!(i64::from(h.batch_length), len, "{name}: batch_length");
        }
        let records = b["records"].as_array().unwrap();
        assert_eq!(decoded.records.len(), records.len(), "{name}: record count");
        for (i, (got, want)) in decoded.records.iter().zip(records).enumerate() {
            assert_eq!(Some(got.offset), i64_of(want, "offset"), "{name}[{i}]: offset");
            assert_eq!(Some(got.timestamp_ms), i64_of(want, "timestamp"), "{name}[{i}]: timestamp");
            if let Some(d) = i64_of(want, "offset_delta") {
                assert_eq!(i64::from(got.offset_delta), d, "{name}[{i}]: offset_delta");
            }
            if let Some(d) = i64_of(want, "timestamp_delta") {
                assert_eq!(got.timestamp_delta_ms, d, "{name}[{i}]: timestamp_delta");
            }
            assert_eq!(got.key, opt_hex(want, "key_hex"), "{name}[{i}]: key");
            assert_eq!(got.value, opt_hex(want, "value_hex"), "{name}[{i}]: value");
            if let Some(headers) = want.get("headers").and_then(Value::as_array) {
                let expected: Vec<(String, Option<Vec<u8>>)> = headers
                    .iter()
                    .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().map(unhex)))
                    .collect();
                let actual: Vec<(String, Option<Vec<u8>>)> =
                    got.headers.iter().map(|h| (h.key.clone(), h.value.clone())).collect();
                assert_eq!(actual, expected, "{name}[{i}]: headers");
            }
        }
    }
}

#[test]
fn every_uncompressed_golden_batch_re_encodes_identically() {
    let doc = vector("recordbatch_golden.json");
    let mut re_encoded = 0;
    for b in doc["batches"].as_array().unwrap() {
        let name = b["name"].as_str().unwrap();
        let bytes = unhex(b["hex"].as_str().unwrap());
        let decoded = decode_batch(&bytes).unwrap();
        let h = decoded.header;
        if h.compression().unwrap() != Compression::None {
            continue;
        }
        let mut builder = BatchBuilder::new(BatchOptions {
            base_offset: h.base_offset,
            partition_leader_epoch: h.partition_leader_epoch,
            compression: Compression::None,
            timestamp_type: h.timestamp_type(),
            is_transactional: h.is_transactional(),
            is_control_batch: h.is_control_batch(),
            producer_id: h.producer_id,
            producer_epoch: h.producer_epoch,
            base_sequence: h.base_sequence,
        });
        for r in &decoded.records {
            builder.append(r.timestamp_ms, r.key.as_deref(), r.value.as_deref(), &r.headers);
        }
        let out = builder.build().unwrap();
        assert_eq!(hex(&out), hex(&bytes), "{name}: re-encoding differs");
        re_encoded += 1;
    }
    assert_eq!(re_encoded, 5, "all five uncompressed golden batches re-encoded");
}

#[test]
fn every_varint_vector_round_trips() {
    let doc = vector("recordbatch_golden.json");
    let v = &doc["varint_vectors"];
    let mut rows = 0;
    for row in v["varint_zigzag_int32"].as_array().unwrap() {
        let value = row["value"].as_i64().unwrap() as i32;
        let mut buf = Vec::new();
        write_varint(&mut buf, value);
        assert_eq!(hex(&buf), row["hex"].as_str().unwrap(), "varint {value}");
        assert_eq!(varint_size(value) as usize, buf.len());
        let mut pos = 0;
        assert_eq!(read_varint(&buf, &mut pos).unwrap(), value);
        rows += 1;
    }
    for row in v["varlong_zigzag_int64"].as_array().unwrap() {
        let value = row["value"].as_i64().unwrap();
        let mut buf = Vec::new();
        write_varlong(&mut buf, value);
        assert_eq!(hex(&buf), row["hex"].as_str().unwrap(), "varlong {value}");
        assert_eq!(varlong_size(value) as usize, buf.len());
        let mut pos = 0;
        assert_eq!(read_varlong(&buf, &mut pos).unwrap(), value);
        rows += 1;
    }
    for row in v["unsigned_varint_int32"].as_array().unwrap() {
        let value = row["value"].as_i64().unwrap() as i32 as u32;
        let mut buf = Vec::new();
        write_unsigned_varint(&mut buf, value);
        assert_eq!(hex(&buf), row["hex"].as_str().unwrap(), "unsigned varint {value}");
        let mut pos = 0;
        assert_eq!(read_unsigned_varint(&buf, &mut pos).unwrap(), value);
        rows += 1;
    }
    assert_eq!(rows, 21 + 43 + 14);
}

#[test]
fn every_byte_flip_is_caught_by_the_crc_or_framing() {
    let doc = vector("recordbatch_golden.json");
    let bytes = unhex(doc["batches"][1]["hex"].as_str().unwrap());
    // Bytes 0..12 (baseOffset, batchLength) and 12..16 (epoch) are outside the CRC.
    for i in 16..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x40;
        assert!(decode_batch(&bad).is_err(), "flip at byte {i} went unnoticed");
    }
}

#[test]
fn compressed_batches_round_trip_through_every_codec() {
    for codec in Compression::ALL {
        let mut b = BatchBuilder::new(BatchOptions { compression: codec, ..Default::default() });
        for i in 0..50i64 {
            let key = format!("k{}", i % 7);
            b.append(1_700_000_000_000 + i, Some(key.as_bytes()), Some(&[b'x'; 100]), &[]);
        }
        let bytes = b.build().unwrap();
        let d = decode_batch(&bytes).unwrap();
        assert_eq!(d.header.compression().unwrap(), codec);
        assert_eq!(d.records.len(), 50);
        assert_eq!(d.records[49].timestamp_ms, 1_700_000_000_049);
        assert_eq!(d.records[8].key.as_deref(), Some(&b"k1"[..]));
        validate_batch(&bytes).unwrap();
    }
}

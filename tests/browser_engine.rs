//! The engine compiled to wasm32 gives the same answers as natively: the golden
//! RecordBatch v2 vectors (CRC-32C runs in software here), our braided CRC-32C against
//! the `crc32c` crate's own software path, the partitioner vectors, and the page's
//! formatting and translation table.
#![cfg(target_arch = "wasm32")]

use kafka_playground::engine::partitioner::{java_partition_for_key, murmur2};
use kafka_playground::engine::record::crc::{crc32c as our_crc32c, crc32c_append as our_crc32c_append};
use kafka_playground::engine::record::{decode_batch, BatchBuilder, BatchOptions};
use kafka_playground::ui::common::format::{bytes_text, short_label};
use kafka_playground::ui::i18n::{Lang, T};
use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[wasm_bindgen_test]
fn golden_batches_decode_and_re_encode_in_wasm() {
    let doc: Value = serde_json::from_str(include_str!("vectors/recordbatch_golden.json")).unwrap();
    let mut checked = 0;
    for b in doc["batches"].as_array().unwrap() {
        let bytes = unhex(b["hex"].as_str().unwrap());
        let d = decode_batch(&bytes).unwrap();
        assert_eq!(i64::from(d.header.crc), b["header"]["crc"].as_i64().unwrap_or(i64::from(d.header.crc)));
        assert_eq!(d.records.len(), b["records"].as_array().unwrap().len());
        if d.header.attributes & 7 == 0 {
            let h = d.header;
            let mut builder = BatchBuilder::new(BatchOptions {
                base_offset: h.base_offset,
                partition_leader_epoch: h.partition_leader_epoch,
                producer_id: h.producer_id,
                producer_epoch: h.producer_epoch,
                base_sequence: h.base_sequence,
                ..BatchOptions::default()
            });
            for r in &d.records {
                builder.append(r.timestamp_ms, r.key.as_deref(), r.value.as_deref(), &r.headers);
            }
            assert_eq!(builder.build().unwrap(), bytes);
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[wasm_bindgen_test]
fn our_crc32c_agrees_with_the_crate_in_wasm() {
    // RFC 3720's check value, then every length to 1024 at every alignment, a few long
    // buffers, and appends over split points, against the crate (slicing-by-8 in wasm).
    assert_eq!(our_crc32c(b"123456789"), 0xE306_9283);
    let mut x = 7u32;
    let data: Vec<u8> = (0..40_008)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect();
    for align in 0..8 {
        for len in (0..=1024).chain([4095, 4096, 16_363, 16_384, 40_000]) {
            let bytes = &data[align..align + len];
            assert_eq!(our_crc32c(bytes), crc32c::crc32c(bytes), "length {len}, alignment {align}");
        }
    }
    let whole = crc32c::crc32c(&data[..1000]);
    for cut in 0..=1000 {
        assert_eq!(our_crc32c_append(our_crc32c(&data[..cut]), &data[cut..1000]), whole, "cut at {cut}");
    }
}

#[wasm_bindgen_test]
fn murmur2_vectors_hold_in_wasm() {
    let doc: Value = serde_json::from_str(include_str!("vectors/partitioner_murmur2.json")).unwrap();
    for case in doc["cases"].as_array().unwrap() {
        let key = unhex(case["key_hex"].as_str().unwrap());
        assert_eq!(i64::from(murmur2(&key)), case["murmur2_int32"].as_i64().unwrap());
        for (n, p) in case["partition"].as_object().unwrap() {
            let n: u32 = n.parse().unwrap();
            assert_eq!(i64::from(java_partition_for_key(&key, n).unwrap()), p.as_i64().unwrap());
        }
    }
}

#[wasm_bindgen_test]
fn keys_print_as_text_or_python_bytes() {
    assert_eq!(bytes_text(Some(b"user-1")), "user-1");
    assert_eq!(bytes_text(Some(&[0, 0])), "b'\\x00\\x00'");
    assert_eq!(bytes_text(None), "null");
    assert_eq!(short_label(Some(&[0, 0, 0])), "00×3");
    assert_eq!(short_label(Some(b"")), "\"\"");
    assert_eq!(short_label(Some(b"a-very-long-key")), "a-very…");
}

#[wasm_bindgen_test]
fn every_text_is_translated() {
    for t in T::ALL {
        assert!(!t.get(Lang::En).is_empty());
        assert!(!t.get(Lang::Ru).is_empty());
    }
    assert_ne!(T::CreateTopic.get(Lang::En), T::CreateTopic.get(Lang::Ru));
}

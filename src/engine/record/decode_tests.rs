//! The lean walks (`scan_produced` for the broker's validation, `scan_section` for
//! `read_batch`) accept exactly what the walks with Kafka's errors accept, and whatever
//! they refuse is then refused with the same error: checked over every one-byte change
//! of small batches (with and without keys and headers), re-signed so the CRC holds.

use super::*;
use crate::engine::record::batch::write_crc;
use crate::engine::record::{BatchBuilder, BatchOptions, Header};

fn batches() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let headers = [
        Header { key: "h".to_string(), value: Some(b"v".to_vec()) },
        Header { key: "n".to_string(), value: None },
    ];
    for (keys, with_headers) in [(false, false), (true, false), (true, true)] {
        let mut b = BatchBuilder::new(BatchOptions::default());
        for i in 0..3i64 {
            let key = format!("k{i}");
            let value = vec![b'a' + i as u8; 5 + i as usize];
            let h: &[Header] = if with_headers { &headers } else { &[] };
            b.append(1_000 + 70 * i, keys.then_some(key.as_bytes()), Some(&value), h);
        }
        out.push(b.build().unwrap());
    }
    out
}

/// Every one-byte change of each batch past its CRC field (values chosen to hit varint
/// continuation bits, signs and lengths), re-signed.
fn mutations() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for batch in batches() {
        out.push(batch.clone());
        for at in super::super::batch::ATTRIBUTES_OFFSET..batch.len() {
            for v in
                [0x00u8, 0x01, 0x02, 0x7f, 0x80, 0xff, batch[at].wrapping_add(1), batch[at].wrapping_sub(1)]
            {
                let mut b = batch.clone();
                b[at] = v;
                write_crc(&mut b);
                out.push(b);
            }
        }
    }
    out
}

#[test]
fn the_lean_validation_accepts_and_refuses_as_the_walk_with_errors() {
    let (mut accepted, mut refused) = (0, 0);
    for b in mutations() {
        let Ok(header) = whole_signed_batch(&b) else { continue };
        if header.records_count == 0 {
            continue;
        }
        let slow = validate_records(&b, header);
        if let Some(max_ts) = scan_produced(&b, &header) {
            assert_eq!(slow, Ok(ValidatedBatch { header, max_record_timestamp_ms: max_ts }), "{b:?}");
            accepted += 1;
        } else {
            refused += 1;
            if header.compression() == Ok(Compression::None) {
                assert!(slow.is_err(), "the lean walk refused a batch the walk accepts: {b:?}");
            }
        }
        assert_eq!(validate_batch(&b), slow);
    }
    assert!(accepted > 1_000 && refused > 300, "{accepted} accepted, {refused} refused");
}

#[test]
fn read_batch_accepts_and_refuses_as_decode_batch() {
    let (mut accepted, mut refused) = (0, 0);
    for b in mutations() {
        let borrowed = read_batch(&b, |header, records| {
            let offsets: Vec<i64> = records.iter().map(|r| r.offset(header.base_offset)).collect();
            let kv: Vec<_> =
                records.iter().map(|r| (r.key.map(<[u8]>::to_vec), r.value.map(<[u8]>::to_vec))).collect();
            (offsets, kv)
        });
        match decode_batch(&b) {
            Ok(owned) => {
                let offsets: Vec<i64> = owned.records.iter().map(|r| r.offset).collect();
                let kv: Vec<_> = owned.records.iter().map(|r| (r.key.clone(), r.value.clone())).collect();
                assert_eq!(borrowed, Ok((offsets, kv)));
                accepted += 1;
            }
            Err(e) => {
                assert_eq!(borrowed.err(), Some(e));
                refused += 1;
            }
        }
    }
    assert!(accepted > 1_000 && refused > 300, "{accepted} accepted, {refused} refused");
}

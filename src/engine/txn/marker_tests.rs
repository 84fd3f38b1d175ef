//! `ControlRecordTypeTest`, `EndTransactionMarkerTest` and the end-marker cases of
//! `MemoryRecordsBuilderTest`, ported; plus a whole control batch whose bytes (CRC-32C
//! included) were computed by a separate Python implementation of the RecordBatch v2
//! layout, not by this crate.

use super::*;
use crate::engine::record::batch::{
    set_base_offset, verify_crc, write_crc, ATTRIBUTES_OFFSET, RECORDS_COUNT_OFFSET,
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// COMMIT, coordinator epoch 5, base offset 14, timestamp 1000, leader epoch 0, producer
/// id 1, epoch 0: header (attributes 0x0030 = transactional | control, base sequence -1,
/// one record), then the 17-byte record: length 16, attributes, deltas 0, key length 4,
/// key 0000 0001, value length 6, value 0000 00000005, no headers.
const COMMIT_BATCH: &str = "000000000000000e 00000042 00000000 02 6091c83e 0030 00000000
    00000000000003e8 00000000000003e8 0000000000000001 0000 ffffffff 00000001
    20 00 00 00 08 00000001 0c 000000000005 00";

#[test]
fn a_commit_marker_batch_is_byte_exact() {
    let marker = EndTransactionMarker::new(ControlRecordType::Commit, 5).unwrap();
    let batch = end_txn_marker_batch(14, 1000, 0, 1, 0, &marker).unwrap();
    assert_eq!(batch, hex(COMMIT_BATCH));
    assert_eq!(end_txn_schema_record_size(), 17);
    let read = decode_control_batch(&batch).unwrap();
    assert_eq!(read.marker, Some(marker));
    assert_eq!(read.control_type, Some(ControlRecordType::Commit));
    let h = read.header;
    assert!(h.is_transactional() && h.is_control_batch());
    assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence, h.records_count), (1, 0, -1, 1));
}

#[test]
fn test_parse_unknown_type() {
    let key = hex("0000 0151"); // type 337
    assert_eq!(ControlRecordType::parse(&key).unwrap(), ControlRecordType::Unknown);
}

#[test]
fn test_parse_unknown_version() {
    // Version 5 with a field added after the type: read as version 0.
    let key = hex("0005 0000 00005b88");
    assert_eq!(ControlRecordType::parse(&key).unwrap(), ControlRecordType::Abort);
}

#[test]
fn test_round_trip_every_type() {
    for t in ControlRecordType::ALL {
        let key = [0, 0, (t.type_id() >> 8) as u8, t.type_id() as u8];
        assert_eq!(ControlRecordType::parse(&key).unwrap(), t);
        if t != ControlRecordType::Unknown {
            assert_eq!(t.record_key().unwrap(), key);
        }
    }
    assert_eq!(ControlRecordType::Abort.record_key().unwrap(), [0, 0, 0, 0]);
    assert_eq!(ControlRecordType::Commit.record_key().unwrap(), [0, 0, 0, 1]);
    assert!(matches!(ControlRecordType::Unknown.record_key(), Err(TxnError::IllegalArgument(_))));
}

#[test]
fn short_or_negative_keys_are_invalid_records() {
    let e = ControlRecordType::parse(&hex("0000 00")).unwrap_err();
    assert!(
        matches!(e, TxnError::InvalidRecord(ref s) if s.contains("at least 4 bytes, but found only 3")),
        "{e}"
    );
    let e = ControlRecordType::parse(&hex("ffff 0000")).unwrap_err();
    assert!(
        matches!(e, TxnError::InvalidRecord(ref s) if s.contains("Invalid version found for control record: -1")),
        "{e}"
    );
}

#[test]
fn test_unknown_control_type_not_allowed() {
    for t in [ControlRecordType::Unknown, ControlRecordType::LeaderChange] {
        assert!(matches!(EndTransactionMarker::new(t, 24), Err(TxnError::IllegalArgument(_))));
    }
    let e = EndTransactionMarker::deserialize_value(ControlRecordType::Unknown, &[]).unwrap_err();
    assert!(matches!(e, TxnError::IllegalArgument(_)));
}

#[test]
fn test_illegal_negative_version_and_not_enough_bytes() {
    let e =
        EndTransactionMarker::deserialize_value(ControlRecordType::Abort, &hex("ffff 00000000")).unwrap_err();
    assert!(
        matches!(e, TxnError::InvalidRecord(ref s) if s.contains("Invalid version found for end transaction marker: -1")),
        "{e}"
    );
    // Kafka's test gives only the two version bytes: too short comes first.
    let e = EndTransactionMarker::deserialize_value(ControlRecordType::Abort, &hex("ffff")).unwrap_err();
    assert!(matches!(e, TxnError::InvalidRecord(_)));
    let e = EndTransactionMarker::deserialize_value(ControlRecordType::Commit, &[]).unwrap_err();
    assert!(
        matches!(e, TxnError::InvalidRecord(ref s) if s.contains("at least 6 bytes, but found only 0")),
        "{e}"
    );
}

#[test]
fn test_serde_and_newer_version() {
    let marker = EndTransactionMarker::new(ControlRecordType::Commit, 79).unwrap();
    assert_eq!(marker.serialize_value(), [0, 0, 0, 0, 0, 79]);
    let back = EndTransactionMarker::deserialize_value(ControlRecordType::Commit, &marker.serialize_value())
        .unwrap();
    assert_eq!(back.coordinator_epoch(), 79);
    // Version 5 with trailing data: the epoch is still read.
    let newer =
        EndTransactionMarker::deserialize_value(ControlRecordType::Commit, &hex("0005 0000004f 0000"))
            .unwrap();
    assert_eq!(newer.coordinator_epoch(), 79);
}

/// `testWriteEndTxnMarkerNonTransactionalBatch`, `testWriteEndTxnMarkerNonControlBatch`
/// (pid 9809, epoch 15, no sequence), and a marker without a producer id.
#[test]
fn a_marker_needs_a_producer_id_and_a_transactional_control_batch() {
    let marker = EndTransactionMarker::new(ControlRecordType::Abort, 0).unwrap();
    let e = end_txn_marker_batch(0, 0, -1, -1, 15, &marker).unwrap_err();
    assert_eq!(e, TxnError::IllegalArgument("End transaction marker requires a valid producerId".into()));
    let options = BatchOptions { producer_id: 9809, producer_epoch: 15, ..BatchOptions::default() };
    let non_transactional = BatchOptions { is_control_batch: true, ..options };
    let e = end_txn_marker_batch_with(non_transactional, -1, &marker).unwrap_err();
    assert!(matches!(e, TxnError::IllegalArgument(ref s) if s.contains("transactional flag")), "{e}");
    let non_control = BatchOptions { is_transactional: true, ..options };
    let e = end_txn_marker_batch_with(non_control, -1, &marker).unwrap_err();
    assert!(
        matches!(e, TxnError::IllegalArgument(ref s) if s.contains("only be appended to control batches")),
        "{e}"
    );
    let both = BatchOptions { is_transactional: true, is_control_batch: true, ..options };
    let batch = end_txn_marker_batch_with(both, -1, &marker).unwrap();
    assert_eq!(decode_control_batch(&batch).unwrap().marker, Some(marker));
}

#[test]
fn malformed_control_batches_are_refused_by_name() {
    let marker = EndTransactionMarker::new(ControlRecordType::Abort, 3).unwrap();
    let good = end_txn_marker_batch(0, 0, 0, 9809, 15, &marker).unwrap();
    // Without the control bit (re-signed so the CRC is not what fails).
    let mut b = good.clone();
    b[ATTRIBUTES_OFFSET + 1] &= !0x20;
    write_crc(&mut b);
    assert!(decode_control_batch(&b).unwrap_err().to_string().contains("is not a control batch"));
    // An end marker without the transactional bit.
    let mut b = good.clone();
    b[ATTRIBUTES_OFFSET + 1] &= !0x10;
    write_crc(&mut b);
    assert!(decode_control_batch(&b).unwrap_err().to_string().contains("without the transactional bit"));
    // Two records in one control batch.
    let mut builder = BatchBuilder::new(BatchOptions {
        is_transactional: true,
        is_control_batch: true,
        producer_id: 1,
        producer_epoch: 0,
        ..BatchOptions::default()
    });
    for _ in 0..2 {
        builder.append(0, Some(&[0, 0, 0, 0]), Some(&marker.serialize_value()), &[]);
    }
    let e = decode_control_batch(&builder.build().unwrap()).unwrap_err();
    assert!(e.to_string().contains("has 2 records"), "{e}");
    // A bad CRC is the batch decoder's error.
    let mut b = good.clone();
    *b.last_mut().unwrap() ^= 1;
    assert!(matches!(decode_control_batch(&b), Err(TxnError::CorruptBatch(_))));
    // A cleaned (empty) control batch has no marker.
    let mut b = good[..61].to_vec();
    b[RECORDS_COUNT_OFFSET..RECORDS_COUNT_OFFSET + 4].copy_from_slice(&0i32.to_be_bytes());
    b[8..12].copy_from_slice(&49i32.to_be_bytes());
    set_base_offset(&mut b, 7);
    write_crc(&mut b);
    verify_crc(&b).unwrap();
    let empty = decode_control_batch(&b).unwrap();
    assert_eq!((empty.control_type, empty.marker), (None, None));
}

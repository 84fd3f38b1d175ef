//! `TransactionLogTest` ported, plus byte vectors computed by hand from the schemas
//! (`TransactionLogKey.json`, `TransactionLogValue.json`) and Kafka's protocol types:
//! the schema is the independent source, the encoder is checked against it.

use super::*;
use crate::engine::record::{decode_batch, BatchBuilder, BatchOptions};
use std::collections::BTreeSet;
use TransactionState::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn meta(id: &str, pid: i64, state: TransactionState) -> TransactionMetadata {
    TransactionMetadata::new(id, pid, -1, -1, 0, -1, 1000, state, 0, 0, TransactionVersion::Tv0)
}

fn five_partitions() -> BTreeSet<TopicPartition> {
    [("topic1", 0), ("topic1", 1), ("topic2", 0), ("topic2", 1), ("topic2", 2)]
        .into_iter()
        .map(|(t, p)| TopicPartition::new(t, p))
        .collect()
}

#[test]
fn key_bytes_follow_the_schema() {
    // version 0, then STRING: int16 length 2, "id".
    assert_eq!(key_to_bytes("id"), hex("0000 0002 6964"));
    assert_eq!(
        read_txn_record_key(&hex("0000 0002 6964")).unwrap(),
        TxnRecordKey::Txn { version: 0, transactional_id: "id".into() }
    );
    // Non-ASCII ids are UTF-8 with a byte length.
    assert_eq!(key_to_bytes("é"), hex("0000 0002 c3a9"));
}

/// `testReadTxnRecordKeyCanReadUnknownMessage`.
#[test]
fn an_unknown_key_version_is_reported_not_refused() {
    let mut bytes = i16::MAX.to_be_bytes().to_vec();
    bytes.extend(hex("0000"));
    assert_eq!(read_txn_record_key(&bytes).unwrap(), TxnRecordKey::Unknown { version: i16::MAX });
    assert_eq!(format_record_key_and_value(&bytes, None).unwrap(), ("unknown::version=32767".into(), None));
}

fn ongoing_one_partition() -> TransactionMetadata {
    let mut m = meta("id", 1334, Ongoing);
    m.add_partitions([TopicPartition::new("topic", 0)]);
    m
}

/// Value v0 (TV_0): non-flexible, int16/int32 lengths, no tagged fields.
const V0_ONGOING: &str = "0000 0000000000000536 0000 000003e8 01
    00000001 0005 746f706963 00000001 00000000
    0000000000000000 0000000000000000";
/// Value v1 (TV_1+): compact lengths (n + 1), a tagged-field section after the
/// partition entry and after the value, both empty.
const V1_ONGOING: &str = "0001 0000000000000536 0000 000003e8 01
    02 06 746f706963 02 00000000 00
    0000000000000000 0000000000000000 00";

#[test]
fn value_bytes_follow_the_schema_in_both_versions() {
    let t = ongoing_one_partition().prepare_no_transit();
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv0).unwrap(), hex(V0_ONGOING));
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv2).unwrap(), hex(V1_ONGOING));
    for bytes in [hex(V0_ONGOING), hex(V1_ONGOING)] {
        let m = read_txn_record_value("id", Some(&bytes)).unwrap().unwrap();
        assert_eq!(m, ongoing_one_partition());
    }
}

#[test]
fn empty_partitions_are_null_and_tagged_fields_appear_when_not_default() {
    let mut t = meta("id", 1, Empty).prepare_no_transit();
    // v0: null array = int32 -1.
    assert_eq!(
        value_to_bytes(&t, TransactionVersion::Tv0).unwrap(),
        hex("0000 0000000000000001 0000 000003e8 00 ffffffff 0000000000000000 0000000000000000")
    );
    // v1, client TV_2: null compact array = 0, then tag 2 (ClientTransactionVersion),
    // size 2, value 2.
    t.client_transaction_version = TransactionVersion::Tv2;
    let v1 = value_to_bytes(&t, TransactionVersion::Tv2).unwrap();
    assert_eq!(
        v1,
        hex("0001 0000000000000001 0000 000003e8 00 00 0000000000000000 0000000000000000 01 02 02 0002")
    );
    let m = read_txn_record_value("id", Some(&v1)).unwrap().unwrap();
    assert_eq!((m.client_transaction_version, m.topic_partitions.len()), (TransactionVersion::Tv2, 0));
    // v0 cannot carry a tagged field that is set.
    let value = TransactionLogValue { previous_producer_id: 7, ..TransactionLogValue::default() };
    assert!(matches!(encode_value(0, &value), Err(TxnError::UnsupportedVersion(_))));
    // v1 writes tags 0 and 1 as int64 in tag order.
    let value = TransactionLogValue {
        previous_producer_id: 7,
        next_producer_id: 8,
        ..TransactionLogValue::default()
    };
    let bytes = encode_value(1, &value).unwrap();
    assert!(bytes.ends_with(&hex("02 00 08 0000000000000007 01 08 0000000000000008")));
    assert_eq!(decode_value(&bytes).unwrap(), (1, value));
}

/// `shouldThrowExceptionWriteInvalidTxn`.
#[test]
fn an_empty_transaction_with_partitions_is_refused() {
    let mut m = meta("transactionalId", 23423, Empty);
    m.add_partitions(five_partitions());
    let e = value_to_bytes(&m.prepare_no_transit(), TransactionVersion::Tv2).unwrap_err();
    assert!(
        matches!(e, TxnError::IllegalState(ref s) if s.contains("not expected to have any partitions")),
        "{e}"
    );
}

/// `shouldReadWriteMessages`: six ids in six states, through a record batch and back.
#[test]
fn records_round_trip_through_a_batch() {
    let states = [
        ("zero", Empty),
        ("one", Ongoing),
        ("two", PrepareCommit),
        ("three", CompleteCommit),
        ("four", PrepareAbort),
        ("five", CompleteAbort),
    ];
    let mut builder = BatchBuilder::new(BatchOptions::default());
    for (pid, (id, state)) in states.iter().enumerate() {
        let mut m = meta(id, pid as i64, *state);
        if *state != Empty {
            m.add_partitions(five_partitions());
        }
        let value = value_to_bytes(&m.prepare_no_transit(), TransactionVersion::Tv2).unwrap();
        builder.append(0, Some(&key_to_bytes(id)), Some(&value), &[]);
    }
    let batch = decode_batch(&builder.build().unwrap()).unwrap();
    assert_eq!(batch.records.len(), 6);
    for (record, (pid, (id, state))) in batch.records.iter().zip(states.iter().enumerate()) {
        let TxnRecordKey::Txn { transactional_id, .. } =
            read_txn_record_key(record.key.as_deref().unwrap()).unwrap()
        else {
            panic!("a known key")
        };
        assert_eq!(&transactional_id, id);
        let m = read_txn_record_value(&transactional_id, record.value.as_deref()).unwrap().unwrap();
        assert_eq!(
            (m.producer_id, m.producer_epoch, m.txn_timeout_ms, m.state),
            (pid as i64, 0, 1000, *state)
        );
        let expected = if *state == Empty { BTreeSet::new() } else { five_partitions() };
        assert_eq!(m.topic_partitions, expected);
    }
}

/// `testTransactionMetadataParsing` and `testTransactionMetadataTombstoneParsing`.
#[test]
fn records_format_as_dump_log_prints_them() {
    let t = ongoing_one_partition().prepare_no_transit();
    let value = value_to_bytes(&t, TransactionVersion::Tv2).unwrap();
    let (key, value) = format_record_key_and_value(&key_to_bytes("id"), Some(&value)).unwrap();
    assert_eq!(key, "transaction_metadata::transactionalId=id");
    assert_eq!(
        value.unwrap(),
        "producerId:1334,producerEpoch:0,state=Ongoing,partitions=[topic-0],txnLastUpdateTimestamp=0,txnTimeoutMs=1000"
    );
    let (key, value) = tombstone("id");
    assert_eq!(value, None);
    assert_eq!(format_record_key_and_value(&key, None).unwrap().1.unwrap(), "<DELETE>");
    assert_eq!(read_txn_record_value("id", None).unwrap(), None);
}

/// `testSerializeTransactionLogValueToHighestNonFlexibleVersion` / `…ToFlexibleVersion`.
#[test]
fn the_transaction_version_picks_the_value_version() {
    let mut m = meta("id", 1, CompleteCommit);
    m.txn_start_timestamp_ms = 500;
    let t = m.prepare_no_transit();
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv0).unwrap()[..2], [0, 0]);
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv2).unwrap()[..2], [0, 1]);
}

/// `testDeserializeFutureTransactionLogValue`: v1 bytes with unknown tags 100 (a STRING
/// "foo") and 101 (an INT32 4000) in the partition entry and in the value.
#[test]
fn unknown_tagged_fields_are_read_kept_and_written_back() {
    let tags = "02 64 05 0003 666f6f 65 04 00000fa0";
    let bytes = hex(&format!(
        "0001 00000000000003e8 0064 000003e8 04 02 06 746f706963 02 00000001 {tags}
         00000000000007d0 0000000000000bb8 {tags}"
    ));
    let (version, value) = decode_value(&bytes).unwrap();
    assert_eq!(version, 1);
    let tag_numbers = |f: &[RawTaggedField]| f.iter().map(|f| f.tag).collect::<Vec<_>>();
    assert_eq!(tag_numbers(&value.unknown_tagged_fields), [100, 101]);
    assert_eq!(
        tag_numbers(&value.transaction_partitions.as_ref().unwrap()[0].unknown_tagged_fields),
        [100, 101]
    );
    assert_eq!(encode_value(1, &value).unwrap(), bytes);
    let m = read_txn_record_value("transaction-id", Some(&bytes)).unwrap().unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.txn_timeout_ms, m.state),
        (1000, 100, 1000, CompleteCommit)
    );
    assert_eq!(m.topic_partitions, BTreeSet::from([TopicPartition::new("topic", 1)]));
    assert_eq!((m.txn_last_update_timestamp_ms, m.txn_start_timestamp_ms), (2000, 3000));
}

#[test]
fn bad_values_are_named_errors() {
    let e = read_txn_record_value("id", Some(&hex("0002 00"))).unwrap_err();
    assert_eq!(e, TxnError::IllegalState("Unknown version 2 from the transaction log message value".into()));
    let mut bytes = hex(V0_ONGOING);
    bytes[16] = 9; // the status byte
    let e = read_txn_record_value("id", Some(&bytes)).unwrap_err();
    assert!(e.to_string().contains("Unknown transaction state id 9"), "{e}");
    let e = read_txn_record_value("id", Some(&hex(V0_ONGOING)[..20])).unwrap_err();
    assert!(e.to_string().starts_with("malformed TransactionLogValue: transactionPartitions"), "{e}");
    // A huge array length is refused before anything is allocated.
    let mut bytes = hex(V0_ONGOING);
    bytes[17..21].copy_from_slice(&i32::MAX.to_be_bytes());
    let e = decode_value(&bytes).unwrap_err();
    assert!(e.to_string().contains("declares 2147483647 elements"), "{e}");
    let e = read_txn_record_key(&hex("0000 ffff")).unwrap_err();
    assert!(e.to_string().contains("non-nullable field transactionalId was serialized as null"), "{e}");
    // A known tag with the wrong size.
    let mut bytes = hex(V1_ONGOING);
    *bytes.last_mut().unwrap() = 1;
    bytes.extend(hex("02 01 07"));
    let e = decode_value(&bytes).unwrap_err();
    assert!(e.to_string().contains("ClientTransactionVersion (tag 2) has 1 bytes, not 2"), "{e}");
}

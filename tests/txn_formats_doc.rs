//! `tests/vectors/transaction_formats.md`'s examples (bytes computed from Kafka's schemas,
//! the marker batch also read by kafka-python) are what `engine::txn` writes and reads.

use kafka_playground::engine::txn::log_record::{key_to_bytes, read_txn_record_value, value_to_bytes};
use kafka_playground::engine::txn::marker::{
    decode_control_batch, end_txn_marker_batch, ControlRecordType, EndTransactionMarker,
};
use kafka_playground::engine::txn::{
    TopicPartition, TransactionMetadata, TransactionState, TransactionVersion,
};

fn blocks() -> Vec<Vec<u8>> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/transaction_formats.md"))
            .unwrap();
    doc.split("```hex\n")
        .skip(1)
        .map(|b| {
            let digits: String = b.split("```").next().unwrap().split_whitespace().collect();
            (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
        })
        .collect()
}

#[test]
fn the_documented_examples_are_what_we_write_and_read() {
    let b = blocks();
    assert_eq!(b.len(), 4, "key, value v0, value v1, marker batch");
    assert_eq!(key_to_bytes("id"), b[0]);
    let mut m = TransactionMetadata::new(
        "id",
        1334,
        -1,
        -1,
        0,
        -1,
        1000,
        TransactionState::Ongoing,
        0,
        0,
        TransactionVersion::Tv0,
    );
    m.add_partitions([TopicPartition::new("topic", 0)]);
    let t = m.prepare_no_transit();
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv0).unwrap(), b[1]);
    assert_eq!(value_to_bytes(&t, TransactionVersion::Tv1).unwrap(), b[2]);
    for value in &b[1..3] {
        assert_eq!(read_txn_record_value("id", Some(value)).unwrap(), Some(m.clone()));
    }
    let marker = EndTransactionMarker::new(ControlRecordType::Commit, 5).unwrap();
    assert_eq!(end_txn_marker_batch(14, 1000, 0, 1, 0, &marker).unwrap(), b[3]);
    assert_eq!(decode_control_batch(&b[3]).unwrap().marker, Some(marker));
}

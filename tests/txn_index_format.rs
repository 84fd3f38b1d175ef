//! `tests/vectors/txnindex_format.md`'s example: the file bytes written there (computed
//! from `AbortedTxn.java`'s layout, not by this crate) are what `TransactionIndex`
//! writes for the example's two aborted transactions, and read back to them.

use kafka_playground::engine::txn::txn_index::{AbortedTxn, TransactionIndex, ABORTED_TXN_TOTAL_SIZE};

fn documented_bytes() -> Vec<u8> {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/txnindex_format.md"))
            .unwrap();
    let block = doc.split("```hex\n").nth(1).expect("a ```hex block").split("```").next().unwrap();
    let digits: String = block.split_whitespace().collect();
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn the_documented_example_is_what_we_write_and_read() {
    let entries = [AbortedTxn::new(1000, 5, 9, 7), AbortedTxn::new(1001, 7, 20, 21)];
    let mut index = TransactionIndex::new(0);
    for e in entries {
        index.append(e).unwrap();
    }
    let bytes = documented_bytes();
    assert_eq!(bytes.len(), 2 * ABORTED_TXN_TOTAL_SIZE);
    assert_eq!(index.bytes(), bytes.as_slice());
    let opened = TransactionIndex::open(0, bytes);
    assert_eq!(opened.all_aborted_txns().unwrap(), entries);
    opened.sanity_check().unwrap();
    // The fetches the document describes.
    let r = opened.collect_aborted_txns(0, 10).unwrap();
    assert_eq!((r.aborted_transactions, r.is_complete), (entries.to_vec(), true));
    let r = opened.collect_aborted_txns(10, 21).unwrap();
    assert_eq!((r.aborted_transactions, r.is_complete), (vec![entries[1]], true));
}

//! The aborted transaction index, a segment's `.txnindex` file, as Kafka keeps it
//! (storage `AbortedTxn`, `TransactionIndex`): 34-byte entries, big-endian, no header,
//! no padding — int16 version (0), int64 producer id, int64 first offset, int64 last
//! offset (the abort marker's), int64 last stable offset when the abort was written.
//! One entry per transaction whose ABORT marker is in the segment, in marker order
//! (`append` refuses a last offset that does not increase). A trailing partial entry is
//! never read (`hasNext` wants 34 bytes). Kafka's `version()` reads only the first byte of
//! the int16 (`buffer.get(0)`); reading checks that byte as Kafka does. The file's bytes
//! are [`TransactionIndex::bytes`]; the layout is written down in
//! `tests/vectors/txnindex_format.md`.

use super::error::{TxnError, TxnResult};
use serde::{Deserialize, Serialize};

pub const ABORTED_TXN_TOTAL_SIZE: usize = 34;
pub const ABORTED_TXN_CURRENT_VERSION: i16 = 0;

/// One entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbortedTxn {
    /// The int16 as stored.
    pub version_field: i16,
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    pub fn new(producer_id: i64, first_offset: i64, last_offset: i64, last_stable_offset: i64) -> Self {
        AbortedTxn {
            version_field: ABORTED_TXN_CURRENT_VERSION,
            producer_id,
            first_offset,
            last_offset,
            last_stable_offset,
        }
    }

    /// `AbortedTxn.version()`: the first byte of the version field, as Kafka reads it.
    pub fn version(&self) -> i16 {
        i16::from((self.version_field >> 8) as i8)
    }

    pub fn to_bytes(&self) -> [u8; ABORTED_TXN_TOTAL_SIZE] {
        let mut b = [0u8; ABORTED_TXN_TOTAL_SIZE];
        b[0..2].copy_from_slice(&self.version_field.to_be_bytes());
        b[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        b[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        b[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        b[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        b
    }

    pub fn from_bytes(b: &[u8; ABORTED_TXN_TOTAL_SIZE]) -> Self {
        let i64_at = |at: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[at..at + 8]);
            i64::from_be_bytes(a)
        };
        AbortedTxn {
            version_field: i16::from_be_bytes([b[0], b[1]]),
            producer_id: i64_at(2),
            first_offset: i64_at(10),
            last_offset: i64_at(18),
            last_stable_offset: i64_at(26),
        }
    }
}

/// `TxnIndexSearchResult`: what overlaps a fetch, and whether the search may stop here
/// (an entry's LSO reached the fetch's upper bound) or must go on to the next segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnIndexSearchResult {
    pub aborted_transactions: Vec<AbortedTxn>,
    pub is_complete: bool,
}

/// One segment's `.txnindex`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionIndex {
    /// The segment's base offset (for the sanity check).
    start_offset: i64,
    bytes: Vec<u8>,
    /// The last appended entry's last offset, for the order check; like Kafka's, not
    /// recovered when an existing file is opened.
    last_offset: Option<i64>,
}

impl TransactionIndex {
    pub fn new(start_offset: i64) -> Self {
        TransactionIndex { start_offset, bytes: Vec::new(), last_offset: None }
    }

    /// Opens an existing file's bytes.
    pub fn open(start_offset: i64, bytes: Vec<u8>) -> Self {
        TransactionIndex { start_offset, bytes, last_offset: None }
    }

    /// The file's content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// No entry (the file is empty).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn start_offset(&self) -> i64 {
        self.start_offset
    }

    /// `append`: last offsets must increase.
    pub fn append(&mut self, txn: AbortedTxn) -> TxnResult<()> {
        if let Some(last) = self.last_offset {
            if last >= txn.last_offset {
                return Err(TxnError::IllegalArgument(format!(
                    "The last offset of appended transactions must increase sequentially, but {} is not greater than current last offset {last} of index {}",
                    txn.last_offset,
                    self.name()
                )));
            }
        }
        self.last_offset = Some(txn.last_offset);
        self.bytes.extend_from_slice(&txn.to_bytes());
        Ok(())
    }

    fn name(&self) -> String {
        format!("{:020}.txnindex", self.start_offset)
    }

    /// `reset`: every entry removed.
    pub fn reset(&mut self) {
        self.bytes.clear();
        self.last_offset = None;
    }

    /// Entries with their byte positions, each version-checked (`iterable`).
    fn entries(&self) -> impl Iterator<Item = TxnResult<(usize, AbortedTxn)>> + '_ {
        self.bytes.chunks_exact(ABORTED_TXN_TOTAL_SIZE).enumerate().map(move |(i, chunk)| {
            let mut a = [0u8; ABORTED_TXN_TOTAL_SIZE];
            a.copy_from_slice(chunk);
            let txn = AbortedTxn::from_bytes(&a);
            if txn.version() > ABORTED_TXN_CURRENT_VERSION {
                return Err(TxnError::CorruptIndex(format!(
                    "Unexpected aborted transaction version {} in transaction index {}, current version is {ABORTED_TXN_CURRENT_VERSION}",
                    txn.version(),
                    self.name()
                )));
            }
            Ok((i * ABORTED_TXN_TOTAL_SIZE, txn))
        })
    }

    /// `truncateTo(offset)`: drops the first entry whose last offset ≥ `offset` and all
    /// after it.
    pub fn truncate_to(&mut self, offset: i64) -> TxnResult<()> {
        let mut new_last = None;
        let mut cut = None;
        for entry in self.entries() {
            let (position, txn) = entry?;
            if txn.last_offset >= offset {
                cut = Some(position);
                break;
            }
            new_last = Some(txn.last_offset);
        }
        if let Some(position) = cut {
            self.bytes.truncate(position);
            self.last_offset = new_last;
        }
        Ok(())
    }

    /// `allAbortedTxns`.
    pub fn all_aborted_txns(&self) -> TxnResult<Vec<AbortedTxn>> {
        self.entries().map(|e| e.map(|(_, t)| t)).collect()
    }

    /// `collectAbortedTxns(fetchOffset, upperBoundOffset)`: the aborted transactions that
    /// overlap `[fetch_offset, upper_bound_offset)`.
    pub fn collect_aborted_txns(
        &self,
        fetch_offset: i64,
        upper_bound_offset: i64,
    ) -> TxnResult<TxnIndexSearchResult> {
        let mut aborted_transactions = Vec::new();
        for entry in self.entries() {
            let (_, txn) = entry?;
            if txn.last_offset >= fetch_offset && txn.first_offset < upper_bound_offset {
                aborted_transactions.push(txn);
            }
            if txn.last_stable_offset >= upper_bound_offset {
                return Ok(TxnIndexSearchResult { aborted_transactions, is_complete: true });
            }
        }
        Ok(TxnIndexSearchResult { aborted_transactions, is_complete: false })
    }

    /// `sanityCheck`: no entry ends before the segment starts.
    pub fn sanity_check(&self) -> TxnResult<()> {
        for entry in self.entries() {
            let (_, txn) = entry?;
            if txn.last_offset < self.start_offset {
                return Err(TxnError::CorruptIndex(format!(
                    "Last offset of aborted transaction {txn:?} in index {} is less than start offset {}",
                    self.name(),
                    self.start_offset
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four(lso: [i64; 4]) -> Vec<AbortedTxn> {
        vec![
            AbortedTxn::new(0, 0, 10, lso[0]),
            AbortedTxn::new(1, 5, 15, lso[1]),
            AbortedTxn::new(2, 18, 35, lso[2]),
            AbortedTxn::new(3, 32, 50, lso[3]),
        ]
    }

    fn index_of(txns: &[AbortedTxn]) -> TransactionIndex {
        let mut index = TransactionIndex::new(0);
        for t in txns {
            index.append(*t).unwrap();
        }
        index
    }

    /// `testPositionSetCorrectlyWhenOpened`.
    #[test]
    fn an_opened_index_appends_after_its_entries() {
        let mut txns = four([11, 13, 25, 40]);
        let index = index_of(&txns);
        let mut reopened = TransactionIndex::open(0, index.bytes().to_vec());
        let another = AbortedTxn::new(3, 50, 60, 55);
        reopened.append(another).unwrap();
        txns.push(another);
        assert_eq!(reopened.all_aborted_txns().unwrap(), txns);
    }

    /// `testSanityCheck`: the same file opened as a segment starting at 100.
    #[test]
    fn sanity_check_refuses_entries_before_the_segment() {
        let index = index_of(&four([11, 13, 25, 40]));
        index.sanity_check().unwrap();
        let e = TransactionIndex::open(100, index.bytes().to_vec()).sanity_check().unwrap_err();
        assert!(
            matches!(e, TxnError::CorruptIndex(ref s) if s.contains("less than start offset 100")),
            "{e}"
        );
    }

    /// `testLastOffsetMustIncrease` / `testLastOffsetCannotDecrease`.
    #[test]
    fn last_offsets_must_increase() {
        for last in [15, 10] {
            let mut index = TransactionIndex::new(0);
            index.append(AbortedTxn::new(1, 5, 15, 13)).unwrap();
            let e = index.append(AbortedTxn::new(0, 0, last, 11)).unwrap_err();
            assert!(
                matches!(e, TxnError::IllegalArgument(ref s) if s.contains(&format!("but {last} is not greater than current last offset 15"))),
                "{e}"
            );
        }
    }

    /// `testCollectAbortedTransactions`.
    #[test]
    fn collect_aborted_transactions() {
        let txns = four([11, 13, 25, 40]);
        let index = index_of(&txns);
        let check = |from, to, expected: &[AbortedTxn], complete| {
            let r = index.collect_aborted_txns(from, to).unwrap();
            assert_eq!(
                (r.aborted_transactions.as_slice(), r.is_complete),
                (expected, complete),
                "{from}..{to}"
            );
        };
        check(0, 100, &txns, false);
        check(0, 32, &txns[0..3], true);
        check(0, 35, &txns, true);
        check(10, 35, &txns, true);
        check(11, 35, &txns[1..4], true);
        check(20, 41, &txns[2..4], false);
    }

    /// `testTruncate`.
    #[test]
    fn truncate() {
        let txns = four([2, 16, 25, 40]);
        let mut index = index_of(&txns);
        index.truncate_to(51).unwrap();
        assert_eq!(index.collect_aborted_txns(0, 100).unwrap().aborted_transactions, txns);
        index.truncate_to(50).unwrap();
        assert_eq!(index.collect_aborted_txns(0, 100).unwrap().aborted_transactions, &txns[0..3]);
        assert_eq!(index.bytes().len(), 3 * ABORTED_TXN_TOTAL_SIZE);
        // The order check resumes from the last kept entry.
        assert!(index.append(AbortedTxn::new(9, 36, 35, 36)).is_err());
        index.append(AbortedTxn::new(9, 36, 36, 36)).unwrap();
        index.reset();
        assert!(index.collect_aborted_txns(0, 100).unwrap().aborted_transactions.is_empty());
        assert!(index.bytes().is_empty());
    }

    /// `testAbortedTxnSerde`, and the layout: 34 bytes, fields in order.
    #[test]
    fn aborted_txn_serde() {
        let t = AbortedTxn::new(983493, 137, 299, 200);
        assert_eq!(
            (t.version(), t.producer_id, t.first_offset, t.last_offset, t.last_stable_offset),
            (0, 983493, 137, 299, 200)
        );
        let b = t.to_bytes();
        assert_eq!(&b[..2], &[0, 0]);
        assert_eq!(&b[2..10], &983493i64.to_be_bytes());
        assert_eq!(&b[26..], &200i64.to_be_bytes());
        assert_eq!(AbortedTxn::from_bytes(&b), t);
    }

    #[test]
    fn versions_and_partial_entries_read_as_kafka_reads_them() {
        let mut bytes = AbortedTxn::new(1, 2, 3, 4).to_bytes().to_vec();
        // A partial trailing entry is not read.
        bytes.extend_from_slice(&[0; 20]);
        assert_eq!(TransactionIndex::open(0, bytes.clone()).all_aborted_txns().unwrap().len(), 1);
        // First byte 1: version 1, refused.
        bytes[0] = 1;
        let e = TransactionIndex::open(0, bytes.clone()).all_aborted_txns().unwrap_err();
        assert!(e.to_string().contains("Unexpected aborted transaction version 1"), "{e}");
        // Only the first byte counts: 0x0005 reads as version 0, 0xff00 as -1.
        for field in [[0u8, 5], [0xff, 0]] {
            bytes[..2].copy_from_slice(&field);
            assert!(TransactionIndex::open(0, bytes.clone()).all_aborted_txns().is_ok());
        }
    }
}

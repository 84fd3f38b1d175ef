//! The consumer's `read_committed` filter over real batches (built as Kafka's tests build
//! them: `appendTransactionalRecords`, `MemoryRecords.writeEndTransactionalMarker`), with
//! the cases and expected records of Kafka's `CompletedFetchTest` and `FetcherTest`.

use kafka_playground::engine::record::{decode_batch, BatchBuilder, BatchOptions};
use kafka_playground::engine::txn::marker::{end_txn_marker_batch, ControlRecordType, EndTransactionMarker};
use kafka_playground::engine::txn::read_committed::{
    filter_batches, AbortedTransaction, BatchVerdict, FetchedBatch, IsolationLevel,
};
use IsolationLevel::*;

fn txn_batch(pid: i64, base_offset: i64, keys: &[&str]) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions {
        base_offset,
        is_transactional: true,
        producer_id: pid,
        producer_epoch: 0,
        base_sequence: base_offset as i32,
        ..BatchOptions::default()
    });
    for k in keys {
        b.append(0, Some(k.as_bytes()), Some(b"value"), &[]);
    }
    b.build().unwrap()
}

fn plain_batch(base_offset: i64, keys: &[&str]) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions { base_offset, ..BatchOptions::default() });
    for k in keys {
        b.append(0, Some(k.as_bytes()), Some(b"value"), &[]);
    }
    b.build().unwrap()
}

fn marker(pid: i64, offset: i64, t: ControlRecordType) -> Vec<u8> {
    end_txn_marker_batch(offset, 0, 0, pid, 0, &EndTransactionMarker::new(t, 0).unwrap()).unwrap()
}
fn commit(pid: i64, offset: i64) -> Vec<u8> {
    marker(pid, offset, ControlRecordType::Commit)
}
fn abort(pid: i64, offset: i64) -> Vec<u8> {
    marker(pid, offset, ControlRecordType::Abort)
}

fn aborted(list: &[(i64, i64)]) -> Vec<AbortedTransaction> {
    list.iter().map(|&(producer_id, first_offset)| AbortedTransaction { producer_id, first_offset }).collect()
}

/// The (offset, key) of every record the application gets.
fn consume(level: IsolationLevel, batches: &[Vec<u8>], aborted: &[AbortedTransaction]) -> Vec<(i64, String)> {
    let fetched: Vec<FetchedBatch> = batches.iter().map(|b| FetchedBatch::from_bytes(b).unwrap()).collect();
    let verdicts = filter_batches(level, &fetched, aborted);
    let mut out = Vec::new();
    for (bytes, verdict) in batches.iter().zip(verdicts) {
        if verdict == BatchVerdict::Deliver {
            for r in decode_batch(bytes).unwrap().records {
                out.push((r.offset, String::from_utf8(r.key.unwrap()).unwrap()));
            }
        }
    }
    out
}

fn keys(records: &[(i64, String)]) -> Vec<&str> {
    records.iter().map(|(_, k)| k.as_str()).collect()
}

/// `CompletedFetchTest.testAbortedTransactionRecordsRemoved` and
/// `testCommittedTransactionRecordsIncluded`.
#[test]
fn aborted_records_removed_committed_included() {
    let ten: Vec<String> = (0..10).map(|i| format!("key{i}")).collect();
    let ten: Vec<&str> = ten.iter().map(String::as_str).collect();
    let aborted_batches = vec![txn_batch(1000, 0, &ten), abort(1000, 10)];
    let list = aborted(&[(1000, 0)]);
    assert_eq!(consume(ReadCommitted, &aborted_batches, &list).len(), 0);
    assert_eq!(consume(ReadUncommitted, &aborted_batches, &list).len(), 10);
    let committed = vec![txn_batch(1000, 0, &ten), commit(1000, 10)];
    assert_eq!(consume(ReadCommitted, &committed, &[]).len(), 10);
}

/// `FetcherTest.testReadCommittedWithCommittedAndAbortedTransactions`.
#[test]
fn committed_and_aborted_transactions_interleaved() {
    let batches = vec![
        txn_batch(1, 0, &["commit1-1", "commit1-2"]),
        txn_batch(2, 2, &["abort2-1"]),
        commit(1, 3),
        txn_batch(2, 4, &["abort2-2"]),
        abort(2, 5),
        txn_batch(1, 6, &["abort1-1"]),
        txn_batch(2, 7, &["commit2-1"]),
        txn_batch(1, 8, &["abort1-2"]),
        abort(1, 9),
        commit(2, 10),
    ];
    let list = aborted(&[(2, 2), (1, 6)]);
    let mut got = keys(&consume(ReadCommitted, &batches, &list)).join(",");
    assert_eq!(got, "commit1-1,commit1-2,commit2-1");
    // read_uncommitted sees every data record and no marker.
    got = keys(&consume(ReadUncommitted, &batches, &list)).join(",");
    assert_eq!(got, "commit1-1,commit1-2,abort2-1,abort2-2,abort1-1,commit2-1,abort1-2");
}

/// `FetcherTest.testMultipleAbortMarkers`: a duplicate abort marker is ignored.
#[test]
fn multiple_abort_markers() {
    let batches = vec![
        txn_batch(1, 0, &["abort1-1", "abort1-2"]),
        abort(1, 2),
        abort(1, 3),
        txn_batch(1, 4, &["commit1-1", "commit1-2"]),
        commit(1, 6),
    ];
    assert_eq!(keys(&consume(ReadCommitted, &batches, &aborted(&[(1, 0)]))), ["commit1-1", "commit1-2"]);
}

/// `FetcherTest.testReadCommittedAbortMarkerWithNoData`: the aborted transaction began
/// at an offset no longer in the log; its marker still ends it.
#[test]
fn abort_marker_with_no_data() {
    let batches = vec![abort(1, 5), txn_batch(1, 6, &["6", "7", "8"]), commit(1, 9)];
    let got = consume(ReadCommitted, &batches, &aborted(&[(1, 0)]));
    assert_eq!(got.iter().map(|(o, _)| *o).collect::<Vec<_>>(), [6, 7, 8]);
}

/// `FetcherTest.testReadCommittedWithCompactedTopic`: the aborted list is given out of
/// order, and producer 1's abort marker is not in this fetch.
#[test]
fn compacted_topic() {
    let batches = vec![
        txn_batch(3, 3, &["3", "4"]),
        txn_batch(2, 15, &["15", "16", "17"]),
        txn_batch(1, 22, &["22", "23"]),
        abort(2, 28),
        txn_batch(3, 30, &["30", "31", "32"]),
        commit(3, 35),
        txn_batch(1, 39, &["39", "40"]),
    ];
    let got = consume(ReadCommitted, &batches, &aborted(&[(2, 6), (1, 0)]));
    assert_eq!(got.iter().map(|(o, _)| *o).collect::<Vec<_>>(), [3, 4, 30, 31, 32]);
}

/// A batch without a producer id is never filtered, and a COMMIT marker does not end an
/// aborted producer's mark (only its ABORT marker does).
#[test]
fn plain_batches_pass_and_commit_markers_do_not_unmark() {
    let batches =
        vec![txn_batch(7, 0, &["a"]), plain_batch(1, &["plain"]), commit(7, 2), txn_batch(7, 3, &["b"])];
    let got = consume(ReadCommitted, &batches, &aborted(&[(7, 0)]));
    assert_eq!(keys(&got), ["plain"]);
    let fetched: Vec<FetchedBatch> = batches.iter().map(|b| FetchedBatch::from_bytes(b).unwrap()).collect();
    assert_eq!(
        filter_batches(ReadCommitted, &fetched, &aborted(&[(7, 0)])),
        // The COMMIT marker is itself a transactional batch of a marked producer: Java's
        // `isBatchAborted` skips it as aborted before the control check.
        [
            BatchVerdict::SkipAborted,
            BatchVerdict::Deliver,
            BatchVerdict::SkipAborted,
            BatchVerdict::SkipAborted
        ]
    );
}

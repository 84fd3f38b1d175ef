//! Which transaction each record of a replica's strip belongs to, and how it ended, as a
//! read_committed consumer decides it (`crate::engine::txn::read_committed`): a record of
//! a transactional batch is settled by the first control record after it from the same
//! producer id in that partition — a COMMIT marker commits it, an ABORT marker aborts it —
//! and is still open (above the last stable offset, unread by read_committed consumers)
//! while no marker follows. A control record is the marker itself; records of
//! non-transactional batches belong to no transaction. Invariant: one verdict per record,
//! in the records' order, depending only on the records at and after it.

use crate::engine::replica::view::{RecordPicture, TxnMarker};
use std::collections::HashMap;

/// Where a record stands with respect to transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    /// A record of a transaction no marker has ended yet.
    Open,
    /// A record of a transaction a COMMIT marker ended.
    Committed,
    /// A record of a transaction an ABORT marker ended.
    Aborted,
    /// The control record (marker) itself.
    Marker(TxnMarker),
}

/// The status of each record of `records` (oldest first): `None` for records of
/// non-transactional batches (and control records of other types).
pub fn txn_statuses(records: &[RecordPicture]) -> Vec<Option<TxnStatus>> {
    let mut out = vec![None; records.len()];
    // Walking newest to oldest: the nearest marker after a record, per producer id.
    let mut next_marker: HashMap<i64, TxnMarker> = HashMap::new();
    for (i, r) in records.iter().enumerate().rev() {
        let Some(p) = r.producer else { continue };
        if p.control {
            if let Some(m) = p.marker {
                next_marker.insert(p.producer_id, m);
                out[i] = Some(TxnStatus::Marker(m));
            }
        } else if p.transactional {
            out[i] = Some(match next_marker.get(&p.producer_id) {
                Some(TxnMarker::Commit) => TxnStatus::Committed,
                Some(TxnMarker::Abort) => TxnStatus::Aborted,
                None => TxnStatus::Open,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::replica::view::RecordProducer;

    fn rec(offset: i64, pid: i64, transactional: bool, marker: Option<TxnMarker>) -> RecordPicture {
        RecordPicture {
            offset,
            leader_epoch: 0,
            key: None,
            value: None,
            producer: (pid >= 0).then_some(RecordProducer {
                producer_id: pid,
                producer_epoch: 0,
                sequence: 0,
                batch_base_sequence: 0,
                batch_last_sequence: 0,
                transactional,
                control: marker.is_some(),
                marker,
            }),
        }
    }

    #[test]
    fn markers_settle_the_records_before_them_of_their_own_producer_only() {
        use TxnMarker::*;
        let records = [
            rec(0, 1, true, None),         // pid 1, committed at 3
            rec(1, 2, true, None),         // pid 2, aborted at 4
            rec(2, -1, false, None),       // plain producer
            rec(3, 1, true, Some(Commit)), // marker
            rec(4, 2, true, Some(Abort)),  // marker
            rec(5, 1, true, None),         // pid 1's next transaction, open
            rec(6, 3, false, None),        // idempotent, not transactional
            rec(7, 2, true, None),         // pid 2's next transaction, committed at 8
            rec(8, 2, true, Some(Commit)),
        ];
        assert_eq!(
            txn_statuses(&records),
            vec![
                Some(TxnStatus::Committed),
                Some(TxnStatus::Aborted),
                None,
                Some(TxnStatus::Marker(Commit)),
                Some(TxnStatus::Marker(Abort)),
                Some(TxnStatus::Open),
                None,
                Some(TxnStatus::Committed),
                Some(TxnStatus::Marker(Commit)),
            ]
        );
    }
}

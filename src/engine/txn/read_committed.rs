//! What a consumer does with the batches of one fetched partition before handing records
//! to the application (clients `CompletedFetch.nextFetchedRecord`), as a pure function
//! over batch headers and the fetch response's aborted transactions. Control batches are
//! never delivered. Under `read_committed`, for each batch with a producer id, in log
//! order: every aborted transaction whose first offset ≤ the batch's last offset is taken
//! from the queue (ordered by first offset, `consumeAbortedTransactionsUpTo`) and its
//! producer id marked aborted; an ABORT marker from that producer unmarks it (a COMMIT
//! marker changes nothing: a committed transaction was never in the list); a
//! transactional batch from a marked producer is dropped (`isBatchAborted`).
//! Under `read_uncommitted` every data batch is delivered. Invariant: the verdicts are one
//! per batch, in order, and depend only on the batches before and the aborted list.

use super::error::TxnResult;
use super::marker::{decode_control_batch, ControlRecordType};
use crate::engine::record::batch::{read_header, NO_PRODUCER_ID};
use std::collections::HashSet;

pub use crate::engine::cluster::txn_parts::{AbortedTransaction, IsolationLevel};

/// The parts of a fetched batch the filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchedBatch {
    pub base_offset: i64,
    pub last_offset: i64,
    pub producer_id: i64,
    pub is_transactional: bool,
    pub is_control_batch: bool,
    /// A control batch's first record's type (`None`: not control, or empty).
    pub control_type: Option<ControlRecordType>,
}

impl FetchedBatch {
    /// From a whole batch's bytes (a control batch is decoded to read its marker).
    pub fn from_bytes(batch: &[u8]) -> TxnResult<Self> {
        let header = read_header(batch).map_err(|e| super::error::TxnError::CorruptBatch(e.to_string()))?;
        let control_type =
            if header.is_control_batch() { decode_control_batch(batch)?.control_type } else { None };
        Ok(FetchedBatch {
            base_offset: header.base_offset,
            last_offset: header.last_offset(),
            producer_id: header.producer_id,
            is_transactional: header.is_transactional(),
            is_control_batch: header.is_control_batch(),
            control_type,
        })
    }
}

/// What happens to one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchVerdict {
    /// Its records go to the application.
    Deliver,
    /// A control batch: skipped (the position moves past it).
    SkipControl,
    /// A batch of an aborted transaction: dropped.
    SkipAborted,
}

/// The filter's state across the batches of one fetch response.
#[derive(Debug, Clone)]
pub struct ReadCommittedFilter {
    isolation_level: IsolationLevel,
    /// Aborted transactions not yet reached, by first offset.
    queue: Vec<AbortedTransaction>,
    next: usize,
    aborted_producer_ids: HashSet<i64>,
}

impl ReadCommittedFilter {
    pub fn new(isolation_level: IsolationLevel, aborted_transactions: &[AbortedTransaction]) -> Self {
        let mut queue = aborted_transactions.to_vec();
        queue.sort_by_key(|t| t.first_offset);
        ReadCommittedFilter { isolation_level, queue, next: 0, aborted_producer_ids: HashSet::new() }
    }

    /// The next batch's verdict.
    pub fn verdict(&mut self, batch: &FetchedBatch) -> BatchVerdict {
        if self.isolation_level == IsolationLevel::ReadCommitted && batch.producer_id != NO_PRODUCER_ID {
            while let Some(t) = self.queue.get(self.next).filter(|t| t.first_offset <= batch.last_offset) {
                self.aborted_producer_ids.insert(t.producer_id);
                self.next += 1;
            }
            let is_abort_marker =
                batch.is_control_batch && batch.control_type == Some(ControlRecordType::Abort);
            if is_abort_marker {
                self.aborted_producer_ids.remove(&batch.producer_id);
            } else if batch.is_transactional && self.aborted_producer_ids.contains(&batch.producer_id) {
                return BatchVerdict::SkipAborted;
            }
        }
        if batch.is_control_batch {
            BatchVerdict::SkipControl
        } else {
            BatchVerdict::Deliver
        }
    }

    /// Producers whose aborted transaction is open at this point of the fetch.
    pub fn aborted_producer_ids(&self) -> &HashSet<i64> {
        &self.aborted_producer_ids
    }
}

/// The verdict for each batch of one fetched partition, in order.
pub fn filter_batches(
    isolation_level: IsolationLevel,
    batches: &[FetchedBatch],
    aborted_transactions: &[AbortedTransaction],
) -> Vec<BatchVerdict> {
    let mut filter = ReadCommittedFilter::new(isolation_level, aborted_transactions);
    batches.iter().map(|b| filter.verdict(b)).collect()
}

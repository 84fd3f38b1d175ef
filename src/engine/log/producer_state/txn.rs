//! A partition's view of its producers' transactions (storage `TxnMetadata`,
//! `CompletedTxn`): a transaction opens at its first transactional data batch and
//! completes at its COMMIT or ABORT marker. Invariant: a `TxnMetadata` has a
//! `last_offset` only once its marker is in the log (it is then "unreplicated" until the
//! high watermark passes the marker).

use crate::engine::txn::txn_index::AbortedTxn;
use serde::{Deserialize, Serialize};

/// `TxnMetadata`: an open (or completed but not yet replicated) transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnMetadata {
    pub producer_id: i64,
    pub first_offset: i64,
    /// The offset of its marker, once written.
    pub last_offset: Option<i64>,
}

impl TxnMetadata {
    pub fn new(producer_id: i64, first_offset: i64) -> Self {
        TxnMetadata { producer_id, first_offset, last_offset: None }
    }
}

/// `CompletedTxn`: what a marker completes; `last_offset` is the marker's offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub is_aborted: bool,
}

impl CompletedTxn {
    /// The `.txnindex` entry of an aborted transaction (`UnifiedLog.updateProducers` →
    /// `LogSegment.updateTxnIndex`), with the LSO computed by
    /// `ProducerStateManager.lastStableOffset`.
    pub fn aborted_txn(&self, last_stable_offset: i64) -> Option<AbortedTxn> {
        self.is_aborted.then(|| {
            AbortedTxn::new(self.producer_id, self.first_offset, self.last_offset, last_stable_offset)
        })
    }
}

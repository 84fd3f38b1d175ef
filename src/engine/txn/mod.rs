//! The sans-IO pieces transactions stand on, each byte-exact with Kafka: the
//! `__transaction_state` records ([`log_record`]) and the partition that owns an id
//! ([`partition`]), the coordinator's state machine ([`state`], [`metadata`]), end
//! transaction markers and control batches ([`marker`]), the aborted transaction index
//! `.txnindex` ([`txn_index`]) and the consumer's `read_committed` filter
//! ([`read_committed`]). Nothing here reads a clock or does I/O: timestamps are arguments.

pub mod coordinator;
pub mod error;
pub mod log_record;
pub mod marker;
pub mod metadata;
pub mod partition;
pub mod read_committed;
pub mod state;
pub mod transit;
pub mod txn_index;
pub mod wire;

pub use error::{TxnError, TxnResult};
pub use metadata::TransactionMetadata;
pub use partition::partition_for;
pub use state::{TransactionState, TransactionVersion};
pub use transit::{TopicPartition, TxnTransitMetadata};

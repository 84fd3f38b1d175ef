//! The cluster band: brokers, the partition × broker matrix, replicas, records, the log panel.

pub mod brokers;
pub mod log;
pub mod matrix;
pub mod record;
pub mod replica;

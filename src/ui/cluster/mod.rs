//! The cluster band: brokers, the partition × broker matrix, replicas, records, ghosts of removed records, the log panel and a batch's anatomy.

pub mod anatomy;
pub mod brokers;
pub mod ghost;
pub mod log;
pub mod matrix;
pub mod record;
pub mod replica;

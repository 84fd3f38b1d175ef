//! The cluster band: brokers, the partition × broker matrix, replicas, records, ghosts of removed records, the log panel and a batch's anatomy; under `serve`, the real clients' connections.

pub mod anatomy;
pub mod brokers;
pub mod connections;
pub mod ghost;
pub mod log;
pub mod matrix;
pub mod record;
pub mod replica;
pub mod strip_help;
pub mod waits;

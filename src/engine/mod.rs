//! The engine: Kafka's semantics as pure Rust. It never reads a clock, never draws a
//! random number of its own and never touches a browser API; `now_ms` and seeds are
//! arguments, persistence is an output. It builds and is tested natively.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod client;
pub mod cluster;
pub mod controller;
pub mod error;
pub mod error_code;
pub mod faults;
pub mod group;
pub mod limits;
pub mod log;
pub mod partitioner;
pub mod record;
pub mod replica;
pub mod rng;
pub mod store;
pub mod text;
pub mod topic;
pub mod txn;

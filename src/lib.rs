//! kafka-playground: Apache Kafka, alive in a browser tab.
//!
//! * [`engine`] knows Kafka and nothing else: no I/O, no clock, no RNG of its own, no
//!   browser API. Time and randomness are arguments.
//! * [`storage`] keeps partition logs: the [`storage::LogStore`] trait, an in-memory
//!   backend, and (wasm only) the IndexedDB backend.
//! * [`embed`] is the page's `postMessage` API for course pages (its messages, sans DOM).
//! * `web` and `ui` (wasm only) are the browser driver and the Yew page.
//! * `cli` (native only) is the `kafka-playground` command-line tool.

pub mod embed;
pub mod engine;
pub mod sim;
pub mod storage;
pub mod takeaway;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
/// Kafka's wire protocol for `serve` (native only: the page's wasm does not carry it).
#[cfg(not(target_arch = "wasm32"))]
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;

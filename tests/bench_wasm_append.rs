//! Benchmark, not a test: the native `log_append` loop (encode 100-byte records into
//! ~16 KiB batches, CRC, validate, index, append) run in wasm32 in headless Chromium, in
//! records per second, median of `RUNS` runs after a warm-up. For the ratio, run
//! `cargo bench --bench log_append -- engine_append` right after it, the same way.
//! On a loaded machine prefix both with `chrt -f 10` (as root): other jobs then cannot
//! preempt the run (BENCHMARKS.md, "wasm").
//!
//! Ignored in the normal test run. Run it with `bash scripts/bench.sh`, or:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=600 \
//! cargo test --release --target wasm32-unknown-unknown --test bench_wasm_append -- --include-ignored --nocapture
//! ```
#![cfg(target_arch = "wasm32")]

use kafka_playground::engine::log::PartitionLog;
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use kafka_playground::engine::topic::TopicConfig;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const VALUE_BYTES: usize = 100;
const BATCH_BYTES: u32 = 16 * 1024;
const RECORDS_PER_RUN: u32 = 1_000_000;
const RUNS: usize = 7;

#[wasm_bindgen(inline_js = "export function now_ms() { return performance.now(); }")]
extern "C" {
    fn now_ms() -> f64;
}

/// Appends `RECORDS_PER_RUN` records; returns records per second.
fn run() -> f64 {
    let value = [b'v'; VALUE_BYTES];
    let config = TopicConfig { segment_bytes: 64 * 1024 * 1024, ..TopicConfig::default() };
    let mut log = PartitionLog::new(1, "bench", 0, config.clone(), 0);
    let start = now_ms();
    let mut appended = 0u32;
    while appended < RECORDS_PER_RUN {
        let mut b = BatchBuilder::with_capacity(BatchOptions::default(), BATCH_BYTES);
        while b.estimated_size_bytes() + VALUE_BYTES as u32 + 8 < BATCH_BYTES
            && appended + (b.records_count() as u32) < RECORDS_PER_RUN
        {
            b.append(0, None, Some(&value), &[]);
        }
        appended += b.records_count() as u32;
        let bytes = b.build().expect("batch builds");
        log.append_as_leader(0, &bytes, 0).expect("append");
        log.take_store_ops();
        if log.size_bytes() > 256 * 1024 * 1024 {
            log = PartitionLog::new(1, "bench", 0, config.clone(), 0);
        }
    }
    let elapsed_ms = now_ms() - start;
    f64::from(appended) / (elapsed_ms / 1000.0)
}

/// CRC-32C alone over 16 KiB buffers, MB/s (10^6 bytes).
fn crc_rate() -> f64 {
    let mut buf: Vec<u8> = (0..BATCH_BYTES).map(|i| i as u8).collect();
    let start = now_ms();
    let mut acc = 0u32;
    for i in 0..4096u32 {
        buf[(i % BATCH_BYTES) as usize] = acc as u8;
        acc ^= kafka_playground::engine::record::crc::crc32c(&buf);
    }
    let elapsed_ms = now_ms() - start;
    assert_ne!(acc, 1);
    4096.0 * f64::from(BATCH_BYTES) / 1e6 / (elapsed_ms / 1000.0)
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
fn wasm_crc32c_megabytes_per_second() {
    crc_rate();
    let mut rates: Vec<f64> = (0..RUNS).map(|_| crc_rate()).collect();
    rates.sort_by(f64::total_cmp);
    console_log!("wasm crc32c: median {:.0} MB/s over {RUNS} runs", rates[RUNS / 2]);
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
fn wasm_append_records_per_second() {
    run();
    let mut rates: Vec<f64> = (0..RUNS).map(|_| run()).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[RUNS / 2];
    console_log!(
        "wasm append: median {:.2} M records/s over {RUNS} runs (min {:.2}, max {:.2})",
        median / 1e6,
        rates[0] / 1e6,
        rates[RUNS - 1] / 1e6
    );
    assert!(median > 0.0);
}

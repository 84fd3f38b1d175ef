//! Benchmark, not a test: how fast `IdbStore::apply` persists segment bytes compared with
//! plain JavaScript doing the same batched IndexedDB puts in the same browser. It owns
//! nothing but its own throwaway databases, which it deletes before and after every run.
//!
//! Ignored in the normal test run. Run it (release build, output shown) with:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=600 \
//! cargo test --release --target wasm32-unknown-unknown --test bench_idb -- --include-ignored --nocapture
//! ```
//!
//! Each run writes `TRANSACTIONS` transactions of `APPENDS_PER_TRANSACTION` appends of
//! `CHUNK_BYTES` to one segment; (a) goes through `IdbStore::apply`, (b) is the baseline:
//! the same keys and values put by hand-written JS with the raw IndexedDB API (same
//! object stores in scope, same explicit `commit()`, next transaction after `complete`).
//! The figures are MB/s (10^6 bytes) and the median of `RUNS` runs, after one warm-up.
#![cfg(target_arch = "wasm32")]

use kafka_playground::engine::store::{SegmentId, StoreOp};
use kafka_playground::storage::idb::{database_name, IdbStore};
use kafka_playground::storage::LogStore;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CHUNK_BYTES: u32 = 16 * 1024;
const APPENDS_PER_TRANSACTION: u32 = 64;
const TRANSACTIONS: u32 = 32;
const RUNS: usize = 7;

#[wasm_bindgen(inline_js = r#"
export function now_ms() { return performance.now(); }

function settle(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function raw_delete(name) {
  await settle(indexedDB.deleteDatabase(name));
}

// Same schema as IdbStore, opened and closed outside the timed part.
export async function raw_write(name, chunkBytes, perTx, txCount) {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore("segment_chunks");
    open.result.createObjectStore("meta");
  };
  const db = await settle(open);
  const chunk = new Uint8Array(chunkBytes); // its own buffer, like the wasm side's copy
  const start = performance.now();
  let position = 0;
  for (let t = 0; t < txCount; t++) {
    const tx = db.transaction(["segment_chunks", "meta"], "readwrite");
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onabort = () => reject(tx.error);
    });
    const chunks = tx.objectStore("segment_chunks");
    for (let i = 0; i < perTx; i++) {
      chunks.put(chunk, [1, "bench", 0, 0, position]);
      position += chunk.length;
    }
    tx.commit();
    await done;
  }
  const elapsed = performance.now() - start;
  db.close();
  return elapsed;
}
"#)]
extern "C" {
    fn now_ms() -> f64;
    #[wasm_bindgen(catch)]
    async fn raw_delete(name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn raw_write(name: &str, chunk: &[u8], per_tx: u32, tx_count: u32) -> Result<JsValue, JsValue>;
}

fn batches(chunk: &[u8]) -> Vec<Vec<StoreOp>> {
    let segment = SegmentId { broker_id: 1, topic: "bench".into(), partition: 0, base_offset: 0 };
    (0..TRANSACTIONS)
        .map(|t| {
            (0..APPENDS_PER_TRANSACTION)
                .map(|i| StoreOp::Append {
                    segment: segment.clone(),
                    position: (t * APPENDS_PER_TRANSACTION + i) * CHUNK_BYTES,
                    bytes: chunk.to_vec().into(),
                })
                .collect()
        })
        .collect()
}

/// Milliseconds for one run through `IdbStore` (ops built beforehand, like the JS data).
async fn run_store(workspace: &str, chunk: &[u8]) -> f64 {
    IdbStore::delete_workspace(workspace).await.expect("clean");
    let batches = batches(chunk);
    let mut store = IdbStore::open(workspace).await.expect("open");
    let start = now_ms();
    for batch in &batches {
        store.apply(batch).await.expect("apply");
    }
    let elapsed = now_ms() - start;
    drop(store);
    IdbStore::delete_workspace(workspace).await.expect("clean");
    elapsed
}

/// Milliseconds for one run of the plain-JS baseline.
async fn run_raw(name: &str, chunk: &[u8]) -> f64 {
    raw_delete(name).await.expect("clean");
    let elapsed = raw_write(name, chunk, APPENDS_PER_TRANSACTION, TRANSACTIONS)
        .await
        .expect("raw write")
        .as_f64()
        .expect("elapsed ms");
    raw_delete(name).await.expect("clean");
    elapsed
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored --nocapture"]
async fn idb_store_apply_vs_raw_indexeddb() {
    let chunk: Vec<u8> = (0..CHUNK_BYTES).map(|i| (i * 7 + 3) as u8).collect();
    let workspace = "bench-store";
    let raw_name = database_name("bench-raw");
    let total_mb = f64::from(CHUNK_BYTES * APPENDS_PER_TRANSACTION * TRANSACTIONS) / 1e6;

    // Warm-up (JIT, database files), then runs in alternating order.
    run_store(workspace, &chunk).await;
    run_raw(&raw_name, &chunk).await;
    let (mut store_ms, mut raw_ms) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        if run % 2 == 0 {
            store_ms.push(run_store(workspace, &chunk).await);
            raw_ms.push(run_raw(&raw_name, &chunk).await);
        } else {
            raw_ms.push(run_raw(&raw_name, &chunk).await);
            store_ms.push(run_store(workspace, &chunk).await);
        }
    }
    console_log!("runs (ms) IdbStore::apply: {store_ms:.1?}");
    console_log!("runs (ms) raw IndexedDB JS: {raw_ms:.1?}");
    let (a, b) = (median(store_ms), median(raw_ms));
    let (a_mbps, b_mbps) = (total_mb / (a / 1e3), total_mb / (b / 1e3));
    let summary = format!(
        "bench_idb: {TRANSACTIONS} tx x {APPENDS_PER_TRANSACTION} appends x {CHUNK_BYTES} B = {total_mb:.1} MB per run, median of {RUNS}: \
         (a) IdbStore::apply {a:.1} ms = {a_mbps:.1} MB/s; (b) raw JS {b:.1} ms = {b_mbps:.1} MB/s; ratio a/b = {:.2}",
        a_mbps / b_mbps
    );
    web_sys::console::log_1(&JsValue::from_str(&summary));
    console_log!("{summary}");
}

//! The IndexedDB `LogStore` inside a dedicated web worker, where the brokers run: the core
//! round trip, reopen, truncate and atomicity checks of `browser_idb.rs`, with the same
//! helpers.
#![cfg(target_arch = "wasm32")]

mod common_idb;

use common_idb::{append, delete, open, round_trip_and_reopen, seg, unique_workspace};
use kafka_playground::engine::store::StoreOp;
use kafka_playground::storage::LogStore;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn round_trip_and_reopen_in_a_worker() {
    assert!(
        js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>().is_ok(),
        "these checks must run inside a dedicated worker"
    );
    round_trip_and_reopen("worker-roundtrip").await;
}

#[wasm_bindgen_test]
async fn truncate_and_atomic_batches_in_a_worker() {
    let workspace = unique_workspace("worker-atomic");
    let mut store = open(&workspace).await;
    let s = seg(3, "orders", 0, 0);
    store.apply(&[append(&s, 0, b"0123456789"), append(&s, 10, b"abcdef")]).await.expect("appends");
    store.apply(&[StoreOp::Truncate { segment: s.clone(), size_bytes: 12 }]).await.expect("truncate");
    let err = store
        .apply(&[
            StoreOp::PutMeta { broker_id: 3, name: "hw".to_owned(), value: "12".to_owned() },
            append(&s, 16, b"stale"),
        ])
        .await
        .expect_err("wrong position");
    assert_eq!(err.detail, "append to orders-0/0 at position 16, but it holds 12 bytes");
    drop(store);
    let store = open(&workspace).await;
    assert_eq!(store.read(&s, 0, 100).await.expect("read"), b"0123456789ab");
    assert_eq!(store.list_meta(3).await.expect("meta"), Vec::new());
    drop(store);
    delete(&workspace).await;
}

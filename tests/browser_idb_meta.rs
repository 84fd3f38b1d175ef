//! The IndexedDB store's single-document read and per-id delete in a real browser page
//! (what the tab's spilled journal chunks need, src/storage/idb/meta.rs): a document is
//! read by name without the others, a missing one is `None`, and deleting one id's
//! documents leaves every other id's alone, also for the largest id (the journal's
//! pseudo node, u32::MAX) and a neighbour below it. IndexedDB is never mocked.
#![cfg(target_arch = "wasm32")]

mod common_idb;

use common_idb::{delete, open, unique_workspace};
use kafka_playground::engine::store::StoreOp;
use kafka_playground::storage::LogStore;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn put(broker_id: u32, name: &str, value: &str) -> StoreOp {
    StoreOp::PutMeta { broker_id, name: name.into(), value: value.into() }
}

#[wasm_bindgen_test]
async fn one_document_is_read_by_name_and_one_id_is_dropped_alone() {
    let workspace = unique_workspace("meta-one");
    let mut store = open(&workspace).await;
    let big = "x".repeat(3 << 20);
    store
        .apply(&[
            put(u32::MAX, "journal-000000000000", "[1]"),
            put(u32::MAX, "journal-000000000001", &big),
            put(u32::MAX - 1, "journal-000000000000", "neighbour"),
            put(0, "run", "{}"),
        ])
        .await
        .expect("apply");
    assert_eq!(store.get_meta(u32::MAX, "journal-000000000000").await.expect("get"), Some("[1]".into()));
    assert_eq!(
        store.get_meta(u32::MAX, "journal-000000000001").await.expect("get").map(|v| v.len()),
        Some(3 << 20)
    );
    assert_eq!(store.get_meta(u32::MAX, "journal-000000000002").await.expect("get"), None);
    assert_eq!(store.get_meta(7, "journal-000000000000").await.expect("get"), None);

    store.delete_meta_of(u32::MAX).await.expect("delete");
    assert_eq!(store.list_meta(u32::MAX).await.expect("list"), vec![]);
    assert_eq!(store.get_meta(u32::MAX, "journal-000000000000").await.expect("get"), None);
    assert_eq!(
        store.list_meta(u32::MAX - 1).await.expect("list"),
        vec![("journal-000000000000".to_string(), "neighbour".to_string())]
    );
    assert_eq!(store.list_meta(0).await.expect("list"), vec![("run".to_string(), "{}".to_string())]);
    // A write after the delete is kept (the delete had committed).
    store.apply(&[put(u32::MAX, "journal-000000000000", "[2]")]).await.expect("apply");
    drop(store);
    let store = open(&workspace).await;
    assert_eq!(store.get_meta(u32::MAX, "journal-000000000000").await.expect("get"), Some("[2]".into()));
    drop(store);
    delete(&workspace).await;
}

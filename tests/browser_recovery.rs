//! In real Chromium, with real IndexedDB: a partition log persists through `IdbStore`, a
//! crash leaves a torn batch at the end of a segment, and recovery from IndexedDB (what a
//! restarted broker's worker does, `BrokerNode::recover` → `PartitionLog::recover`)
//! truncates it, keeps every whole record, repairs the store, and appending continues.
#![cfg(target_arch = "wasm32")]

use kafka_playground::engine::log::PartitionLog;
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use kafka_playground::engine::store::StoreOp;
use kafka_playground::engine::topic::TopicConfig;
use kafka_playground::storage::idb::IdbStore;
use kafka_playground::storage::LogStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const T0: i64 = 1_700_000_000_000;

fn batch(value: &str) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions::default());
    b.append(T0, Some(b"k"), Some(value.as_bytes()), &[]);
    b.build().unwrap()
}

/// Broker 1's `t-0` as stored in IndexedDB, recovered.
async fn load(store: &IdbStore) -> (PartitionLog, kafka_playground::engine::log::RecoveryReport) {
    let mut stored = Vec::new();
    for id in store.list_segments(1).await.unwrap() {
        let bytes = store.read(&id, 0, u32::MAX).await.unwrap();
        stored.push((id.base_offset as i64, bytes));
    }
    PartitionLog::recover(1, "t", 0, TopicConfig::default(), stored, None, T0)
}

#[wasm_bindgen_test]
async fn recovery_after_a_torn_write_in_indexeddb() {
    let workspace = "test-torn-write";
    let _ = IdbStore::delete_workspace(workspace).await;
    let mut store = IdbStore::open(workspace).await.unwrap();
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), T0);
    for i in 0..5 {
        log.append_as_leader(T0, &batch(&format!("v{i}")), 0).unwrap();
    }
    store.apply(&log.take_store_ops()).await.unwrap();
    // The crash: half of a sixth batch reached the store.
    let torn = batch("torn");
    let id = log.segment_id(0);
    let size = store.read(&id, 0, u32::MAX).await.unwrap().len() as u32;
    store
        .apply(&[StoreOp::Append {
            segment: id.clone(),
            position: size,
            bytes: torn[..torn.len() / 2].into(),
        }])
        .await
        .unwrap();
    drop(store);

    let mut store = IdbStore::open(workspace).await.unwrap();
    let (mut recovered, report) = load(&store).await;
    assert_eq!(recovered.log_end_offset(), 5, "every whole record survives, the torn one does not");
    assert_eq!(report.truncated_bytes, (torn.len() / 2) as u64);
    assert!(report.corruption.is_some());
    store.apply(&recovered.take_store_ops()).await.unwrap();
    assert_eq!(store.read(&id, 0, u32::MAX).await.unwrap().len() as u32, size, "the store was repaired");

    // Appending continues at offset 5, and a second recovery is clean.
    let info = recovered.append_as_leader(T0, &batch("after"), 0).unwrap();
    assert_eq!(info.first_offset, 5);
    store.apply(&recovered.take_store_ops()).await.unwrap();
    drop(store);
    let store = IdbStore::open(workspace).await.unwrap();
    let (again, report) = load(&store).await;
    assert_eq!(again.log_end_offset(), 6);
    assert!(report.corruption.is_none());
    drop(store);
    IdbStore::delete_workspace(workspace).await.unwrap();
}

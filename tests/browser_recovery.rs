//! In real Chromium, with real IndexedDB: a broker persists through `IdbStore`, a crash
//! leaves a torn batch at the end of a segment, and recovery from IndexedDB truncates it,
//! keeps every whole record, repairs the store, and producing continues.
#![cfg(target_arch = "wasm32")]

use kafka_playground::engine::broker::api::{Request, Response};
use kafka_playground::engine::broker::{Broker, BrokerEvent};
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use kafka_playground::engine::store::StoreOp;
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

async fn load(store: &IdbStore) -> Broker {
    let ids = store.list_segments(1).await.unwrap();
    let mut segments = Vec::new();
    for id in ids {
        let bytes = store.read(&id, 0, u32::MAX).await.unwrap();
        segments.push((id, bytes));
    }
    let meta = store.list_meta(1).await.unwrap();
    Broker::recover(1, &meta, segments, T0)
}

#[wasm_bindgen_test]
async fn recovery_after_a_torn_write_in_indexeddb() {
    let workspace = "test-torn-write";
    let _ = IdbStore::delete_workspace(workspace).await;
    let mut store = IdbStore::open(workspace).await.unwrap();
    let mut broker = Broker::new(1);
    let r = broker.handle(T0, Request::CreateTopic { name: "t".into(), partitions: 1, configs: vec![] });
    assert!(r.error().is_none());
    for i in 0..5 {
        let r = broker.handle(
            T0,
            Request::Produce { topic: "t".into(), partition: 0, acks: 1, records: batch(&format!("v{i}")) },
        );
        assert!(matches!(r, Response::Produced { .. }), "{r:?}");
    }
    store.apply(&broker.take_store_ops()).await.unwrap();
    // The crash: half of a sixth batch reached the store.
    let torn = batch("torn");
    let id = broker.topics["t"].partitions[0].segment_id(0);
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
    let mut recovered = load(&store).await;
    let log = &recovered.topics["t"].partitions[0];
    assert_eq!(log.log_end_offset(), 5, "every whole record survives, the torn one does not");
    let events = recovered.take_events();
    let report = events
        .iter()
        .find_map(|e| match e {
            BrokerEvent::Recovered { report, .. } => Some(report.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(report.truncated_bytes, (torn.len() / 2) as u64);
    assert!(report.corruption.is_some());
    store.apply(&recovered.take_store_ops()).await.unwrap();
    assert_eq!(store.read(&id, 0, u32::MAX).await.unwrap().len() as u32, size, "the store was repaired");

    // Producing continues at offset 5, and a second restart is clean.
    let r = recovered
        .handle(T0, Request::Produce { topic: "t".into(), partition: 0, acks: 1, records: batch("after") });
    let Response::Produced { info, .. } = r else { panic!("{r:?}") };
    assert_eq!(info.first_offset, 5);
    store.apply(&recovered.take_store_ops()).await.unwrap();
    drop(store);
    let store = IdbStore::open(workspace).await.unwrap();
    let mut again = load(&store).await;
    assert_eq!(again.topics["t"].partitions[0].log_end_offset(), 6);
    assert!(again.take_events().iter().all(|e| match e {
        BrokerEvent::Recovered { report, .. } => report.corruption.is_none(),
        _ => true,
    }));
    drop(store);
    IdbStore::delete_workspace(workspace).await.unwrap();
}

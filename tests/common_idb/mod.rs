//! Helpers shared by the IndexedDB test files (page and worker): unique workspaces, segment
//! ids, op builders, and the core checks both environments must pass. Every check opens
//! its own workspace and deletes it when done, so tests never see each other's data.

#![allow(dead_code, reason = "each test file uses a different subset")]

use kafka_playground::engine::store::{SegmentId, StoreOp};
use kafka_playground::storage::idb::IdbStore;
use kafka_playground::storage::LogStore;

/// A workspace name no other test (or earlier run) uses.
pub fn unique_workspace(label: &str) -> String {
    let now_ms = js_sys::Date::now() as u64;
    let salt = (js_sys::Math::random() * 1e9) as u64;
    format!("test-{label}-{now_ms}-{salt}")
}

pub fn seg(broker_id: u32, topic: &str, partition: u32, base_offset: u64) -> SegmentId {
    SegmentId { broker_id, topic: topic.into(), partition, base_offset }
}

pub fn append(segment: &SegmentId, position: u32, bytes: &[u8]) -> StoreOp {
    StoreOp::Append { segment: segment.clone(), position, bytes: bytes.into() }
}

/// `len` bytes that differ from position to position, so misplaced bytes show.
pub fn pattern(start: u32, len: u32) -> Vec<u8> {
    (start..start + len).map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8).collect()
}

pub async fn open(workspace: &str) -> IdbStore {
    IdbStore::open(workspace).await.expect("open workspace")
}

pub async fn delete(workspace: &str) {
    IdbStore::delete_workspace(workspace).await.expect("delete workspace");
}

/// Several appends read back whole and in ranges that cross chunk boundaries; then the
/// same after dropping the store and reopening the workspace, and appending continues at
/// the recovered size.
pub async fn round_trip_and_reopen(label: &str) {
    let workspace = unique_workspace(label);
    let s = seg(1, "orders", 0, 0);
    let sizes = [10_u32, 7, 13, 1, 40];
    let whole: Vec<u8> = pattern(0, sizes.iter().sum());
    {
        let mut store = open(&workspace).await;
        let mut position = 0;
        for size in sizes {
            store.apply(&[append(&s, position, &pattern(position, size))]).await.expect("append");
            position += size;
        }
        check_reads(&store, &s, &whole).await;
    }
    let mut store = open(&workspace).await;
    check_reads(&store, &s, &whole).await;
    assert_eq!(store.list_segments(1).await.expect("list"), vec![s.clone()]);
    let end = whole.len() as u32;
    let wrong = store.apply(&[append(&s, end - 1, b"x")]).await;
    assert!(wrong.is_err(), "an append before the recovered end must fail");
    store.apply(&[append(&s, end, b"tail")]).await.expect("append after reopen");
    let read = store.read(&s, end - 2, end + 10).await.expect("read tail");
    assert_eq!(read, [&whole[whole.len() - 2..], b"tail"].concat());
    drop(store);
    delete(&workspace).await;
}

/// Reads of `[from, to)` for many pairs, compared with slicing `whole`.
pub async fn check_reads(store: &IdbStore, s: &SegmentId, whole: &[u8]) {
    let len = whole.len() as u32;
    let points = [0, 1, 5, 9, 10, 11, 16, 17, 18, 30, len - 1, len, len + 5];
    for &from in &points {
        for &to in &points {
            let got = store.read(s, from, to).await.expect("read");
            let end = (to as usize).min(whole.len());
            let start = (from as usize).min(end);
            assert_eq!(got, &whole[start..end], "read [{from}, {to})");
        }
    }
}

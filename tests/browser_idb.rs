//! The IndexedDB `LogStore` in a real browser page: every behaviour the in-memory backend
//! has, plus what only a database adds (one transaction per `apply`, data that outlives
//! the store, several brokers sharing one workspace). IndexedDB is never mocked.
#![cfg(target_arch = "wasm32")]

mod common_idb;

use common_idb::{append, check_reads, delete, open, pattern, round_trip_and_reopen, seg, unique_workspace};
use kafka_playground::engine::store::{SegmentId, StoreOp};
use kafka_playground::storage::idb::IdbStore;
use kafka_playground::storage::memory::MemoryStore;
use kafka_playground::storage::LogStore;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn appends_read_back_across_chunk_boundaries_and_after_reopen() {
    round_trip_and_reopen("roundtrip").await;
}

#[wasm_bindgen_test]
async fn reading_a_missing_segment_is_an_error() {
    let workspace = unique_workspace("missing");
    let store = open(&workspace).await;
    let s = seg(1, "orders", 0, 0);
    for (from, to) in [(0, 10), (0, 0), (5, 2)] {
        let err = store.read(&s, from, to).await.expect_err("no such segment");
        assert_eq!(err.detail, format!("no segment {s:?}"));
    }
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn each_broker_lists_only_its_own_segments() {
    let workspace = unique_workspace("list");
    let mut store = open(&workspace).await;
    let mine =
        [seg(1, "orders", 0, 0), seg(1, "orders", 0, 100), seg(1, "orders", 1, 0), seg(1, "payments", 0, 0)];
    let theirs = [seg(2, "orders", 0, 0), seg(2, "orders", 0, 250), seg(2, "audit", 3, 7)];
    let mut ops = Vec::new();
    for s in mine.iter().chain(&theirs) {
        // Several chunks each, so listing must skip over a segment's chunks.
        for i in 0..3 {
            ops.push(append(s, i * 4, &pattern(i * 4, 4)));
        }
    }
    store.apply(&ops).await.expect("apply");
    assert_eq!(store.list_segments(1).await.expect("list 1"), mine.to_vec());
    let mut theirs_sorted = theirs.to_vec();
    theirs_sorted.sort();
    assert_eq!(store.list_segments(2).await.expect("list 2"), theirs_sorted);
    assert_eq!(store.list_segments(3).await.expect("list 3"), Vec::<SegmentId>::new());

    // A second connection (another broker's worker) sees the same layout.
    let other = open(&workspace).await;
    assert_eq!(other.list_segments(2).await.expect("list 2 elsewhere"), theirs_sorted);
    drop(other);
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn truncate_mid_chunk_then_append_again() {
    let workspace = unique_workspace("truncate");
    let mut store = open(&workspace).await;
    let s = seg(1, "orders", 0, 0);
    let ops: Vec<StoreOp> = (0..3).map(|i| append(&s, i * 10, &pattern(i * 10, 10))).collect();
    store.apply(&ops).await.expect("appends");

    store.apply(&[StoreOp::Truncate { segment: s.clone(), size_bytes: 15 }]).await.expect("truncate");
    let mut whole = pattern(0, 15);
    check_reads(&store, &s, &whole).await;
    let err = store.apply(&[append(&s, 30, b"late")]).await.expect_err("old end");
    assert_eq!(err.detail, "append to orders-0/0 at position 30, but it holds 15 bytes");

    store.apply(&[append(&s, 15, b"after-cut")]).await.expect("append at the cut");
    whole.extend_from_slice(b"after-cut");
    check_reads(&store, &s, &whole).await;

    // Growing truncation and truncating a missing segment change nothing.
    let missing = seg(1, "orders", 0, 999);
    store
        .apply(&[
            StoreOp::Truncate { segment: s.clone(), size_bytes: 1000 },
            StoreOp::Truncate { segment: missing.clone(), size_bytes: 0 },
        ])
        .await
        .expect("no-op truncates");
    assert_eq!(store.list_segments(1).await.expect("list"), vec![s.clone()]);

    // The size survives a reopen (the cache is rebuilt from the chunks).
    drop(store);
    let mut store = open(&workspace).await;
    check_reads(&store, &s, &whole).await;
    store.apply(&[append(&s, whole.len() as u32, b"!")]).await.expect("append after reopen");
    whole.push(b'!');

    // A cut exactly at a chunk boundary, then to zero: the segment stays, empty.
    store.apply(&[StoreOp::Truncate { segment: s.clone(), size_bytes: 10 }]).await.expect("cut at boundary");
    check_reads(&store, &s, &whole[..10]).await;
    store.apply(&[StoreOp::Truncate { segment: s.clone(), size_bytes: 0 }]).await.expect("cut to zero");
    assert_eq!(store.list_segments(1).await.expect("list"), vec![s.clone()]);
    assert_eq!(store.read(&s, 0, 100).await.expect("read empty"), Vec::<u8>::new());
    drop(store);
    let mut store = open(&workspace).await;
    assert_eq!(store.list_segments(1).await.expect("list"), vec![s.clone()]);
    assert!(store.apply(&[append(&s, 1, b"x")]).await.is_err(), "empty after reopen");
    store.apply(&[append(&s, 0, b"fresh")]).await.expect("append to the emptied segment");
    assert_eq!(store.read(&s, 0, 100).await.expect("read"), b"fresh");
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn truncate_and_append_in_one_batch() {
    let workspace = unique_workspace("truncate-batch");
    let mut store = open(&workspace).await;
    let s = seg(4, "t", 2, 50);
    store
        .apply(&[
            append(&s, 0, b"0123456789"),
            append(&s, 10, b"abcdefghij"),
            StoreOp::Truncate { segment: s.clone(), size_bytes: 13 },
            append(&s, 13, b"XY"),
            StoreOp::Truncate { segment: s.clone(), size_bytes: 4 },
            append(&s, 4, b"Z"),
        ])
        .await
        .expect("batch");
    assert_eq!(store.read(&s, 0, 100).await.expect("read"), b"0123Z");
    drop(store);
    let store = open(&workspace).await;
    assert_eq!(store.read(&s, 0, 100).await.expect("read after reopen"), b"0123Z");
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn delete_removes_the_segment() {
    let workspace = unique_workspace("delete");
    let mut store = open(&workspace).await;
    let old = seg(1, "orders", 0, 0);
    let kept = seg(1, "orders", 0, 40);
    store
        .apply(&[
            append(&old, 0, &pattern(0, 20)),
            append(&old, 20, &pattern(20, 20)),
            append(&kept, 0, b"kept"),
        ])
        .await
        .expect("appends");
    store.apply(&[StoreOp::Delete { segment: old.clone() }]).await.expect("delete");
    assert_eq!(store.list_segments(1).await.expect("list"), vec![kept.clone()]);
    assert!(store.read(&old, 0, 10).await.is_err());
    assert_eq!(store.read(&kept, 0, 10).await.expect("read kept"), b"kept");
    // Deleting again, or a segment that never was, is fine.
    store.apply(&[StoreOp::Delete { segment: old.clone() }]).await.expect("delete again");
    // The segment can be created anew from position 0, not at its old size.
    assert!(store.apply(&[append(&old, 40, b"x")]).await.is_err());
    store.apply(&[append(&old, 0, b"new")]).await.expect("recreate");
    assert_eq!(store.read(&old, 0, 10).await.expect("read recreated"), b"new");
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn meta_documents_put_replace_delete_list() {
    let workspace = unique_workspace("meta");
    let mut store = open(&workspace).await;
    let put = |broker_id: u32, name: &str, value: &str| StoreOp::PutMeta {
        broker_id,
        name: name.to_owned(),
        value: value.to_owned(),
    };
    store
        .apply(&[
            put(1, "topics", "{\"orders\":3}"),
            put(1, "checkpoint", "hw=10"),
            put(2, "topics", "{}"),
            put(1, "ünïcode", "значение"),
        ])
        .await
        .expect("puts");
    store.apply(&[put(1, "checkpoint", "hw=42")]).await.expect("replace");
    let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    };
    assert_eq!(
        store.list_meta(1).await.expect("meta 1"),
        owned(&[("checkpoint", "hw=42"), ("topics", "{\"orders\":3}"), ("ünïcode", "значение")])
    );
    assert_eq!(store.list_meta(2).await.expect("meta 2"), owned(&[("topics", "{}")]));
    store
        .apply(&[
            StoreOp::DeleteMeta { broker_id: 1, name: "topics".to_owned() },
            StoreOp::DeleteMeta { broker_id: 1, name: "never-there".to_owned() },
        ])
        .await
        .expect("delete meta");
    assert_eq!(
        store.list_meta(1).await.expect("meta 1"),
        owned(&[("checkpoint", "hw=42"), ("ünïcode", "значение")])
    );
    assert_eq!(store.list_meta(3).await.expect("meta 3"), Vec::new());
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn a_failing_op_aborts_the_whole_batch() {
    let workspace = unique_workspace("atomic");
    let mut store = open(&workspace).await;
    let a = seg(1, "orders", 0, 0);
    let b = seg(1, "orders", 1, 0);
    store.apply(&[append(&b, 0, b"12345")]).await.expect("setup");

    let err = store
        .apply(&[
            append(&a, 0, b"first"),
            append(&b, 3, b"overlap"),
            StoreOp::PutMeta { broker_id: 1, name: "n".to_owned(), value: "v".to_owned() },
        ])
        .await
        .expect_err("the second op is at a wrong position");
    assert_eq!(err.detail, "append to orders-1/0 at position 3, but it holds 5 bytes");
    assert_eq!(store.list_segments(1).await.expect("list"), vec![b.clone()]);
    assert!(store.read(&a, 0, 10).await.is_err(), "the first op must not be applied");
    assert_eq!(store.read(&b, 0, 10).await.expect("read b"), b"12345");
    assert_eq!(store.list_meta(1).await.expect("meta"), Vec::new());

    // A gap is refused the same way, and the size cache is not fooled by the aborted
    // batch: `a` still starts at 0, `b` still ends at 5.
    assert!(store.apply(&[append(&b, 6, b"gap")]).await.is_err());
    store.apply(&[append(&a, 0, b"first"), append(&b, 5, b"678")]).await.expect("valid batch");
    assert_eq!(store.read(&a, 0, 10).await.expect("read a"), b"first");
    assert_eq!(store.read(&b, 0, 10).await.expect("read b"), b"12345678");

    // A failure found after earlier requests were already placed (a key IndexedDB cannot
    // hold exactly) also takes them back.
    let huge = seg(1, "orders", 2, 1 << 53);
    let err =
        store.apply(&[append(&a, 5, b"more"), append(&huge, 0, b"x")]).await.expect_err("offset above 2^53");
    assert!(err.detail.contains("2^53"), "{}", err.detail);
    assert_eq!(store.read(&a, 0, 20).await.expect("read a"), b"first");
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn base_offsets_up_to_2_pow_53_minus_1_are_exact() {
    let workspace = unique_workspace("bigoffset");
    let mut store = open(&workspace).await;
    let s = seg(u32::MAX, "big", u32::MAX, (1 << 53) - 1);
    store.apply(&[append(&s, 0, b"edge")]).await.expect("append");
    assert_eq!(store.list_segments(u32::MAX).await.expect("list"), vec![s.clone()]);
    assert_eq!(store.read(&s, 0, 4).await.expect("read"), b"edge");
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn a_torn_write_reads_back_exactly_after_reopen() {
    let workspace = unique_workspace("torn");
    let s = seg(1, "orders", 0, 0);
    // A whole batch-sized prefix and then a partial one, as a crash mid-produce leaves it.
    let whole = pattern(0, 61);
    let torn = &pattern(61, 100)[..37];
    {
        let mut store = open(&workspace).await;
        store.apply(&[append(&s, 0, &whole)]).await.expect("append");
        store.apply(&[append(&s, 61, torn)]).await.expect("append torn");
    }
    let store = open(&workspace).await;
    assert_eq!(store.read(&s, 0, u32::MAX).await.expect("read"), [&whole[..], torn].concat());
    drop(store);
    delete(&workspace).await;
}

#[wasm_bindgen_test]
async fn deleting_the_workspace_closes_open_stores_and_drops_the_data() {
    let workspace = unique_workspace("reset");
    let mut store = open(&workspace).await;
    let s = seg(1, "orders", 0, 0);
    store.apply(&[append(&s, 0, b"data")]).await.expect("append");
    // The store is still open: it must step aside rather than block the delete.
    delete(&workspace).await;
    assert!(store.apply(&[append(&s, 4, b"more")]).await.is_err(), "the connection is closed");
    drop(store);
    let store = open(&workspace).await;
    assert_eq!(store.list_segments(1).await.expect("list"), Vec::new());
    drop(store);
    delete(&workspace).await;
}

/// A small deterministic generator (xorshift), so the op sequence is the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }
}

#[wasm_bindgen_test]
async fn behaves_like_the_memory_store() {
    let workspace = unique_workspace("model");
    let mut store = open(&workspace).await;
    let mut model = MemoryStore::new();
    let segments = [
        seg(1, "orders", 0, 0),
        seg(1, "orders", 0, 30),
        seg(1, "payments", 1, 0),
        seg(2, "orders", 0, 0),
        seg(2, "orders", 1, 12),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for batch in 0..40 {
        let mut ops = Vec::new();
        // Sizes as the ops staged so far in this batch leave them, so every append is valid.
        let mut sizes: Vec<Option<u32>> =
            segments.iter().map(|s| model.segment_bytes(s).map(|b| b.len() as u32)).collect();
        for _ in 0..1 + rng.below(6) {
            let i = rng.below(segments.len() as u32) as usize;
            let s = &segments[i];
            let size = sizes[i];
            let op = match rng.below(10) {
                0..=5 => {
                    let len = rng.below(25);
                    let at = size.unwrap_or(0);
                    sizes[i] = Some(at + len);
                    append(s, at, &pattern(at + batch, len))
                }
                6 | 7 => {
                    let cut = rng.below(size.unwrap_or(0) + 5);
                    sizes[i] = size.map(|n| n.min(cut));
                    StoreOp::Truncate { segment: s.clone(), size_bytes: cut }
                }
                8 => {
                    sizes[i] = None;
                    StoreOp::Delete { segment: s.clone() }
                }
                _ => {
                    let broker_id = 1 + rng.below(2);
                    let name = format!("doc-{}", rng.below(3));
                    if rng.below(3) == 0 {
                        StoreOp::DeleteMeta { broker_id, name }
                    } else {
                        StoreOp::PutMeta { broker_id, name, value: format!("v{batch}") }
                    }
                }
            };
            ops.push(op);
        }
        model.apply(&ops).await.expect("model apply");
        store.apply(&ops).await.unwrap_or_else(|e| panic!("batch {batch} {ops:?}: {e}"));
        if batch % 8 == 7 {
            // Half the comparisons after a reopen: recovery must not change anything.
            if batch % 16 == 15 {
                drop(store);
                store = open(&workspace).await;
            }
            compare(&store, &model, &segments).await;
        }
    }
    compare(&store, &model, &segments).await;
    drop(store);
    delete(&workspace).await;
}

async fn compare(store: &IdbStore, model: &MemoryStore, segments: &[SegmentId]) {
    for broker_id in [1, 2, 3] {
        assert_eq!(
            store.list_segments(broker_id).await.expect("list"),
            model.list_segments(broker_id).await.expect("model list"),
            "segments of broker {broker_id}"
        );
        assert_eq!(
            store.list_meta(broker_id).await.expect("meta"),
            model.list_meta(broker_id).await.expect("model meta"),
            "meta of broker {broker_id}"
        );
    }
    for s in segments {
        for (from, to) in [(0, u32::MAX), (3, 17), (20, 21), (0, 0), (1000, 2000)] {
            assert_eq!(
                store.read(s, from, to).await,
                model.read(s, from, to).await,
                "read {s:?} [{from}, {to})"
            );
        }
    }
}

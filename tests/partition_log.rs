//! The partition log behaves as Kafka's: offsets assigned on append, roll by
//! `segment.bytes` and `segment.ms`, sparse indexes by `index.interval.bytes`, reads by
//! offset and `max.bytes`, ListOffsets, retention by time and size, recovery from a torn
//! or corrupt tail, and clear errors for bad input.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::error::{Corruption, ErrorCode, ErrorKind};
use kafka_playground::engine::log::*;
use kafka_playground::engine::record::*;
use kafka_playground::engine::store::StoreOp;
use kafka_playground::engine::topic::TopicConfig;
use kafka_playground::storage::memory::MemoryStore;

const T0: i64 = 1_700_000_000_000;

fn batch(ts: i64, n: u32, value_len: usize) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions::default());
    for i in 0..n {
        let key = format!("key-{i}");
        b.append(ts + i64::from(i), Some(key.as_bytes()), Some(&vec![b'v'; value_len]), &[]);
    }
    b.build().unwrap()
}

fn config(pairs: &[(&str, &str)]) -> TopicConfig {
    TopicConfig::from_pairs(pairs.iter().copied()).unwrap()
}

fn persist(log: &mut PartitionLog, store: &mut MemoryStore) {
    store.apply_now(&log.take_store_ops()).unwrap();
}

fn stored(store: &MemoryStore) -> Vec<(i64, Vec<u8>)> {
    store
        .segment_ids(1)
        .into_iter()
        .map(|id| (id.base_offset as i64, store.segment_bytes(&id).unwrap().to_vec()))
        .collect()
}

#[test]
fn offsets_are_assigned_in_order_and_stamped() {
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), T0);
    let a = log.append_as_leader(T0, &batch(T0, 3, 10), 7).unwrap();
    let b = log.append_as_leader(T0, &batch(T0, 2, 10), 7).unwrap();
    assert_eq!((a.first_offset, a.last_offset), (0, 2));
    assert_eq!((b.first_offset, b.last_offset), (3, 4));
    assert_eq!(log.log_end_offset(), 5);
    let data = log.read(3, 1 << 20, i64::MAX).unwrap();
    let first = read_header(&data.records).unwrap();
    assert_eq!(first.base_offset, 3);
    assert_eq!(first.partition_leader_epoch, 7);
    decode_batch(&data.records).unwrap();
}

#[test]
fn segments_roll_by_bytes_and_the_first_append_never_indexes() {
    let one = batch(T0, 1, 100).len();
    let cfg = config(&[("segment.bytes", &(one * 3).to_string()), ("index.interval.bytes", "150")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for i in 0..7 {
        let info = log.append_as_leader(T0 + i, &batch(T0 + i, 1, 100), 0).unwrap();
        assert_eq!(info.rolled, i == 3 || i == 6, "append {i}");
    }
    let bases: Vec<i64> = log.segments().iter().map(|s| s.base_offset).collect();
    assert_eq!(bases, vec![0, 3, 6]);
    // Kafka's rule: the entry goes in before counting the bytes, when > interval have passed.
    let seg = &log.segments()[0];
    let positions: Vec<u32> = seg.offset_index.entries.iter().map(|e| e.position).collect();
    // 1st append: counter 0, no entry; 2nd: counter 175 > 150, entry at 175; 3rd: likewise.
    assert_eq!(positions, vec![one as u32, (2 * one) as u32]);
    assert_eq!(seg.offset_index.entries[0].relative_offset, 1);
    let mut tight = PartitionLog::new(1, "t", 0, config(&[("index.interval.bytes", "4096")]), T0);
    for i in 0..3 {
        tight.append_as_leader(T0 + i, &batch(T0 + i, 1, 100), 0).unwrap();
    }
    assert!(tight.segments()[0].offset_index.entries.is_empty(), "below the interval: no entry");
}

#[test]
fn segments_roll_by_time() {
    let cfg = config(&[("segment.ms", "1000")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    assert!(!log.append_as_leader(T0, &batch(T0, 1, 10), 0).unwrap().rolled);
    assert!(!log.append_as_leader(T0 + 1000, &batch(T0 + 1000, 1, 10), 0).unwrap().rolled);
    assert!(log.append_as_leader(T0 + 1001, &batch(T0 + 1001, 1, 10), 0).unwrap().rolled);
    assert_eq!(log.segments().len(), 2);
    // The closed segment's time index got its final entry on roll.
    assert_eq!(log.segments()[0].time_index.entries.last().unwrap().timestamp_ms, T0 + 1000);
}

#[test]
fn reads_respect_max_bytes_but_return_at_least_one_batch() {
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), T0);
    let size = batch(T0, 2, 50).len();
    for _ in 0..5 {
        log.append_as_leader(T0, &batch(T0, 2, 50), 0).unwrap();
    }
    assert_eq!(log.read(0, (size * 2) as u32, i64::MAX).unwrap().records.len(), size * 2);
    assert_eq!(log.read(0, 1, i64::MAX).unwrap().records.len(), size, "KIP-74");
    // An offset inside a batch returns that whole batch.
    let d = log.read(5, 1 << 20, i64::MAX).unwrap();
    assert_eq!(read_header(&d.records).unwrap().base_offset, 4);
    // Never past the bound (high watermark).
    assert_eq!(log.read(0, 1 << 20, 4).unwrap().records.len(), size * 2);
    assert!(log.read(10, 100, i64::MAX).unwrap().records.is_empty());
    let e = log.read(11, 100, i64::MAX).unwrap_err();
    assert_eq!(e.code, ErrorCode::OffsetOutOfRange);
}

/// A read spanning several appends (each kept as its own chunk) answers exactly the
/// bytes of those batches in the segment, from the first batch holding the offset on.
#[test]
fn reads_across_appends_are_the_segment_bytes_of_those_batches() {
    let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), T0);
    let size = batch(T0, 3, 40).len();
    for i in 0..7 {
        log.append_as_leader(T0 + i, &batch(T0 + i, 3, 40), 0).unwrap();
    }
    let whole = log.read(0, u32::MAX, i64::MAX).unwrap().records.to_vec();
    assert_eq!(whole.len(), size * 7);
    for offset in 0..21 {
        for batches in 1..=7usize {
            let d = log.read(offset, (size * batches) as u32, i64::MAX).unwrap();
            let first = (offset / 3) as usize;
            let n = batches.min(7 - first);
            assert_eq!(
                &d.records[..],
                &whole[size * first..size * (first + n)],
                "offset {offset}, {batches} batches"
            );
        }
    }
}

#[test]
fn reads_find_offsets_through_the_index_in_later_segments() {
    let cfg = config(&[("segment.bytes", "2000"), ("index.interval.bytes", "100")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for i in 0..100 {
        log.append_as_leader(T0 + i, &batch(T0 + i, 1, 60), 0).unwrap();
    }
    assert!(log.segments().len() > 3);
    for offset in [0, 17, 42, 63, 99] {
        let d = log.read(offset, 1, i64::MAX).unwrap();
        assert_eq!(read_header(&d.records).unwrap().base_offset, offset);
    }
}

#[test]
fn list_offsets_by_spec_and_timestamp() {
    let cfg = config(&[("segment.bytes", "400")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for i in 0..10 {
        log.append_as_leader(T0, &batch(T0 + i * 100, 2, 20), 0).unwrap();
    }
    assert_eq!(log.list_offset(OffsetSpec::Earliest).offset, 0);
    assert_eq!(log.list_offset(OffsetSpec::Latest).offset, 20);
    let max = log.list_offset(OffsetSpec::MaxTimestamp);
    assert_eq!((max.offset, max.timestamp_ms), (19, T0 + 901));
    // Batch i holds offsets 2i (ts T0+100i) and 2i+1 (ts T0+100i+1).
    let r = log.list_offset(OffsetSpec::Timestamp(T0 + 450));
    assert_eq!((r.offset, r.timestamp_ms), (10, T0 + 500));
    let r = log.list_offset(OffsetSpec::Timestamp(T0 + 301));
    assert_eq!((r.offset, r.timestamp_ms), (7, T0 + 301));
    assert_eq!(log.list_offset(OffsetSpec::Timestamp(T0 + 5000)).offset, -1);
}

#[test]
fn retention_ms_deletes_whole_old_segments_and_moves_log_start() {
    let cfg = config(&[("segment.bytes", "300"), ("retention.ms", "60000")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for i in 0..6 {
        log.append_as_leader(T0, &batch(T0 + i * 10_000, 1, 150), 0).unwrap();
    }
    let before = log.segments().len();
    assert!(before >= 3);
    log.take_store_ops();
    // At T0 + 75 s, records older than T0 + 15 s are past retention.
    let deleted = log.delete_old_segments(T0 + 75_000, log.log_end_offset());
    assert!(!deleted.is_empty());
    assert!(deleted.iter().all(|d| d.reason == RetentionReason::Time));
    assert_eq!(log.log_start_offset(), log.segments()[0].base_offset);
    assert_eq!(log.log_start_offset(), deleted.last().unwrap().next_offset);
    let ops = log.take_store_ops();
    assert_eq!(ops.iter().filter(|o| matches!(o, StoreOp::Delete { .. })).count(), deleted.len());
    assert_eq!(log.read(0, 100, i64::MAX).unwrap_err().code, ErrorCode::OffsetOutOfRange);
    // Everything expires: a new empty active segment starts at the log end offset.
    let leo = log.log_end_offset();
    log.delete_old_segments(T0 + 10_000_000, leo);
    assert_eq!(log.segments().len(), 1);
    assert_eq!(log.log_start_offset(), leo);
    assert_eq!(log.log_end_offset(), leo);
}

#[test]
fn retention_bytes_keeps_the_newest_segments_under_the_limit() {
    let one = batch(T0, 1, 100).len() as i64;
    let cfg =
        config(&[("segment.bytes", &(one * 2).to_string()), ("retention.bytes", &(one * 3).to_string())]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for _ in 0..8 {
        log.append_as_leader(T0, &batch(T0, 1, 100), 0).unwrap();
    }
    let deleted = log.delete_old_segments(T0, log.log_end_offset());
    assert!(deleted.iter().all(|d| d.reason == RetentionReason::Size));
    assert_eq!(deleted.len(), 2, "8 records in 4 segments of 2; 3 records' worth may stay");
    assert_eq!(log.log_start_offset(), 4);
    // Never past the high watermark.
    let mut log2 = PartitionLog::new(1, "t", 0, log.config.clone(), T0);
    for _ in 0..8 {
        log2.append_as_leader(T0, &batch(T0, 1, 100), 0).unwrap();
    }
    assert!(log2.delete_old_segments(T0, 1).is_empty());
}

#[test]
fn bad_batches_are_refused_with_kafka_errors() {
    let cfg = config(&[("max.message.bytes", "200")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    let e = log.append_as_leader(T0, &batch(T0, 1, 500), 0).unwrap_err();
    assert_eq!(e.code, ErrorCode::MessageTooLarge);
    let mut bad = batch(T0, 1, 10);
    let n = bad.len();
    bad[n - 3] ^= 1;
    let e = log.append_as_leader(T0, &bad, 0).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Corrupt { corruption: Corruption::CrcMismatch { .. } }));
    assert_eq!(log.append_as_leader(T0, &[1, 2, 3], 0).unwrap_err().code, ErrorCode::CorruptMessage);
    assert_eq!(log.append_as_leader(T0, &[], 0).unwrap_err().code, ErrorCode::CorruptMessage);
    assert_eq!(log.log_end_offset(), 0, "nothing was appended");
}

#[test]
fn log_append_time_overrides_timestamps() {
    let cfg = config(&[("message.timestamp.type", "LogAppendTime")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    let info = log.append_as_leader(T0 + 5, &batch(T0, 2, 10), 0).unwrap();
    assert_eq!(info.log_append_time_ms, T0 + 5);
    let d = decode_batch(&log.read(0, 1000, i64::MAX).unwrap().records).unwrap();
    assert_eq!(d.header.timestamp_type(), TimestampType::LogAppendTime);
    assert!(d.records.iter().all(|r| r.timestamp_ms == T0 + 5));
}

#[test]
fn recovery_rebuilds_the_same_log_from_the_store() {
    let cfg = config(&[("segment.bytes", "500"), ("index.interval.bytes", "100")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg.clone(), T0);
    let mut store = MemoryStore::new();
    for i in 0..20 {
        log.append_as_leader(T0, &batch(T0 + i, 2, 30), 0).unwrap();
        persist(&mut log, &mut store);
    }
    let (recovered, report) = PartitionLog::recover(1, "t", 0, cfg, stored(&store), None, T0);
    assert!(report.corruption.is_none());
    assert_eq!(report.batches_validated, 20);
    assert_eq!(recovered.log_end_offset(), 40);
    for (a, b) in log.segments().iter().zip(recovered.segments()) {
        assert_eq!(a.base_offset, b.base_offset);
        assert_eq!(a.log_bytes(), b.log_bytes());
        assert_eq!(a.next_offset, b.next_offset);
    }
    assert_eq!(recovered.read(13, 1, i64::MAX).unwrap(), log.read(13, 1, i64::MAX).unwrap());
}

#[test]
fn recovery_truncates_a_torn_tail_and_deletes_later_segments() {
    let cfg = config(&[("segment.bytes", "500")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg.clone(), T0);
    let mut store = MemoryStore::new();
    for i in 0..12 {
        log.append_as_leader(T0, &batch(T0 + i, 2, 30), 0).unwrap();
        persist(&mut log, &mut store);
    }
    let ids = store.segment_ids(1);
    assert!(ids.len() >= 3);
    // A crash mid-write of the last batch of the first segment.
    let first = ids[0].clone();
    let len = store.segment_bytes(&first).unwrap().len() as u32;
    store.tear(&first, len - 7);
    let (mut recovered, report) = PartitionLog::recover(1, "t", 0, cfg.clone(), stored(&store), None, T0);
    assert!(matches!(
        report.corruption.as_ref().unwrap().kind,
        ErrorKind::Corrupt { corruption: Corruption::Truncated { .. } }
    ));
    assert_eq!(report.deleted_segments.len(), ids.len() - 1);
    assert_eq!(recovered.segments().len(), 1);
    let kept = recovered.segments()[0].log_bytes().len() as u64;
    assert_eq!(report.truncated_bytes, u64::from(len - 7) - kept);
    // The repairs are store ops; after applying them the store matches the log.
    store.apply_now(&recovered.take_store_ops()).unwrap();
    assert_eq!(store.segment_ids(1).len(), 1);
    let again = PartitionLog::recover(1, "t", 0, cfg, stored(&store), None, T0).1;
    assert!(again.corruption.is_none());
    // Producing continues from the recovered end.
    let leo = recovered.log_end_offset();
    let info = recovered.append_as_leader(T0, &batch(T0, 1, 5), 0).unwrap();
    assert_eq!(info.first_offset, leo);
}

#[test]
fn recovery_stops_at_a_flipped_byte() {
    let cfg = TopicConfig::default();
    let mut log = PartitionLog::new(1, "t", 0, cfg.clone(), T0);
    let mut store = MemoryStore::new();
    for i in 0..3 {
        log.append_as_leader(T0, &batch(T0 + i, 1, 30), 0).unwrap();
    }
    persist(&mut log, &mut store);
    let mut segs = stored(&store);
    let one = batch(T0, 1, 30).len();
    segs[0].1[one + 40] ^= 0xff;
    let (recovered, report) = PartitionLog::recover(1, "t", 0, cfg, segs, None, T0);
    assert!(matches!(
        report.corruption.unwrap().kind,
        ErrorKind::Corrupt { corruption: Corruption::CrcMismatch { .. } }
    ));
    assert_eq!(recovered.log_end_offset(), 1);
}

#[test]
fn recovery_honours_the_log_start_checkpoint_when_every_segment_was_deleted() {
    let (log, _) = PartitionLog::recover(1, "t", 0, TopicConfig::default(), Vec::new(), Some(42), T0);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (42, 42));
}

#[test]
fn exported_files_use_kafka_names_and_entry_sizes() {
    let cfg = config(&[("segment.bytes", "600"), ("index.interval.bytes", "50")]);
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for i in 0..10 {
        log.append_as_leader(T0, &batch(T0 + i, 1, 40), 0).unwrap();
    }
    let second = log.segments()[1].base_offset;
    let files = log.segment_files(second).unwrap();
    assert_eq!(files.log_name, format!("{second:020}.log"));
    assert_eq!(files.index_name, format!("{second:020}.index"));
    assert_eq!(files.time_index_name, format!("{second:020}.timeindex"));
    assert_eq!(files.index.len() % 8, 0);
    assert_eq!(files.time_index.len() % 12, 0);
    assert!(!files.index.is_empty());
    let batches: Vec<_> = split_batches(&files.log).map(Result::unwrap).collect();
    assert_eq!(batches[0].header.base_offset, second);
}

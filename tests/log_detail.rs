//! What the page's log panel reads of a replica (`PartitionLog::detail` and
//! `read_records`), checked against Kafka's rules: segments listed oldest first with the
//! last one active; a read returns the records from the asked offset on, whole batches up
//! to `max.bytes` but at least one (KIP-74), from one segment (`LocalLog.read` reads the
//! segment holding the offset), never at or past the high watermark; a read
//! by timestamp starts at the first record whose timestamp is ≥ the target (ListOffsets);
//! an offset outside [log start, log end] is OFFSET_OUT_OF_RANGE.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::log::*;
use kafka_playground::engine::record::*;
use kafka_playground::engine::topic::TopicConfig;

const T0: i64 = 1_700_000_000_000;

fn batch(ts: i64, first: u32, n: u32) -> Vec<u8> {
    let mut b = BatchBuilder::new(BatchOptions::default());
    for i in first..first + n {
        b.append(
            ts + i64::from(i) * 10,
            Some(format!("k{i}").as_bytes()),
            Some(format!("v{i}").as_bytes()),
            &[],
        );
    }
    b.build().unwrap()
}

/// 5 batches of 4 records (offsets 0..20), timestamps T0 + 10 × offset, segments of
/// about two batches each.
fn log() -> PartitionLog {
    let one = batch(T0, 0, 4).len();
    let cfg = TopicConfig::from_pairs([("segment.bytes", (one * 2).to_string().as_str())]).unwrap();
    let mut log = PartitionLog::new(1, "t", 0, cfg, T0);
    for b in 0..5 {
        log.append_as_leader(T0, &batch(T0, b * 4, 4), 0).unwrap();
    }
    log
}

#[test]
fn detail_lists_segments_oldest_first_with_the_last_active() {
    let log = log();
    let d = log.detail(12, 6);
    assert_eq!((d.log_start_offset, d.high_watermark, d.log_end_offset), (0, 12, 20));
    assert!(d.segments.len() >= 2, "segment.bytes rolled the log");
    assert_eq!(d.segments[0].base_offset, 0);
    for pair in d.segments.windows(2) {
        assert_eq!(pair[0].next_offset, pair[1].base_offset, "segments are contiguous");
        assert!(!pair[0].is_active);
    }
    assert!(d.segments.last().unwrap().is_active);
    assert_eq!(d.segments.iter().map(|s| s.records_count).sum::<u64>(), 20);
    // The newest six records, oldest first.
    assert_eq!(d.records.iter().map(|r| r.offset).collect::<Vec<_>>(), (14..20).collect::<Vec<_>>());
    assert_eq!(d.records[0].value.as_deref(), Some(&b"v14"[..]));
}

#[test]
fn reads_stop_below_the_high_watermark_and_return_at_least_one_batch() {
    let log = log();
    // Segment 0 holds offsets 0..8, segment 1 8..16: a read ends with its segment.
    let first = log.read_records(ReadFrom::Offset(5), 1 << 20, 12).unwrap();
    assert_eq!(first.iter().map(|r| r.offset).collect::<Vec<_>>(), (5..8).collect::<Vec<_>>());
    let second = log.read_records(ReadFrom::Offset(8), 1 << 20, 12).unwrap();
    assert_eq!(second.iter().map(|r| r.offset).collect::<Vec<_>>(), (8..12).collect::<Vec<_>>());
    assert!(second.iter().all(|r| r.segment_base_offset == 8));
    // max.bytes of 1: still the whole first batch (KIP-74), from the asked offset on.
    let one = log.read_records(ReadFrom::Offset(5), 1, 12).unwrap();
    assert_eq!(one.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![5, 6, 7]);
    assert!(one.iter().all(|r| r.batch_base_offset == 4));
    // Nothing at the high watermark yet.
    assert!(log.read_records(ReadFrom::Offset(12), 1 << 20, 12).unwrap().is_empty());
}

#[test]
fn reads_by_timestamp_start_at_the_first_record_at_or_after_it() {
    let log = log();
    let from = log.read_records(ReadFrom::Timestamp(T0 + 65), 1 << 20, 20).unwrap();
    assert_eq!(from.first().map(|r| r.offset), Some(7), "T0+70 is the first timestamp ≥ T0+65");
    assert_eq!(from.first().map(|r| r.timestamp_ms), Some(T0 + 70));
    assert!(log.read_records(ReadFrom::Timestamp(T0 + 10_000), 1 << 20, 20).unwrap().is_empty());
}

#[test]
fn offsets_outside_the_log_are_out_of_range() {
    let log = log();
    let e = log.read_records(ReadFrom::Offset(21), 1 << 20, 20).unwrap_err();
    assert_eq!(e.code, ErrorCode::OffsetOutOfRange);
    let e = log.read_records(ReadFrom::Offset(-1), 1 << 20, 20).unwrap_err();
    assert_eq!(e.code, ErrorCode::OffsetOutOfRange);
}

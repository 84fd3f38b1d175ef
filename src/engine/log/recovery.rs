//! Recovery of a partition log from its stored segments, as Kafka's `LogLoader` and
//! `LogSegment.recover` do after an unclean shutdown: every batch is re-validated
//! (framing, magic, CRC-32C, offsets that only grow), the indexes are rebuilt, a torn or
//! corrupt tail is truncated and every later segment is deleted; the `.txnindex` of every
//! segment is rebuilt from its control batches.

use super::partition_log::PartitionLog;
use super::segment::LogSegment;
use crate::engine::error::{Corruption, KafkaError};
use crate::engine::record::{split_batches, verify_crc};
use crate::engine::store::StoreOp;
use crate::engine::topic::TopicConfig;
use serde::{Deserialize, Serialize};

/// What recovery found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryReport {
    pub segments_loaded: u32,
    pub batches_validated: u64,
    /// Bytes cut from the end of the segment where the first bad batch was.
    pub truncated_bytes: u64,
    /// Base offsets of the segments after it, deleted.
    pub deleted_segments: Vec<i64>,
    /// The problem that caused the truncation, if any.
    pub corruption: Option<KafkaError>,
}

/// Rebuilds one segment from its bytes; returns it and the error that stopped it, if any.
pub(crate) fn recover_segment(
    base_offset: i64,
    bytes: &[u8],
    expected_next: i64,
    config: &TopicConfig,
    now_ms: i64,
    report: &mut RecoveryReport,
) -> (LogSegment, Option<KafkaError>) {
    let mut seg =
        LogSegment::new(base_offset, config.index_interval_bytes, config.segment_index_bytes, now_ms);
    let mut valid_bytes = 0usize;
    let mut last_index_entry = 0usize;
    let mut next_offset = expected_next.max(base_offset);
    let mut failure = None;
    for view in split_batches(bytes) {
        let checked = view.and_then(|v| {
            verify_crc(v.bytes)?;
            // `i64::MAX` is refused too: the next offset, `lastOffset + 1`, must exist.
            if v.header.base_offset < next_offset
                || !seg.can_convert_to_relative_offset(v.header.last_offset())
                || v.header.last_offset() == i64::MAX
            {
                return Err(KafkaError::corrupt(Corruption::InvalidRecord {
                    detail: format!(
                        "batch at offset {} where offset {next_offset} or later was expected",
                        v.header.base_offset
                    ),
                }));
            }
            Ok(v)
        });
        let v = match checked {
            Ok(v) => v,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let h = v.header;
        if seg.rolling_based_timestamp_ms.is_none() {
            seg.rolling_based_timestamp_ms = Some(h.max_timestamp);
        }
        if h.max_timestamp > seg.max_timestamp_so_far_ms {
            seg.max_timestamp_so_far_ms = h.max_timestamp;
            seg.offset_of_max_timestamp_so_far = h.last_offset();
        }
        if valid_bytes - last_index_entry > config.index_interval_bytes as usize {
            let rel = (h.last_offset() - base_offset) as u32;
            seg.offset_index.append(rel, valid_bytes as u32);
            let ts_rel = (seg.offset_of_max_timestamp_so_far - base_offset) as u32;
            seg.time_index.maybe_append(seg.max_timestamp_so_far_ms, ts_rel, false);
            last_index_entry = valid_bytes;
        }
        valid_bytes += v.bytes.len();
        next_offset = h.last_offset() + 1;
        seg.records_count += h.records_count.max(0) as u64;
        report.batches_validated += 1;
    }
    seg.log = super::segment_log::SegmentLog::from(bytes[..valid_bytes].to_vec());
    seg.next_offset = next_offset;
    seg.bytes_since_last_index_entry = (valid_bytes - last_index_entry) as u32;
    (seg, failure)
}

impl PartitionLog {
    /// Rebuilds the log from stored segments `(base_offset, bytes)` in offset order and the
    /// `log-start-offset-checkpoint` entry, if any. Repairs go to the pending store ops.
    pub fn recover(
        broker_id: u32,
        topic: &str,
        partition: u32,
        config: TopicConfig,
        stored: Vec<(i64, Vec<u8>)>,
        log_start_offset_checkpoint: Option<i64>,
        now_ms: i64,
    ) -> (PartitionLog, RecoveryReport) {
        let mut log = PartitionLog::new(broker_id, topic, partition, config.clone(), now_ms);
        log.segments.clear();
        let mut report = RecoveryReport::default();
        let mut expected_next = 0i64;
        let mut stored = stored.into_iter();
        for (base_offset, bytes) in stored.by_ref() {
            let (seg, failure) =
                recover_segment(base_offset, &bytes, expected_next, &config, now_ms, &mut report);
            report.segments_loaded += 1;
            expected_next = seg.next_offset;
            let cut = bytes.len() as u64 - u64::from(seg.size_bytes());
            log.segments.push(seg);
            if let Some(e) = failure {
                report.truncated_bytes = cut;
                report.corruption = Some(e);
                let id = log.segment_id(base_offset);
                let size_bytes = log.segments.last().map_or(0, LogSegment::size_bytes);
                log.pending.push(StoreOp::Truncate { segment: id, size_bytes });
                break;
            }
        }
        for (base_offset, _) in stored {
            report.deleted_segments.push(base_offset);
            log.pending.push(StoreOp::Delete { segment: log.segment_id(base_offset) });
        }
        // Drop empty segments other than the last one: they hold nothing to serve.
        let count = log.segments.len();
        let mut i = 0;
        log.segments.retain(|s| {
            i += 1;
            !s.is_empty() || i == count
        });
        // Closed segments carry their final time-index entry, as written at roll.
        let closed = log.segments.len().saturating_sub(1);
        log.segments[..closed].iter_mut().for_each(LogSegment::on_become_inactive);
        let checkpoint = log_start_offset_checkpoint.unwrap_or(0).max(0);
        match log.segments.first() {
            Some(first) => log.log_start_offset = checkpoint.max(first.base_offset),
            None => {
                log.segments.push(LogSegment::new(
                    checkpoint,
                    config.index_interval_bytes,
                    config.segment_index_bytes,
                    now_ms,
                ));
                log.log_start_offset = checkpoint;
            }
        }
        if let Some(active) = log.segments.last() {
            if active.next_offset < log.log_start_offset {
                log.segments.push(LogSegment::new(
                    log.log_start_offset,
                    config.index_interval_bytes,
                    config.segment_index_bytes,
                    now_ms,
                ));
            }
        }
        // `LogSegment.recover` rebuilds each segment's `.txnindex` with its indexes.
        log.rebuild_txn_indexes();
        (log, report)
    }
}

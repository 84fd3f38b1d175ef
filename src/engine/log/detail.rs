//! What a learner inspects of one replica's log: its segments (base offset, size, index
//! entries, the active one) and its newest records decoded, with the offsets that bound
//! it (log start offset, high watermark, log end offset); and a read of records from an
//! offset or a timestamp, as a consumer's Fetch would return them (whole batches, at
//! least one; below the high watermark). Invariant: pure reads of the log; record counts
//! per answer are capped so an answer stays small however long the log grows.

use super::offsets::OffsetSpec;
use super::partition_log::PartitionLog;
use crate::engine::error::Result;
use crate::engine::record::anatomy::{batch_anatomy, BatchAnatomy};
use crate::engine::record::batch::{split_batches, BatchView};
use crate::engine::record::decode_batch;
use serde::{Deserialize, Serialize};

/// Records one answer carries at most.
pub const MAX_RECORDS_PER_ANSWER: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    /// Base offset of the segment holding it.
    pub segment_base_offset: i64,
    pub batch_base_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentView {
    pub base_offset: i64,
    pub next_offset: i64,
    pub size_bytes: u32,
    pub records_count: u64,
    pub largest_timestamp_ms: i64,
    pub offset_index_entries: u32,
    pub time_index_entries: u32,
    pub is_active: bool,
    /// Record batches in the segment (a producer's `linger.ms` and `batch.size` decide
    /// how many records each holds).
    #[serde(default)]
    pub batches_count: u32,
    /// The `compression.type` of its batches (the attributes' codec bits), each once,
    /// in the order met (`["none"]`, `["gzip"]`, `["none", "gzip"]`).
    #[serde(default)]
    pub codecs: Vec<String>,
}

/// One replica's log as the detail panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogDetail {
    pub log_start_offset: i64,
    pub high_watermark: i64,
    pub log_end_offset: i64,
    pub size_bytes: u64,
    pub segments: Vec<SegmentView>,
    /// The newest records (at most the cap), oldest first.
    pub records: Vec<RecordView>,
}

/// Where a read starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadFrom {
    Offset(i64),
    /// The first record whose timestamp is ≥ this (ListOffsets by timestamp, then Fetch).
    Timestamp(i64),
}

/// The records of one batch as the panel shows them (none if it does not decode).
fn records_of(view: &BatchView<'_>, segment_base_offset: i64) -> Vec<RecordView> {
    let Ok(batch) = decode_batch(view.bytes) else { return Vec::new() };
    batch
        .records
        .into_iter()
        .map(|r| RecordView {
            offset: r.offset,
            timestamp_ms: r.timestamp_ms,
            key: r.key,
            value: r.value,
            headers: r.headers.into_iter().map(|h| (h.key, h.value)).collect(),
            segment_base_offset,
            batch_base_offset: view.header.base_offset,
        })
        .collect()
}

/// How many batches a segment holds and their codecs, each once in the order met.
fn batches_and_codecs(s: &super::segment::LogSegment) -> (u32, Vec<String>) {
    let mut count = 0u32;
    let mut codecs: Vec<String> = Vec::new();
    for view in s.batches_from(0).flatten() {
        count = count.saturating_add(1);
        let name = view.header.compression().map_or("unknown", |c| c.name());
        if !codecs.iter().any(|c| c == name) {
            codecs.push(name.to_string());
        }
    }
    (count, codecs)
}

impl PartitionLog {
    /// The segments and the newest `max_records` records (capped at
    /// [`MAX_RECORDS_PER_ANSWER`]), with `high_watermark` as its replica knows it.
    pub fn detail(&self, high_watermark: i64, max_records: usize) -> LogDetail {
        let count = self.segments().len();
        let segments = self
            .segments()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (batches_count, codecs) = batches_and_codecs(s);
                SegmentView {
                    base_offset: s.base_offset,
                    next_offset: s.next_offset,
                    size_bytes: s.size_bytes(),
                    records_count: s.records_count,
                    largest_timestamp_ms: s.largest_timestamp_ms(),
                    offset_index_entries: s.offset_index.entries.len() as u32,
                    time_index_entries: s.time_index.entries.len() as u32,
                    is_active: i + 1 == count,
                    batches_count,
                    codecs,
                }
            })
            .collect();
        let cap = max_records.min(MAX_RECORDS_PER_ANSWER);
        let mut records = Vec::new();
        for s in self.segments().iter().rev() {
            let mut newer = std::mem::take(&mut records);
            for view in s.batches_from(0).flatten() {
                records.extend(records_of(&view, s.base_offset));
            }
            records.append(&mut newer);
            if records.len() >= cap {
                break;
            }
        }
        let skip = records.len().saturating_sub(cap);
        records.drain(..skip);
        LogDetail {
            log_start_offset: self.log_start_offset(),
            high_watermark,
            log_end_offset: self.log_end_offset(),
            size_bytes: self.size_bytes(),
            segments,
            records,
        }
    }

    /// A consumer's read: whole batches from `from`, at most `max_bytes` (at least one
    /// batch, KIP-74), below `high_watermark`; an offset outside the log is Kafka's
    /// OFFSET_OUT_OF_RANGE, a timestamp past every record reads nothing.
    pub fn read_records(
        &self,
        from: ReadFrom,
        max_bytes: u32,
        high_watermark: i64,
    ) -> Result<Vec<RecordView>> {
        let offset = match from {
            ReadFrom::Offset(o) => o,
            ReadFrom::Timestamp(t) => match self.list_offset(OffsetSpec::Timestamp(t)).offset {
                -1 => return Ok(Vec::new()),
                o => o,
            },
        };
        let data = self.read(offset, max_bytes, high_watermark)?;
        let mut out = Vec::new();
        for view in split_batches(data.records.as_slice()).flatten() {
            let segment_base_offset = self
                .segments()
                .iter()
                .rev()
                .find(|s| s.base_offset <= view.header.base_offset)
                .map_or(view.header.base_offset, |s| s.base_offset);
            out.extend(
                records_of(&view, segment_base_offset)
                    .into_iter()
                    .filter(|r| r.offset >= offset && r.offset < high_watermark),
            );
            if out.len() >= MAX_RECORDS_PER_ANSWER {
                out.truncate(MAX_RECORDS_PER_ANSWER);
                break;
            }
        }
        Ok(out)
    }

    /// The batch holding `offset` taken apart byte by byte (any batch up to the log end
    /// offset: the panel inspects the disk, it is not a consumer); `None` if no batch
    /// holds it (below the log start, at or past the log end, or compacted away).
    pub fn batch_anatomy_at(&self, offset: i64) -> Result<Option<BatchAnatomy>> {
        let data = self.read(offset, 1, self.log_end_offset())?;
        let found = split_batches(data.records.as_slice())
            .flatten()
            .find(|v| v.header.base_offset <= offset && offset <= v.header.last_offset());
        Ok(found.map(|v| batch_anatomy(v.bytes)))
    }
}

//! Reading whole batches: full decoding to records (consumers, the page, `dump-log`) and
//! the broker's validation walk (`LogValidator`): CRC, record count, contiguous offset
//! deltas, exact lengths, without copying uncompressed records. A record's offset and
//! timestamp are `base + delta` wrapping as Java's `long` arithmetic does
//! (`DefaultRecord.readFrom`): bytes may say anything, and decoding never panics on them.

use super::batch::{read_header, verify_crc, BatchHeader, Compression, RECORD_BATCH_OVERHEAD};
use super::compression::decompress;
use super::default_record::{read_record, scan_record, Record, RecordRef};
use crate::engine::error::{Corruption, KafkaError, Result};
use serde::{Deserialize, Serialize};

/// A batch with its records decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodedBatch {
    pub header: BatchHeader,
    pub records: Vec<Record>,
}

fn invalid(detail: String) -> KafkaError {
    KafkaError::corrupt(Corruption::InvalidRecord { detail })
}

/// Runs `each` over the records of one whole batch (CRC already checked by the caller),
/// decompressing first if needed, and checks count and leftovers as Kafka does.
fn walk_records<F>(batch: &[u8], header: &BatchHeader, each: F) -> Result<()>
where
    F: FnMut(RecordRef<'_>) -> Result<()>,
{
    let section = &batch[RECORD_BATCH_OVERHEAD..];
    let codec = header.compression()?;
    if codec == Compression::None {
        walk_section(section, header, each)
    } else {
        walk_section(&decompress(codec, section)?, header, each)
    }
}

/// [`walk_records`] over the records' bytes (decompressed).
fn walk_section<'a, F>(records: &'a [u8], header: &BatchHeader, mut each: F) -> Result<()>
where
    F: FnMut(RecordRef<'a>) -> Result<()>,
{
    if header.records_count < 0 {
        return Err(invalid(format!("negative recordsCount {}", header.records_count)));
    }
    let mut pos = 0usize;
    for i in 0..header.records_count {
        if pos >= records.len() {
            return Err(invalid(format!(
                "batch declares {} records but ends after {i}",
                header.records_count
            )));
        }
        each(read_record(records, &mut pos)?)?;
    }
    if pos != records.len() {
        return Err(invalid(format!(
            "{} bytes left over after {} records",
            records.len() - pos,
            header.records_count
        )));
    }
    Ok(())
}

/// The header of exactly one whole batch whose CRC-32C holds.
fn whole_signed_batch(batch: &[u8]) -> Result<BatchHeader> {
    let header = read_header(batch)?;
    if batch.len() != header.size_in_bytes() as usize {
        return Err(KafkaError::corrupt(Corruption::Truncated {
            needed: u64::from(header.size_in_bytes()),
            available: batch.len() as u64,
        }));
    }
    verify_crc(batch)?;
    Ok(header)
}

/// Decodes one whole batch (exactly one, `batch.len()` = its size), checking the CRC.
pub fn decode_batch(batch: &[u8]) -> Result<DecodedBatch> {
    let header = whole_signed_batch(batch)?;
    let mut records = Vec::with_capacity(header.records_count.clamp(0, 10_000) as usize);
    let log_append = header.timestamp_type() == super::batch::TimestampType::LogAppendTime;
    walk_records(batch, &header, |r| {
        let timestamp_ms = if log_append {
            header.max_timestamp
        } else {
            header.base_timestamp.wrapping_add(r.timestamp_delta_ms)
        };
        records.push(Record {
            offset: header.base_offset.wrapping_add(i64::from(r.offset_delta)),
            timestamp_ms,
            offset_delta: r.offset_delta,
            timestamp_delta_ms: r.timestamp_delta_ms,
            attributes: r.attributes,
            key: r.key.map(<[u8]>::to_vec),
            value: r.value.map(<[u8]>::to_vec),
            headers: r.headers()?,
        });
        Ok(())
    })?;
    Ok(DecodedBatch { header, records })
}

/// [`decode_batch`] without copying the records: `read` is given the header and every
/// record borrowed from the batch (or from its decompressed bytes), once the whole batch
/// has decoded, so a batch `decode_batch` refuses gives nothing here either. For readers
/// that only look (the final state lists every record of a log).
pub fn read_batch<R>(batch: &[u8], read: impl FnOnce(&BatchHeader, &[RecordRef<'_>]) -> R) -> Result<R> {
    let header = whole_signed_batch(batch)?;
    let codec = header.compression()?;
    let owned;
    let section: &[u8] = if codec == Compression::None {
        &batch[RECORD_BATCH_OVERHEAD..]
    } else {
        owned = decompress(codec, &batch[RECORD_BATCH_OVERHEAD..])?;
        &owned
    };
    let mut records = Vec::with_capacity(header.records_count.clamp(0, 10_000) as usize);
    if scan_section(section, &header, &mut records).is_none() {
        records.clear();
        walk_section(section, &header, |r| {
            // Checked as decode_batch decodes them.
            r.check_headers()?;
            records.push(r);
            Ok(())
        })?;
    }
    Ok(read(&header, &records))
}

/// [`walk_section`] of a batch whose every record reads, lean: the same checks (the
/// count, each record's exact length and header walk, its header keys UTF-8, no bytes
/// left over) with `None` on any failure instead of building Kafka's error; the caller
/// then walks again with [`walk_section`] to say what is wrong.
#[inline]
fn scan_section<'a>(section: &'a [u8], header: &BatchHeader, records: &mut Vec<RecordRef<'a>>) -> Option<()> {
    if header.records_count < 0 {
        return None;
    }
    let mut pos = 0usize;
    for _ in 0..header.records_count {
        let r = scan_record(section, &mut pos)?;
        if r.header_count > 0 {
            r.check_headers().ok()?;
        }
        records.push(r);
    }
    (pos == section.len()).then_some(())
}

/// What the broker learns while validating a produced batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidatedBatch {
    pub header: BatchHeader,
    /// Largest record timestamp (the batch's `maxTimestamp` must agree under CreateTime).
    pub max_record_timestamp_ms: i64,
}

/// The broker's check of one produced batch (`LogValidator` for magic 2): CRC, record
/// count, offset deltas `0..n` in order, `lastOffsetDelta = n - 1`, exact lengths.
pub fn validate_batch(batch: &[u8]) -> Result<ValidatedBatch> {
    let header = whole_signed_batch(batch)?;
    if header.records_count == 0 {
        return Err(invalid("a produced batch must hold at least one record".to_string()));
    }
    if let Some(max_ts) = scan_produced(batch, &header) {
        return Ok(ValidatedBatch { header, max_record_timestamp_ms: max_ts });
    }
    validate_records(batch, header)
}

/// [`validate_batch`]'s walk of an uncompressed batch whose every check passes, lean:
/// the same checks as [`validate_records`] (every record's exact length, its header walk,
/// contiguous offset deltas from 0, the count, no bytes left over, `lastOffsetDelta`),
/// but `None` on any failure, so nothing builds a `KafkaError` on the way and the record
/// reads inline. Returns the largest record timestamp. A compressed batch, or one that
/// fails, goes through [`validate_records`], which says exactly what is wrong.
#[inline]
fn scan_produced(batch: &[u8], header: &BatchHeader) -> Option<i64> {
    if header.compression().ok()? != Compression::None
        || header.records_count < 1
        || header.last_offset_delta != header.records_count - 1
    {
        return None;
    }
    let records = batch.get(RECORD_BATCH_OVERHEAD..)?;
    let mut max_ts = super::batch::NO_TIMESTAMP;
    let mut pos = 0usize;
    for expected_delta in 0..header.records_count {
        let r = scan_record(records, &mut pos)?;
        if r.offset_delta != expected_delta {
            return None;
        }
        max_ts = max_ts.max(header.base_timestamp.wrapping_add(r.timestamp_delta_ms));
    }
    (pos == records.len()).then_some(max_ts)
}

/// The record walk of [`validate_batch`] with Kafka's errors (CRC already checked).
#[inline(never)]
fn validate_records(batch: &[u8], header: BatchHeader) -> Result<ValidatedBatch> {
    let mut expected_delta = 0i32;
    let mut max_ts = super::batch::NO_TIMESTAMP;
    walk_records(batch, &header, |r| {
        if r.offset_delta != expected_delta {
            return Err(invalid(format!(
                "inner record offset delta {} where {expected_delta} was expected",
                r.offset_delta
            )));
        }
        expected_delta += 1;
        max_ts = max_ts.max(header.base_timestamp.wrapping_add(r.timestamp_delta_ms));
        Ok(())
    })?;
    if header.last_offset_delta != header.records_count - 1 {
        return Err(invalid(format!(
            "lastOffsetDelta {} does not match {} records",
            header.last_offset_delta, header.records_count
        )));
    }
    Ok(ValidatedBatch { header, max_record_timestamp_ms: max_ts })
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;

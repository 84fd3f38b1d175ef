//! Building a RecordBatch v2 as a producer does (`MemoryRecordsBuilder`): records are
//! encoded straight into the output buffer behind a reserved 61-byte header; `build`
//! fills the header (base timestamp = first record's, max timestamp, last offset delta),
//! compresses the records section if asked, and signs the batch with CRC-32C. The log
//! cleaner rebuilds batches with it too (`MemoryRecords.filterTo`): records at their own
//! offset deltas, the original last offset kept, and a KIP-534 delete horizon in the base
//! timestamp field.

use super::batch::{
    attributes_of, write_crc, Compression, TimestampType, ATTRIBUTES_OFFSET, BASE_OFFSET_OFFSET,
    BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_LENGTH_OFFSET, DELETE_HORIZON_FLAG_MASK,
    LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, MAGIC_V2, MAX_TIMESTAMP_OFFSET,
    NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP,
    PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET,
    RECORD_BATCH_OVERHEAD,
};
use super::compression::compress;
use super::default_record::{record_size_in_bytes, write_record, write_record_with, Header};
use crate::engine::error::Result;
use serde::{Deserialize, Serialize};

/// The batch-level fields a producer chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOptions {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub compression: Compression,
    pub timestamp_type: TimestampType,
    pub is_transactional: bool,
    pub is_control_batch: bool,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl Default for BatchOptions {
    /// What the Java producer writes without idempotence or transactions.
    fn default() -> Self {
        BatchOptions {
            base_offset: 0,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            compression: Compression::None,
            timestamp_type: TimestampType::CreateTime,
            is_transactional: false,
            is_control_batch: false,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
        }
    }
}

/// Accumulates records and produces one batch.
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    options: BatchOptions,
    buf: Vec<u8>,
    base_timestamp_ms: i64,
    max_timestamp_ms: i64,
    records_count: i32,
    /// The next record's offset delta.
    next_offset_delta: i32,
    /// `overrideLastOffset`: the last offset delta a cleaned batch keeps.
    last_offset_delta: Option<i32>,
    /// KIP-534: the time after which the cleaner may drop this batch's tombstones.
    delete_horizon_ms: Option<i64>,
    /// `estimatedCompressionRatio` (see [`super::compression_ratio`]).
    estimated_compression_ratio: f32,
}

impl BatchBuilder {
    pub fn new(options: BatchOptions) -> Self {
        Self::with_capacity(options, 1024)
    }

    pub fn with_capacity(options: BatchOptions, capacity_bytes: u32) -> Self {
        let mut buf = Vec::with_capacity(RECORD_BATCH_OVERHEAD + capacity_bytes as usize);
        buf.resize(RECORD_BATCH_OVERHEAD, 0);
        BatchBuilder {
            options,
            buf,
            base_timestamp_ms: NO_TIMESTAMP,
            max_timestamp_ms: NO_TIMESTAMP,
            records_count: 0,
            next_offset_delta: 0,
            last_offset_delta: None,
            delete_horizon_ms: None,
            estimated_compression_ratio: 1.0,
        }
    }

    /// `setEstimatedCompressionRatio`: how [`BatchBuilder::has_room_for`] estimates a
    /// compressed batch's size.
    pub fn set_estimated_compression_ratio(&mut self, ratio: f32) {
        self.estimated_compression_ratio = ratio;
    }

    pub fn compression(&self) -> Compression {
        self.options.compression
    }

    /// The records' bytes before compression (`uncompressedRecordsSizeInBytes`).
    pub fn uncompressed_records_bytes(&self) -> u32 {
        (self.buf.len() - RECORD_BATCH_OVERHEAD) as u32
    }

    /// A batch that records `delete_horizon_ms` (the base timestamp field holds it, and
    /// record timestamps are deltas from it). Call before appending.
    pub fn with_delete_horizon_ms(mut self, delete_horizon_ms: i64) -> Self {
        self.delete_horizon_ms = Some(delete_horizon_ms);
        self
    }

    /// Keeps `last_offset_delta` whatever records remain (`overrideLastOffset`).
    pub fn override_last_offset_delta(&mut self, last_offset_delta: i32) {
        self.last_offset_delta = Some(last_offset_delta);
    }

    /// Appends a record at its own offset delta (≥ the previous one's + 1), as the
    /// cleaner's `appendWithOffset` does.
    pub fn append_at(
        &mut self,
        offset_delta: i32,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
    ) {
        let delta = self.timestamp_delta_ms(timestamp_ms);
        let offset_delta = offset_delta.max(self.next_offset_delta);
        write_record(&mut self.buf, offset_delta, delta, key, value, headers);
        self.records_count += 1;
        self.next_offset_delta = offset_delta + 1;
    }

    /// Appends the next record (offset delta = records so far).
    pub fn append(
        &mut self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[Header],
    ) {
        let delta = self.timestamp_delta_ms(timestamp_ms);
        write_record(&mut self.buf, self.next_offset_delta, delta, key, value, headers);
        self.records_count += 1;
        self.next_offset_delta += 1;
    }

    /// The batch's base and max timestamps after a record at `timestamp_ms`; returns
    /// the record's delta from the base.
    fn timestamp_delta_ms(&mut self, timestamp_ms: i64) -> i64 {
        if self.records_count == 0 {
            self.base_timestamp_ms = self.delete_horizon_ms.unwrap_or(timestamp_ms);
        }
        if timestamp_ms > self.max_timestamp_ms {
            self.max_timestamp_ms = timestamp_ms;
        }
        timestamp_ms - self.base_timestamp_ms
    }

    /// [`BatchBuilder::append`] of a record without headers whose `value_len` value bytes
    /// `write_value` appends to the batch itself.
    pub fn append_with(
        &mut self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value_len: usize,
        write_value: impl FnOnce(&mut Vec<u8>),
    ) {
        let delta = self.timestamp_delta_ms(timestamp_ms);
        write_record_with(&mut self.buf, self.next_offset_delta, delta, key, value_len, write_value);
        self.records_count += 1;
        self.next_offset_delta += 1;
    }

    pub fn records_count(&self) -> i32 {
        self.records_count
    }

    /// `estimatedBytesWritten`: the header plus the records, uncompressed, or for a
    /// compressed batch the records × the estimated ratio × 1.05 (Java's `float`
    /// arithmetic, truncated to an int).
    pub fn estimated_size_bytes(&self) -> u32 {
        if self.options.compression == Compression::None {
            return self.buf.len() as u32;
        }
        let records = self.uncompressed_records_bytes() as f32;
        let estimate = (records
            * self.estimated_compression_ratio
            * super::compression_ratio::COMPRESSION_RATE_ESTIMATION_FACTOR) as u32;
        RECORD_BATCH_OVERHEAD as u32 + estimate
    }

    /// Java's `MemoryRecordsBuilder.hasRoomFor` (on `estimatedBytesWritten`): the first record
    /// always fits; another fits if the batch's bytes plus the record's size at its own
    /// offset and timestamp deltas (`DefaultRecord.sizeInBytes`) stay within
    /// `write_limit_bytes`. The one batch-fullness rule of the producer client and the
    /// CLI's `produce`.
    pub fn has_room_for(
        &self,
        timestamp_ms: i64,
        key_len: Option<usize>,
        value_len: Option<usize>,
        headers: &[Header],
        write_limit_bytes: u32,
    ) -> bool {
        if self.records_count == 0 {
            return true;
        }
        let timestamp_delta_ms = timestamp_ms - self.base_timestamp_ms;
        let size =
            record_size_in_bytes(self.next_offset_delta, timestamp_delta_ms, key_len, value_len, headers);
        self.estimated_size_bytes() < write_limit_bytes
            && u64::from(self.estimated_size_bytes()) + u64::from(size) <= u64::from(write_limit_bytes)
    }

    /// Finishes the batch: header, optional compression, CRC.
    pub fn build(mut self) -> Result<Vec<u8>> {
        let o = self.options;
        if o.compression != Compression::None {
            let packed = compress(o.compression, &self.buf[RECORD_BATCH_OVERHEAD..])?;
            self.buf.truncate(RECORD_BATCH_OVERHEAD);
            self.buf.extend_from_slice(&packed);
        }
        let b = &mut self.buf;
        let batch_length = (b.len() - LOG_OVERHEAD) as i32;
        let mut attributes =
            attributes_of(o.compression, o.timestamp_type, o.is_transactional, o.is_control_batch);
        if self.delete_horizon_ms.is_some() {
            attributes |= DELETE_HORIZON_FLAG_MASK;
        }
        let last_offset_delta = self.last_offset_delta.unwrap_or((self.next_offset_delta - 1).max(0));
        put(b, BASE_OFFSET_OFFSET, &o.base_offset.to_be_bytes());
        put(b, BATCH_LENGTH_OFFSET, &batch_length.to_be_bytes());
        put(b, PARTITION_LEADER_EPOCH_OFFSET, &o.partition_leader_epoch.to_be_bytes());
        b[MAGIC_OFFSET] = MAGIC_V2 as u8;
        put(b, ATTRIBUTES_OFFSET, &attributes.to_be_bytes());
        put(b, LAST_OFFSET_DELTA_OFFSET, &last_offset_delta.to_be_bytes());
        put(b, BASE_TIMESTAMP_OFFSET, &self.base_timestamp_ms.to_be_bytes());
        put(b, MAX_TIMESTAMP_OFFSET, &self.max_timestamp_ms.to_be_bytes());
        put(b, PRODUCER_ID_OFFSET, &o.producer_id.to_be_bytes());
        put(b, PRODUCER_EPOCH_OFFSET, &o.producer_epoch.to_be_bytes());
        put(b, BASE_SEQUENCE_OFFSET, &o.base_sequence.to_be_bytes());
        put(b, RECORDS_COUNT_OFFSET, &self.records_count.to_be_bytes());
        write_crc(b);
        Ok(self.buf)
    }
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

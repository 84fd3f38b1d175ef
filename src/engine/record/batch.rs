//! The 61-byte RecordBatch v2 header: field offsets (`DefaultRecordBatch`), attribute bits,
//! shallow parsing and the broker's in-place patches (base offset, partition leader epoch,
//! neither covered by the CRC). Nothing here looks inside the records.

use super::crc::crc32c;
use crate::engine::error::{Corruption, KafkaError, Result};
use serde::{Deserialize, Serialize};

pub const BASE_OFFSET_OFFSET: usize = 0;
pub const BATCH_LENGTH_OFFSET: usize = 8;
pub const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
pub const MAGIC_OFFSET: usize = 16;
pub const CRC_OFFSET: usize = 17;
/// The CRC covers everything from the attributes to the end of the batch.
pub const ATTRIBUTES_OFFSET: usize = 21;
pub const LAST_OFFSET_DELTA_OFFSET: usize = 23;
pub const BASE_TIMESTAMP_OFFSET: usize = 27;
pub const MAX_TIMESTAMP_OFFSET: usize = 35;
pub const PRODUCER_ID_OFFSET: usize = 43;
pub const PRODUCER_EPOCH_OFFSET: usize = 51;
pub const BASE_SEQUENCE_OFFSET: usize = 53;
pub const RECORDS_COUNT_OFFSET: usize = 57;
/// `RECORD_BATCH_OVERHEAD`: the header size.
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// `LOG_OVERHEAD`: baseOffset + batchLength, the bytes batchLength does not count.
pub const LOG_OVERHEAD: usize = 12;
pub const MAGIC_V2: i8 = 2;

pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;
pub const NO_SEQUENCE: i32 = -1;
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;
pub const NO_TIMESTAMP: i64 = -1;

const COMPRESSION_CODEC_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
const TRANSACTIONAL_FLAG_MASK: i16 = 0x10;
const CONTROL_FLAG_MASK: i16 = 0x20;
pub(crate) const DELETE_HORIZON_FLAG_MASK: i16 = 0x40;

/// `attributes` bits 0–2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Compression {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl Compression {
    pub const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    pub fn from_id(id: i16) -> Result<Compression> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            codec => Err(KafkaError::new(crate::engine::error::ErrorKind::UnsupportedCompression { codec })),
        }
    }

    /// The `compression.type` config value.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    pub fn from_name(name: &str) -> Option<Compression> {
        Compression::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// `attributes` bit 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

impl TimestampType {
    /// The `message.timestamp.type` config value.
    pub fn name(self) -> &'static str {
        match self {
            TimestampType::CreateTime => "CreateTime",
            TimestampType::LogAppendTime => "LogAppendTime",
        }
    }
}

/// Every field of a batch header, with Kafka's types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

impl BatchHeader {
    pub fn compression(&self) -> Result<Compression> {
        Compression::from_id(self.attributes & COMPRESSION_CODEC_MASK)
    }

    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & TIMESTAMP_TYPE_MASK != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_FLAG_MASK != 0
    }

    pub fn is_control_batch(&self) -> bool {
        self.attributes & CONTROL_FLAG_MASK != 0
    }

    pub fn has_delete_horizon_ms(&self) -> bool {
        self.attributes & DELETE_HORIZON_FLAG_MASK != 0
    }

    /// Offset of the last record: `baseOffset + lastOffsetDelta`, wrapping as Java's
    /// `long` does (`DefaultRecordBatch.lastOffset`): a stored batch's fields are anything
    /// the bytes say, and the checks that use this refuse what wrapped.
    pub fn last_offset(&self) -> i64 {
        self.base_offset.wrapping_add(i64::from(self.last_offset_delta))
    }

    /// The whole batch in bytes: `batchLength + LOG_OVERHEAD`.
    pub fn size_in_bytes(&self) -> u32 {
        self.batch_length as u32 + LOG_OVERHEAD as u32
    }

    /// The sequence number of the batch's last record (`DefaultRecordBatch.lastSequence`):
    /// [`NO_SEQUENCE`] without one, else the base sequence plus `lastOffsetDelta`, wrapping
    /// past `Integer.MAX_VALUE` to 0 as a producer's sequences do.
    pub fn last_sequence(&self) -> i32 {
        if self.base_sequence == NO_SEQUENCE {
            return NO_SEQUENCE;
        }
        increment_sequence(self.base_sequence, self.last_offset_delta)
    }
}

/// `DefaultRecordBatch.incrementSequence`: `sequence + increment`, wrapping to 0 after
/// `Integer.MAX_VALUE` (a producer's sequence numbers do), in Java's `int` arithmetic (a
/// stored batch's fields are whatever its bytes say).
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX.wrapping_sub(increment) {
        return increment.wrapping_sub(i32::MAX.wrapping_sub(sequence)).wrapping_sub(1);
    }
    sequence.wrapping_add(increment)
}

/// Builds the attributes field.
pub fn attributes_of(
    compression: Compression,
    timestamp_type: TimestampType,
    is_transactional: bool,
    is_control_batch: bool,
) -> i16 {
    let mut a = compression as i16;
    if timestamp_type == TimestampType::LogAppendTime {
        a |= TIMESTAMP_TYPE_MASK;
    }
    if is_transactional {
        a |= TRANSACTIONAL_FLAG_MASK;
    }
    if is_control_batch {
        a |= CONTROL_FLAG_MASK;
    }
    a
}

fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

/// Parses the header at the start of `bytes`, checking only framing: enough bytes for the
/// header, magic 2, a possible `batchLength`. The CRC is not checked here.
pub fn read_header(bytes: &[u8]) -> Result<BatchHeader> {
    if bytes.len() < RECORD_BATCH_OVERHEAD {
        return Err(KafkaError::corrupt(Corruption::Truncated {
            needed: RECORD_BATCH_OVERHEAD as u64,
            available: bytes.len() as u64,
        }));
    }
    let magic = bytes[MAGIC_OFFSET] as i8;
    if magic != MAGIC_V2 {
        return Err(KafkaError::corrupt(Corruption::UnsupportedMagic { magic }));
    }
    let batch_length = be_i32(bytes, BATCH_LENGTH_OFFSET);
    if batch_length < (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) as i32 {
        return Err(KafkaError::corrupt(Corruption::InvalidBatchLength { batch_length }));
    }
    Ok(BatchHeader {
        base_offset: be_i64(bytes, BASE_OFFSET_OFFSET),
        batch_length,
        partition_leader_epoch: be_i32(bytes, PARTITION_LEADER_EPOCH_OFFSET),
        magic,
        crc: be_i32(bytes, CRC_OFFSET) as u32,
        attributes: be_i16(bytes, ATTRIBUTES_OFFSET),
        last_offset_delta: be_i32(bytes, LAST_OFFSET_DELTA_OFFSET),
        base_timestamp: be_i64(bytes, BASE_TIMESTAMP_OFFSET),
        max_timestamp: be_i64(bytes, MAX_TIMESTAMP_OFFSET),
        producer_id: be_i64(bytes, PRODUCER_ID_OFFSET),
        producer_epoch: be_i16(bytes, PRODUCER_EPOCH_OFFSET),
        base_sequence: be_i32(bytes, BASE_SEQUENCE_OFFSET),
        records_count: be_i32(bytes, RECORDS_COUNT_OFFSET),
    })
}

/// Checks the stored CRC-32C against bytes `[21, end)` of one whole batch.
pub fn verify_crc(batch: &[u8]) -> Result<()> {
    if batch.len() < RECORD_BATCH_OVERHEAD {
        return Err(KafkaError::corrupt(Corruption::Truncated {
            needed: RECORD_BATCH_OVERHEAD as u64,
            available: batch.len() as u64,
        }));
    }
    let stored = be_i32(batch, CRC_OFFSET) as u32;
    let computed = crc32c(&batch[ATTRIBUTES_OFFSET..]);
    if stored == computed {
        Ok(())
    } else {
        Err(KafkaError::corrupt(Corruption::CrcMismatch { stored, computed }))
    }
}

/// Recomputes and stores the CRC of a whole batch (after changing covered fields).
pub fn write_crc(batch: &mut [u8]) {
    let crc = crc32c(&batch[ATTRIBUTES_OFFSET..]);
    batch[CRC_OFFSET..CRC_OFFSET + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Sets `baseOffset` (not covered by the CRC), as the broker does on append.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    batch[BASE_OFFSET_OFFSET..BASE_OFFSET_OFFSET + 8].copy_from_slice(&base_offset.to_be_bytes());
}

/// Sets `partitionLeaderEpoch` (not covered by the CRC), as the leader does on append.
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) {
    batch[PARTITION_LEADER_EPOCH_OFFSET..PARTITION_LEADER_EPOCH_OFFSET + 4]
        .copy_from_slice(&epoch.to_be_bytes());
}

/// Sets `LOG_APPEND_TIME` and `maxTimestamp = now_ms` and re-signs the batch, as a broker
/// with `message.timestamp.type=LogAppendTime` does.
pub fn set_log_append_time(batch: &mut [u8], now_ms: i64) {
    let attributes = be_i16(batch, ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_MASK;
    batch[ATTRIBUTES_OFFSET..ATTRIBUTES_OFFSET + 2].copy_from_slice(&attributes.to_be_bytes());
    batch[MAX_TIMESTAMP_OFFSET..MAX_TIMESTAMP_OFFSET + 8].copy_from_slice(&now_ms.to_be_bytes());
    write_crc(batch);
}

/// One batch found by [`split_batches`]: its header and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct BatchView<'a> {
    pub header: BatchHeader,
    /// Byte position of the batch in the scanned buffer.
    pub position: u32,
    pub bytes: &'a [u8],
}

/// Walks concatenated batches (a `.log` file, a fetch response) without decoding records.
pub struct BatchIter<'a> {
    bytes: &'a [u8],
    position: usize,
    failed: bool,
}

/// Iterates the batches of `bytes`. A trailing partial batch yields one `Truncated` error.
pub fn split_batches(bytes: &[u8]) -> BatchIter<'_> {
    BatchIter { bytes, position: 0, failed: false }
}

impl<'a> Iterator for BatchIter<'a> {
    type Item = Result<BatchView<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.position >= self.bytes.len() {
            return None;
        }
        let rest = &self.bytes[self.position..];
        let result = read_header(rest).and_then(|header| {
            let size = header.size_in_bytes() as usize;
            if rest.len() < size {
                Err(KafkaError::corrupt(Corruption::Truncated {
                    needed: size as u64,
                    available: rest.len() as u64,
                }))
            } else {
                Ok(BatchView { header, position: self.position as u32, bytes: &rest[..size] })
            }
        });
        match &result {
            Ok(view) => self.position += view.bytes.len(),
            Err(_) => self.failed = true,
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `DefaultRecordBatchTest.testIncrementSequence`.
    #[test]
    fn sequences_wrap_as_kafkas_do() {
        assert_eq!(increment_sequence(5, 5), 10);
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 5, 10), 4);
    }
}

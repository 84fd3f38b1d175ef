//! Producer state snapshots in Kafka's byte format (`ProducerStateManager.writeSnapshot`
//! / `readSnapshot`, schema `ProducerSnapshot.json` version 1), the `.snapshot` files
//! named `<20-digit offset>.snapshot` beside a partition's segments
//! (`LogFileUtils.producerSnapshotFile`). Layout (big-endian, non-flexible, see
//! tests/vectors/snapshot_format.md):
//!
//! ```text
//! version int16 = 1 | crc uint32 (CRC-32C of every byte after it) | entries int32 count, then
//!   producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 |
//!   offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 | currentTxnFirstOffset int64
//! ```
//!
//! Invariant: [`read_snapshot`] never panics and never allocates more than the input's
//! size allows; anything wrong is a [`CorruptSnapshot`] naming it (Kafka's
//! `CorruptSnapshotException`, after which the caller deletes the file and rebuilds from
//! the log).

use super::entry::{BatchMetadata, ProducerStateEntry};
use crate::engine::record::crc::crc32c;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// `ProducerSnapshot.HIGHEST_SUPPORTED_VERSION` (and the lowest).
pub const PRODUCER_SNAPSHOT_VERSION: i16 = 1;
/// `LogFileUtils.PRODUCER_SNAPSHOT_FILE_SUFFIX`.
pub const PRODUCER_SNAPSHOT_FILE_SUFFIX: &str = ".snapshot";
/// `CRC_OFFSET` and `PRODUCER_ENTRIES_OFFSET`: the CRC covers the bytes from offset 6 on.
const CRC_OFFSET: usize = 2;
const PRODUCER_ENTRIES_OFFSET: usize = CRC_OFFSET + 4;
/// Bytes of one `ProducerEntry`.
pub const PRODUCER_ENTRY_BYTES: usize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

/// `CorruptSnapshotException`, with Kafka's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptSnapshot(pub String);

impl fmt::Display for CorruptSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CorruptSnapshot {}

/// `LogFileUtils.producerSnapshotFile`'s name: the offset on 20 digits.
pub fn snapshot_file_name(offset: i64) -> String {
    format!("{:020}{PRODUCER_SNAPSHOT_FILE_SUFFIX}", offset.max(0))
}

/// The offset in a `.snapshot` file name, if it is one.
pub fn offset_from_snapshot_file_name(name: &str) -> Option<i64> {
    let digits = name.strip_suffix(PRODUCER_SNAPSHOT_FILE_SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `writeSnapshot`: one entry per producer (in producer-id order: Kafka writes its hash
/// map's order, which a reader must not rely on).
pub fn write_snapshot(producers: &BTreeMap<i64, ProducerStateEntry>) -> Vec<u8> {
    let mut out = Vec::with_capacity(PRODUCER_ENTRIES_OFFSET + 4 + producers.len() * PRODUCER_ENTRY_BYTES);
    out.extend_from_slice(&PRODUCER_SNAPSHOT_VERSION.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(producers.len() as i32).to_be_bytes());
    for (producer_id, e) in producers {
        out.extend_from_slice(&producer_id.to_be_bytes());
        out.extend_from_slice(&e.producer_epoch.to_be_bytes());
        out.extend_from_slice(&e.last_seq().to_be_bytes());
        out.extend_from_slice(&e.last_data_offset().to_be_bytes());
        out.extend_from_slice(&e.last_offset_delta().to_be_bytes());
        out.extend_from_slice(&e.last_timestamp_ms.to_be_bytes());
        out.extend_from_slice(&e.coordinator_epoch.to_be_bytes());
        out.extend_from_slice(&e.current_txn_first_offset.unwrap_or(-1).to_be_bytes());
    }
    let crc = crc32c(&out[PRODUCER_ENTRIES_OFFSET..]);
    out[CRC_OFFSET..PRODUCER_ENTRIES_OFFSET].copy_from_slice(&crc.to_be_bytes());
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self, field: &str) -> Result<[u8; N], CorruptSnapshot> {
        let end = self.at.checked_add(N).filter(|e| *e <= self.bytes.len()).ok_or_else(|| {
            CorruptSnapshot(format!(
                "Snapshot failed schema validation: {field} needs {N} bytes at byte {}, the file has {}",
                self.at,
                self.bytes.len()
            ))
        })?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[self.at..end]);
        self.at = end;
        Ok(out)
    }
}

/// `readSnapshot`: the entries, or why the file is corrupt.
pub fn read_snapshot(bytes: &[u8]) -> Result<Vec<ProducerStateEntry>, CorruptSnapshot> {
    let mut r = Reader { bytes, at: 0 };
    let version = i16::from_be_bytes(r.take::<2>("version")?);
    if version != PRODUCER_SNAPSHOT_VERSION {
        return Err(CorruptSnapshot(format!("Snapshot contained an unknown file version {version}")));
    }
    let crc = u32::from_be_bytes(r.take::<4>("Crc")?);
    let count = i32::from_be_bytes(r.take::<4>("ProducerEntries")?);
    let room = (bytes.len() - r.at) / PRODUCER_ENTRY_BYTES;
    if count < 0 || count as usize > room {
        return Err(CorruptSnapshot(format!(
            "Snapshot failed schema validation: {count} producer entries in {} bytes",
            bytes.len() - r.at
        )));
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let producer_id = i64::from_be_bytes(r.take::<8>("ProducerId")?);
        let producer_epoch = i16::from_be_bytes(r.take::<2>("Epoch")?);
        let last_seq = i32::from_be_bytes(r.take::<4>("LastSequence")?);
        let last_offset = i64::from_be_bytes(r.take::<8>("LastOffset")?);
        let offset_delta = i32::from_be_bytes(r.take::<4>("OffsetDelta")?);
        let timestamp_ms = i64::from_be_bytes(r.take::<8>("Timestamp")?);
        let coordinator_epoch = i32::from_be_bytes(r.take::<4>("CoordinatorEpoch")?);
        let txn_first = i64::from_be_bytes(r.take::<8>("CurrentTxnFirstOffset")?);
        let mut batch_metadata = VecDeque::new();
        if last_offset >= 0 {
            batch_metadata.push_back(BatchMetadata { last_seq, last_offset, offset_delta, timestamp_ms });
        }
        entries.push(ProducerStateEntry {
            producer_id,
            producer_epoch,
            coordinator_epoch,
            last_timestamp_ms: timestamp_ms,
            current_txn_first_offset: (txn_first >= 0).then_some(txn_first),
            batch_metadata,
        });
    }
    if r.at != bytes.len() {
        return Err(CorruptSnapshot(format!(
            "Snapshot failed schema validation: {} bytes after the last producer entry",
            bytes.len() - r.at
        )));
    }
    let computed = crc32c(&bytes[PRODUCER_ENTRIES_OFFSET..]);
    if crc != computed {
        return Err(CorruptSnapshot(format!(
            "Snapshot is corrupt (CRC is no longer valid). Stored crc: {crc}. Computed crc: {computed}"
        )));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_twenty_digits_and_parse_back() {
        assert_eq!(snapshot_file_name(42), "00000000000000000042.snapshot");
        assert_eq!(offset_from_snapshot_file_name("00000000000000000042.snapshot"), Some(42));
        assert_eq!(offset_from_snapshot_file_name("00000000000000000042.log"), None);
        assert_eq!(offset_from_snapshot_file_name("-1.snapshot"), None);
    }

    /// `ProducerStateManagerTest.testLoadFromCorruptSnapshotFile`-like: every truncation
    /// and every flipped byte is refused with a reason, never a panic.
    #[test]
    fn every_cut_and_flip_is_refused() {
        let mut producers = BTreeMap::new();
        let mut e = ProducerStateEntry::empty(7);
        e.add_batch(3, 9, 100, 4, 1_000);
        producers.insert(7, e);
        let bytes = write_snapshot(&producers);
        assert_eq!(bytes.len(), 10 + PRODUCER_ENTRY_BYTES);
        for cut in 0..bytes.len() {
            assert!(read_snapshot(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            let err = read_snapshot(&bad).unwrap_err();
            assert!(err.0.starts_with("Snapshot"), "{err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(read_snapshot(&longer).is_err());
    }
}

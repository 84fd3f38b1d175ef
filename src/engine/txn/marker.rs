//! Control records and the end transaction markers a transaction leaves in every
//! partition it wrote (clients `ControlRecordType`, `EndTransactionMarker`,
//! `MemoryRecords.writeEndTransactionalMarker`, `MemoryRecordsBuilder.appendEndTxnMarker`).
//! A control record's key is int16 version (0) + int16 type (ABORT = 0, COMMIT = 1, then
//! the KRaft types 2–6); an end marker's value is int16 version (0) + int32 coordinator
//! epoch. Kafka reads newer versions as version 0 (the fields it knows are a prefix) and
//! refuses a negative version or too few bytes with `InvalidRecordException`. The marker
//! goes alone in a control batch: transactional and control attribute bits set, the
//! transaction's producer id and epoch, base sequence -1, no compression. Invariant: a
//! decoded control batch has at most one record and a known marker type, or a named error.

use super::error::{TxnError, TxnResult};
use crate::engine::record::batch::{BatchHeader, NO_PRODUCER_ID, NO_SEQUENCE};
use crate::engine::record::default_record::record_size_in_bytes;
use crate::engine::record::{decode_batch, BatchBuilder, BatchOptions, Compression, TimestampType};

pub const CURRENT_CONTROL_RECORD_KEY_VERSION: i16 = 0;
pub const CURRENT_CONTROL_RECORD_KEY_SIZE: usize = 4;
pub const CURRENT_END_TXN_MARKER_VERSION: i16 = 0;
pub const CURRENT_END_TXN_MARKER_VALUE_SIZE: usize = 6;

/// `EndTransactionMarker.CURRENT_END_TXN_SCHEMA_RECORD_SIZE`: the marker record's bytes.
pub fn end_txn_schema_record_size() -> usize {
    record_size_in_bytes(
        0,
        0,
        Some(CURRENT_CONTROL_RECORD_KEY_SIZE),
        Some(CURRENT_END_TXN_MARKER_VALUE_SIZE),
        &[],
    ) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ControlRecordType {
    Abort,
    Commit,
    LeaderChange,
    SnapshotHeader,
    SnapshotFooter,
    KraftVersion,
    KraftVoters,
    /// A type this reader does not know; skipped, never written.
    Unknown,
}

impl ControlRecordType {
    pub const ALL: [ControlRecordType; 8] = [
        ControlRecordType::Abort,
        ControlRecordType::Commit,
        ControlRecordType::LeaderChange,
        ControlRecordType::SnapshotHeader,
        ControlRecordType::SnapshotFooter,
        ControlRecordType::KraftVersion,
        ControlRecordType::KraftVoters,
        ControlRecordType::Unknown,
    ];

    pub fn type_id(self) -> i16 {
        match self {
            ControlRecordType::Abort => 0,
            ControlRecordType::Commit => 1,
            ControlRecordType::LeaderChange => 2,
            ControlRecordType::SnapshotHeader => 3,
            ControlRecordType::SnapshotFooter => 4,
            ControlRecordType::KraftVersion => 5,
            ControlRecordType::KraftVoters => 6,
            ControlRecordType::Unknown => -1,
        }
    }

    /// `fromTypeId`: any other id is `Unknown`.
    pub fn from_type_id(id: i16) -> Self {
        Self::ALL.into_iter().find(|t| t.type_id() == id && id >= 0).unwrap_or(ControlRecordType::Unknown)
    }

    /// `recordKey`: version 0 and the type.
    pub fn record_key(self) -> TxnResult<[u8; 4]> {
        if self == ControlRecordType::Unknown {
            return Err(TxnError::IllegalArgument("Cannot serialize UNKNOWN control record type".into()));
        }
        let [v0, v1] = CURRENT_CONTROL_RECORD_KEY_VERSION.to_be_bytes();
        let [t0, t1] = self.type_id().to_be_bytes();
        Ok([v0, v1, t0, t1])
    }

    /// `parseTypeId`: at least 4 bytes, a version ≥ 0 (a newer one is read as 0).
    pub fn parse_type_id(key: &[u8]) -> TxnResult<i16> {
        if key.len() < CURRENT_CONTROL_RECORD_KEY_SIZE {
            return Err(TxnError::InvalidRecord(format!(
                "Invalid value size found for end control record key. Must have at least {CURRENT_CONTROL_RECORD_KEY_SIZE} bytes, but found only {}",
                key.len()
            )));
        }
        let version = i16::from_be_bytes([key[0], key[1]]);
        if version < 0 {
            return Err(TxnError::InvalidRecord(format!(
                "Invalid version found for control record: {version}. May indicate data corruption"
            )));
        }
        Ok(i16::from_be_bytes([key[2], key[3]]))
    }

    /// `parse`.
    pub fn parse(key: &[u8]) -> TxnResult<Self> {
        Ok(Self::from_type_id(Self::parse_type_id(key)?))
    }
}

/// The control record that ends a transaction in one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndTransactionMarker {
    control_type: ControlRecordType,
    /// The coordinator's epoch when it wrote the marker (fences a stale coordinator).
    coordinator_epoch: i32,
}

fn ensure_marker_type(t: ControlRecordType) -> TxnResult<()> {
    if t == ControlRecordType::Commit || t == ControlRecordType::Abort {
        Ok(())
    } else {
        Err(TxnError::IllegalArgument(format!("Invalid control record type for end transaction marker{t:?}")))
    }
}

impl EndTransactionMarker {
    pub fn new(control_type: ControlRecordType, coordinator_epoch: i32) -> TxnResult<Self> {
        ensure_marker_type(control_type)?;
        Ok(EndTransactionMarker { control_type, coordinator_epoch })
    }

    pub fn control_type(&self) -> ControlRecordType {
        self.control_type
    }

    pub fn coordinator_epoch(&self) -> i32 {
        self.coordinator_epoch
    }

    /// `serializeValue`: version 0, coordinator epoch.
    pub fn serialize_value(&self) -> [u8; 6] {
        let mut out = [0u8; 6];
        out[..2].copy_from_slice(&CURRENT_END_TXN_MARKER_VERSION.to_be_bytes());
        out[2..].copy_from_slice(&self.coordinator_epoch.to_be_bytes());
        out
    }

    /// `deserializeValue`.
    pub fn deserialize_value(control_type: ControlRecordType, value: &[u8]) -> TxnResult<Self> {
        ensure_marker_type(control_type)?;
        if value.len() < CURRENT_END_TXN_MARKER_VALUE_SIZE {
            return Err(TxnError::InvalidRecord(format!(
                "Invalid value size found for end transaction marker. Must have at least {CURRENT_END_TXN_MARKER_VALUE_SIZE} bytes, but found only {}",
                value.len()
            )));
        }
        let version = i16::from_be_bytes([value[0], value[1]]);
        if version < 0 {
            return Err(TxnError::InvalidRecord(format!(
                "Invalid version found for end transaction marker: {version}. May indicate data corruption"
            )));
        }
        let coordinator_epoch = i32::from_be_bytes([value[2], value[3], value[4], value[5]]);
        Ok(EndTransactionMarker { control_type, coordinator_epoch })
    }

    /// `deserialize(record)`: the type from the key, the epoch from the value.
    pub fn deserialize(key: Option<&[u8]>, value: Option<&[u8]>) -> TxnResult<Self> {
        let key = key.ok_or_else(|| TxnError::InvalidRecord("control record has a null key".into()))?;
        let control_type = ControlRecordType::parse(key)?;
        let value =
            value.ok_or_else(|| TxnError::InvalidRecord("end transaction marker has a null value".into()))?;
        Self::deserialize_value(control_type, value)
    }
}

/// `MemoryRecords.withEndTransactionMarker(initialOffset, timestamp, partitionLeaderEpoch,
/// producerId, producerEpoch, marker)`: the whole control batch.
pub fn end_txn_marker_batch(
    base_offset: i64,
    timestamp_ms: i64,
    partition_leader_epoch: i32,
    producer_id: i64,
    producer_epoch: i16,
    marker: &EndTransactionMarker,
) -> TxnResult<Vec<u8>> {
    let options = BatchOptions {
        base_offset,
        partition_leader_epoch,
        compression: Compression::None,
        timestamp_type: TimestampType::CreateTime,
        is_transactional: true,
        is_control_batch: true,
        producer_id,
        producer_epoch,
        base_sequence: NO_SEQUENCE,
    };
    end_txn_marker_batch_with(options, timestamp_ms, marker)
}

/// A batch of `options` holding one end marker, with the checks of
/// `MemoryRecordsBuilder.appendEndTxnMarker` (a producer id, the transactional flag) and
/// `appendWithOffset` (control records only in control batches).
pub fn end_txn_marker_batch_with(
    options: BatchOptions,
    timestamp_ms: i64,
    marker: &EndTransactionMarker,
) -> TxnResult<Vec<u8>> {
    if options.producer_id == NO_PRODUCER_ID {
        return Err(TxnError::IllegalArgument("End transaction marker requires a valid producerId".into()));
    }
    if !options.is_transactional {
        return Err(TxnError::IllegalArgument(
            "End transaction marker depends on batch transactional flag being enabled".into(),
        ));
    }
    if !options.is_control_batch {
        return Err(TxnError::IllegalArgument(
            "Control records can only be appended to control batches".into(),
        ));
    }
    let mut builder = BatchBuilder::with_capacity(options, end_txn_schema_record_size() as u32);
    let key = marker.control_type.record_key()?;
    builder.append(timestamp_ms, Some(&key), Some(&marker.serialize_value()), &[]);
    builder.build().map_err(|e| TxnError::CorruptBatch(e.to_string()))
}

/// A control batch as read back: its header, its record's type (`None` when the cleaner
/// left it empty) and, for COMMIT/ABORT, the marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlBatch {
    pub header: BatchHeader,
    pub control_type: Option<ControlRecordType>,
    pub marker: Option<EndTransactionMarker>,
}

/// Decodes a control batch (CRC and framing checked), refusing a batch without the
/// control bit, a transaction marker outside a transactional batch, more than one record
/// (Kafka writes one and reads only the first, `ProducerAppendInfo.append`), and a
/// malformed key or marker value.
pub fn decode_control_batch(batch: &[u8]) -> TxnResult<ControlBatch> {
    let decoded = decode_batch(batch).map_err(|e| TxnError::CorruptBatch(e.to_string()))?;
    let header = decoded.header;
    if !header.is_control_batch() {
        return Err(TxnError::InvalidRecord(format!(
            "batch at offset {} is not a control batch (attributes {:#06x})",
            header.base_offset, header.attributes
        )));
    }
    if decoded.records.len() > 1 {
        return Err(TxnError::InvalidRecord(format!(
            "control batch at offset {} has {} records; a control batch holds one",
            header.base_offset,
            decoded.records.len()
        )));
    }
    let Some(record) = decoded.records.first() else {
        return Ok(ControlBatch { header, control_type: None, marker: None });
    };
    let key = record
        .key
        .as_deref()
        .ok_or_else(|| TxnError::InvalidRecord("control record has a null key".into()))?;
    let control_type = ControlRecordType::parse(key)?;
    let marker = match control_type {
        ControlRecordType::Abort | ControlRecordType::Commit => {
            if !header.is_transactional() {
                return Err(TxnError::InvalidRecord(format!(
                    "end transaction marker at offset {} is in a batch without the transactional bit",
                    header.base_offset
                )));
            }
            Some(EndTransactionMarker::deserialize(Some(key), record.value.as_deref())?)
        }
        _ => None,
    };
    Ok(ControlBatch { header, control_type: Some(control_type), marker })
}

#[cfg(test)]
#[path = "marker_tests.rs"]
mod tests;

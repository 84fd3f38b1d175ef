//! `__transaction_state` records, byte for byte as Kafka writes and reads them
//! (core `TransactionLog.keyToBytes` / `valueToBytes` / `readTxnRecordKey` /
//! `readTxnRecordValue`, schemas `TransactionLogKey.json` and `TransactionLogValue.json`,
//! written with `MessageUtil.toVersionPrefixedBytes`): an int16 version, then the fields.
//! Key v0 (not flexible): `TransactionalId` as int16 length + UTF-8. Value v0 (TV_0): int64
//! producer id, int16 epoch, int32 timeout, int8 status, nullable int32-length array of
//! (int16-length topic, int32-length int32 partitions), int64 last update, int64 start.
//! Value v1 (flexible, TV_1+): the same fields with compact (unsigned varint length + 1)
//! strings and arrays, an empty tagged-field section after each partition entry, and
//! after the value the tagged fields PreviousProducerId (tag 0, int64, default -1),
//! NextProducerId (tag 1, int64, default -1) and ClientTransactionVersion (tag 2, int16,
//! default 0), written only when not at their default, in tag order. An expired id's
//! record is a tombstone: the key with a null value. Unknown tags are kept and written
//! back (`unknownTaggedFields`); bytes after the value are ignored, as Kafka's reader
//! does. Invariant: `decode(encode(v)) == v`; bad bytes are a named error, never a panic.

use super::error::{TxnError, TxnResult};
use super::metadata::TransactionMetadata;
use super::state::{TransactionState, TransactionVersion};
use super::transit::{TopicPartition, TxnTransitMetadata, NO_PRODUCER_EPOCH};
use super::wire::{
    put_array_len, put_i16, put_i32, put_i64, put_string, put_tagged_fields, read_tagged_fields,
    RawTaggedField, Reader,
};
use std::collections::BTreeMap;

pub const TRANSACTION_LOG_KEY_HIGHEST_VERSION: i16 = 0;
pub const TRANSACTION_LOG_VALUE_HIGHEST_VERSION: i16 = 1;
const TAG_PREVIOUS_PRODUCER_ID: u32 = 0;
const TAG_NEXT_PRODUCER_ID: u32 = 1;
const TAG_CLIENT_TRANSACTION_VERSION: u32 = 2;

/// `TransactionLogValue.PartitionsSchema`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionsSchema {
    pub topic: String,
    pub partition_ids: Vec<i32>,
    pub unknown_tagged_fields: Vec<RawTaggedField>,
}

/// `TransactionLogValue` as the schema has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionLogValue {
    pub producer_id: i64,
    pub previous_producer_id: i64,
    pub next_producer_id: i64,
    pub producer_epoch: i16,
    pub transaction_timeout_ms: i32,
    pub transaction_status: i8,
    /// Null for an Empty transaction.
    pub transaction_partitions: Option<Vec<PartitionsSchema>>,
    pub transaction_last_update_timestamp_ms: i64,
    pub transaction_start_timestamp_ms: i64,
    pub client_transaction_version: i16,
    pub unknown_tagged_fields: Vec<RawTaggedField>,
}

impl Default for TransactionLogValue {
    /// The schema's defaults.
    fn default() -> Self {
        TransactionLogValue {
            producer_id: 0,
            previous_producer_id: -1,
            next_producer_id: -1,
            producer_epoch: 0,
            transaction_timeout_ms: 0,
            transaction_status: 0,
            transaction_partitions: Some(Vec::new()),
            transaction_last_update_timestamp_ms: 0,
            transaction_start_timestamp_ms: 0,
            client_transaction_version: 0,
            unknown_tagged_fields: Vec::new(),
        }
    }
}

/// `readTxnRecordKey`'s answer: a key of a known version, or one it cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnRecordKey {
    Txn { version: i16, transactional_id: String },
    Unknown { version: i16 },
}

/// `keyToBytes`.
pub fn key_to_bytes(transactional_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + transactional_id.len());
    put_i16(&mut out, TRANSACTION_LOG_KEY_HIGHEST_VERSION);
    put_string(&mut out, transactional_id, false);
    out
}

/// `readTxnRecordKey`: a version other than 0 is `Unknown`, not an error.
pub fn read_txn_record_key(bytes: &[u8]) -> TxnResult<TxnRecordKey> {
    let mut r = Reader::new(bytes, "TransactionLogKey");
    let version = r.i16("version")?;
    if !(0..=TRANSACTION_LOG_KEY_HIGHEST_VERSION).contains(&version) {
        return Ok(TxnRecordKey::Unknown { version });
    }
    let transactional_id = r.string("transactionalId")?;
    Ok(TxnRecordKey::Txn { version, transactional_id })
}

/// The generated `TransactionLogValue.write` at `version`, prefixed with the version.
pub fn encode_value(version: i16, v: &TransactionLogValue) -> TxnResult<Vec<u8>> {
    if !(0..=TRANSACTION_LOG_VALUE_HIGHEST_VERSION).contains(&version) {
        return Err(TxnError::UnsupportedVersion(format!(
            "Can't write version {version} of TransactionLogValue"
        )));
    }
    let flexible = version >= 1;
    let tagged = value_tagged_fields(v);
    if !flexible && !tagged.is_empty() {
        return Err(TxnError::UnsupportedVersion(
            "Tagged fields were set, but version 0 of this message does not support them.".into(),
        ));
    }
    let mut out = Vec::with_capacity(64);
    put_i16(&mut out, version);
    put_i64(&mut out, v.producer_id);
    put_i16(&mut out, v.producer_epoch);
    put_i32(&mut out, v.transaction_timeout_ms);
    out.push(v.transaction_status as u8);
    put_array_len(&mut out, v.transaction_partitions.as_ref().map(Vec::len), flexible);
    for p in v.transaction_partitions.iter().flatten() {
        put_string(&mut out, &p.topic, flexible);
        put_array_len(&mut out, Some(p.partition_ids.len()), flexible);
        for id in &p.partition_ids {
            put_i32(&mut out, *id);
        }
        if flexible {
            put_tagged_fields(&mut out, &p.unknown_tagged_fields);
        } else if !p.unknown_tagged_fields.is_empty() {
            return Err(TxnError::UnsupportedVersion(
                "Tagged fields were set, but version 0 of this message does not support them.".into(),
            ));
        }
    }
    put_i64(&mut out, v.transaction_last_update_timestamp_ms);
    put_i64(&mut out, v.transaction_start_timestamp_ms);
    if flexible {
        put_tagged_fields(&mut out, &tagged);
    }
    Ok(out)
}

/// The value's tagged fields not at their defaults plus the unknown ones (duplicates
/// kept, as Kafka's `writeRawTags` keeps its list), in tag order.
fn value_tagged_fields(v: &TransactionLogValue) -> Vec<RawTaggedField> {
    let mut fields = v.unknown_tagged_fields.clone();
    if v.previous_producer_id != -1 {
        fields.push(RawTaggedField {
            tag: TAG_PREVIOUS_PRODUCER_ID,
            data: v.previous_producer_id.to_be_bytes().to_vec(),
        });
    }
    if v.next_producer_id != -1 {
        fields.push(RawTaggedField {
            tag: TAG_NEXT_PRODUCER_ID,
            data: v.next_producer_id.to_be_bytes().to_vec(),
        });
    }
    if v.client_transaction_version != 0 {
        fields.push(RawTaggedField {
            tag: TAG_CLIENT_TRANSACTION_VERSION,
            data: v.client_transaction_version.to_be_bytes().to_vec(),
        });
    }
    fields.sort_by_key(|f| f.tag);
    fields
}

/// The generated `TransactionLogValue` reader after the version prefix.
pub fn decode_value(bytes: &[u8]) -> TxnResult<(i16, TransactionLogValue)> {
    let mut r = Reader::new(bytes, "TransactionLogValue");
    let version = r.i16("version")?;
    if !(0..=TRANSACTION_LOG_VALUE_HIGHEST_VERSION).contains(&version) {
        return Err(TxnError::IllegalState(format!(
            "Unknown version {version} from the transaction log message value"
        )));
    }
    let flexible = version >= 1;
    let mut v = TransactionLogValue {
        producer_id: r.i64("producerId")?,
        producer_epoch: r.i16("producerEpoch")?,
        transaction_timeout_ms: r.i32("transactionTimeoutMs")?,
        transaction_status: r.i8("transactionStatus")?,
        ..TransactionLogValue::default()
    };
    // An entry is at least a topic length and an array length.
    let min_entry = if flexible { 3 } else { 6 };
    v.transaction_partitions = match r.array_len(flexible, "transactionPartitions", min_entry)? {
        None => None,
        Some(n) => {
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                let topic = if flexible { r.compact_string("topic")? } else { r.string("topic")? };
                let count = r.array_len(flexible, "partitionIds", 4)?.ok_or_else(|| {
                    TxnError::malformed(
                        "TransactionLogValue",
                        "non-nullable field partitionIds was serialized as null",
                    )
                })?;
                let mut partition_ids = Vec::with_capacity(count);
                for _ in 0..count {
                    partition_ids.push(r.i32("partitionIds")?);
                }
                let unknown_tagged_fields = if flexible {
                    read_tagged_fields(&mut r, "PartitionsSchema tagged fields")?
                } else {
                    Vec::new()
                };
                list.push(PartitionsSchema { topic, partition_ids, unknown_tagged_fields });
            }
            Some(list)
        }
    };
    v.transaction_last_update_timestamp_ms = r.i64("transactionLastUpdateTimestampMs")?;
    v.transaction_start_timestamp_ms = r.i64("transactionStartTimestampMs")?;
    if flexible {
        for f in read_tagged_fields(&mut r, "TransactionLogValue tagged fields")? {
            let sized = |n: usize, name: &str| {
                if f.data.len() == n {
                    Ok(())
                } else {
                    Err(TxnError::malformed(
                        "TransactionLogValue",
                        format!("tagged field {name} (tag {}) has {} bytes, not {n}", f.tag, f.data.len()),
                    ))
                }
            };
            match f.tag {
                TAG_PREVIOUS_PRODUCER_ID => {
                    sized(8, "PreviousProducerId")?;
                    v.previous_producer_id = i64::from_be_bytes(f.data[..8].try_into().unwrap_or([0xff; 8]));
                }
                TAG_NEXT_PRODUCER_ID => {
                    sized(8, "NextProducerId")?;
                    v.next_producer_id = i64::from_be_bytes(f.data[..8].try_into().unwrap_or([0xff; 8]));
                }
                TAG_CLIENT_TRANSACTION_VERSION => {
                    sized(2, "ClientTransactionVersion")?;
                    v.client_transaction_version = i16::from_be_bytes([f.data[0], f.data[1]]);
                }
                _ => v.unknown_tagged_fields.push(f),
            }
        }
    }
    Ok((version, v))
}

/// `valueToBytes`: an Empty transaction has no partitions (written as null); the others
/// list theirs grouped by topic (topics and partitions in ascending order here — Kafka's
/// order is its hash map's, which readers do not depend on).
pub fn value_to_bytes(
    t: &TxnTransitMetadata,
    transaction_version_level: TransactionVersion,
) -> TxnResult<Vec<u8>> {
    if t.txn_state == TransactionState::Empty && !t.topic_partitions.is_empty() {
        return Err(TxnError::IllegalState(format!(
            "Transaction is not expected to have any partitions since its state is {}: {t:?}",
            t.txn_state
        )));
    }
    let partitions = if t.txn_state == TransactionState::Empty {
        None
    } else {
        let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
        for tp in &t.topic_partitions {
            by_topic.entry(tp.topic.as_str()).or_default().push(tp.partition);
        }
        Some(
            by_topic
                .into_iter()
                .map(|(topic, partition_ids)| PartitionsSchema {
                    topic: topic.to_string(),
                    partition_ids,
                    unknown_tagged_fields: Vec::new(),
                })
                .collect(),
        )
    };
    // Kafka sets neither previous nor next producer id here: they stay at -1.
    let value = TransactionLogValue {
        producer_id: t.producer_id,
        producer_epoch: t.producer_epoch,
        transaction_timeout_ms: t.txn_timeout_ms,
        transaction_status: t.txn_state.id(),
        transaction_partitions: partitions,
        transaction_last_update_timestamp_ms: t.txn_last_update_timestamp_ms,
        transaction_start_timestamp_ms: t.txn_start_timestamp_ms,
        client_transaction_version: t.client_transaction_version.feature_level(),
        ..TransactionLogValue::default()
    };
    encode_value(transaction_version_level.transaction_log_value_version(), &value)
}

/// `readTxnRecordValue`: `None` for a tombstone (a null value), else the metadata.
pub fn read_txn_record_value(
    transactional_id: &str,
    value: Option<&[u8]>,
) -> TxnResult<Option<TransactionMetadata>> {
    let Some(bytes) = value else { return Ok(None) };
    let (_, v) = decode_value(bytes)?;
    let state = TransactionState::from_id(v.transaction_status)?;
    let mut m = TransactionMetadata::new(
        transactional_id,
        v.producer_id,
        v.previous_producer_id,
        v.next_producer_id,
        v.producer_epoch,
        NO_PRODUCER_EPOCH,
        v.transaction_timeout_ms,
        state,
        v.transaction_start_timestamp_ms,
        v.transaction_last_update_timestamp_ms,
        TransactionVersion::from_feature_level(v.client_transaction_version)?,
    );
    if state != TransactionState::Empty {
        for p in v.transaction_partitions.iter().flatten() {
            m.add_partitions(p.partition_ids.iter().map(|&id| TopicPartition::new(p.topic.clone(), id)));
        }
    }
    Ok(Some(m))
}

/// The record that removes an expired (Dead) transactional id: its key, a null value.
pub fn tombstone(transactional_id: &str) -> (Vec<u8>, Option<Vec<u8>>) {
    (key_to_bytes(transactional_id), None)
}

/// `formatRecordKeyAndValue` (what `kafka-dump-log` prints for `__transaction_state`).
pub fn format_record_key_and_value(key: &[u8], value: Option<&[u8]>) -> TxnResult<(String, Option<String>)> {
    match read_txn_record_key(key)? {
        TxnRecordKey::Unknown { version } => Ok((format!("unknown::version={version}"), None)),
        TxnRecordKey::Txn { transactional_id, .. } => {
            let key_string = format!("transaction_metadata::transactionalId={transactional_id}");
            let value_string = match read_txn_record_value(&transactional_id, value)? {
                None => "<DELETE>".to_string(),
                Some(m) => format!(
                    "producerId:{},producerEpoch:{},state={},partitions=[{}],txnLastUpdateTimestamp={},txnTimeoutMs={}",
                    m.producer_id,
                    m.producer_epoch,
                    m.state,
                    m.topic_partitions.iter().map(|tp| tp.to_string()).collect::<Vec<_>>().join(","),
                    m.txn_last_update_timestamp_ms,
                    m.txn_timeout_ms
                ),
            };
            Ok((key_string, Some(value_string)))
        }
    }
}

#[cfg(test)]
#[path = "log_record_tests.rs"]
mod tests;

//! The producer's side of a send, before the network: each record gets its partition
//! (an explicit one, else the partitioner's choice) and records are gathered per
//! partition into batches of at most `batch.size` bytes, in send order, as the Java
//! client's accumulator does. The full producer state machine (linger, retries, acks)
//! builds on this.

use crate::engine::error::{ErrorKind, KafkaError, Result};
use crate::engine::partitioner::Partitioner;
use crate::engine::record::default_record::body_size;
use crate::engine::record::varint::varint_size;
use crate::engine::record::{BatchBuilder, BatchOptions, Header};
use serde::{Deserialize, Serialize};

/// `batch.size` default.
pub const DEFAULT_BATCH_SIZE_BYTES: u32 = 16384;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerRecord {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
    pub timestamp_ms: i64,
    /// Set to bypass the partitioner, as `new ProducerRecord(topic, partition, …)` does.
    pub partition: Option<u32>,
}

/// One ready batch for one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyBatch {
    pub partition: u32,
    pub records_count: u32,
    pub bytes: Vec<u8>,
}

fn record_size(r: &ProducerRecord) -> u32 {
    let headers: usize = r.headers.iter().map(|h| h.key.len() + h.value.as_ref().map_or(0, Vec::len)).sum();
    (r.key.as_ref().map_or(0, Vec::len) + r.value.as_ref().map_or(0, Vec::len) + headers) as u32
}

/// The bytes `r` adds to `b` (`MemoryRecordsBuilder.hasRoomFor`, uncompressed).
fn encoded_size(b: &BatchBuilder, r: &ProducerRecord) -> u32 {
    let body = body_size(b.records_count(), 0, r.key.as_deref(), r.value.as_deref(), &r.headers);
    body + varint_size(body as i32) + 10 // room for a timestamp delta of up to 10 bytes
}

/// Assigns partitions and builds batches of at most `batch_size_bytes` each, header
/// included (a single larger record still gets its own batch; the broker judges it
/// against `max.message.bytes`).
pub fn accumulate(
    partitioner: &mut Partitioner,
    topic: &str,
    partition_count: u32,
    records: &[ProducerRecord],
    batch_size_bytes: u32,
) -> Result<Vec<ReadyBatch>> {
    let mut open: Vec<(u32, BatchBuilder)> = Vec::new();
    let mut ready = Vec::new();
    for r in records {
        let partition = match r.partition {
            Some(p) if p < partition_count => p,
            Some(p) => {
                return Err(KafkaError::new(ErrorKind::UnknownPartition {
                    topic: topic.to_string(),
                    partition: i64::from(p),
                }))
            }
            None => partitioner.partition(
                r.timestamp_ms.max(0) as u64,
                topic,
                r.key.as_deref(),
                record_size(r),
                partition_count,
            )?,
        };
        let slot = match open.iter().position(|(p, _)| *p == partition) {
            Some(i) => i,
            None => {
                open.push((partition, BatchBuilder::new(BatchOptions::default())));
                open.len() - 1
            }
        };
        let builder = &mut open[slot].1;
        if builder.records_count() > 0
            && builder.estimated_size_bytes() + encoded_size(builder, r) > batch_size_bytes
        {
            let full = std::mem::replace(builder, BatchBuilder::new(BatchOptions::default()));
            ready.push(finish(partition, full)?);
        }
        builder.append(r.timestamp_ms, r.key.as_deref(), r.value.as_deref(), &r.headers);
    }
    for (p, b) in open {
        ready.push(finish(p, b)?);
    }
    Ok(ready)
}

fn finish(partition: u32, b: BatchBuilder) -> Result<ReadyBatch> {
    let records_count = b.records_count() as u32;
    Ok(ReadyBatch { partition, records_count, bytes: b.build()? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::partitioner::{PartitionerConfig, PartitionerKind};
    use crate::engine::record::decode_batch;

    fn rec(key: &str, value_len: usize) -> ProducerRecord {
        ProducerRecord {
            key: Some(key.as_bytes().to_vec()),
            value: Some(vec![b'v'; value_len]),
            headers: vec![],
            timestamp_ms: 1000,
            partition: None,
        }
    }

    #[test]
    fn keyed_records_batch_per_partition_in_order() {
        let mut p = Partitioner::new(PartitionerKind::Murmur2, PartitionerConfig::default(), 1);
        let records: Vec<_> = (0..30).map(|i| rec(&format!("k{}", i % 4), 10)).collect();
        let batches = accumulate(&mut p, "t", 3, &records, DEFAULT_BATCH_SIZE_BYTES).unwrap();
        assert_eq!(batches.iter().map(|b| b.records_count).sum::<u32>(), 30);
        for b in &batches {
            let d = decode_batch(&b.bytes).unwrap();
            for r in d.records {
                let want =
                    crate::engine::partitioner::java_partition_for_key(r.key.as_deref().unwrap(), 3).unwrap();
                assert_eq!(want, b.partition);
            }
        }
    }

    #[test]
    fn batches_split_at_batch_size_and_bad_partitions_are_refused() {
        let mut p = Partitioner::new(PartitionerKind::Murmur2, PartitionerConfig::default(), 1);
        let records: Vec<_> = (0..10).map(|_| rec("same", 1000)).collect();
        let batches = accumulate(&mut p, "t", 3, &records, 4000).unwrap();
        assert!(batches.len() >= 3);
        assert!(batches.iter().all(|b| b.bytes.len() <= 4000));
        let mut bad = rec("k", 1);
        bad.partition = Some(3);
        assert!(accumulate(&mut p, "t", 3, &[bad], 4000).is_err());
    }
}

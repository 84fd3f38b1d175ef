//! The producer's record accumulator (Java's `RecordAccumulator`): per partition a queue
//! of batches, the last one open for appends until it holds `batch.size` bytes. A batch
//! is ready once it is full (a newer batch follows it) or has waited `linger.ms`, or,
//! for a retried batch, once `retry.backoff.ms` passed. Invariant: batches of a partition
//! leave in queue order and a retried batch goes back to the front (an idempotent
//! producer's in sequence order, `insertInSequenceOrder`), so with one request in flight
//! per partition records are appended in send order. A batch is built with the
//! producer's `compression.type` and compressed when it closes
//! (`MemoryRecordsBuilder.close`); whether a record fits a compressed batch is judged on
//! Java's estimate of its compressed size (`CompressionRatioEstimator`: the topic's
//! estimated ratio × 1.05, the ratio learnt from the batches closed before).

use super::idempotence::{stamp_producer_state, ProducerIdAndEpoch};
use super::record_text::RecordText;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::error::Result;
use crate::engine::record::compression_ratio::{observed_ratio, CompressionRatioEstimator};
use crate::engine::record::Header;
use crate::engine::record::{BatchBuilder, BatchOptions, Compression, MemoryRecords};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// A record as the user sent it, kept to report what was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRecord {
    pub key: Option<RecordText>,
    pub value: RecordText,
    /// The record's headers, shared by the records of one command (`None`: no headers).
    pub headers: Option<Rc<[Header]>>,
}

pub struct Batch {
    pub tp: TopicPartition,
    pub records: Vec<SentRecord>,
    /// `Some` while the batch is open for appends.
    builder: Option<BatchBuilder>,
    /// The encoded batch once closed (sent as is on every attempt).
    pub bytes: MemoryRecords,
    pub created_ms: i64,
    /// Failed attempts so far (Java's `attempts` after `reenqueue`).
    pub attempts: u32,
    pub retry_at_ms: Option<i64>,
    /// Failed with an error that means the cached leader is stale: wait for the
    /// metadata refresh before the retry.
    pub awaiting_metadata: bool,
    /// An idempotent producer's id, epoch and base sequence, given when the batch is
    /// first drained and kept on retries (`ProducerBatch.setProducerState`).
    pub producer_state: Option<(ProducerIdAndEpoch, i32)>,
    /// The producer state `bytes` carry.
    stamped: Option<(ProducerIdAndEpoch, i32)>,
    /// Its sequence was rewritten by an epoch bump (`sequenceHasBeenReset`).
    pub sequence_has_been_reset: bool,
}

impl Batch {
    fn new(
        tp: TopicPartition,
        now_ms: i64,
        compression: Compression,
        estimated_ratio: f32,
        is_transactional: bool,
    ) -> Self {
        let mut builder =
            BatchBuilder::new(BatchOptions { compression, is_transactional, ..BatchOptions::default() });
        builder.set_estimated_compression_ratio(estimated_ratio);
        Batch {
            tp,
            // Room for a typical batch's records at once (no growing one at a time).
            records: Vec::with_capacity(32),
            builder: Some(builder),
            bytes: MemoryRecords::new(),
            created_ms: now_ms,
            attempts: 0,
            retry_at_ms: None,
            awaiting_metadata: false,
            producer_state: None,
            stamped: None,
            sequence_has_been_reset: false,
        }
    }

    /// The base sequence, if the batch has one.
    pub fn base_sequence(&self) -> Option<i32> {
        self.producer_state.map(|(_, s)| s)
    }

    /// Writes the producer state into the closed batch's header if it changed.
    pub fn stamp(&mut self) {
        if let Some((id, sequence)) = self.producer_state {
            if self.stamped != self.producer_state && !self.bytes.is_empty() {
                let mut bytes = self.bytes.to_vec();
                stamp_producer_state(&mut bytes, id, sequence);
                self.bytes = MemoryRecords::from(bytes);
                self.stamped = self.producer_state;
            }
        }
    }

    pub fn records_count(&self) -> u32 {
        self.records.len() as u32
    }

    /// Whether a record at `now_ms` of these sizes would not fit the open batch
    /// (`MemoryRecordsBuilder.hasRoomFor`, uncompressed; a lone record always fits).
    fn is_full_for(
        &self,
        now_ms: i64,
        key: Option<&[u8]>,
        value_len: usize,
        headers: &[Header],
        batch_size_bytes: u32,
    ) -> bool {
        let Some(b) = &self.builder else { return true };
        !b.has_room_for(now_ms, key.map(<[u8]>::len), Some(value_len), headers, batch_size_bytes)
    }

    /// Closes the batch for appends and encodes it; the topic's compression estimate
    /// learns from it (`ProducerBatch.close`).
    pub fn close(&mut self, estimator: &mut CompressionRatioEstimator) -> Result<()> {
        if let Some(b) = self.builder.take() {
            let (compression, uncompressed) = (b.compression(), b.uncompressed_records_bytes());
            self.bytes = MemoryRecords::from(b.build()?);
            estimator.update_estimation(
                &self.tp.topic,
                compression,
                observed_ratio(self.bytes.len(), uncompressed),
            );
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Accumulator {
    pub queues: BTreeMap<TopicPartition, VecDeque<Batch>>,
    /// `beginFlush`: every batch is ready at once, whatever `linger.ms` says.
    pub flushing: bool,
    /// How each topic's batches compress, for the fullness of the next ones.
    pub estimator: CompressionRatioEstimator,
    /// A transactional producer's: every batch is transactional (its attributes' bit 4).
    pub transactional: bool,
}

impl Accumulator {
    /// Adds `record`, whose key reads as `key`, to the open batch of `tp` (its value is
    /// written straight into the batch). `value_len` is what the value's text takes
    /// ([`RecordText::len`]) and `digits` its record number written out; a new batch
    /// gets `compression`.
    pub fn append(
        &mut self,
        tp: &TopicPartition,
        record: SentRecord,
        (key, value_len, digits): (Option<&[u8]>, usize, &[u8]),
        now_ms: i64,
        (batch_size_bytes, compression): (u32, Compression),
    ) {
        let queue = match self.queues.get_mut(tp) {
            Some(queue) => queue,
            None => self.queues.entry(tp.clone()).or_default(),
        };
        let headers: &[Header] = record.headers.as_deref().unwrap_or(&[]);
        let needs_new = queue.back().is_none_or(|b| {
            b.builder.is_none() || b.is_full_for(now_ms, key, value_len, headers, batch_size_bytes)
        });
        if needs_new {
            let estimated_ratio = self.estimator.estimation(&tp.topic, compression);
            queue.push_back(Batch::new(tp.clone(), now_ms, compression, estimated_ratio, self.transactional));
        }
        if let Some(batch) = queue.back_mut() {
            if let Some(b) = batch.builder.as_mut() {
                if headers.is_empty() {
                    b.append_with(now_ms, key, value_len, |buf| record.value.write_digits(digits, buf));
                } else {
                    let mut value = Vec::with_capacity(value_len);
                    record.value.write_digits(digits, &mut value);
                    b.append(now_ms, key, Some(&value), headers);
                }
            }
            batch.records.push(record);
        }
    }

    /// When the head batch of `tp` may be sent, if it has records.
    pub fn ready_at_ms(&self, tp: &TopicPartition, linger_ms: i64) -> Option<i64> {
        let queue = self.queues.get(tp)?;
        let head = queue.front()?;
        if let Some(at) = head.retry_at_ms {
            return Some(at);
        }
        if queue.len() > 1 || head.builder.is_none() || self.flushing {
            return Some(head.created_ms);
        }
        Some(head.created_ms.saturating_add(linger_ms))
    }

    pub fn head(&self, tp: &TopicPartition) -> Option<&Batch> {
        self.queues.get(tp)?.front()
    }

    /// Fresh metadata arrived: batches waiting for it may be retried.
    pub fn metadata_refreshed(&mut self) {
        for batch in self.queues.values_mut().flatten() {
            batch.awaiting_metadata = false;
        }
    }

    pub fn pop_head(&mut self, tp: &TopicPartition) -> Option<Batch> {
        let queue = self.queues.get_mut(tp)?;
        let batch = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(tp);
        }
        batch
    }

    /// Puts a batch that will be retried back at the front of its queue; a batch with a
    /// sequence goes after the queued batches of lower sequences
    /// (`RecordAccumulator.insertInSequenceOrder`).
    pub fn reenqueue(&mut self, batch: Batch) {
        let queue = self.queues.entry(batch.tp.clone()).or_default();
        let at = match batch.base_sequence() {
            Some(sequence) => {
                queue.iter().take_while(|b| b.base_sequence().is_some_and(|s| s < sequence)).count()
            }
            None => 0,
        };
        queue.insert(at, batch);
    }

    /// Every queued batch of `tp`, mutable (an epoch bump rewrites their sequences).
    pub fn batches_mut(&mut self, tp: &TopicPartition) -> impl Iterator<Item = &mut Batch> {
        self.queues.get_mut(tp).into_iter().flatten()
    }

    /// Removes every queued batch (a fatal error fails them all).
    pub fn drain_all(&mut self) -> Vec<Batch> {
        std::mem::take(&mut self.queues).into_values().flatten().collect()
    }

    /// Removes every queued batch created at or before `now_ms - delivery_timeout_ms`.
    pub fn expire(&mut self, now_ms: i64, delivery_timeout_ms: i64) -> Vec<Batch> {
        let mut expired = Vec::new();
        let is_expired = |batch: &Batch| now_ms >= batch.created_ms.saturating_add(delivery_timeout_ms);
        for queue in self.queues.values_mut() {
            if !queue.iter().any(is_expired) {
                continue;
            }
            let mut kept = VecDeque::new();
            for batch in queue.drain(..) {
                if is_expired(&batch) {
                    expired.push(batch);
                } else {
                    kept.push_back(batch);
                }
            }
            *queue = kept;
        }
        self.queues.retain(|_, q| !q.is_empty());
        expired
    }

    pub fn queued_records(&self) -> u64 {
        self.queues.values().flatten().map(|b| u64::from(b.records_count())).sum()
    }

    pub fn queued_batches(&self) -> u64 {
        self.queues.values().map(|q| q.len() as u64).sum()
    }
}

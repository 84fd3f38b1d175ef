//! The producer side of `produce`, like the Java client's `RecordAccumulator`: each record
//! is given a partition by the partitioner, then added to that partition's open batch;
//! a batch is closed and appended (`append_as_leader`, in memory) when the next record
//! would not fit (`MemoryRecordsBuilder.hasRoomFor`: the first record always fits), and
//! every open batch is closed at the end. Records keep their input order within a
//! partition, so offsets follow the input. An idempotent producer's batches carry its
//! producer id, epoch 0 and the partition's next sequence number (`TransactionManager`).
//!
//! The batch limit is `batch.size` (16384), capped at the topic's `segment.bytes` and
//! `max.message.bytes`: the Java producer would split a too-large batch on
//! MESSAGE_TOO_LARGE, and a tiny `segment.bytes` (useful to watch segments roll) would
//! otherwise refuse every batch with RECORD_LIST_TOO_LARGE. A compressed batch's size is
//! Java's estimate (`CompressionRatioEstimator`, learnt from the batches closed before).

use super::input::InputRecord;
use super::CliError;
use crate::engine::log::PartitionLog;
use crate::engine::partitioner::{sticky_size_hint, Partitioner};
use crate::engine::record::compression_ratio::{observed_ratio, CompressionRatioEstimator};
use crate::engine::record::{BatchBuilder, BatchOptions};
use serde::Serialize;

/// The leader epoch stamped on every appended batch (the first leader's epoch).
pub const LEADER_EPOCH: i32 = 0;

/// What one run produced into one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartitionStats {
    pub partition: u32,
    pub records: u64,
    pub batches: u64,
    /// Offsets given to this run's records (null when none went here).
    pub first_offset: Option<i64>,
    pub last_offset: Option<i64>,
}

/// A batch being filled for one partition.
struct OpenBatch {
    builder: BatchBuilder,
    /// Broker time used for its append: the clock of its last record.
    now_ms: i64,
    first_line: usize,
    last_line: usize,
}

/// Partitions records into batches and appends them to the partition logs.
pub struct Accumulator<'a> {
    topic: String,
    logs: &'a mut [PartitionLog],
    open: Vec<Option<OpenBatch>>,
    options: BatchOptions,
    /// The idempotent producer's id, if it is one, and each partition's next sequence.
    producer_id: Option<i64>,
    next_sequence: Vec<i32>,
    limit_bytes: u32,
    /// How the topic's batches compress, for the fullness of the next ones.
    estimator: CompressionRatioEstimator,
    pub stats: Vec<PartitionStats>,
}

impl<'a> Accumulator<'a> {
    pub fn new(topic: &str, logs: &'a mut [PartitionLog], options: BatchOptions, limit_bytes: u32) -> Self {
        let count = logs.len();
        Accumulator {
            topic: topic.to_string(),
            logs,
            open: (0..count).map(|_| None).collect(),
            options,
            producer_id: None,
            next_sequence: vec![0; count],
            limit_bytes,
            estimator: CompressionRatioEstimator::default(),
            stats: (0..count as u32)
                .map(|partition| PartitionStats { partition, ..Default::default() })
                .collect(),
        }
    }

    /// Makes the batches an idempotent producer's with this id (`None`: not idempotent).
    pub fn set_producer_id(&mut self, producer_id: Option<i64>) {
        self.producer_id = producer_id;
    }

    /// Chooses the partition of `record` (clock `now_ms`, timestamp `timestamp_ms`) and
    /// adds it to that partition's open batch. Returns the partition.
    pub fn add(
        &mut self,
        partitioner: &mut Partitioner,
        now_ms: i64,
        timestamp_ms: i64,
        record: &InputRecord,
    ) -> Result<u32, CliError> {
        let count = self.logs.len() as u32;
        let size_hint =
            sticky_size_hint(record.key.as_deref(), record.value.as_ref().map(Vec::len), &record.headers);
        let partition = partitioner
            .partition(now_ms.max(0) as u64, &self.topic, record.key.as_deref(), size_hint, count)
            .map_err(|e| CliError::failure(format!("input line {}: {e}", record.line)))?;
        let p = partition as usize;
        let fits = match &self.open[p] {
            None => true,
            Some(open) => open.builder.has_room_for(
                timestamp_ms,
                record.key.as_ref().map(Vec::len),
                record.value.as_ref().map(Vec::len),
                &record.headers,
                self.limit_bytes,
            ),
        };
        if !fits {
            self.flush(p)?;
        }
        let mut options = self.options;
        if let Some(producer_id) = self.producer_id {
            options.producer_id = producer_id;
            options.producer_epoch = 0;
            options.base_sequence = self.next_sequence[p];
        }
        let (estimator, topic) = (&self.estimator, &self.topic);
        let open = self.open[p].get_or_insert_with(|| OpenBatch {
            builder: {
                let mut b = BatchBuilder::new(options);
                b.set_estimated_compression_ratio(estimator.estimation(topic, options.compression));
                b
            },
            now_ms,
            first_line: record.line,
            last_line: record.line,
        });
        open.builder.append(timestamp_ms, record.key.as_deref(), record.value.as_deref(), &record.headers);
        open.now_ms = now_ms;
        open.last_line = record.line;
        Ok(partition)
    }

    /// Closes partition `p`'s open batch, if any, and appends it to the log.
    fn flush(&mut self, p: usize) -> Result<(), CliError> {
        let Some(open) = self.open[p].take() else { return Ok(()) };
        let lines = if open.first_line == open.last_line {
            format!("input line {}", open.first_line)
        } else {
            format!("input lines {}-{}", open.first_line, open.last_line)
        };
        let fail =
            |e: crate::engine::error::KafkaError| CliError::failure(format!("{lines} (partition {p}): {e}"));
        let uncompressed = open.builder.uncompressed_records_bytes();
        let bytes = open.builder.build().map_err(fail)?;
        let observed = observed_ratio(bytes.len(), uncompressed);
        self.estimator.update_estimation(&self.topic, self.options.compression, observed);
        let info = self.logs[p].append_as_leader(open.now_ms, &bytes, LEADER_EPOCH).map_err(fail)?;
        if self.producer_id.is_some() {
            self.next_sequence[p] = crate::engine::client::producer::idempotence::increment_sequence(
                self.next_sequence[p],
                info.records_count as i32,
            );
        }
        let stats = &mut self.stats[p];
        stats.records += info.records_count;
        stats.batches += 1;
        stats.first_offset.get_or_insert(info.first_offset);
        stats.last_offset = Some(info.last_offset);
        Ok(())
    }

    /// Closes every open batch, in partition order.
    pub fn finish(mut self) -> Result<Vec<PartitionStats>, CliError> {
        for p in 0..self.open.len() {
            self.flush(p)?;
        }
        Ok(self.stats)
    }
}

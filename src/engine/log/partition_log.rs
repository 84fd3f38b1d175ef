//! One partition's log on one broker (`UnifiedLog` + `LocalLog`): an ordered run of
//! segments, the log start offset and the log end offset. It validates and appends
//! produced batches (assigning offsets, stamping the leader epoch), rolls segments,
//! serves reads by offset, and records every byte it changes as a [`StoreOp`] for the
//! driver to persist. Invariant: segments are contiguous and ordered by base offset,
//! the last one is the active segment, and `log_start_offset ≤ log_end_offset`.

use super::producer_log::ProducerCheck;
use super::producer_state::{AppendOrigin, ProducerStateManager, PRODUCER_ID_EXPIRATION_MS_DEFAULT};
use super::segment::{LogSegment, RollParams, SegmentFiles};
use crate::engine::cluster::messages::TopicName;
use crate::engine::error::{ErrorKind, KafkaError, Result};
use crate::engine::record::batch::{set_base_offset, set_log_append_time, set_partition_leader_epoch};
use crate::engine::record::{split_batches, validate_batch, MemoryRecords, TimestampType};
use crate::engine::store::{SegmentId, StoreOp};
use crate::engine::topic::TopicConfig;
use serde::{Deserialize, Serialize};

/// What an append did (`LogAppendInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogAppendInfo {
    pub first_offset: i64,
    pub last_offset: i64,
    pub records_count: u64,
    /// The broker's time if the topic uses LogAppendTime, else -1.
    pub log_append_time_ms: i64,
    pub max_timestamp_ms: i64,
    /// Whether this append started a new segment first.
    pub rolled: bool,
    /// The batch was a duplicate of one its idempotent producer already wrote: nothing
    /// was appended, and the offsets (and `log_append_time_ms`, the original batch's
    /// timestamp, as Kafka's `appendInfo.setLogAppendTime(duplicate.timestamp)`) are the
    /// original's.
    #[serde(default)]
    pub duplicate: bool,
}

/// Bytes returned by a read, whole batches only (shared with the segment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchData {
    pub fetch_offset: i64,
    pub records: MemoryRecords,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionLog {
    pub broker_id: u32,
    pub topic: TopicName,
    pub partition: u32,
    pub config: TopicConfig,
    pub(crate) segments: Vec<LogSegment>,
    pub(crate) log_start_offset: i64,
    #[serde(skip)]
    pub(crate) pending: Vec<StoreOp>,
    /// The idempotent producers' state and its snapshots ([`super::producer_log`]).
    #[serde(default)]
    pub(crate) producer_state: ProducerStateManager,
    /// The broker's `producer.id.expiration.ms`.
    #[serde(default = "producer_id_expiration_ms_default")]
    pub(crate) producer_id_expiration_ms: i64,
}

fn producer_id_expiration_ms_default() -> i64 {
    PRODUCER_ID_EXPIRATION_MS_DEFAULT
}

impl PartitionLog {
    /// A new, empty log with one active segment at offset 0.
    pub fn new(broker_id: u32, topic: &str, partition: u32, config: TopicConfig, now_ms: i64) -> Self {
        let first = LogSegment::new(0, config.index_interval_bytes, config.segment_index_bytes, now_ms);
        PartitionLog {
            broker_id,
            topic: TopicName::new(topic),
            partition,
            config,
            segments: vec![first],
            log_start_offset: 0,
            pending: Vec::new(),
            producer_state: ProducerStateManager::new(0),
            producer_id_expiration_ms: PRODUCER_ID_EXPIRATION_MS_DEFAULT,
        }
    }

    /// Sets the broker's `producer.id.expiration.ms` for this log.
    pub fn set_producer_id_expiration_ms(&mut self, expiration_ms: i64) {
        self.producer_id_expiration_ms = expiration_ms;
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The offset the next record will get (LEO).
    pub fn log_end_offset(&self) -> i64 {
        self.active_segment().map_or(self.log_start_offset, |s| s.next_offset)
    }

    pub fn segments(&self) -> &[LogSegment] {
        &self.segments
    }

    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| u64::from(s.size_bytes())).sum()
    }

    pub(crate) fn active_segment(&self) -> Option<&LogSegment> {
        self.segments.last()
    }

    /// The active segment's roll jitter: Kafka draws `LogConfig.randomSegmentJitter` (a
    /// random value in `[0, min(segment.jitter.ms, segment.ms))`) when it opens a segment,
    /// so replicas roll at different moments. The engine has no randomness of its own: the
    /// draw is seeded by the broker, the partition and the segment's base offset, the same
    /// value every time it is asked for the same segment (deterministic on replay).
    pub(crate) fn roll_jitter_ms(&self) -> i64 {
        let (jitter_ms, segment_ms) = (self.config.segment_jitter_ms, self.config.segment_ms);
        let Some(active) = self.active_segment() else { return 0 };
        let bound = jitter_ms.min(segment_ms);
        if bound <= 0 {
            return 0;
        }
        let mut seed = u64::from(self.broker_id) << 32 | u64::from(self.partition);
        for b in self.topic.as_str().bytes() {
            seed = seed.rotate_left(5) ^ u64::from(b);
        }
        let mut rng = crate::engine::rng::Rng::new(seed ^ active.base_offset as u64);
        (rng.next_u64() % bound as u64) as i64
    }

    pub fn segment_id(&self, base_offset: i64) -> SegmentId {
        SegmentId {
            broker_id: self.broker_id,
            topic: self.topic.clone(),
            partition: self.partition,
            base_offset: base_offset.max(0) as u64,
        }
    }

    /// The writes made since the last call, in order, for the driver to persist.
    pub fn take_store_ops(&mut self) -> Vec<StoreOp> {
        std::mem::take(&mut self.pending)
    }

    /// Validates produced batches (one or more, concatenated), assigns offsets from the log
    /// end offset, stamps `partition_leader_epoch`, rolls if needed and appends.
    pub fn append_as_leader(
        &mut self,
        now_ms: i64,
        batches: &[u8],
        leader_epoch: i32,
    ) -> Result<LogAppendInfo> {
        self.append_as_leader_from(now_ms, batches, leader_epoch, AppendOrigin::Client)
    }

    /// [`Self::append_as_leader`] for a coordinator's own batches (`AppendOrigin.COORDINATOR`,
    /// e.g. a transactional offset commit, always at sequence 0): the producer epoch is
    /// checked, sequences and duplicates are not.
    pub fn append_as_coordinator(
        &mut self,
        now_ms: i64,
        batches: &[u8],
        leader_epoch: i32,
    ) -> Result<LogAppendInfo> {
        self.append_as_leader_from(now_ms, batches, leader_epoch, AppendOrigin::Coordinator)
    }

    fn append_as_leader_from(
        &mut self,
        now_ms: i64,
        batches: &[u8],
        leader_epoch: i32,
        origin: AppendOrigin,
    ) -> Result<LogAppendInfo> {
        let mut out = Vec::with_capacity(batches.len());
        let mut next = self.log_end_offset();
        let first_offset = next;
        let mut records_count = 0u64;
        let mut max_ts = -1i64;
        let mut offset_of_max_ts = next;
        let log_append = self.config.message_timestamp_type == TimestampType::LogAppendTime;
        for view in split_batches(batches) {
            let view = view?;
            let size = u64::from(view.header.size_in_bytes());
            if size > u64::from(self.config.max_message_bytes) {
                return Err(KafkaError::new(ErrorKind::RecordTooLarge {
                    size_bytes: size,
                    max_message_bytes: u64::from(self.config.max_message_bytes),
                }));
            }
            let validated = validate_batch(view.bytes)?;
            self.validate_not_control(&validated.header)?;
            self.validate_sequence(&validated.header)?;
            if self.config.compacts() {
                self.validate_keys(view.bytes)?;
            }
            let start = out.len();
            out.extend_from_slice(view.bytes);
            let batch = &mut out[start..];
            set_base_offset(batch, next);
            set_partition_leader_epoch(batch, leader_epoch);
            let batch_max_ts = if log_append {
                set_log_append_time(batch, now_ms);
                now_ms
            } else {
                validated.header.max_timestamp.max(validated.max_record_timestamp_ms)
            };
            let last = next + i64::from(validated.header.last_offset_delta);
            if batch_max_ts > max_ts {
                max_ts = batch_max_ts;
                offset_of_max_ts = last;
            }
            records_count += validated.header.records_count as u64;
            next = last + 1;
        }
        if out.is_empty() {
            return Err(KafkaError::corrupt(crate::engine::error::Corruption::InvalidRecord {
                detail: "the produce request holds no record batch".to_string(),
            }));
        }
        if out.len() as u64 > u64::from(self.config.segment_bytes) {
            return Err(KafkaError::new(ErrorKind::BatchLargerThanSegment {
                size_bytes: out.len() as u64,
                segment_bytes: u64::from(self.config.segment_bytes),
            }));
        }
        let last_offset = next - 1;
        // Kafka checks the producers after rolling; rolling first changes nothing a
        // refusal or a duplicate would have to undo but an empty new segment, so it checks first.
        let updated = match self.analyze_and_validate_producer_state(&out, origin)? {
            ProducerCheck::Append(updated) => updated,
            ProducerCheck::Duplicate(d) => {
                return Ok(LogAppendInfo {
                    first_offset: d.first_offset(),
                    last_offset: d.last_offset,
                    records_count: 0,
                    log_append_time_ms: d.timestamp_ms,
                    max_timestamp_ms: d.timestamp_ms,
                    rolled: false,
                    duplicate: true,
                })
            }
        };
        let rolled = self.maybe_roll(now_ms, out.len() as u32, max_ts, last_offset);
        let segment_id = self.segment_id(self.active_base_offset());
        if let Some(active) = self.segments.last_mut() {
            let position = active.size_bytes();
            let bytes = MemoryRecords::from(out);
            active.append(last_offset, max_ts, offset_of_max_ts, records_count, bytes.clone());
            self.pending.push(StoreOp::Append { segment: segment_id, position, bytes });
        }
        self.apply_producer_appends(updated, last_offset);
        Ok(LogAppendInfo {
            first_offset,
            last_offset,
            records_count,
            log_append_time_ms: if log_append { now_ms } else { -1 },
            max_timestamp_ms: max_ts,
            rolled,
            duplicate: false,
        })
    }

    /// `LogValidator.validateKey`: a compacted log refuses a record without a key (the
    /// cleaner could never keep it).
    fn validate_keys(&self, batch: &[u8]) -> Result<()> {
        let keyless = crate::engine::record::decode::read_batch(batch, |_, records| {
            records.iter().any(|r| r.key.is_none())
        })?;
        if keyless {
            return Err(KafkaError {
                code: crate::engine::error::ErrorCode::InvalidRecord,
                kind: ErrorKind::Corrupt {
                    corruption: crate::engine::error::Corruption::InvalidRecord {
                        detail: format!(
                            "Compacted topic cannot accept message without key in topic partition {}-{}.",
                            self.topic, self.partition
                        ),
                    },
                },
            });
        }
        Ok(())
    }

    fn active_base_offset(&self) -> i64 {
        self.active_segment().map_or(self.log_start_offset, |s| s.base_offset)
    }

    pub(crate) fn maybe_roll(&mut self, now_ms: i64, size_bytes: u32, max_ts: i64, max_offset: i64) -> bool {
        let params = RollParams {
            max_segment_ms: self.config.segment_ms,
            max_segment_bytes: self.config.segment_bytes,
            max_timestamp_in_messages_ms: max_ts,
            max_offset_in_messages: max_offset,
            messages_size_bytes: size_bytes,
            now_ms,
        };
        let jitter_ms = self.roll_jitter_ms();
        let should = self.active_segment().is_some_and(|s| s.should_roll(&params, jitter_ms));
        if should {
            self.roll(now_ms);
        }
        should
    }

    /// Starts a new active segment at the log end offset (no-op if the active one is
    /// empty), then snapshots the producer state at its base offset (`UnifiedLog.roll`:
    /// `updateMapEndOffset(newSegment.baseOffset)`, `takeSnapshot`, written only if the
    /// state moved past the last snapshot).
    pub fn roll(&mut self, now_ms: i64) {
        let next = self.log_end_offset();
        if let Some(active) = self.segments.last_mut() {
            if active.is_empty() {
                return;
            }
            active.on_become_inactive();
        }
        self.segments.push(LogSegment::new(
            next,
            self.config.index_interval_bytes,
            self.config.segment_index_bytes,
            now_ms,
        ));
        self.producer_state.update_map_end_offset(next);
        self.producer_state.take_snapshot();
        self.persist_snapshot_changes();
    }

    /// Reads whole batches from the one holding `offset`, up to `max_bytes` but always at
    /// least one batch (KIP-74), never past `max_offset` (the high watermark for consumers).
    pub fn read(&self, offset: i64, max_bytes: u32, max_offset: i64) -> Result<FetchData> {
        let leo = self.log_end_offset();
        if offset < self.log_start_offset || offset > leo {
            return Err(KafkaError::new(ErrorKind::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset: leo,
            }));
        }
        let mut records = MemoryRecords::new();
        let start = self.segments.partition_point(|s| s.base_offset <= offset).saturating_sub(1);
        for segment in &self.segments[start..] {
            if offset >= segment.next_offset {
                continue;
            }
            let Some(position) = segment.translate_offset(offset) else { continue };
            // The batches read are contiguous: [position, end).
            let mut end = position;
            for view in segment.batches_from(position) {
                let view = view?;
                if view.header.base_offset >= max_offset {
                    break;
                }
                let taken = (end - position) as usize;
                let fits = taken + view.bytes.len() <= max_bytes as usize;
                if !fits && taken > 0 {
                    break;
                }
                end = view.position + view.bytes.len() as u32;
                if !fits {
                    break;
                }
            }
            records = segment.log_slice(position, end);
            break;
        }
        Ok(FetchData {
            fetch_offset: offset,
            records,
            log_start_offset: self.log_start_offset,
            log_end_offset: leo,
        })
    }

    /// The files of the segment whose base offset is `base_offset`.
    pub fn segment_files(&self, base_offset: i64) -> Option<SegmentFiles> {
        self.segments.iter().find(|s| s.base_offset == base_offset).map(LogSegment::files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `randomSegmentJitter`: below min(segment.jitter.ms, segment.ms), drawn anew for each
    /// segment and each broker, the same when asked again.
    #[test]
    fn roll_jitter_is_drawn_per_segment_below_its_bound() {
        let config = TopicConfig { segment_ms: 3_000, segment_jitter_ms: 5_000, ..TopicConfig::default() };
        let mut draws = std::collections::BTreeSet::new();
        for broker in 1..=3 {
            let mut log = PartitionLog::new(broker, "t", 0, config.clone(), 0);
            for segment in 0..10 {
                let jitter_ms = log.roll_jitter_ms();
                assert!((0..3_000).contains(&jitter_ms), "{jitter_ms}");
                assert_eq!(log.roll_jitter_ms(), jitter_ms);
                draws.insert(jitter_ms);
                log.segments.push(LogSegment::new(segment + 1, 4096, 10 * 1024 * 1024, 0));
            }
        }
        assert!(draws.len() > 20, "{draws:?}");
        let none = TopicConfig { segment_jitter_ms: 0, ..config };
        assert_eq!(PartitionLog::new(1, "t", 0, none, 0).roll_jitter_ms(), 0);
    }
}

//! What a broker shows of its replicas: [`ReplicaView`] for invariant checkers that
//! compare committed prefixes across replicas, and the page's picture (the last records
//! of each replica). Invariant: both are pure reads of the node's state.
//! `__consumer_offsets` records are shown decoded (their bytes are binary). The full
//! state (every record, for the report and replay) is [`super::state`].

use super::BrokerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::NodeId;
use crate::engine::group::coordinator::placement::OFFSETS_TOPIC;
use crate::engine::group::coordinator::records::describe_record;
use crate::engine::log::epoch_cache::EpochEntry;
use crate::engine::record::batch::{increment_sequence, BatchHeader, NO_PRODUCER_ID, NO_SEQUENCE};
use crate::engine::record::decode_batch;
use crate::engine::txn::coordinator::TRANSACTION_STATE_TOPIC;
use serde::{Deserialize, Serialize};

/// One batch as a checker compares it across replicas: a committed batch must be the
/// same everywhere (offsets, leader epoch, CRC of its contents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub base_offset: i64,
    pub last_offset: i64,
    pub partition_leader_epoch: i32,
    pub crc: u32,
}

/// One replica of one partition, for checkers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaView {
    pub is_leader: bool,
    pub leader_epoch: i32,
    pub isr: Vec<u32>,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    /// The LSO: min(first unstable offset, high watermark).
    #[serde(default)]
    pub last_stable_offset: i64,
    pub log_end_offset: i64,
    pub batches: Vec<BatchSummary>,
}

impl ReplicaView {
    /// The batches wholly below the high watermark.
    pub fn committed(&self) -> impl Iterator<Item = &BatchSummary> {
        self.batches.iter().filter(|b| b.last_offset < self.high_watermark)
    }
}

/// A replica's positions without its batches: what a checker reads on every step,
/// cheaply (no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaOffsets {
    pub is_leader: bool,
    pub leader_epoch: i32,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    pub log_end_offset: i64,
}

/// One replica of one partition as its broker last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPicture {
    pub topic: String,
    pub partition: u32,
    /// "leader" or "follower", as the broker itself believes.
    pub role: String,
    pub leader: Option<NodeId>,
    pub leader_epoch: i32,
    pub isr: Vec<NodeId>,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    /// The LSO: min(first unstable offset, high watermark).
    #[serde(default)]
    pub last_stable_offset: i64,
    pub log_end_offset: i64,
    /// The last records (at most [`RECORDS_PER_REPLICA`]), oldest first.
    pub records: Vec<RecordPicture>,
    /// Bytes of the replica's segments (`.log` files).
    #[serde(default)]
    pub size_bytes: u64,
    /// The newest entries of its leader epoch cache (`leader-epoch-checkpoint`: the epoch
    /// and the first offset written in it), oldest first, at most [`EPOCHS_PER_REPLICA`]:
    /// which epoch wrote an offset, so the page can tell an acknowledged record from
    /// another written at the same offset after an election.
    #[serde(default)]
    pub leader_epochs: Vec<EpochEntry>,
    /// What it waits for: a fetch unanswered, ISR followers not caught up.
    #[serde(default)]
    pub waits: super::waits::ReplicaWaits,
}

/// Leader epoch cache entries per replica the picture carries (the newest).
pub const EPOCHS_PER_REPLICA: usize = 32;

/// Records per replica the picture carries (offsets and counts stay exact): the tail a
/// learner reads; under load every view brings new ones, and each costs a drawn cell.
pub const RECORDS_PER_REPLICA: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordPicture {
    pub offset: i64,
    pub leader_epoch: i32,
    pub key: Option<String>,
    pub value: Option<String>,
    /// Who wrote the record's batch, when the batch names a producer (idempotent or
    /// transactional producers; a plain producer's batch has producer id -1). Always
    /// written: pictures cross to the page in bincode, which cannot skip a field.
    #[serde(default)]
    pub producer: Option<RecordProducer>,
}

/// The producer fields of a record's batch header (RecordBatch v2: producer id, producer
/// epoch, base sequence, the transactional and control attribute bits) and the record's
/// own sequence number, `baseSequence + offsetDelta` (`DefaultRecord.sequence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProducer {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub sequence: i32,
    pub batch_base_sequence: i32,
    pub batch_last_sequence: i32,
    pub transactional: bool,
    pub control: bool,
    /// A control record's marker (`ControlRecordType` COMMIT or ABORT), `None` for data
    /// records and other control types.
    #[serde(default)]
    pub marker: Option<TxnMarker>,
}

/// The end-transaction marker a control record carries (`EndTransactionMarker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnMarker {
    Commit,
    Abort,
}

impl TxnMarker {
    /// The marker of a control record with `key` (`ControlRecordType.parse`).
    pub fn of_key(key: Option<&[u8]>) -> Option<TxnMarker> {
        use crate::engine::txn::marker::ControlRecordType;
        match ControlRecordType::parse(key?).ok()? {
            ControlRecordType::Commit => Some(TxnMarker::Commit),
            ControlRecordType::Abort => Some(TxnMarker::Abort),
            _ => None,
        }
    }

    /// Kafka's name of the type: `COMMIT`, `ABORT`.
    pub fn name(self) -> &'static str {
        match self {
            TxnMarker::Commit => "COMMIT",
            TxnMarker::Abort => "ABORT",
        }
    }
}

impl RecordProducer {
    /// The producer fields of a record at `offset_delta` in a batch with `header`; `None`
    /// for a batch without a producer id.
    pub fn of(header: &BatchHeader, offset_delta: i64) -> Option<RecordProducer> {
        if header.producer_id == NO_PRODUCER_ID {
            return None;
        }
        let sequence = if header.base_sequence == NO_SEQUENCE {
            NO_SEQUENCE
        } else {
            increment_sequence(header.base_sequence, offset_delta as i32)
        };
        Some(RecordProducer {
            producer_id: header.producer_id,
            producer_epoch: header.producer_epoch,
            sequence,
            batch_base_sequence: header.base_sequence,
            batch_last_sequence: header.last_sequence(),
            transactional: header.is_transactional(),
            control: header.is_control_batch(),
            marker: None,
        })
    }
}

/// The batches of `p` whose last offset is ≥ `from_offset` (and < `until_offset` if
/// given), found through the offset index, appended to `out`. A log's offsets only grow:
/// the walk stops at the first batch ending at or past `until_offset`.
fn summarize_batches_from(
    p: &super::partition::Partition,
    from_offset: i64,
    until_offset: Option<i64>,
    out: &mut Vec<BatchSummary>,
) {
    let segments = p.log.segments();
    let first = if from_offset >= p.log_end_offset() {
        segments.len() // nothing at or after `from_offset`: no scan at all
    } else {
        segments.partition_point(|s| s.base_offset <= from_offset).saturating_sub(1)
    };
    for s in &segments[first..] {
        // One walk from where the offset index points: the batches before the first one
        // ending at or after `from_offset` are skipped, as `translate_offset` would skip
        // them (a walk that fails before it yields nothing either way).
        let start = if from_offset > s.base_offset { s.index_position(from_offset) } else { 0 };
        for v in s.batches_from(start).flatten() {
            let last_offset = v.header.last_offset();
            if last_offset < from_offset {
                continue;
            }
            if until_offset.is_some_and(|until| last_offset >= until) {
                return;
            }
            out.push(BatchSummary {
                base_offset: v.header.base_offset,
                last_offset,
                partition_leader_epoch: v.header.partition_leader_epoch,
                crc: v.header.crc,
            });
        }
    }
}

fn offsets_of(p: &super::partition::Partition) -> ReplicaOffsets {
    ReplicaOffsets {
        is_leader: p.is_leader(),
        leader_epoch: p.state.leader_epoch,
        log_start_offset: p.log.log_start_offset(),
        high_watermark: p.high_watermark,
        last_stable_offset: p.last_stable_offset(),
        log_end_offset: p.log_end_offset(),
    }
}

impl BrokerNode {
    pub fn replica_state(&self, topic: &str, partition: u32) -> Option<ReplicaView> {
        self.replica_state_from(topic, partition, i64::MIN)
    }

    /// [`Self::replica_state`] listing only the batches whose last offset is ≥
    /// `from_offset` (found through the offset index), so checkers can work incrementally.
    pub fn replica_state_from(&self, topic: &str, partition: u32, from_offset: i64) -> Option<ReplicaView> {
        self.replica_state_of(&TopicPartition { topic: topic.into(), partition }, from_offset)
    }

    /// [`Self::replica_state_from`] by a partition key the caller keeps (no allocation
    /// for the lookup).
    pub fn replica_state_of(&self, tp: &TopicPartition, from_offset: i64) -> Option<ReplicaView> {
        let p = self.partitions.get(tp)?;
        let mut batches = Vec::new();
        summarize_batches_from(p, from_offset, None, &mut batches);
        Some(ReplicaView {
            is_leader: p.is_leader(),
            leader_epoch: p.state.leader_epoch,
            isr: p.state.isr.clone(),
            log_start_offset: p.log.log_start_offset(),
            high_watermark: p.high_watermark,
            last_stable_offset: p.last_stable_offset(),
            log_end_offset: p.log_end_offset(),
            batches,
        })
    }

    /// Only the committed batches of [`Self::replica_state_of`] (ending below the high
    /// watermark), into `out` (cleared first), for a checker that reuses one buffer.
    /// False if this broker has no such replica.
    pub fn replica_committed_batches_from(
        &self,
        tp: &TopicPartition,
        from_offset: i64,
        out: &mut Vec<BatchSummary>,
    ) -> bool {
        out.clear();
        let Some(p) = self.partitions.get(tp) else { return false };
        summarize_batches_from(p, from_offset, Some(p.high_watermark), out);
        true
    }

    /// The replica's positions only ([`ReplicaView`] without the ISR and batches).
    pub fn replica_offsets(&self, tp: &TopicPartition) -> Option<ReplicaOffsets> {
        self.partitions.get(tp).map(offsets_of)
    }
}

impl BrokerNode {
    /// Every replica this broker holds, for the page: its role and offsets, and its
    /// last `records_per_replica` records.
    pub fn picture(&self, records_per_replica: usize) -> Vec<ReplicaPicture> {
        let mut out = Vec::new();
        for (tp, p) in &self.partitions {
            let mut records = std::collections::VecDeque::new();
            for seg in p.log.segments().iter().rev() {
                // Start at the index entry for the tail's first offset (a compacted
                // segment may hold fewer records than offsets: then from its start).
                let need = (records_per_replica - records.len()) as i64;
                let from = seg.next_offset - need;
                let mut batches: Vec<_> = seg
                    .batches_from(if from > seg.base_offset { seg.index_position(from) } else { 0 })
                    .flatten()
                    .collect();
                let short = batches.iter().map(|v| v.header.records_count.max(0) as i64).sum::<i64>() < need;
                if short && from > seg.base_offset {
                    batches = seg.batches_from(0).flatten().collect();
                }
                batches.reverse();
                for view in batches {
                    // Only the newest batches are decoded: the walk stops once the tail
                    // is full, so a picture costs the same at any log size.
                    if records.len() >= records_per_replica {
                        break;
                    }
                    let Ok(batch) = decode_batch(view.bytes) else { continue };
                    for r in batch.records.iter().rev() {
                        if records.len() >= records_per_replica {
                            break;
                        }
                        let marker = view
                            .header
                            .is_control_batch()
                            .then(|| TxnMarker::of_key(r.key.as_deref()))
                            .flatten();
                        let (key, value) = if view.header.is_control_batch() {
                            // A control record's key and value are binary (version, type;
                            // version, coordinator epoch): the cell names the marker instead.
                            (None, None)
                        } else if tp.topic == OFFSETS_TOPIC {
                            // Binary group records, shown decoded as compact JSON.
                            let (k, v) = describe_record(r.key.as_deref(), r.value.as_deref());
                            (Some(k.to_string()), (!v.is_null()).then(|| v.to_string()))
                        } else if let Some((k, v)) = (tp.topic == TRANSACTION_STATE_TOPIC)
                            .then(|| describe_txn_record(r.key.as_deref(), r.value.as_deref()))
                            .flatten()
                        {
                            (Some(k), v)
                        } else {
                            (
                                r.key.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
                                r.value.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
                            )
                        };
                        records.push_front(RecordPicture {
                            offset: r.offset,
                            leader_epoch: view.header.partition_leader_epoch,
                            key,
                            value,
                            producer: RecordProducer::of(&view.header, r.offset - view.header.base_offset)
                                .map(|p| RecordProducer { marker, ..p }),
                        });
                    }
                }
                if records.len() >= records_per_replica {
                    break;
                }
            }
            out.push(ReplicaPicture {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                role: p.role.name().to_string(),
                leader: p.state.leader,
                leader_epoch: p.state.leader_epoch,
                isr: p.state.isr.clone(),
                log_start_offset: p.log.log_start_offset(),
                high_watermark: p.high_watermark,
                last_stable_offset: p.last_stable_offset(),
                log_end_offset: p.log_end_offset(),
                records: records.into(),
                size_bytes: p.log.segments().iter().map(|seg| u64::from(seg.size_bytes())).sum(),
                leader_epochs: {
                    let entries = p.epoch_cache.entries();
                    entries[entries.len().saturating_sub(EPOCHS_PER_REPLICA)..].to_vec()
                },
                waits: self.replica_waits(tp, p),
            });
        }
        out
    }
}

/// A `__transaction_state` record as `kafka-dump-log` prints it
/// (`TransactionLog.formatRecordKeyAndValue`); `None` for bad bytes.
pub(super) fn describe_txn_record(
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Option<(String, Option<String>)> {
    crate::engine::txn::log_record::format_record_key_and_value(key?, value).ok()
}

//! "No duplicate from one idempotent producer session in any partition": a replica's log
//! never holds two batches of the same producer id and epoch whose sequence ranges
//! overlap (the same base sequence twice is the plain case: a retried batch appended
//! again). Kafka's brokers keep it with `ProducerStateEntry.findDuplicateBatch` and
//! `ProducerAppendInfo.checkSequence`. Incremental: each replica's log is read once, from
//! where the last check stopped; a replica whose last read batch changed (truncated and
//! refilled) is read again from its start.
//!
//! Also "the last stable offset is at most the high watermark on every replica"
//! (`UnifiedLog.lastStableOffset`: the first unstable offset only while it is below the
//! high watermark), checked on every broker an input touched.

use super::super::driver::{Invariant, Sim};
use super::broker;
use crate::engine::cluster::NodeId;
use crate::engine::log::producer_state::entry::last_sequence;
use crate::engine::log::PartitionLog;
use crate::engine::record::batch::BatchHeader;
use std::collections::BTreeMap;

type Tp = (String, u32);

/// A producer batch seen in a log: its sequences `first..=last` at `base_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SeqRange {
    first: i32,
    last: i32,
    base_offset: i64,
}

/// What is known of one replica's log.
#[derive(Debug, Default)]
pub(crate) struct ReplicaSequences {
    /// Below it every batch was read.
    read_to: i64,
    /// The last batch read, `(base_offset, crc)`, to notice a truncation.
    last_read: Option<(i64, u32)>,
    ranges: BTreeMap<(i64, i16), Vec<SeqRange>>,
}

impl ReplicaSequences {
    /// Records one batch; `Err` names the earlier batch it duplicates.
    pub(crate) fn add(&mut self, h: &BatchHeader) -> Result<(), String> {
        self.read_to = h.last_offset() + 1;
        self.last_read = Some((h.base_offset, h.crc));
        if h.producer_id < 0 || h.base_sequence < 0 {
            return Ok(());
        }
        let (first, last) = (h.base_sequence, last_sequence(h));
        let seen = self.ranges.entry((h.producer_id, h.producer_epoch)).or_default();
        // A range that wrapped past i32::MAX is compared as its two halves.
        let overlaps = |r: &SeqRange| {
            let halves = |a: i32, b: i32| if a <= b { [(a, b), (a, b)] } else { [(a, i32::MAX), (0, b)] };
            halves(first, last)
                .iter()
                .any(|(a, b)| halves(r.first, r.last).iter().any(|(c, d)| a <= d && c <= b))
        };
        if let Some(r) = seen.iter().find(|r| overlaps(r)) {
            return Err(format!(
                "producer {} epoch {} wrote sequences {first}..{last} at offset {} and {}..{} at offset {} again",
                h.producer_id, h.producer_epoch, r.base_offset, r.first, r.last, h.base_offset
            ));
        }
        seen.push(SeqRange { first, last, base_offset: h.base_offset });
        Ok(())
    }

    /// Reads the log from where the last check stopped (from its start if the last
    /// batch read is gone or changed).
    pub(crate) fn read(&mut self, log: &PartitionLog) -> Result<(), String> {
        if let Some((offset, crc)) = self.last_read {
            let same = log
                .read(offset, 1, i64::MAX)
                .ok()
                .and_then(|d| crate::engine::record::split_batches(&d.records).next()?.ok().map(|v| v.header))
                .is_some_and(|h| h.base_offset == offset && h.crc == crc);
            if !same {
                *self = ReplicaSequences::default();
            }
        }
        let from = self.read_to.max(log.log_start_offset());
        for seg in log.segments().iter().filter(|s| s.next_offset > from) {
            // The index finds the batch holding `from` (no walk over the segment's start).
            let position = if seg.base_offset < from { seg.translate_offset(from) } else { Some(0) };
            let Some(position) = position else { continue };
            for view in seg.batches_from(position).flatten() {
                if view.header.last_offset() >= from {
                    self.add(&view.header)?;
                }
            }
        }
        Ok(())
    }
}

pub(crate) struct NoDuplicates {
    brokers: u32,
    topics: Vec<Tp>,
    replicas: BTreeMap<(NodeId, usize), ReplicaSequences>,
}

impl NoDuplicates {
    pub(crate) fn new(brokers: u32, topics: Vec<Tp>) -> Self {
        NoDuplicates { brokers, topics, replicas: BTreeMap::new() }
    }
}

impl Invariant for NoDuplicates {
    fn name(&self) -> &'static str {
        "idempotent producers: no batch of one producer session is in a partition twice"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        for &b in sim.touched() {
            if !(1..=self.brokers).contains(&b) {
                continue;
            }
            let Some(node) = broker(sim, b) else { continue };
            for (i, (topic, partition)) in self.topics.iter().enumerate() {
                let Some(p) = node.partition(topic, *partition) else { continue };
                let seen = self.replicas.entry((b, i)).or_default();
                seen.read(&p.log).map_err(|e| format!("broker {b}: {topic}-{partition}: {e}"))?;
            }
        }
        Ok(())
    }
}

/// LSO ≤ HW for one replica.
pub(crate) fn lso_within_high_watermark(last_stable_offset: i64, high_watermark: i64) -> Result<(), String> {
    if last_stable_offset > high_watermark {
        return Err(format!(
            "last stable offset {last_stable_offset} is above the high watermark {high_watermark}"
        ));
    }
    Ok(())
}

pub(crate) struct LsoBelowHighWatermark {
    brokers: u32,
    topics: Vec<Tp>,
}

impl LsoBelowHighWatermark {
    pub(crate) fn new(brokers: u32, topics: Vec<Tp>) -> Self {
        LsoBelowHighWatermark { brokers, topics }
    }
}

impl Invariant for LsoBelowHighWatermark {
    fn name(&self) -> &'static str {
        "transactions: the last stable offset is at most the high watermark on every replica"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        for &b in sim.touched() {
            if !(1..=self.brokers).contains(&b) {
                continue;
            }
            let Some(node) = broker(sim, b) else { continue };
            for (topic, partition) in &self.topics {
                let Some(p) = node.partition(topic, *partition) else { continue };
                lso_within_high_watermark(p.last_stable_offset(), p.high_watermark)
                    .map_err(|e| format!("broker {b}: {topic}-{partition}: {e}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::record::{read_header, BatchBuilder, BatchOptions};

    fn header(pid: i64, epoch: i16, seq: i32, n: u32, base_offset: i64) -> BatchHeader {
        let options = BatchOptions {
            base_offset,
            producer_id: pid,
            producer_epoch: epoch,
            base_sequence: seq,
            ..BatchOptions::default()
        };
        let mut b = BatchBuilder::new(options);
        (0..n).for_each(|_| b.append(0, None, Some(b"v"), &[]));
        read_header(&b.build().unwrap()).unwrap()
    }

    /// A hand-made log: the same batch twice, an overlap, and the lawful cases.
    #[test]
    fn duplicates_and_overlaps_are_named_lawful_logs_pass() {
        let mut ok = ReplicaSequences::default();
        for h in [
            header(7, 0, 0, 3, 0),
            header(7, 0, 3, 2, 3),
            header(7, 1, 0, 3, 5),     // new epoch starts again at 0
            header(8, 0, 0, 3, 8),     // another producer
            header(-1, -1, -1, 3, 11), // no producer id
            header(-1, -1, -1, 3, 14),
        ] {
            ok.add(&h).unwrap();
        }
        let mut dup = ReplicaSequences::default();
        dup.add(&header(7, 0, 0, 3, 0)).unwrap();
        let err = dup.add(&header(7, 0, 0, 3, 3)).unwrap_err();
        assert_eq!(err, "producer 7 epoch 0 wrote sequences 0..2 at offset 0 and 0..2 at offset 3 again");
        let mut overlap = ReplicaSequences::default();
        overlap.add(&header(7, 0, 0, 3, 0)).unwrap();
        assert!(overlap.add(&header(7, 0, 2, 2, 3)).is_err(), "sequence 2 twice");
        let mut wrapped = ReplicaSequences::default();
        wrapped.add(&header(7, 0, i32::MAX - 1, 3, 0)).unwrap();
        assert!(wrapped.add(&header(7, 0, 0, 1, 3)).is_err(), "0 was in the wrapped range");
    }

    #[test]
    fn an_lso_above_the_high_watermark_is_named() {
        assert!(lso_within_high_watermark(5, 5).is_ok());
        assert!(lso_within_high_watermark(3, 5).is_ok());
        assert_eq!(
            lso_within_high_watermark(6, 5).unwrap_err(),
            "last stable offset 6 is above the high watermark 5"
        );
    }
}

//! Records a consumer reads out of the order their producer sent them (#14 point 7:
//! "reorderings counted per consumer"). A producer without idempotence and with more than
//! one request in flight can have a retried batch written after a later one
//! (`max.in.flight.requests.per.connection`'s documentation); a consumer then reads the
//! partition in offset order, which is not the order of the application's `send()`s.
//! Each acknowledged batch says where its first record stands in that order
//! (`ClusterEvent::SendAcknowledged::first_send_index`); a record read after a record of
//! the same producer sent later is counted once, against the member that read it. A
//! producer's restart begins a new life (its send count starts again), later than every
//! earlier one. A re-read (a consumer going back, after a rebalance) starts the count of
//! that partition afresh, so duplicates are not also counted as reorderings. A consumer
//! may read a record before its producer hears the acknowledgement (the HW moved, the
//! response is still on the wire): what it read waits until every record of it is known,
//! or [`WAIT_MS`] (offsets no acknowledgement names: markers, a producer that crashed).
//!
//! Bounded: [`BATCHES_KEPT`] batches per partition (older ones are no longer read),
//! [`WAITING_KEPT`] reads waiting per consumer and partition, one entry per (consumer,
//! partition, producer) read.

use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId, FIRST_CLIENT_ID};
use crate::sim::{JournalEntry, Sim};
use std::collections::{BTreeMap, VecDeque};

/// Acknowledged batches kept per partition (the newest).
const BATCHES_KEPT: usize = 4_096;

/// How long (virtual ms) a read waits for its records' acknowledgements.
const WAIT_MS: i64 = 5_000;
/// Reads waiting per (consumer, partition); an older one is counted with what is known.
const WAITING_KEPT: usize = 256;

/// A record's place in its producer's send order: (the producer's life, its send index).
type SendOrder = (u64, u64);
/// A consumer's read of a partition: (at, first offset, last offset).
type Read = (i64, i64, i64);

#[derive(Default)]
pub(super) struct ReadOrder {
    timeline_read: usize,
    journal_read: usize,
    /// Per partition, by base offset: (last offset, producer, first record's send order).
    batches: BTreeMap<TopicPartition, BTreeMap<i64, (i64, NodeId, SendOrder)>>,
    /// Each producer's life: how many times its process started again.
    lives: BTreeMap<NodeId, u64>,
    /// Per (consumer, partition, producer): the last offset read and the latest send order seen.
    reading: BTreeMap<(NodeId, TopicPartition, NodeId), (i64, SendOrder)>,
    /// Per consumer: records it read out of their producer's order.
    reordered: BTreeMap<NodeId, u64>,
    /// Per (consumer, partition): reads (at, first, last) waiting for acknowledgements, in order.
    waiting: BTreeMap<(NodeId, TopicPartition), VecDeque<Read>>,
}

impl ReadOrder {
    pub(super) fn reordered_by(&self, consumer: NodeId) -> u64 {
        self.reordered.get(&consumer).copied().unwrap_or(0)
    }

    /// Reads the run's new events (and the restarts before each of them).
    pub(super) fn absorb(&mut self, sim: &Sim) {
        let journal: Vec<(i64, NodeId)> = sim
            .journal_parts()
            .1
            .iter_from(self.journal_read)
            .filter_map(|e| match e {
                JournalEntry::Restart { at_ms, node } if *node >= FIRST_CLIENT_ID => Some((*at_ms, *node)),
                _ => None,
            })
            .collect();
        self.journal_read = sim.journal_len();
        let mut restarts = journal.into_iter().peekable();
        for (at, _, event) in sim.timeline().iter_from(self.timeline_read) {
            while let Some((_, node)) = restarts.next_if(|(t, _)| t <= at) {
                *self.lives.entry(node).or_default() += 1;
            }
            match event {
                ClusterEvent::SendAcknowledged {
                    client_id,
                    tp,
                    base_offset,
                    records,
                    first_send_index,
                    ..
                } if *base_offset >= 0 && *records > 0 => {
                    let life = self.lives.get(client_id).copied().unwrap_or(0);
                    let last = base_offset + i64::from(*records) - 1;
                    let kept = self.batches.entry(tp.clone()).or_default();
                    kept.insert(*base_offset, (last, *client_id, (life, *first_send_index)));
                    while kept.len() > BATCHES_KEPT {
                        kept.pop_first();
                    }
                }
                ClusterEvent::RecordsConsumed { client_id, tp, first_offset, last_offset } => {
                    let reads = self.waiting.entry((*client_id, tp.clone())).or_default();
                    reads.push_back((*at, *first_offset, *last_offset));
                    if reads.len() > WAITING_KEPT {
                        if let Some((_, first, last)) = reads.pop_front() {
                            self.consumed(*client_id, tp, first, last);
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, node) in restarts {
            *self.lives.entry(node).or_default() += 1;
        }
        self.timeline_read = sim.timeline().len();
        self.settle(sim.now_ms);
    }

    /// Counts the waiting reads whose records are all known, or that waited long enough.
    fn settle(&mut self, now_ms: i64) {
        let keys: Vec<(NodeId, TopicPartition)> = self.waiting.keys().cloned().collect();
        for (consumer, tp) in keys {
            while let Some(&(at, first, last)) =
                self.waiting.get(&(consumer, tp.clone())).and_then(VecDeque::front)
            {
                if now_ms < at.saturating_add(WAIT_MS) && self.known(&tp, first, last) < last - first + 1 {
                    break;
                }
                if let Some(reads) = self.waiting.get_mut(&(consumer, tp.clone())) {
                    reads.pop_front();
                }
                self.consumed(consumer, &tp, first, last);
            }
        }
        self.waiting.retain(|_, reads| !reads.is_empty());
    }

    /// How many of the offsets `first..=last` of `tp` an acknowledged batch names.
    fn known(&self, tp: &TopicPartition, first: i64, last: i64) -> i64 {
        self.overlapping(tp, first, last).map(|(base, end, _, _)| end.min(last) - base.max(first) + 1).sum()
    }

    /// The acknowledged batches of `tp` holding any of `first..=last`, the last first:
    /// (base offset, last offset, producer, first record's send order).
    fn overlapping(
        &self,
        tp: &TopicPartition,
        first: i64,
        last: i64,
    ) -> impl Iterator<Item = (i64, i64, NodeId, SendOrder)> + '_ {
        self.batches
            .get(tp)
            .into_iter()
            .flat_map(move |kept| kept.range(..=last).rev())
            .take_while(move |(_, (end, _, _))| *end >= first)
            .map(|(base, (end, producer, order))| (*base, *end, *producer, *order))
    }

    /// `consumer` read `first..=last` of `tp`.
    fn consumed(&mut self, consumer: NodeId, tp: &TopicPartition, first: i64, last: i64) {
        let overlapping: Vec<(i64, i64, NodeId, SendOrder)> = self.overlapping(tp, first, last).collect();
        for (base, end, producer, (life, index)) in overlapping.into_iter().rev() {
            for offset in base.max(first)..=end.min(last) {
                let order = (life, index + (offset - base) as u64);
                let key = (consumer, tp.clone(), producer);
                match self.reading.get_mut(&key) {
                    // Read in offset order: a record sent before one already read is out of order.
                    Some((read_to, latest)) if offset > *read_to => {
                        if order < *latest {
                            *self.reordered.entry(consumer).or_default() += 1;
                        } else {
                            *latest = order;
                        }
                        *read_to = offset;
                    }
                    // Gone back (a re-read): count afresh from here.
                    _ => {
                        self.reading.insert(key, (offset, order));
                    }
                }
            }
        }
    }
}

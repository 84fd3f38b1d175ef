//! "A read_committed consumer never delivers a record of an aborted transaction" and
//! "… of a transaction that is not committed yet": every range of records a consumer
//! with `isolation.level=read_committed` reports processed (`RecordsConsumed`) is looked
//! up in the partition's log on the live broker with the highest HW; each transactional
//! batch in it must be followed, in that log, by its producer's COMMIT marker (Kafka's
//! consumer drops aborted batches by the fetch's aborted-transaction list,
//! `CompletedFetch.nextFetchedRecord`, and the leader serves read_committed fetches only
//! below the last stable offset, `UnifiedLog.read` with `FetchIsolation.TXN_COMMITTED`).
//! An ABORT marker breaks the first rule; no marker yet breaks the second. Incremental:
//! only the timeline's new events are read, each range's log scanned from its first
//! batch to the markers it needs.

use super::super::driver::{Invariant, Sim};
use super::broker;
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::log::PartitionLog;
use crate::engine::txn::marker::ControlRecordType;
use crate::engine::txn::read_committed::FetchedBatch;
use std::collections::{BTreeMap, BTreeSet};

/// Which of the two rules a checker holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    NoAborted,
    NoUncommitted,
}

/// What the log says of a transactional batch's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Committed,
    Aborted,
    Open,
}

/// The transactional batches overlapping `first..=last` in `log`, each with its
/// transaction's outcome: `(base_offset, producer_id, outcome)`.
pub(crate) fn outcomes(log: &PartitionLog, first: i64, last: i64) -> Vec<(i64, i64, Outcome)> {
    let mut found: Vec<(i64, i64, Outcome)> = Vec::new();
    // Producer id → indices in `found` still waiting for a marker.
    let mut waiting: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for seg in log.segments().iter().filter(|s| s.next_offset > first) {
        let position = if seg.base_offset < first { seg.translate_offset(first) } else { Some(0) };
        let Some(position) = position else { continue };
        for view in seg.batches_from(position).flatten() {
            if view.header.last_offset() < first {
                continue;
            }
            let Ok(b) = FetchedBatch::from_bytes(view.bytes) else { continue };
            if b.is_control_batch {
                if let Some(ids) = waiting.remove(&b.producer_id) {
                    let outcome = match b.control_type {
                        Some(ControlRecordType::Commit) => Outcome::Committed,
                        _ => Outcome::Aborted,
                    };
                    ids.into_iter().for_each(|i| found[i].2 = outcome);
                }
            } else if b.is_transactional && b.base_offset <= last {
                waiting.entry(b.producer_id).or_default().push(found.len());
                found.push((b.base_offset, b.producer_id, Outcome::Open));
            }
            if b.base_offset > last && waiting.is_empty() {
                return found;
            }
        }
    }
    found
}

pub(crate) struct ReadCommittedOnly {
    rule: Rule,
    brokers: u32,
    consumers: BTreeSet<NodeId>,
    timeline_read: usize,
}

impl ReadCommittedOnly {
    pub(crate) fn new(rule: Rule, brokers: u32, consumers: BTreeSet<NodeId>) -> Self {
        ReadCommittedOnly { rule, brokers, consumers, timeline_read: 0 }
    }
}

impl Invariant for ReadCommittedOnly {
    fn name(&self) -> &'static str {
        match self.rule {
            Rule::NoAborted => "transactions: a read_committed consumer never delivers a record of an aborted transaction",
            Rule::NoUncommitted => {
                "transactions: a read_committed consumer never delivers a record of a transaction not committed yet"
            }
        }
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        let from = self.timeline_read.max(sim.timeline().first_kept());
        self.timeline_read = sim.timeline().len();
        for (_, _, e) in sim.timeline().iter_from(from) {
            let ClusterEvent::RecordsConsumed { client_id, tp, first_offset, last_offset } = e else {
                continue;
            };
            if !self.consumers.contains(client_id) {
                continue;
            }
            // The replica that knows most: the live one with the highest HW holding `first`.
            let best = (1..=self.brokers)
                .filter_map(|b| Some((b, broker(sim, b)?.partition(&tp.topic, tp.partition)?)))
                .filter(|(_, p)| p.log.log_start_offset() <= *first_offset)
                .max_by_key(|(b, p)| (p.high_watermark, std::cmp::Reverse(*b)));
            let Some((b, p)) = best else { continue };
            for (base_offset, producer_id, outcome) in outcomes(&p.log, *first_offset, *last_offset) {
                let what = match (self.rule, outcome) {
                    (Rule::NoAborted, Outcome::Aborted) => "aborted",
                    (Rule::NoUncommitted, Outcome::Open) => "not committed",
                    _ => continue,
                };
                return Err(format!(
                    "consumer {client_id} delivered {}-{} offsets {first_offset}..{last_offset}: the batch at \
                     {base_offset} of producer {producer_id} is in a transaction {what} in broker {b}'s log",
                    tp.topic, tp.partition
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::log::txn_log::EndTxnMarkerAppend;
    use crate::engine::record::{BatchBuilder, BatchOptions};
    use crate::engine::topic::TopicConfig;

    fn append(log: &mut PartitionLog, pid: i64, seq: i32, n: u32) {
        let options = BatchOptions {
            is_transactional: pid >= 0,
            producer_id: pid,
            producer_epoch: if pid >= 0 { 0 } else { -1 },
            base_sequence: if pid >= 0 { seq } else { -1 },
            ..BatchOptions::default()
        };
        let mut b = BatchBuilder::new(options);
        (0..n).for_each(|_| b.append(0, None, Some(b"v"), &[]));
        log.append_as_leader(0, &b.build().unwrap(), 0).unwrap();
    }

    fn end(log: &mut PartitionLog, pid: i64, committed: bool) {
        let marker =
            EndTxnMarkerAppend { producer_id: pid, producer_epoch: 0, coordinator_epoch: 0, committed };
        log.append_end_txn_marker_as_leader(0, marker, 0).unwrap();
    }

    /// Producer 1 commits 0..=2 (marker 5), producer 2 aborts 3..=4 (marker 6), plain
    /// records at 7..=8, producer 1's 9..=10 are still open.
    #[test]
    fn each_transactional_batch_gets_its_producers_next_marker() {
        let mut log = PartitionLog::new(1, "t", 0, TopicConfig::default(), 0);
        append(&mut log, 1, 0, 3);
        append(&mut log, 2, 0, 2);
        end(&mut log, 1, true);
        end(&mut log, 2, false);
        append(&mut log, -1, 0, 2);
        append(&mut log, 1, 3, 2);
        assert_eq!(outcomes(&log, 0, 4), vec![(0, 1, Outcome::Committed), (3, 2, Outcome::Aborted)]);
        assert_eq!(outcomes(&log, 4, 4), vec![(3, 2, Outcome::Aborted)]);
        assert_eq!(outcomes(&log, 7, 8), vec![], "plain records are not in a transaction");
        assert_eq!(outcomes(&log, 7, 10), vec![(9, 1, Outcome::Open)]);
    }
}

//! The replica invariants, checked after every step for the brokers the step handed an
//! input to (no other broker's state can have changed): every replica has log start ≤
//! HW ≤ LEO (retention and DeleteRecords never pass a replica's own HW) and a log start
//! offset that never goes back; a leader's HW never goes back within its epoch;
//! each committed batch of a topic with clean election is the same on every replica that
//! ever commits it (kept in a history). Incremental, so a long run stays linear: a
//! replica whose positions did not change since it last passed is skipped, and committed
//! batches are compared once, from where the last comparison stopped. Each rule has a
//! test that breaks the engine on purpose and sees it reported (tests/checkers_bite.rs).

use super::super::driver::{Invariant, Sim};
use super::broker;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::NodeId;
use crate::engine::replica::view::{BatchSummary, ReplicaOffsets};
use crate::engine::replica::BrokerNode;

type Tp = (String, u32);
/// A partition by its index in the scenario's partition list (cheap map keys).
type TpIndex = usize;

pub(super) struct ReplicaRules {
    brokers: u32,
    topics: Vec<Tp>,
    /// The same partitions as broker map keys (looked up without allocating).
    keys: Vec<TopicPartition>,
    /// Per partition: its topic has clean election only, so committed batches never change.
    clean: Vec<bool>,
    /// Per replica ([`ReplicaRules::slot`]): a leader's epoch and HW.
    leader_hw: Vec<Option<(i32, i64)>>,
    log_start: Vec<Option<i64>>,
    /// Per replica, the offset below which its committed batches were already compared.
    checked: Vec<Option<i64>>,
    /// Per replica, its positions at its last passing check. Checking the same positions
    /// again finds nothing new (every rule reads only them, and no batch lies between
    /// `checked` = HW and HW), so such a replica is skipped.
    passed: Vec<Option<ReplicaOffsets>>,
    /// Per partition, every committed batch seen so far, sorted by base offset (they
    /// mostly come in order: one vector, appended to).
    history: Vec<Vec<BatchSummary>>,
    /// The batches of the replica being checked (one buffer, reused).
    batches: Vec<BatchSummary>,
}

impl ReplicaRules {
    pub(super) fn new(brokers: u32, topics: Vec<Tp>, clean: Vec<bool>) -> Self {
        let keys: Vec<TopicPartition> = topics
            .iter()
            .map(|(topic, partition)| TopicPartition { topic: topic.into(), partition: *partition })
            .collect();
        let replicas = (brokers as usize + 1) * topics.len();
        ReplicaRules {
            brokers,
            keys,
            clean,
            leader_hw: vec![None; replicas],
            log_start: vec![None; replicas],
            checked: vec![None; replicas],
            passed: vec![None; replicas],
            history: vec![Vec::new(); topics.len()],
            batches: Vec::new(),
            topics,
        }
    }

    /// Where replica (broker `b`, partition `i`) is kept in the per-replica vectors.
    fn slot(&self, b: NodeId, i: TpIndex) -> usize {
        b as usize * self.topics.len() + i
    }

    /// The rules for one replica at `v`; `batches` are its committed batches with last
    /// offset ≥ the `checked` offset (needed only when new committed ones may be among them).
    fn check_replica(
        &mut self,
        b: NodeId,
        i: TpIndex,
        v: &ReplicaOffsets,
        batches: &[BatchSummary],
    ) -> Result<(), String> {
        let (topic, partition) = &self.topics[i];
        if v.high_watermark > v.log_end_offset {
            return Err(format!(
                "broker {b} {topic}-{partition}: HW {} > LEO {}",
                v.high_watermark, v.log_end_offset
            ));
        }
        if v.log_start_offset > v.high_watermark {
            return Err(format!(
                "broker {b} {topic}-{partition}: log start offset {} > HW {}",
                v.log_start_offset, v.high_watermark
            ));
        }
        let key = self.slot(b, i);
        let last_start = self.log_start[key].replace(v.log_start_offset).unwrap_or(i64::MIN);
        if v.log_start_offset < last_start {
            return Err(format!(
                "broker {b} {topic}-{partition}: log start offset went back to {}",
                v.log_start_offset
            ));
        }
        if v.is_leader {
            if let Some((epoch, hw)) = &self.leader_hw[key] {
                if *epoch == v.leader_epoch && v.high_watermark < *hw {
                    return Err(format!(
                        "broker {b} {topic}-{partition}: leader HW went back from {hw} to {} in epoch {epoch}",
                        v.high_watermark
                    ));
                }
            }
            self.leader_hw[key] = Some((v.leader_epoch, v.high_watermark));
        } else {
            self.leader_hw[key] = None;
        }
        if !self.clean[i] {
            return Ok(());
        }
        let history = &mut self.history[i];
        for batch in batches.iter().filter(|x| x.last_offset < v.high_watermark) {
            // Mostly past every batch seen (a new one) or among the last ones.
            let found = match history.last() {
                Some(last) if last.base_offset < batch.base_offset => Err(history.len()),
                _ => history.binary_search_by_key(&batch.base_offset, |seen| seen.base_offset),
            };
            match found {
                Ok(at) if history[at] != *batch => {
                    let seen = &history[at];
                    return Err(format!(
                        "{topic}-{partition}: broker {b} has committed batch {batch:?} where {seen:?} was committed before"
                    ));
                }
                Ok(_) => {}
                Err(at) => history.insert(at, *batch),
            }
        }
        self.checked[key] = Some(v.high_watermark);
        Ok(())
    }
}

impl Invariant for ReplicaRules {
    fn name(&self) -> &'static str {
        "replicas: HW ≤ LEO, committed prefixes agree, offsets only grow"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        // Only the brokers this step handed an input to can have changed (mostly one:
        // kept on the stack).
        let mut first: [(NodeId, Option<&BrokerNode>); 4] = [(0, None); 4];
        let (mut count, mut more) = (0, Vec::new());
        for &b in sim.touched().iter().filter(|b| (1..=self.brokers).contains(*b)) {
            match first.get_mut(count) {
                Some(slot) => {
                    *slot = (b, broker(sim, b));
                    count += 1;
                }
                None => more.push((b, broker(sim, b))),
            }
        }
        if count == 0 {
            return Ok(());
        }
        let touched = &first[..count];
        let mut batches = std::mem::take(&mut self.batches);
        let verdict = self.check_touched(|| touched.iter().chain(&more).copied(), &mut batches);
        self.batches = batches;
        verdict
    }
}

impl ReplicaRules {
    fn check_touched<'a, I>(
        &mut self,
        touched: impl Fn() -> I,
        batches: &mut Vec<BatchSummary>,
    ) -> Result<(), String>
    where
        I: Iterator<Item = (NodeId, Option<&'a BrokerNode>)>,
    {
        for i in 0..self.topics.len() {
            for (b, node) in touched() {
                let key = self.slot(b, i);
                let Some(v) = node.and_then(|n| n.replica_offsets(&self.keys[i])) else {
                    self.checked[key] = None;
                    self.passed[key] = None;
                    continue;
                };
                if self.passed[key] == Some(v) {
                    continue;
                }
                self.passed[key] = None;
                let from = self.checked[key].unwrap_or(i64::MIN);
                if v.log_end_offset < from {
                    // Truncated (or restarted shorter): compare again from where it now ends.
                    self.checked[key] = Some(v.log_end_offset.min(v.high_watermark));
                }
                // Batches matter only on a clean topic with committed offsets past `from`.
                batches.clear();
                if let Some(n) = node.filter(|_| self.clean[i] && v.high_watermark > from) {
                    n.replica_committed_batches_from(&self.keys[i], from, batches);
                }
                self.check_replica(b, i, &v, batches)?;
                self.passed[key] = Some(v);
            }
        }
        Ok(())
    }
}

//! "A consume-transform-produce pipeline's committed output is its input exactly once":
//! whenever the pipeline is back in `poll()` with every owned input partition's position
//! known and the cluster quiet enough to judge (each input and output partition led by the
//! live broker the controller names, in its epoch, whose log ends at its HW, no output
//! transaction undecided), the records of
//! committed transactions in the output topic are exactly the input records below the
//! consumer's positions (the offsets committed with them), transformed (`value + "-ok"`),
//! each once, and the records of each input partition keep their order in each output
//! partition. Offsets and output commit in one transaction, so a pipeline that committed
//! offsets outside it, or output without them, breaks this after a crash. Judged only when
//! the input values are distinct (they name the records) and only when something changed
//! (a committed transaction or a HW).

use super::super::driver::{Invariant, Sim};
use super::broker;
use crate::engine::cluster::{NodeId, NodeView, CONTROLLER_ID};
use crate::engine::log::PartitionLog;
use crate::engine::record::decode_batch;
use crate::engine::replica::partition::{Partition, Role};
use crate::engine::txn::marker::ControlRecordType;
use crate::engine::txn::read_committed::FetchedBatch;
use std::collections::BTreeMap;

pub(crate) struct PipelineExactlyOnce {
    pipeline: NodeId,
    /// Partitions of the input and of the output topic.
    input_partitions: u32,
    output_partitions: u32,
    /// What the last judgement saw (skip when nothing changed).
    last_seen: Option<Vec<i64>>,
}

impl PipelineExactlyOnce {
    pub(crate) fn new(pipeline: NodeId, input_partitions: u32, output_partitions: u32) -> Self {
        PipelineExactlyOnce { pipeline, input_partitions, output_partitions, last_seen: None }
    }

    /// The leader the controller's metadata names for `topic`-`partition`, if it is live,
    /// leads in that epoch (a deposed leader may still think it leads, and a crashed one
    /// may still be named) and its log ends at its HW.
    fn quiet_leader<'a>(&self, sim: &'a Sim, topic: &str, partition: u32) -> Option<&'a Partition> {
        let controller = sim.node(CONTROLLER_ID)?.view().controller()?;
        let named = controller.image().partition(topic, partition)?;
        let leader = broker(sim, named.leader?)?.partition(topic, partition)?;
        (leader.role == Role::Leader
            && leader.state.leader_epoch == named.leader_epoch
            && leader.log.log_end_offset() == leader.high_watermark)
            .then_some(leader)
    }
}

/// A log's data records (offset, value) with their transaction's outcome: `Some(true)`
/// committed (or not transactional), `Some(false)` aborted, `None` undecided.
fn records(log: &PartitionLog) -> Vec<(i64, String, Option<bool>)> {
    let mut out: Vec<(i64, String, Option<bool>)> = Vec::new();
    let mut waiting: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for seg in log.segments() {
        for view in seg.batches_from(0).flatten() {
            let Ok(b) = FetchedBatch::from_bytes(view.bytes) else { continue };
            if b.is_control_batch {
                let committed = b.control_type == Some(ControlRecordType::Commit);
                for i in waiting.remove(&b.producer_id).unwrap_or_default() {
                    out[i].2 = Some(committed);
                }
                continue;
            }
            let Ok(batch) = decode_batch(view.bytes) else { continue };
            for r in &batch.records {
                let value =
                    r.value.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
                if b.is_transactional {
                    waiting.entry(b.producer_id).or_default().push(out.len());
                    out.push((r.offset, value, None));
                } else {
                    out.push((r.offset, value, Some(true)));
                }
            }
        }
    }
    out
}

impl Invariant for PipelineExactlyOnce {
    fn name(&self) -> &'static str {
        "transactions: a consume-transform-produce pipeline's committed output is its input below its committed offsets, exactly once, in order"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        let Some(NodeView::Pipeline(p)) = sim.live_node(self.pipeline).map(|n| n.view()) else {
            return Ok(());
        };
        if *p.app_state() != crate::engine::client::pipeline::AppState::Polling
            || p.consumer().processing_records() > 0
        {
            return Ok(());
        }
        let topics = p.topics().clone();
        let positions: BTreeMap<u32, i64> =
            p.consumer().owned_positions().into_iter().map(|(tp, o)| (tp.partition, o)).collect();
        if positions.len() != self.input_partitions as usize {
            return Ok(());
        }
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        let mut seen = Vec::new();
        for i in 0..self.input_partitions {
            let Some(l) = self.quiet_leader(sim, &topics.input, i) else { return Ok(()) };
            seen.push(l.high_watermark);
            inputs.push(l);
        }
        for o in 0..self.output_partitions {
            let Some(l) = self.quiet_leader(sim, &topics.output, o) else { return Ok(()) };
            seen.push(l.high_watermark);
            outputs.push(l);
        }
        seen.extend(positions.values());
        if self.last_seen.as_ref() == Some(&seen) {
            return Ok(());
        }
        self.last_seen = Some(seen);
        // Input value → (partition, offset), below the positions.
        let mut input: BTreeMap<String, (u32, i64)> = BTreeMap::new();
        for (i, l) in inputs.iter().enumerate() {
            let i = i as u32;
            for (offset, value, _) in records(&l.log) {
                if offset < positions[&i] && input.insert(format!("{value}-ok"), (i, offset)).is_some() {
                    return Ok(()); // values repeat: they do not name the records
                }
            }
        }
        let mut found: BTreeMap<&str, (u32, i64)> = BTreeMap::new();
        for (o, l) in outputs.iter().enumerate() {
            let mut last_per_input: BTreeMap<u32, i64> = BTreeMap::new();
            for (offset, value, outcome) in records(&l.log) {
                match outcome {
                    None => return Ok(()), // a transaction still undecided
                    Some(false) => continue,
                    Some(true) => {}
                }
                let Some((key, &(i, in_offset))) = input.get_key_value(&value) else {
                    return Err(format!(
                        "{}-{o} offset {offset} holds committed {value:?}, which is no record of {} below the pipeline's positions {positions:?}",
                        topics.output, topics.input
                    ));
                };
                if let Some(earlier) = found.insert(key.as_str(), (o as u32, offset)) {
                    return Err(format!(
                        "{value:?} (from {}-{i} offset {in_offset}) is committed twice: {}-{} offset {} and {}-{o} offset {offset}",
                        topics.input, topics.output, earlier.0, earlier.1, topics.output
                    ));
                }
                if last_per_input.get(&i).is_some_and(|last| *last > in_offset) {
                    return Err(format!(
                        "{}-{o} offset {offset} holds {value:?} ({}-{i} offset {in_offset}) after a later record of that partition",
                        topics.output, topics.input
                    ));
                }
                last_per_input.insert(i, in_offset);
            }
        }
        if let Some((value, (i, offset))) = input.iter().find(|(v, _)| !found.contains_key(v.as_str())) {
            return Err(format!(
                "{}-{i} offset {offset} is below the pipeline's committed position {} but {value:?} is in no committed transaction of {}",
                topics.input, positions[i], topics.output
            ));
        }
        Ok(())
    }
}

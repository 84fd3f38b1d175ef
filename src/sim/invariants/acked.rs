//! The acknowledged-writes invariant: a record acknowledged with `acks=all` on a topic
//! with `min.insync.replicas` ≥ 2 and clean election is never lost — whenever the
//! partition has a leader, that leader (the one the controller's metadata names, once it
//! has caught up to that epoch) holds it. Checked after every step, reading only what the
//! step can have changed: a producer's acknowledgements grow only when it is handed an
//! input, the named leaders change only when the controller is, and a verdict stands until
//! its record, its named leader, or that leader's log changes. Tests that break the
//! engine on purpose see it reported: tests/checkers_bite.rs.

use super::super::driver::{Invariant, Sim};
use super::broker;
use crate::engine::client::producer::record_text::RecordText;
use crate::engine::client::producer::AcknowledgedRecord;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::engine::replica::BrokerNode;
use std::collections::BTreeSet;

pub(super) struct AckedWritesSurvive {
    /// The producers whose acknowledgements count, each with how many of them were folded
    /// in already and of which incarnation of the node.
    producers: Vec<Producer>,
    protected: BTreeSet<String>,
    /// Per partition, ordered by (topic, partition): the highest acknowledged offset and
    /// what it was checked against.
    acked: Vec<Acked>,
}

struct Producer {
    id: NodeId,
    seen: usize,
    /// The node's incarnation when `seen` was counted (`None`: never looked at).
    incarnation: Option<u64>,
}

/// The highest acknowledged record of a partition.
struct Acked {
    tp: TopicPartition,
    offset: i64,
    value: RecordText,
    /// The leader and epoch the controller's metadata names (`Some(None)`: no leader),
    /// read again whenever the controller was handed an input (only then can it change).
    named: Option<Option<(NodeId, i32)>>,
    /// Whether the partition passed since `offset` or `named` last changed. The verdict
    /// reads only them and the named leader: until that broker is handed an input, it
    /// stands (a crash hands none, and a crashed leader passes).
    passed: bool,
}

impl AckedWritesSurvive {
    pub(super) fn new(acks_all: Vec<NodeId>, protected: BTreeSet<String>) -> Self {
        let producers = acks_all.into_iter().map(|id| Producer { id, seen: 0, incarnation: None }).collect();
        AckedWritesSurvive { producers, protected, acked: Vec::new() }
    }

    /// Folds in the acknowledgements of producer `p` not seen yet.
    fn fold_in(acked: &mut Vec<Acked>, protected: &BTreeSet<String>, records: &[AcknowledgedRecord]) {
        // Acknowledgements come in runs of one partition (a batch): one lookup per run.
        let mut rest = records;
        while let Some(head) = rest.first() {
            let run =
                rest.iter().take_while(|r| r.partition == head.partition && r.topic == head.topic).count();
            let (same, after) = rest.split_at(run);
            rest = after;
            if !protected.contains(head.topic.as_str()) {
                continue;
            }
            let key = (head.topic.as_str(), head.partition);
            let at = match acked.binary_search_by(|a| (a.tp.topic.as_str(), a.tp.partition).cmp(&key)) {
                Ok(at) => at,
                Err(at) => {
                    let tp = TopicPartition { topic: head.topic.clone(), partition: head.partition };
                    acked.insert(
                        at,
                        Acked { tp, offset: -1, value: head.value.clone(), named: None, passed: false },
                    );
                    at
                }
            };
            let Some(entry) = acked.get_mut(at) else { continue };
            // The first record with the run's highest offset above the entry's.
            let mut highest: Option<&AcknowledgedRecord> = None;
            for r in same {
                if r.offset > highest.map_or(entry.offset, |h| h.offset) {
                    highest = Some(r);
                }
            }
            if let Some(r) = highest {
                entry.offset = r.offset;
                entry.value = r.value.clone();
                entry.passed = false;
            }
        }
    }
}

impl Invariant for AckedWritesSurvive {
    fn name(&self) -> &'static str {
        "acks=all writes with min.insync.replicas ≥ 2 and clean election survive"
    }

    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        let touched = sim.touched();
        if touched.is_empty() {
            return Ok(());
        }
        for p in &mut self.producers {
            let Some(slot) = sim.slots.get(&p.id) else { continue };
            // Untouched since it was last read, the same node: nothing new.
            if p.incarnation == Some(slot.incarnation) && !touched.contains(&p.id) {
                continue;
            }
            let Some(node) = slot.node.as_deref().and_then(|n| n.view().producer()) else {
                continue;
            };
            // `seen` counts from the producer's first acknowledgement; it reads after
            // every step, long before the producer forgets any it has not read.
            let (records, forgotten) = (node.acknowledged(), node.acknowledged_forgotten() as usize);
            let unread = records.get(p.seen.saturating_sub(forgotten)..).unwrap_or_default();
            Self::fold_in(&mut self.acked, &self.protected, unread);
            p.seen = forgotten + records.len();
            p.incarnation = Some(slot.incarnation);
        }
        if self.acked.is_empty() {
            return Ok(());
        }
        let Some(controller) = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller()) else {
            return Ok(());
        };
        let controller_touched = touched.contains(&CONTROLLER_ID);
        // The last leader looked up (the touched broker leads several partitions).
        let mut looked_up: Option<(NodeId, Option<&BrokerNode>)> = None;
        let mut verdict = Ok(());
        for acked in &mut self.acked {
            if controller_touched || acked.named.is_none() {
                let state = controller.image().partition(&acked.tp.topic, acked.tp.partition);
                let named = Some(state.and_then(|s| s.leader.map(|id| (id, s.leader_epoch))));
                if acked.named != named {
                    acked.named = named;
                    acked.passed = false;
                }
            }
            let leader = acked.named.flatten();
            if acked.passed && leader.is_none_or(|(id, _)| !touched.contains(&id)) {
                continue;
            }
            acked.passed = false;
            if let Err(e) = leader_holds(sim, acked, leader, &mut looked_up) {
                verdict = Err(e);
                break;
            }
            acked.passed = true;
        }
        if verdict.is_err() {
            // Partitions after the failing one were not looked at: look at all next time.
            self.acked.iter_mut().for_each(|a| a.passed = false);
        }
        verdict
    }
}

/// Whether the leader the controller's metadata names (in that epoch) still holds the
/// acknowledged record. The named broker counts once it has caught up to the epoch (a
/// restarting broker replaying old metadata may briefly believe an old assignment; it
/// leads nothing until it catches up).
/// `looked_up` keeps the last broker looked up.
fn leader_holds<'a>(
    sim: &'a Sim,
    acked: &Acked,
    named: Option<(NodeId, i32)>,
    looked_up: &mut Option<(NodeId, Option<&'a BrokerNode>)>,
) -> Result<(), String> {
    let Some((id, epoch)) = named else { return Ok(()) };
    let node = match *looked_up {
        Some((last, node)) if last == id => node,
        _ => {
            let node = broker(sim, id);
            *looked_up = Some((id, node));
            node
        }
    };
    let Some(leader) = node.and_then(|n| n.replica_offsets(&acked.tp)) else { return Ok(()) };
    if !leader.is_leader || leader.leader_epoch != epoch {
        return Ok(());
    }
    let offset = acked.offset;
    if leader.log_end_offset <= offset && leader.log_start_offset <= offset {
        let (topic, partition) = (&acked.tp.topic, acked.tp.partition);
        return Err(format!(
            "record {topic}-{partition} offset {offset} (value {}) was acknowledged but the leader, broker {id} (epoch {}), no longer has it: its log ends at {}",
            acked.value, leader.leader_epoch, leader.log_end_offset
        ));
    }
    Ok(())
}

//! The acknowledgement ledger: every send a producer saw acknowledged, with the leader
//! epoch its records were written in, and how many of them the partition's log no longer
//! has — acknowledged and lost, as with `acks=1` when the leader dies before its
//! followers copied the records, or after an unclean election. Built from the timeline
//! (a leader's `Appended` names the epoch; the producer's `SendAcknowledged` follows) and
//! judged against the partition's current leader, the one the controller names, as its
//! broker last drew it: every other replica ends up truncated to the leader's log
//! (`ReplicaFetcherThread` truncating to the leader's epoch end offset), so the moment
//! a leader without the records is elected, they are lost; the old leader's copy is
//! evidence, not a future. While the partition has no leader, the last verdict stands.
//!
//! The leader holds offset `o` written in epoch `e` when `o` is below its log end
//! offset and its leader epoch cache says `o` was written in `e` (the newest entry
//! starting at or before `o`, as `LeaderEpochFileCache` reads it): a record written at
//! the same offset in a later epoch is another record. An offset below the log start
//! offset was removed by retention, `DeleteRecords` or the cleaner — policy, not a loss —
//! and counts as held. Bounded: the newest [`MAX_SENDS`] sends per producer and
//! [`MAX_APPENDS`] appends per partition are kept.

use super::view::ReplicaPicture;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{ClusterEvent, NodeId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Sends kept per producer.
pub const MAX_SENDS: usize = 512;
/// Appends kept per partition, to name the epoch of a send's records.
pub const MAX_APPENDS: usize = 256;

/// One acknowledged send.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Send {
    tp: TopicPartition,
    base_offset: i64,
    records: u32,
    /// The epoch the leader wrote it in (`None`: its append was not seen).
    leader_epoch: Option<i32>,
    /// Whether the leader was seen holding all of it.
    seen_held: bool,
    /// The last verdict: the leader holds `base_offset ..` up to here (exclusive).
    held_until: Option<i64>,
}

/// Acknowledged records no replica holds any more, of one partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRecords {
    pub topic: String,
    pub partition: u32,
    /// The first and last lost offset (inclusive) and how many records.
    pub first_offset: i64,
    pub last_offset: i64,
    pub records: u64,
}

#[derive(Debug, Clone, Default)]
pub struct AckLedger {
    sends: BTreeMap<NodeId, VecDeque<Send>>,
    /// Per partition: (first offset, last offset, leader epoch) of the newest appends.
    appends: BTreeMap<TopicPartition, VecDeque<(i64, i64, i32)>>,
}

impl AckLedger {
    /// Takes in one event of the timeline.
    pub fn absorb(&mut self, event: &ClusterEvent) {
        match event {
            ClusterEvent::Appended { tp, first_offset, last_offset, leader_epoch, .. } => {
                let appends = self.appends.entry(tp.clone()).or_default();
                if appends.len() == MAX_APPENDS {
                    appends.pop_front();
                }
                appends.push_back((*first_offset, *last_offset, *leader_epoch));
            }
            ClusterEvent::SendAcknowledged { client_id, tp, base_offset, records, .. } => {
                let leader_epoch = self.appends.get(tp).and_then(|a| {
                    a.iter()
                        .rev()
                        .find(|(first, last, _)| (*first..=*last).contains(base_offset))
                        .map(|a| a.2)
                });
                let sends = self.sends.entry(*client_id).or_default();
                if sends.len() == MAX_SENDS {
                    sends.pop_front();
                }
                sends.push_back(Send {
                    tp: tp.clone(),
                    base_offset: *base_offset,
                    records: *records,
                    leader_epoch,
                    seen_held: false,
                    held_until: None,
                });
            }
            _ => {}
        }
    }

    /// Judges every send again against its partition's leader as drawn now
    /// (`leader_replica`: `None` while the partition has no leader or its leader's
    /// picture is not there; the last verdict then stands).
    pub fn judge<'a>(&mut self, leader_replica: impl Fn(&TopicPartition) -> Option<&'a ReplicaPicture>) {
        for s in self.sends.values_mut().flatten() {
            let Some(r) = leader_replica(&s.tp) else { continue };
            let held = held_until(r, s);
            let all_held = held >= s.base_offset + i64::from(s.records);
            // A leader's picture drawn in the send's own epoch may predate the append
            // (the picture comes after the acknowledgement): only a later epoch, or a
            // send once seen held, gives a verdict of loss.
            let later_epoch = s.leader_epoch.is_some_and(|e| r.leader_epoch > e);
            if !(all_held || later_epoch || s.seen_held) {
                continue;
            }
            s.seen_held |= all_held;
            s.held_until = Some(held);
        }
    }

    /// The acknowledged records of `client_id` the partition's log no longer has, one entry per lost run of a partition, in the order they
    /// were acknowledged.
    pub fn lost(&self, client_id: NodeId) -> Vec<LostRecords> {
        let Some(sends) = self.sends.get(&client_id) else { return Vec::new() };
        let mut out: Vec<LostRecords> = Vec::new();
        for s in sends {
            let end = s.base_offset + i64::from(s.records);
            let Some(first) = s.held_until.map(|h| h.max(s.base_offset)).filter(|f| *f < end) else {
                continue;
            };
            match out.last_mut() {
                Some(l)
                    if l.topic == s.tp.topic.as_str()
                        && l.partition == s.tp.partition
                        && l.last_offset + 1 == first =>
                {
                    l.last_offset = end - 1;
                    l.records += (end - first) as u64;
                }
                _ => out.push(LostRecords {
                    topic: s.tp.topic.to_string(),
                    partition: s.tp.partition,
                    first_offset: first,
                    last_offset: end - 1,
                    records: (end - first) as u64,
                }),
            }
        }
        out
    }
}

/// Where the replica stops holding the send's records: it holds `base_offset ..` up to
/// the returned offset (exclusive). Truncation cuts a log's end, so what a replica holds
/// of one send is a prefix.
fn held_until(r: &ReplicaPicture, s: &Send) -> i64 {
    let end = s.base_offset + i64::from(s.records);
    // Offsets below the log start were removed by retention, DeleteRecords or the
    // cleaner: policy, not a loss.
    let removed_until = r.log_start_offset.clamp(s.base_offset, end);
    let mut until = r.log_end_offset.min(end);
    if let Some(epoch) = s.leader_epoch {
        let entries = &r.leader_epochs;
        // The entry in force at base_offset (the newest starting at or before it).
        let at = entries.iter().rposition(|e| e.start_offset <= s.base_offset);
        match at {
            Some(i) if entries[i].epoch == epoch => {
                if let Some(next) = entries.get(i + 1) {
                    until = until.min(next.start_offset);
                }
            }
            // Written in another epoch at that offset: another record.
            Some(_) => return removed_until,
            // Older than the entries the picture carries: the epoch cannot be told.
            None => {}
        }
    }
    until.max(removed_until)
}

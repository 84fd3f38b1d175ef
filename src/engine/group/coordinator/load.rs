//! Becoming and ceasing to be a coordinator (`GroupCoordinatorService.onElection` /
//! `onResignation`, `CoordinatorLoaderImpl`): when this broker becomes leader of a
//! `__consumer_offsets` partition it reads the partition's log from the start, replaying
//! `OffsetCommit` and `GroupMetadata` records (a null value deletes), and only then serves
//! the partition's groups (COORDINATOR_LOAD_IN_PROGRESS before). Loaded groups with
//! members are Stable, each member's session starting at the load. On resignation the
//! partition's groups become Dead and are dropped; requests parked on them and writes in
//! flight get NOT_COORDINATOR.

use super::group::{ClassicGroup, GroupState, Member};
use super::records::{decode_group_metadata_value, decode_key, decode_offset_commit_value, RecordKey};
use super::timers::TimerKey;
use super::txn_offsets::TxnOffsetLoad;
use super::{CommittedOffset, GroupCoordinator, OwnedPartition};
use crate::engine::cluster::messages::{JoinGroupProtocol, Message, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::record::{decode_batch, split_batches};
use crate::engine::txn::marker::ControlRecordType;
use std::collections::BTreeMap;

impl GroupCoordinator {
    /// This broker now leads `__consumer_offsets-{partition}` in `leader_epoch`: the load
    /// is scheduled (the broker serves [`TimerKey::Load`] with the log).
    pub fn on_elected(&mut self, now_ms: i64, partition: u32, leader_epoch: i32) {
        if self.partitions.get(&partition).is_some_and(|p| p.leader_epoch == leader_epoch) {
            return;
        }
        if self.partitions.contains_key(&partition) {
            self.on_resigned(now_ms, partition);
        }
        self.partitions.insert(partition, OwnedPartition { leader_epoch, loaded: false });
        self.timers.schedule(TimerKey::Load { partition }, now_ms);
    }

    /// Replays the partition's log (its bytes, batch after batch) into groups and offsets.
    pub fn load(&mut self, now_ms: i64, partition: u32, log: &[u8]) {
        let Some(owned) = self.partitions.get_mut(&partition) else { return };
        owned.loaded = true;
        let mut groups: BTreeMap<String, Option<ClassicGroup>> = BTreeMap::new();
        let mut offsets: BTreeMap<String, BTreeMap<TopicPartition, CommittedOffset>> = BTreeMap::new();
        let mut records = 0u32;
        let mut problems = Vec::new();
        let mut txn = TxnOffsetLoad::default();
        for view in split_batches(log) {
            let Ok(view) = view else { break };
            let Ok(batch) = decode_batch(view.bytes) else { continue };
            let h = &batch.header;
            let (producer_id, transactional, base_offset) =
                (h.producer_id, h.is_transactional(), h.base_offset);
            if h.is_control_batch() {
                // `loadGroupsAndOffsets`: a marker ends its producer's pending offsets.
                let key = batch.records.first().and_then(|r| r.key.as_deref());
                match key.map(ControlRecordType::parse) {
                    Some(Ok(t)) => txn.on_marker(producer_id, t == ControlRecordType::Commit, &mut offsets),
                    Some(Err(e)) => problems.push(e.to_string()),
                    None => {}
                }
                continue;
            }
            for r in batch.records {
                records += 1;
                let Some(key_bytes) = &r.key else { continue };
                let key = match decode_key(key_bytes) {
                    Ok(k) => k,
                    Err(e) => {
                        problems.push(e.to_string());
                        continue;
                    }
                };
                match (key, &r.value) {
                    (RecordKey::OffsetCommit { group, topic, partition }, Some(v)) => {
                        match decode_offset_commit_value(v) {
                            Ok(v) => {
                                let tp = TopicPartition {
                                    topic: topic.into(),
                                    partition: partition.max(0) as u32,
                                };
                                let c = CommittedOffset {
                                    offset: v.offset,
                                    leader_epoch: v.leader_epoch,
                                    metadata: v.metadata,
                                    commit_timestamp_ms: v.commit_timestamp_ms,
                                };
                                if transactional {
                                    txn.on_txn_offset(producer_id, group, tp, Some((c, base_offset)));
                                } else {
                                    txn.positions
                                        .entry(group.clone())
                                        .or_default()
                                        .insert(tp.clone(), base_offset);
                                    offsets.entry(group).or_default().insert(tp, c);
                                }
                            }
                            Err(e) => problems.push(e.to_string()),
                        }
                    }
                    (RecordKey::OffsetCommit { group, topic, partition }, None) if transactional => {
                        let tp = TopicPartition { topic: topic.into(), partition: partition.max(0) as u32 };
                        txn.on_txn_offset(producer_id, group, tp, None);
                    }
                    (RecordKey::OffsetCommit { group, topic, partition }, None) => {
                        if let Some(o) = offsets.get_mut(&group) {
                            o.remove(&TopicPartition {
                                topic: topic.into(),
                                partition: partition.max(0) as u32,
                            });
                        }
                    }
                    (RecordKey::GroupMetadata { group }, Some(v)) => match decode_group_metadata_value(v) {
                        Ok(v) => {
                            let g = group_from_record(&group, partition, now_ms, v);
                            groups.insert(group, Some(g));
                        }
                        Err(e) => problems.push(e.to_string()),
                    },
                    (RecordKey::GroupMetadata { group }, None) => {
                        groups.insert(group, None);
                    }
                }
            }
        }
        let mut loaded_groups = 0;
        for (id, g) in groups {
            let Some(g) = g else { continue };
            loaded_groups += 1;
            for m in g.members.values() {
                let key = TimerKey::Heartbeat { group: id.clone(), member: m.member_id.clone() };
                self.timers.schedule(key, now_ms + i64::from(m.session_timeout_ms));
            }
            self.groups.insert(id, g);
        }
        let loaded_offsets = offsets.values().map(|o| o.len() as u32).sum();
        for (group, o) in offsets {
            self.offsets.insert(group, o);
        }
        for (group, positions) in txn.positions {
            self.offset_positions.insert(group, positions);
        }
        // Transactions still open at the log's end stay pending.
        for (producer_id, by_group) in txn.pending {
            for (group, pending) in by_group.into_iter().filter(|(_, p)| !p.is_empty()) {
                self.pending_txn_offsets.entry(producer_id).or_default().insert(group, pending);
            }
        }
        for p in problems.into_iter().take(3) {
            self.event(ClusterEvent::Refused {
                node_id: self.broker_id,
                reason: format!("__consumer_offsets-{partition}: {p}"),
            });
        }
        self.event(ClusterEvent::CoordinatorLoaded {
            broker_id: self.broker_id,
            partition,
            groups: loaded_groups,
            offsets: loaded_offsets,
            records,
        });
    }

    /// This broker no longer leads `__consumer_offsets-{partition}`.
    pub fn on_resigned(&mut self, now_ms: i64, partition: u32) {
        if self.partitions.remove(&partition).is_none() {
            return;
        }
        self.timers.cancel(&TimerKey::Load { partition });
        self.drop_pending_txn_offsets(partition);
        let ids: Vec<String> =
            self.groups.iter().filter(|(_, g)| g.partition == partition).map(|(id, _)| id.clone()).collect();
        for id in &ids {
            self.transition(
                now_ms,
                id,
                GroupState::Dead,
                "the coordinator moved (partition leadership lost)",
            );
            let Some(g) = self.groups.remove(id) else { continue };
            for m in g.members.values() {
                self.answer_not_coordinator(m);
            }
            self.offsets.remove(id);
            let group = id.clone();
            self.timers.retain(|k| match k {
                TimerKey::Heartbeat { group: g, .. }
                | TimerKey::Join { group: g }
                | TimerKey::Sync { group: g } => g != &group,
                _ => true,
            });
        }
        let failed: Vec<u64> =
            self.appends.iter().filter(|(_, a)| a.partition == partition).map(|(id, _)| *id).collect();
        for id in failed {
            self.append_completed(now_ms, id, Some(ErrorCode::NotCoordinator));
        }
        self.event(ClusterEvent::CoordinatorUnloaded {
            broker_id: self.broker_id,
            partition,
            groups: ids.len() as u32,
        });
    }

    fn answer_not_coordinator(&mut self, m: &Member) {
        if let Some(w) = m.awaiting_join {
            let message = Message::JoinGroupResponse {
                correlation_id: w.correlation_id,
                error: Some(ErrorCode::NotCoordinator),
                generation_id: -1,
                protocol_type: None,
                protocol_name: None,
                leader: String::new(),
                skip_assignment: false,
                member_id: m.member_id.clone(),
                members: Vec::new(),
            };
            self.send(w, message);
        }
        if let Some(w) = m.awaiting_sync {
            let message = Message::SyncGroupResponse {
                correlation_id: w.correlation_id,
                error: Some(ErrorCode::NotCoordinator),
                protocol_type: None,
                protocol_name: None,
                assignment: Vec::new(),
            };
            self.send(w, message);
        }
    }
}

/// A group as its latest `GroupMetadata` record describes it.
fn group_from_record(
    group_id: &str,
    partition: u32,
    now_ms: i64,
    v: super::records::GroupMetadataValue,
) -> ClassicGroup {
    let mut g = ClassicGroup::new(group_id, partition, now_ms);
    g.generation_id = v.generation;
    g.protocol_type = (!v.protocol_type.is_empty()).then_some(v.protocol_type.clone());
    g.protocol_name = v.protocol.clone();
    g.leader_id = v.leader.clone();
    for m in v.members {
        if let Some(instance) = &m.group_instance_id {
            g.static_members.insert(instance.clone(), m.member_id.clone());
        }
        let protocols = match &v.protocol {
            Some(name) => vec![JoinGroupProtocol { name: name.clone(), metadata: m.subscription.clone() }],
            None => Vec::new(),
        };
        let member = Member {
            member_id: m.member_id.clone(),
            group_instance_id: m.group_instance_id,
            client_id: m.client_id,
            client_host: m.client_host.clone(),
            client_node: client_node_of(&m.client_host),
            rebalance_timeout_ms: m.rebalance_timeout_ms,
            session_timeout_ms: m.session_timeout_ms,
            protocol_type: v.protocol_type.clone(),
            protocols,
            assignment: m.assignment,
            awaiting_join: None,
            awaiting_sync: None,
            is_new: false,
        };
        g.members.insert(m.member_id, member);
    }
    g.state = if g.members.is_empty() { GroupState::Empty } else { GroupState::Stable };
    g.previous_state = g.state;
    g
}

/// The node id in a `client_host` this coordinator wrote (`/client-{node}`), else 0.
fn client_node_of(host: &str) -> NodeId {
    host.strip_prefix("/client-").and_then(|n| n.parse().ok()).unwrap_or(0)
}

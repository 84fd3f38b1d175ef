//! The broker side of Kafka's classic group protocol ([`GroupCoordinator`]), after the
//! `group-coordinator` module's `GroupMetadataManager` (classic groups) and
//! `OffsetMetadataManager`. A broker is coordinator of the groups whose
//! `__consumer_offsets` partition ([`placement`]) it leads; it serves JoinGroup, SyncGroup,
//! Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch for them, and writes group
//! metadata and committed offsets as records ([`records`]) to that partition, answering
//! only once they are replicated (Kafka appends with `acks=-1`). On gaining leadership it
//! reads the partition's log back (COORDINATOR_LOAD_IN_PROGRESS meanwhile); on losing it
//! its groups are dropped (NOT_COORDINATOR).
//!
//! Sans-IO inside the broker: requests go in through [`GroupCoordinator::handle_request`],
//! deadlines through [`GroupCoordinator::pop_due`] / [`GroupCoordinator::on_timer`], and
//! the coordinator hands back [`Effect`]s: messages, events, and appends for the broker to
//! make to its partition (whose outcome comes back through
//! [`GroupCoordinator::append_started`] and [`GroupCoordinator::append_completed`]).
//! Invariants: every request is answered exactly once (or dropped with its group when
//! the coordinator moves); a group's state changes only through `transition`, which
//! reports it; nothing panics on any input.

pub mod config;
mod deleted;
mod describe;
pub mod group;
mod join;
mod load;
mod offsets;
pub mod placement;
mod rebalance;
pub mod records;
mod static_member;
mod sync;
pub mod timers;
pub mod txn_offsets;

#[cfg(test)]
mod membership_tests;
#[cfg(test)]
mod tests;

pub use config::GroupCoordinatorConfig;
use group::{ClassicGroup, GroupState, Waiter};
use timers::{TimerKey, Timers};

use crate::engine::cluster::messages::{Message, OffsetPartitionResult, TopicPartition};
use crate::engine::cluster::{ClusterEvent, NodeId};
use crate::engine::error::ErrorCode;
use crate::engine::rng::Rng;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// What the coordinator asks of its broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Send {
        to: NodeId,
        message: Message,
    },
    Event(ClusterEvent),
    /// Append these `(key, value)` records to `__consumer_offsets-{partition}` as leader,
    /// then report with `append_started(id, …)`.
    Append {
        id: u64,
        partition: u32,
        records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    },
    /// [`Effect::Append`] as one transactional batch of the producer (TxnOffsetCommit):
    /// base sequence 0, appended with the coordinator's origin.
    AppendTransactional {
        id: u64,
        partition: u32,
        producer_id: i64,
        producer_epoch: i16,
        records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    },
}

/// A committed offset as the coordinator caches it (`OffsetAndMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp_ms: i64,
}

/// What happens when a write to `__consumer_offsets` is replicated (or fails).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AppendCallback {
    /// The leader's SyncGroup: the assignment of `generation`.
    SyncAssignment { group: String, generation: i32, assignment: BTreeMap<String, Vec<u8>> },
    /// The group became empty; nothing waits for it.
    EmptyGroup,
    /// A static member took a new member id in a Stable group.
    StaticReplace { group: String, member_id: String },
    OffsetCommit {
        group: String,
        to: Waiter,
        member_id: String,
        generation_id: i32,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
    },
    TxnOffsetCommit {
        group: String,
        to: Waiter,
        producer_id: i64,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingAppend {
    pub partition: u32,
    /// The HW that makes the write durable, and the leader epoch it was written in.
    pub started: Option<(i64, i32)>,
    pub callback: AppendCallback,
}

/// A `__consumer_offsets` partition this broker leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OwnedPartition {
    pub leader_epoch: i32,
    pub loaded: bool,
}

#[derive(Debug, Clone)]
pub struct GroupCoordinator {
    pub(crate) broker_id: NodeId,
    pub(crate) config: GroupCoordinatorConfig,
    /// Partitions of `__consumer_offsets` (the topic's, once it exists).
    pub(crate) offsets_partitions: u32,
    pub(crate) partitions: BTreeMap<u32, OwnedPartition>,
    pub(crate) groups: BTreeMap<String, ClassicGroup>,
    pub(crate) offsets: BTreeMap<String, BTreeMap<TopicPartition, CommittedOffset>>,
    pub(crate) timers: Timers,
    /// Transactional offsets waiting for their producer's marker ([`txn_offsets`]).
    pub(crate) pending_txn_offsets: txn_offsets::PendingTxnOffsets,
    /// Where each committed offset's batch is in the log (`appendedBatchOffset`), for a
    /// transactional commit's `olderThan`.
    pub(crate) offset_positions: BTreeMap<String, BTreeMap<TopicPartition, i64>>,
    pub(crate) appends: BTreeMap<u64, PendingAppend>,
    next_append_id: u64,
    effects: VecDeque<Effect>,
    rng: Rng,
}

impl GroupCoordinator {
    pub fn new(broker_id: NodeId, config: GroupCoordinatorConfig, seed: u64) -> Self {
        GroupCoordinator {
            broker_id,
            offsets_partitions: config.offsets_topic_num_partitions,
            config,
            partitions: BTreeMap::new(),
            groups: BTreeMap::new(),
            offsets: BTreeMap::new(),
            timers: Timers::default(),
            pending_txn_offsets: BTreeMap::new(),
            offset_positions: BTreeMap::new(),
            appends: BTreeMap::new(),
            next_append_id: 1,
            effects: VecDeque::new(),
            rng: Rng::new(seed),
        }
    }

    pub fn config(&self) -> &GroupCoordinatorConfig {
        &self.config
    }

    /// The partition count placement uses: the topic's once it exists.
    pub fn set_offsets_partitions(&mut self, partitions: u32) {
        self.offsets_partitions = partitions.max(1);
    }

    pub fn offsets_partitions(&self) -> u32 {
        self.offsets_partitions
    }

    pub fn owned_partitions(&self) -> &BTreeMap<u32, OwnedPartition> {
        &self.partitions
    }

    pub fn group(&self, group_id: &str) -> Option<&ClassicGroup> {
        self.groups.get(group_id)
    }

    pub fn committed(&self, group_id: &str) -> Option<&BTreeMap<TopicPartition, CommittedOffset>> {
        self.offsets.get(group_id)
    }

    /// Whether the coordinator has anything to show or do (nothing for a cluster without
    /// groups, so such runs are unchanged).
    pub fn is_idle(&self) -> bool {
        self.partitions.is_empty() && self.groups.is_empty() && self.timers.next_deadline_ms().is_none()
    }

    pub fn take_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    pub fn next_deadline_ms(&self) -> Option<i64> {
        self.timers.next_deadline_ms()
    }

    /// The next deadline due at `now_ms`; [`TimerKey::Load`] is the broker's to serve
    /// (it reads the log and calls [`Self::load`]), the others go to [`Self::on_timer`].
    pub fn pop_due(&mut self, now_ms: i64) -> Option<TimerKey> {
        self.timers.pop_due(now_ms)
    }

    pub fn on_timer(&mut self, now_ms: i64, key: TimerKey) {
        match key {
            TimerKey::Heartbeat { group, member } => self.expire_heartbeat(now_ms, &group, &member),
            TimerKey::Join { group } => self.on_join_deadline(now_ms, &group),
            TimerKey::Sync { group } => self.expire_pending_sync(now_ms, &group),
            TimerKey::Append { id } => self.append_completed(now_ms, id, Some(ErrorCode::RequestTimedOut)),
            TimerKey::Load { .. } => {}
        }
    }

    /// Handles a group request; false if `message` is not one.
    pub fn handle_request(&mut self, now_ms: i64, from: NodeId, message: &Message) -> bool {
        match message {
            Message::JoinGroupRequest { .. } => self.handle_join(now_ms, from, message),
            Message::SyncGroupRequest { .. } => self.handle_sync(now_ms, from, message),
            Message::HeartbeatRequest { .. } => self.handle_heartbeat(now_ms, from, message),
            Message::LeaveGroupRequest { .. } => self.handle_leave(now_ms, from, message),
            Message::OffsetCommitRequest { .. } => self.handle_offset_commit(now_ms, from, message),
            Message::OffsetFetchRequest { .. } => self.handle_offset_fetch(from, message),
            Message::DescribeGroupsRequest { .. } => self.handle_describe_groups(from, message),
            Message::ListGroupsRequest { .. } => self.handle_list_groups(from, message),
            Message::TxnOffsetCommitRequest { .. } => self.handle_txn_offset_commit(now_ms, from, message),
            _ => return false,
        }
        true
    }

    /// Whether this broker coordinates `group_id` now: its partition, or the error a
    /// request gets (INVALID_GROUP_ID, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS).
    pub fn route(&self, group_id: &str) -> Result<u32, ErrorCode> {
        if group_id.is_empty() {
            return Err(ErrorCode::InvalidGroupId);
        }
        let partition = placement::partition_for(group_id, self.offsets_partitions);
        match self.partitions.get(&partition) {
            None => Err(ErrorCode::NotCoordinator),
            Some(p) if !p.loaded => Err(ErrorCode::CoordinatorLoadInProgress),
            Some(_) => Ok(partition),
        }
    }

    pub(crate) fn send(&mut self, to: Waiter, message: Message) {
        self.effects.push_back(Effect::Send { to: to.node, message });
    }

    pub(crate) fn event(&mut self, event: ClusterEvent) {
        self.effects.push_back(Effect::Event(event));
    }

    /// Moves a group to `to`, reporting it.
    pub(crate) fn transition(&mut self, now_ms: i64, group_id: &str, to: GroupState, reason: &str) {
        let broker_id = self.broker_id;
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let from = g.state;
        g.previous_state = from;
        g.state = to;
        g.state_timestamp_ms = now_ms;
        let event = ClusterEvent::GroupStateChanged {
            broker_id,
            group_id: group_id.to_string(),
            from: from.name().to_string(),
            to: to.name().to_string(),
            generation_id: g.generation_id,
            protocol: g.protocol_name.clone(),
            leader: g.leader_id.clone(),
            members: g.members.keys().cloned().collect(),
            reason: reason.to_string(),
        };
        self.event(event);
    }

    /// A `java.util.UUID.randomUUID()`-shaped id (version 4), from the seeded RNG.
    pub(crate) fn random_uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        let a = (a & !0xF000) | 0x4000; // version 4
        let b = (b & !(0b11 << 62)) | (0b10 << 62); // IETF variant
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }

    /// Starts a write to a group's partition; `callback` runs once it is durable or fails.
    pub(crate) fn append(
        &mut self,
        now_ms: i64,
        partition: u32,
        records: Vec<(Vec<u8>, Option<Vec<u8>>)>,
        callback: AppendCallback,
    ) {
        let id = self.append_with(now_ms, partition, callback);
        self.effects.push_back(Effect::Append { id, partition, records });
    }

    /// Registers a write whose effect the caller pushes: its id.
    pub(crate) fn append_with(&mut self, now_ms: i64, partition: u32, callback: AppendCallback) -> u64 {
        let id = self.next_append_id;
        self.next_append_id += 1;
        self.appends.insert(id, PendingAppend { partition, started: None, callback });
        self.timers.schedule(TimerKey::Append { id }, now_ms + self.config.offsets_commit_timeout_ms);
        id
    }

    pub(crate) fn push_effect(&mut self, effect: Effect) {
        self.effects.push_back(effect);
    }

    /// The broker appended write `id` (to be durable at `required_offset` in
    /// `leader_epoch`) or refused it.
    pub fn append_started(&mut self, now_ms: i64, id: u64, outcome: Result<(i64, i32), ErrorCode>) {
        match outcome {
            Ok(started) => {
                if let Some(a) = self.appends.get_mut(&id) {
                    a.started = Some(started);
                }
            }
            Err(e) => self.append_completed(now_ms, id, Some(e)),
        }
    }

    /// Writes the broker must watch: `(id, partition, required_offset, leader_epoch)`.
    pub fn started_appends(&self) -> Vec<(u64, u32, i64, i32)> {
        self.appends
            .iter()
            .filter_map(|(id, a)| a.started.map(|(offset, epoch)| (*id, a.partition, offset, epoch)))
            .collect()
    }

    /// Write `id` is durable (`None`) or failed.
    pub fn append_completed(&mut self, now_ms: i64, id: u64, error: Option<ErrorCode>) {
        let Some(a) = self.appends.remove(&id) else { return };
        self.timers.cancel(&TimerKey::Append { id });
        match a.callback {
            AppendCallback::SyncAssignment { group, generation, assignment } => {
                self.on_assignment_stored(now_ms, &group, generation, assignment, error)
            }
            AppendCallback::EmptyGroup => {}
            AppendCallback::StaticReplace { group, member_id } => {
                self.on_static_member_stored(now_ms, &group, &member_id, error)
            }
            AppendCallback::OffsetCommit { group, to, member_id, generation_id, offsets } => {
                if let (None, Some((next_offset, _))) = (error, a.started) {
                    let positions = self.offset_positions.entry(group.clone()).or_default();
                    positions.extend(offsets.iter().map(|(tp, _)| (tp.clone(), next_offset - 1)));
                }
                self.on_offsets_stored(&group, to, &member_id, generation_id, offsets, error)
            }
            AppendCallback::TxnOffsetCommit { group, to, producer_id, offsets } => {
                let batch_offset = a.started.map(|(next_offset, _)| next_offset - 1);
                self.on_txn_offsets_stored(&group, to, producer_id, offsets, batch_offset, error)
            }
        }
    }

    pub fn state_json(&self) -> serde_json::Value {
        let groups: BTreeMap<&String, serde_json::Value> = self
            .groups
            .iter()
            .map(|(id, g)| {
                let members: BTreeMap<&String, serde_json::Value> = g
                    .members
                    .iter()
                    .map(|(mid, m)| {
                        (
                            mid,
                            serde_json::json!({
                                "group_instance_id": m.group_instance_id,
                                "client_id": m.client_id,
                                "client": m.client_node,
                                "session_timeout_ms": m.session_timeout_ms,
                                "rebalance_timeout_ms": m.rebalance_timeout_ms,
                                "awaiting_join": m.awaiting_join.is_some(),
                                "awaiting_sync": m.awaiting_sync.is_some(),
                                "assignment_bytes": m.assignment.len(),
                            }),
                        )
                    })
                    .collect();
                (
                    id,
                    serde_json::json!({
                        "partition": g.partition,
                        "state": g.state.name(),
                        "generation_id": g.generation_id,
                        "protocol_type": g.protocol_type,
                        "protocol": g.protocol_name,
                        "leader": g.leader_id,
                        "members": members,
                        "pending_members": g.pending_members,
                    }),
                )
            })
            .collect();
        let offsets: BTreeMap<&String, BTreeMap<String, i64>> = self
            .offsets
            .iter()
            .map(|(g, o)| {
                (g, o.iter().map(|(tp, c)| (format!("{}-{}", tp.topic, tp.partition), c.offset)).collect())
            })
            .collect();
        serde_json::json!({
            "offsets_topic_partitions": self.offsets_partitions,
            "coordinator_for": self.partitions,
            "groups": groups,
            "committed_offsets": offsets,
            "writes_in_flight": self.appends.len(),
        })
    }
}

/// `appendGroupMetadataErrorToResponseError`: what a failed write means to a client.
pub(crate) fn append_error_to_response(error: ErrorCode) -> ErrorCode {
    match error {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend
        | ErrorCode::RequestTimedOut => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderOrFollower | ErrorCode::KafkaStorageError | ErrorCode::NotCoordinator => {
            ErrorCode::NotCoordinator
        }
        ErrorCode::MessageTooLarge | ErrorCode::RecordListTooLarge => ErrorCode::InvalidCommitOffsetSize,
        other => other,
    }
}

/// An OffsetCommit/OffsetFetch answer for one partition.
pub(crate) fn partition_result(
    tp: &TopicPartition,
    committed: Option<&CommittedOffset>,
    error: Option<ErrorCode>,
) -> OffsetPartitionResult {
    OffsetPartitionResult {
        tp: tp.clone(),
        committed_offset: committed.map_or(-1, |c| c.offset),
        committed_leader_epoch: committed.map_or(-1, |c| c.leader_epoch),
        metadata: committed.map(|c| c.metadata.clone()).unwrap_or_default(),
        error,
    }
}

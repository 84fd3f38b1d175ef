//! The broker's part in group coordination (KafkaApis' FindCoordinator and the
//! coordinator runtime's plumbing): FindCoordinator answers with the leader of the
//! group's `__consumer_offsets` partition, asking the controller to create that topic
//! first if it does not exist yet (COORDINATOR_NOT_AVAILABLE until it has leaders); the
//! [`GroupCoordinator`] follows the partitions this broker leads; its writes are appended
//! to the partition as leader and reported durable once the high watermark passes them.
//! Invariant: a broker that never sees a group request emits nothing new.

use super::BrokerNode;
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::NodeId;
use crate::engine::cluster::TimerKind;
use crate::engine::error::ErrorCode;
use crate::engine::group::coordinator::placement::{partition_for, OFFSETS_TOPIC};
use crate::engine::group::coordinator::timers::TimerKey;
use crate::engine::group::coordinator::Effect;
use crate::engine::record::{BatchBuilder, BatchOptions};

/// The least time between two requests to create `__consumer_offsets` (the playground's
/// pacing: Kafka asks again on every FindCoordinator).
pub const OFFSETS_TOPIC_RETRY_MS: i64 = 1_000;

impl BrokerNode {
    pub(crate) fn handle_find_coordinator(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        key: String,
    ) {
        let answer = |error: Option<ErrorCode>, node_id: Option<NodeId>| Message::FindCoordinatorResponse {
            correlation_id,
            key: key.clone(),
            error,
            node_id,
        };
        if key.is_empty() {
            return self.send(from, answer(Some(ErrorCode::InvalidGroupId), None));
        }
        let Some(topic) = self.image.topics.get(OFFSETS_TOPIC) else {
            self.maybe_create_offsets_topic(now_ms);
            return self.send(from, answer(Some(ErrorCode::CoordinatorNotAvailable), None));
        };
        let partition = partition_for(&key, topic.partitions.len() as u32);
        let leader = topic.partitions.get(partition as usize).and_then(|p| p.leader);
        let message = match leader {
            Some(l) if Self::is_eligible(&self.image, l) => answer(None, Some(l)),
            _ => answer(Some(ErrorCode::CoordinatorNotAvailable), None),
        };
        self.send(from, message);
    }

    /// Kafka creates `__consumer_offsets` on the first FindCoordinator (compacted,
    /// `offsets.topic.num.partitions` × `offsets.topic.replication.factor`).
    fn maybe_create_offsets_topic(&mut self, now_ms: i64) {
        if self.offsets_topic_requested_ms.is_some_and(|t| now_ms - t < OFFSETS_TOPIC_RETRY_MS) {
            return;
        }
        self.offsets_topic_requested_ms = Some(now_ms);
        let correlation_id = self.next_id();
        let g = &self.config.group;
        let message = Message::CreateTopicsRequest {
            correlation_id,
            name: OFFSETS_TOPIC.to_string(),
            partitions: i64::from(g.offsets_topic_num_partitions),
            replication_factor: i64::from(g.offsets_topic_replication_factor),
            configs: vec![
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("segment.bytes".to_string(), g.offsets_topic_segment_bytes.to_string()),
            ],
        };
        self.send(self.config.controller_id, message);
    }

    pub(crate) fn handle_create_topics_response(
        &mut self,
        name: &str,
        error: Option<ErrorCode>,
        message: Option<String>,
    ) {
        if name != OFFSETS_TOPIC {
            return;
        }
        if let Some(e) = error.filter(|e| *e != ErrorCode::TopicAlreadyExists) {
            let reason = format!(
                "cannot create {OFFSETS_TOPIC} ({}: {}); groups have no coordinator until it exists (offsets.topic.replication.factor = {})",
                e.name(),
                message.unwrap_or_default(),
                self.config.group.offsets_topic_replication_factor
            );
            if self.offsets_topic_failure.as_ref() != Some(&reason) {
                self.offsets_topic_failure = Some(reason.clone());
                self.refuse(reason);
            }
        }
    }

    /// Tells the coordinator which `__consumer_offsets` partitions this broker now leads.
    pub(crate) fn sync_group_coordinator(&mut self, now_ms: i64) {
        if let Some(t) = self.image.topics.get(OFFSETS_TOPIC) {
            self.coordinator.set_offsets_partitions(t.partitions.len() as u32);
        }
        let mut leading = Vec::new();
        for (tp, p) in self.partitions.range(TopicPartition { topic: OFFSETS_TOPIC.into(), partition: 0 }..) {
            if tp.topic != OFFSETS_TOPIC {
                break;
            }
            if p.is_leader() {
                leading.push((tp.partition, p.state.leader_epoch));
            }
        }
        let owned: Vec<u32> = self.coordinator.owned_partitions().keys().copied().collect();
        for partition in owned {
            if !leading.iter().any(|(p, _)| *p == partition) {
                self.coordinator.on_resigned(now_ms, partition);
            }
        }
        for (partition, epoch) in leading {
            self.coordinator.on_elected(now_ms, partition, epoch);
        }
    }

    /// Runs the coordinator until it is quiet: due deadlines, its effects, durable writes.
    pub(crate) fn run_group_coordinator(&mut self, now_ms: i64) {
        loop {
            let mut progressed = false;
            while let Some(key) = self.coordinator.pop_due(now_ms) {
                progressed = true;
                match key {
                    TimerKey::Load { partition } => {
                        let tp = TopicPartition { topic: OFFSETS_TOPIC.into(), partition };
                        let bytes: Vec<u8> = self
                            .partitions
                            .get(&tp)
                            .map(|p| {
                                p.log
                                    .segments()
                                    .iter()
                                    .flat_map(|s| s.log_chunks().flatten().copied())
                                    .collect()
                            })
                            .unwrap_or_default();
                        self.coordinator.load(now_ms, partition, &bytes);
                    }
                    other => self.coordinator.on_timer(now_ms, other),
                }
            }
            while let Some(effect) = self.coordinator.take_effect() {
                progressed = true;
                match effect {
                    Effect::Send { to, message } => self.send(to, message),
                    Effect::Event(e) => self.event(e),
                    Effect::Append { id, partition, records } => {
                        let outcome = self.append_group_records(now_ms, partition, &records);
                        self.coordinator.append_started(now_ms, id, outcome);
                    }
                    Effect::AppendTransactional { id, partition, producer_id, producer_epoch, records } => {
                        let producer = Some((producer_id, producer_epoch));
                        let outcome = self.append_group_records_as(now_ms, partition, &records, producer);
                        self.coordinator.append_started(now_ms, id, outcome);
                    }
                }
            }
            for (id, partition, required_offset, epoch) in self.coordinator.started_appends() {
                let tp = TopicPartition { topic: OFFSETS_TOPIC.into(), partition };
                if let Some(error) = self.coordinator_append_outcome(&tp, required_offset, epoch) {
                    progressed = true;
                    self.coordinator.append_completed(now_ms, id, error);
                }
            }
            if !progressed {
                break;
            }
        }
        let next = self.coordinator.next_deadline_ms();
        self.coordinator_timer_at_ms =
            self.rearm_coordinator_timer(TimerKind::GroupCoordinator, self.coordinator_timer_at_ms, next);
    }

    /// A coordinator's acks=-1 append as its partition's leader sees it now: done
    /// (`Some(None)`) once the high watermark reached `required_offset`, failed with
    /// NOT_LEADER_OR_FOLLOWER once this broker no longer leads it in `epoch`, or still
    /// waiting (`None`). Shared by the group and the transaction coordinator.
    pub(crate) fn coordinator_append_outcome(
        &self,
        tp: &TopicPartition,
        required_offset: i64,
        epoch: i32,
    ) -> Option<Option<ErrorCode>> {
        match self.partitions.get(tp) {
            Some(p) if p.is_leader() && p.state.leader_epoch == epoch => {
                (p.high_watermark >= required_offset).then_some(None)
            }
            _ => Some(Some(ErrorCode::NotLeaderOrFollower)),
        }
    }

    /// Arms (or cancels) a coordinator's one timer when its next deadline changed;
    /// returns the deadline now armed.
    pub(crate) fn rearm_coordinator_timer(
        &mut self,
        kind: TimerKind,
        armed: Option<i64>,
        next: Option<i64>,
    ) -> Option<i64> {
        if next != armed {
            match next {
                Some(at) => self.set_timer(kind, 0, at),
                None => self.cancel_timer(kind, 0),
            }
        }
        next
    }

    /// Appends the coordinator's records as one batch, as leader (`appendForGroup`, acks -1):
    /// `(offset the HW must reach, leader epoch)`.
    fn append_group_records(
        &mut self,
        now_ms: i64,
        partition: u32,
        records: &[(Vec<u8>, Option<Vec<u8>>)],
    ) -> Result<(i64, i32), ErrorCode> {
        self.append_group_records_as(now_ms, partition, records, None)
    }

    /// [`Self::append_group_records`], or with `producer` one transactional batch of that
    /// producer at sequence 0 (`storeOffsets` for TxnOffsetCommit), appended with the
    /// coordinator's origin.
    fn append_group_records_as(
        &mut self,
        now_ms: i64,
        partition: u32,
        records: &[(Vec<u8>, Option<Vec<u8>>)],
        producer: Option<(i64, i16)>,
    ) -> Result<(i64, i32), ErrorCode> {
        let tp = TopicPartition { topic: OFFSETS_TOPIC.into(), partition };
        let Some(p) = self.partitions.get_mut(&tp) else { return Err(ErrorCode::UnknownTopicOrPartition) };
        if !p.is_leader() {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if p.is_under_min_isr() {
            return Err(ErrorCode::NotEnoughReplicas);
        }
        let options = match producer {
            None => BatchOptions::default(),
            Some((producer_id, producer_epoch)) => BatchOptions {
                is_transactional: true,
                producer_id,
                producer_epoch,
                base_sequence: 0,
                ..BatchOptions::default()
            },
        };
        let mut builder = BatchBuilder::new(options);
        for (key, value) in records {
            builder.append(now_ms, Some(key), value.as_deref(), &[]);
        }
        let bytes = builder.build().map_err(|e| e.code)?;
        let leader_epoch = p.state.leader_epoch;
        let info = match producer {
            None => p.log.append_as_leader(now_ms, &bytes, leader_epoch),
            Some(_) => p.log.append_as_coordinator(now_ms, &bytes, leader_epoch),
        }
        .map_err(|e| e.code)?;
        self.appended_as_leader(now_ms, &tp, leader_epoch, &info);
        Ok((info.last_offset + 1, leader_epoch))
    }
}

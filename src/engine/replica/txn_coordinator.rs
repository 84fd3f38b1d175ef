//! The broker's part in transaction coordination (KafkaApis' FindCoordinator with key
//! type 1, InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn,
//! EndTxn; the coordinator's plumbing), following [`super::group`] for
//! `__consumer_offsets`: FindCoordinator answers with the leader of the id's
//! `__transaction_state` partition, asking the controller to create that topic first
//! (COORDINATOR_NOT_AVAILABLE until it has leaders) with `TransactionStateManager.
//! transactionTopicConfigs` (compacted, `min.insync.replicas` =
//! `transaction.state.log.min.isr`, unclean election off; `compression.type` is not
//! sent: the engine's batches are uncompressed already); the
//! [`TransactionCoordinator`] follows the partitions this broker leads, its records are
//! appended to them as leader and reported durable once the high watermark passes them,
//! and its markers go to the leaders this broker's metadata names.
//! Invariant: a broker that never sees a transaction request emits nothing new.

use super::BrokerNode;
use crate::engine::cluster::messages::{Message, TopicPartition, TxnPartitionResult};
use crate::engine::cluster::{NodeId, TimerKind};
use crate::engine::error::ErrorCode;
use crate::engine::record::{BatchBuilder, BatchOptions};
use crate::engine::txn::coordinator::{Effect, ProducerIdSource, TxnTimer, TRANSACTION_STATE_TOPIC};

/// The least time between two requests to create `__transaction_state`.
pub const TRANSACTION_TOPIC_RETRY_MS: i64 = 1_000;

/// The broker's producer id block as the coordinator's source of ids.
struct BlockSource<'a> {
    manager: &'a mut super::producer_ids::ProducerIdManager,
    now_ms: i64,
    request: bool,
}

impl ProducerIdSource for BlockSource<'_> {
    fn generate_producer_id(&mut self) -> Result<i64, ErrorCode> {
        let (result, request) = self.manager.generate_producer_id(self.now_ms);
        self.request |= request;
        result
    }
}

impl BrokerNode {
    /// FindCoordinator with key type TRANSACTION (`KafkaApis.getCoordinator`).
    pub(crate) fn handle_find_txn_coordinator(
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
        let Some(topic) = self.image.topics.get(TRANSACTION_STATE_TOPIC) else {
            self.maybe_create_txn_topic(now_ms);
            return self.send(from, answer(Some(ErrorCode::CoordinatorNotAvailable), None));
        };
        let count = topic.partitions.len().min(i32::MAX as usize) as i32;
        let partition = crate::engine::txn::partition_for(&key, count).max(0) as usize;
        let leader = topic.partitions.get(partition).and_then(|p| p.leader);
        let message = match leader {
            Some(l) if Self::is_eligible(&self.image, l) => answer(None, Some(l)),
            _ => answer(Some(ErrorCode::CoordinatorNotAvailable), None),
        };
        self.send(from, message);
    }

    fn maybe_create_txn_topic(&mut self, now_ms: i64) {
        if self.txn_topic_requested_ms.is_some_and(|t| now_ms - t < TRANSACTION_TOPIC_RETRY_MS) {
            return;
        }
        self.txn_topic_requested_ms = Some(now_ms);
        let correlation_id = self.next_id();
        let c = self.txn_coordinator.config();
        let message = Message::CreateTopicsRequest {
            correlation_id,
            name: TRANSACTION_STATE_TOPIC.to_string(),
            partitions: i64::from(c.transaction_state_log_num_partitions),
            replication_factor: i64::from(c.transaction_state_log_replication_factor),
            configs: vec![
                ("unclean.leader.election.enable".to_string(), "false".to_string()),
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("min.insync.replicas".to_string(), c.transaction_state_log_min_isr.to_string()),
                ("segment.bytes".to_string(), c.transaction_state_log_segment_bytes.to_string()),
            ],
        };
        self.send(self.config.controller_id, message);
    }

    pub(crate) fn handle_txn_topic_create_response(
        &mut self,
        name: &str,
        error: Option<ErrorCode>,
        message: Option<String>,
    ) {
        if name != TRANSACTION_STATE_TOPIC {
            return;
        }
        if let Some(e) = error.filter(|e| *e != ErrorCode::TopicAlreadyExists) {
            let reason = format!(
                "cannot create {TRANSACTION_STATE_TOPIC} ({}: {}); transactional producers have no coordinator until it exists (transaction.state.log.replication.factor = {})",
                e.name(),
                message.unwrap_or_default(),
                self.txn_coordinator.config().transaction_state_log_replication_factor
            );
            if self.txn_topic_failure.as_ref() != Some(&reason) {
                self.txn_topic_failure = Some(reason.clone());
                self.refuse(reason);
            }
        }
    }

    /// A transaction request for the coordinator; false if `message` is not one.
    pub(crate) fn handle_txn_request(
        &mut self,
        now_ms: i64,
        from: NodeId,
        message: &crate::engine::cluster::Message,
    ) -> bool {
        if let Message::AddPartitionsToTxnRequest { correlation_id, partitions, .. } = message {
            if let Some(results) = self.unknown_partitions(partitions) {
                self.send(
                    from,
                    Message::AddPartitionsToTxnResponse { correlation_id: *correlation_id, results },
                );
                return true;
            }
        }
        let mut source = BlockSource { manager: &mut self.producer_ids, now_ms, request: false };
        let handled = self.txn_coordinator.handle_request(now_ms, from, message, &mut source);
        let request = source.request;
        self.request_producer_ids(request);
        handled
    }

    /// `KafkaApis.handleAddPartitionsToTxnRequest`: a partition the metadata does not know
    /// is UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
    fn unknown_partitions(&self, partitions: &[TopicPartition]) -> Option<Vec<TxnPartitionResult>> {
        let known = |tp: &TopicPartition| self.image.partition(tp.topic.as_str(), tp.partition).is_some();
        if partitions.iter().all(known) {
            return None;
        }
        let results = partitions
            .iter()
            .map(|tp| {
                let error = if known(tp) {
                    ErrorCode::OperationNotAttempted
                } else {
                    ErrorCode::UnknownTopicOrPartition
                };
                TxnPartitionResult { tp: tp.clone(), error: Some(error) }
            })
            .collect();
        Some(results)
    }

    fn request_producer_ids(&mut self, request: bool) {
        if !request {
            return;
        }
        if self.broker_epoch < 0 {
            // As the idempotent path: asked again once the broker has an epoch.
            self.producer_ids.request_in_flight = false;
            return;
        }
        let message = Message::AllocateProducerIdsRequest {
            broker_id: self.broker_id,
            broker_epoch: self.broker_epoch,
        };
        self.send(self.config.controller_id, message);
    }

    /// Tells the coordinator which `__transaction_state` partitions this broker now leads.
    pub(crate) fn sync_txn_coordinator(&mut self, now_ms: i64) {
        if let Some(t) = self.image.topics.get(TRANSACTION_STATE_TOPIC) {
            self.txn_coordinator.set_partition_count(t.partitions.len() as u32);
        }
        if let Some(t) = self.image.topics.get(crate::engine::group::coordinator::placement::OFFSETS_TOPIC) {
            self.txn_coordinator.set_offsets_partition_count(t.partitions.len() as u32);
        }
        let mut leading = Vec::new();
        let first = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition: 0 };
        for (tp, p) in self.partitions.range(first..) {
            if tp.topic != TRANSACTION_STATE_TOPIC {
                break;
            }
            if p.is_leader() {
                leading.push((tp.partition, p.state.leader_epoch));
            }
        }
        let owned: Vec<u32> = self.txn_coordinator.owned_partitions().keys().copied().collect();
        for partition in owned {
            if !leading.iter().any(|(p, _)| *p == partition) {
                self.txn_coordinator.on_resigned(now_ms, partition);
            }
        }
        for (partition, epoch) in leading {
            self.txn_coordinator.on_elected(now_ms, partition, epoch);
        }
    }

    /// Runs the coordinator until it is quiet: due deadlines, markers, its effects, durable writes.
    pub(crate) fn run_txn_coordinator(&mut self, now_ms: i64) {
        for _ in 0..10_000 {
            let mut progressed = false;
            while let Some(key) = self.txn_coordinator.pop_due(now_ms) {
                progressed = true;
                match key {
                    TxnTimer::Load { partition } => {
                        let tp = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition };
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
                        self.txn_coordinator.load(now_ms, partition, &bytes);
                    }
                    other => {
                        let mut source =
                            BlockSource { manager: &mut self.producer_ids, now_ms, request: false };
                        self.txn_coordinator.on_timer(now_ms, other, &mut source);
                        let request = source.request;
                        self.request_producer_ids(request);
                    }
                }
            }
            let image = &self.image;
            let leader_of = |tp: &TopicPartition| -> Option<Option<NodeId>> {
                let p = image.topics.get(tp.topic.as_str())?.partitions.get(tp.partition as usize)?;
                Some(p.leader.filter(|l| Self::is_eligible(image, *l)))
            };
            self.txn_coordinator.route_markers(now_ms, &leader_of);
            while let Some(effect) = self.txn_coordinator.take_effect() {
                progressed = true;
                match effect {
                    Effect::Send { to, message } => self.send(to, message),
                    Effect::Event(e) => self.event(e),
                    Effect::Append { id, partition, key, value } => {
                        let outcome = self.append_txn_record(now_ms, partition, &key, &value);
                        self.txn_coordinator.append_started(now_ms, id, outcome);
                    }
                }
            }
            for (id, partition, required_offset, epoch) in self.txn_coordinator.started_appends() {
                let tp = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition };
                if let Some(error) = self.coordinator_append_outcome(&tp, required_offset, epoch) {
                    progressed = true;
                    self.txn_coordinator.append_completed(now_ms, id, error);
                }
            }
            if !progressed {
                break;
            }
        }
        let next = self.txn_coordinator.next_deadline_ms();
        self.txn_coordinator_timer_at_ms =
            self.rearm_coordinator_timer(TimerKind::TxnCoordinator, self.txn_coordinator_timer_at_ms, next);
    }

    /// Appends one `__transaction_state` record as leader (acks -1, as `appendRecords`
    /// with `TransactionLog.EnforcedRequiredAcks`): `(offset the HW must reach, leader epoch)`.
    fn append_txn_record(
        &mut self,
        now_ms: i64,
        partition: u32,
        key: &[u8],
        value: &[u8],
    ) -> Result<(i64, i32), ErrorCode> {
        let tp = TopicPartition { topic: TRANSACTION_STATE_TOPIC.into(), partition };
        let Some(p) = self.partitions.get_mut(&tp) else { return Err(ErrorCode::UnknownTopicOrPartition) };
        if !p.is_leader() {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if p.is_under_min_isr() {
            return Err(ErrorCode::NotEnoughReplicas);
        }
        let mut builder = BatchBuilder::new(BatchOptions::default());
        builder.append(now_ms, Some(key), Some(value), &[]);
        let bytes = builder.build().map_err(|e| e.code)?;
        let leader_epoch = p.state.leader_epoch;
        let info = p.log.append_as_leader(now_ms, &bytes, leader_epoch).map_err(|e| e.code)?;
        self.appended_as_leader(now_ms, &tp, leader_epoch, &info);
        Ok((info.last_offset + 1, leader_epoch))
    }
}

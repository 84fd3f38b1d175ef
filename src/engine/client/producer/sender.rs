//! The producer's sender loop (Java's `Sender.runOnce`): expire batches past
//! `delivery.timeout.ms`, drain ready head batches to their leaders (`RecordAccumulator.drain`:
//! one request per leader carries one batch of each of its ready partitions, repeated while
//! a leader has fewer than `max.in.flight.requests.per.connection` requests in flight, as
//! `NetworkClient`'s `InFlightRequests.canSendMore` allows; with 1, a partition with a
//! batch in flight is muted, `guaranteeMessageOrder`), complete or retry on responses and
//! request timeouts (`Sender.completeBatch`, `canRetry`, `failBatch`), and arm one timer at
//! the next deadline. An idempotent producer's parts are in [`super::idempotent_sender`].
//! Invariant: a batch is either queued in the accumulator or in `in_flight`, never both,
//! until it completes.

use super::accumulator::Batch;
use super::config::MAX_BLOCK_MS;
use super::{AcknowledgedRecord, InFlight, ProducerNode, ACKNOWLEDGED_KEPT};
use crate::engine::cluster::messages::{Acks, ProducePartition, ProducedPartition, TopicPartition};
use crate::engine::cluster::{ClusterEvent, Message, NodeId, Output, TimerKey, TimerKind};
use crate::engine::error::ErrorCode;
use std::collections::BTreeMap;

/// Errors after which the cached leader may be wrong (Java's `InvalidMetadataException`
/// family, plus timeouts and storage errors, after which Java drops the connection).
fn invalidates_metadata(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::NotLeaderOrFollower
            | ErrorCode::UnknownTopicOrPartition
            | ErrorCode::LeaderNotAvailable
            | ErrorCode::FencedLeaderEpoch
            | ErrorCode::UnknownLeaderEpoch
            | ErrorCode::RequestTimedOut
            | ErrorCode::NetworkException
            | ErrorCode::KafkaStorageError
    )
}

impl ProducerNode {
    pub(crate) fn run_sender(&mut self) {
        self.expire();
        self.maybe_request_metadata();
        self.run_idempotence();
        self.run_transactions();
        self.send_ready_batches();
        self.maybe_request_metadata();
        self.arm_sender_timer();
    }

    /// `Sender.sendProducerData`'s expiry: queued batches (`RecordAccumulator.expiredBatches`)
    /// and batches awaiting an answer (`getExpiredInflightBatches`: the request stays in
    /// flight, its late answer finds the batch gone) past `delivery.timeout.ms` fail.
    fn expire(&mut self) {
        let delivery_timeout_ms = self.config.delivery_timeout_ms;
        let now_ms = self.now_ms;
        let mut expired = self.accumulator.expire(now_ms, delivery_timeout_ms);
        for request in self.in_flight.values_mut() {
            if let InFlight::Produce { batches, .. } = request {
                let is_expired = |b: &Batch| now_ms >= b.created_ms.saturating_add(delivery_timeout_ms);
                if batches.iter().any(is_expired) {
                    let (gone, kept): (Vec<Batch>, Vec<Batch>) =
                        std::mem::take(batches).into_iter().partition(is_expired);
                    *batches = kept;
                    expired.extend(gone);
                }
            }
        }
        for batch in expired {
            self.partitions_in_flight.remove(&batch.tp);
            let records = batch.records_count();
            self.expired_batch_sequence(&batch);
            if let Some(txn) = self.txn.as_mut() {
                txn.batch_failed(ErrorCode::RequestTimedOut);
            }
            self.fail_records(Some(batch.tp), ErrorCode::RequestTimedOut, records);
        }
        self.expire_blocked_send();
    }

    /// `KafkaProducer.waitOnMetadata`'s limit: the record whose `send()` has blocked for
    /// [`MAX_BLOCK_MS`] fails with its `TimeoutException` words (a transactional producer
    /// enters ABORTABLE_ERROR, as `doSend` makes it), and the records after it go on (the
    /// next to block starts its own wait).
    fn expire_blocked_send(&mut self) {
        let Some(since) = self.blocked_since_ms else { return };
        if self.now_ms < since.saturating_add(MAX_BLOCK_MS) || self.waiting.is_empty() {
            return;
        }
        let w = self.waiting.remove(0);
        self.blocked_since_ms = None;
        let topic = &w.topic;
        let message = match (self.partition_count(topic), w.partition) {
            (Some(count), Some(p)) => format!(
                "Partition {p} of topic {topic} with partition count {count} is not present in metadata after {MAX_BLOCK_MS} ms."
            ),
            _ => format!("Topic {topic} not present in metadata after {MAX_BLOCK_MS} ms."),
        };
        let error = if self.unknown_topics.contains(&**topic) {
            ErrorCode::UnknownTopicOrPartition
        } else {
            ErrorCode::RequestTimedOut
        };
        self.refuse(message);
        self.fail_records(None, error, 1);
        // doSend's catch: `transactionManager.maybeTransitionToErrorState(e)`, so a
        // transaction in progress can only be aborted now.
        if let Some(txn) = self.txn.as_mut() {
            txn.batch_failed(error);
        }
        self.place_waiting_records();
    }

    /// Java's `RecordAccumulator.drain` and `Sender.sendProduceRequests`, again and again
    /// while something was sent (the sender thread loops at once when more is ready).
    fn send_ready_batches(&mut self) {
        while self.drain_once() {}
    }

    /// Unanswered requests to `node` (Java's `InFlightRequests.count(node)`).
    pub(crate) fn requests_in_flight_to(&self, node: NodeId) -> u32 {
        self.in_flight.values().filter(|f| f.node() == node).count() as u32
    }

    /// One drain: the head batch of every ready partition whose leader may take one more
    /// request, one request per leader. Whether any was sent.
    fn drain_once(&mut self) -> bool {
        if !self.may_drain() {
            return false;
        }
        let (now_ms, linger_ms) = (self.now_ms, self.config.linger_ms);
        let guarantee_message_order = self.config.max_in_flight_requests_per_connection == 1;
        let tps: Vec<TopicPartition> = self
            .accumulator
            .queues
            .keys()
            .filter(|tp| !guarantee_message_order || !self.partitions_in_flight.contains(*tp))
            .filter(|tp| self.accumulator.ready_at_ms(tp, linger_ms).is_some_and(|at| at <= now_ms))
            .cloned()
            .collect();
        let max_in_flight = self.config.max_in_flight_requests_per_connection;
        let mut by_leader: BTreeMap<NodeId, Vec<Batch>> = BTreeMap::new();
        for tp in tps {
            let awaiting_metadata = self.accumulator.head(&tp).is_some_and(|b| b.awaiting_metadata);
            if awaiting_metadata && (self.metadata_in_flight || self.metadata_needed) {
                continue;
            }
            let Some(leader) = self.leader_of(&tp) else {
                self.metadata_needed = true;
                continue;
            };
            if self.requests_in_flight_to(leader) >= max_in_flight
                || self.should_stop_drain_batches_for_partition(&tp)
            {
                continue;
            }
            let Some(mut batch) = self.accumulator.pop_head(&tp) else { continue };
            if let Err(e) = batch.close(&mut self.accumulator.estimator) {
                self.refuse(format!("cannot encode a batch for {}-{}: {e}", tp.topic, tp.partition));
                let records = batch.records_count();
                self.fail_records(Some(tp), e.code, records);
                continue;
            }
            self.set_producer_state(&mut batch);
            batch.retry_at_ms = None;
            by_leader.entry(leader).or_default().push(batch);
        }
        let sent = !by_leader.is_empty();
        for (leader, batches) in by_leader {
            self.send_produce_request(leader, batches);
        }
        sent
    }

    fn send_produce_request(&mut self, leader: NodeId, batches: Vec<Batch>) {
        let correlation_id = self.take_correlation_id();
        let partitions =
            batches.iter().map(|b| ProducePartition { tp: b.tp.clone(), records: b.bytes.clone() }).collect();
        let message = Message::ProduceRequest {
            correlation_id,
            acks: self.config.acks,
            timeout_ms: self.config.request_timeout_ms,
            partitions,
        };
        self.send(leader, message);
        if self.config.acks == Acks::None {
            // acks=0: done once sent, without an offset (Java completes with -1).
            for batch in batches {
                self.complete(batch, -1);
            }
            return;
        }
        if self.config.max_in_flight_requests_per_connection == 1 {
            for batch in &batches {
                self.partitions_in_flight.insert(batch.tp.clone());
            }
        }
        self.in_flight.insert(correlation_id, InFlight::Produce { batches, node: leader });
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::SetTimer { key, at_ms: self.now_ms + self.config.request_timeout_ms });
    }

    fn complete(&mut self, batch: Batch, base_offset: i64) {
        let records = batch.records_count();
        let first_send_index = batch.records.first().map_or(0, |r| r.value.number());
        if let (Some(tm), Some(sequence)) = (self.idempotence.as_mut(), batch.base_sequence()) {
            tm.handle_completed_batch(&batch.tp, sequence, records as i32, base_offset);
        }
        // Records of one topic share its name: the last acknowledged one's, mostly.
        let topic = batch.tp.topic.clone();
        self.acknowledged.reserve(batch.records.len());
        for (i, r) in batch.records.into_iter().enumerate() {
            let offset = if base_offset < 0 { -1 } else { base_offset + i as i64 };
            self.acknowledged.push(AcknowledgedRecord {
                topic: topic.clone(),
                partition: batch.tp.partition,
                offset,
                key: r.key,
                value: r.value,
            });
        }
        if self.acknowledged.len() >= 2 * ACKNOWLEDGED_KEPT {
            let forget = self.acknowledged.len() - ACKNOWLEDGED_KEPT;
            self.acknowledged.drain(..forget);
            self.acknowledged_forgotten += forget as u64;
        }
        self.counts.acked += u64::from(records);
        self.counts.in_flight = self.counts.in_flight.saturating_sub(u64::from(records));
        let acks = self.config.acks.wire();
        self.event(ClusterEvent::SendAcknowledged {
            client_id: self.client_id,
            tp: batch.tp,
            base_offset,
            records,
            acks,
            first_send_index,
        });
    }

    /// A failed attempt: retried while retriable, within `retries` and
    /// `delivery.timeout.ms`; otherwise the records fail.
    fn complete_exceptionally(&mut self, mut batch: Batch, error: ErrorCode) {
        if invalidates_metadata(error) {
            self.metadata_needed = true;
        }
        let expired = self.now_ms >= batch.created_ms.saturating_add(self.config.delivery_timeout_ms);
        if batch.attempts < self.config.retries && !expired && self.can_retry(&batch, error) {
            batch.attempts += 1;
            batch.awaiting_metadata = invalidates_metadata(error);
            batch.retry_at_ms = Some(self.now_ms + retry_backoff_ms(&self.config, batch.attempts));
            let (tp, attempt) = (batch.tp.clone(), batch.attempts);
            self.event(ClusterEvent::SendRetried { client_id: self.client_id, tp, error, attempt });
            self.accumulator.reenqueue(batch);
            return;
        }
        let adjust_sequence_numbers = batch.attempts < self.config.retries;
        if let Some(tm) = self.idempotence.as_mut() {
            tm.handle_failed_batch(&batch.tp, batch.base_sequence(), error, adjust_sequence_numbers);
        }
        let error = if expired && error.is_retriable() { ErrorCode::RequestTimedOut } else { error };
        if let Some(txn) = self.txn.as_mut() {
            // `maybeTransitionToErrorState`: fatal when fenced, else abortable (an
            // INVALID_PRODUCER_EPOCH from a leader too: KIP-588's abort and epoch bump).
            txn.batch_failed(error);
        }
        let records = batch.records_count();
        self.fail_records(Some(batch.tp), error, records);
    }

    /// Each batch of the request completes, or is retried or failed, by its partition's
    /// answer (Java's `Sender.handleProduceResponse` → `completeBatch`).
    pub(crate) fn handle_produce_response(&mut self, correlation_id: u64, answers: &[ProducedPartition]) {
        let Some(InFlight::Produce { batches, .. }) = self.in_flight.remove(&correlation_id) else {
            // Late (after its timeout) or acks=0: nothing waits for it.
            return;
        };
        let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
        self.outputs.push_back(Output::CancelTimer { key });
        for batch in batches {
            self.partitions_in_flight.remove(&batch.tp);
            match answers.iter().find(|a| a.tp == batch.tp) {
                Some(ProducedPartition { error: None, base_offset, .. }) => {
                    self.complete(batch, *base_offset)
                }
                // Already written: not retriable, so Java's `Sender.completeBatch` completes it.
                Some(ProducedPartition {
                    error: Some(ErrorCode::DuplicateSequenceNumber),
                    base_offset,
                    ..
                }) => self.complete(batch, *base_offset),
                Some(ProducedPartition { error: Some(error), .. }) => {
                    self.complete_exceptionally(batch, *error)
                }
                None => {
                    self.refuse(format!(
                        "ProduceResponse {correlation_id} has no answer for {}-{}",
                        batch.tp.topic, batch.tp.partition
                    ));
                    self.complete_exceptionally(batch, ErrorCode::NetworkException);
                }
            }
        }
    }

    pub(crate) fn handle_request_timeout(&mut self, correlation_id: u64) {
        self.fail_request(correlation_id, ErrorCode::RequestTimedOut);
    }

    /// The connection to `node` was closed (Java's `NetworkClient` on a disconnect): every
    /// request in flight to it fails with NETWORK_EXCEPTION, and the metadata is refreshed
    /// whether or not anything was in flight.
    pub(crate) fn handle_disconnect(&mut self, node: NodeId) {
        self.metadata_needed = true;
        let failed: Vec<u64> =
            self.in_flight.iter().filter(|(_, f)| f.node() == node).map(|(id, _)| *id).collect();
        for correlation_id in failed {
            let key = TimerKey { kind: TimerKind::RequestTimeout, instance: correlation_id };
            self.outputs.push_back(Output::CancelTimer { key });
            self.fail_request(correlation_id, ErrorCode::NetworkException);
        }
    }

    /// A request ends without an answer: a produce is retried or failed, a metadata
    /// request is asked of the next broker.
    fn fail_request(&mut self, correlation_id: u64, error: ErrorCode) {
        match self.in_flight.remove(&correlation_id) {
            Some(InFlight::Produce { batches, .. }) => {
                for batch in batches {
                    self.partitions_in_flight.remove(&batch.tp);
                    self.complete_exceptionally(batch, error);
                }
            }
            Some(InFlight::InitProducerId { .. }) => self.init_producer_id_failed(),
            Some(InFlight::Transactional { .. }) => self.txn_request_failed(correlation_id),
            Some(InFlight::Metadata { .. }) => {
                self.metadata_in_flight = false;
                self.metadata_needed = true;
                // A refused one waits retry.backoff.ms (Java's `Metadata.failedUpdate`), or
                // a producer whose brokers are all down would ask again every round trip.
                if error == ErrorCode::NetworkException {
                    self.metadata_backoff_until_ms = self.now_ms + self.config.retry_backoff_ms;
                }
            }
            None => {}
        }
    }

    /// One timer at the earliest future deadline: a batch's linger or retry backoff, a
    /// delivery timeout, or the end of the metadata refresh backoff.
    fn arm_sender_timer(&mut self) {
        let now_ms = self.now_ms;
        let delivery_timeout_ms = self.config.delivery_timeout_ms;
        let mut next: Option<i64> = None;
        let mut consider = |at: i64| {
            if at > now_ms && next.is_none_or(|n| at < n) {
                next = Some(at);
            }
        };
        if let Some(tm) = &self.idempotence {
            if !tm.has_producer_id() && !tm.initializing && !tm.transactional {
                consider(tm.init_backoff_until_ms);
            }
        }
        if let Some(txn) = &self.txn {
            if txn.in_flight.is_none() && !txn.pending_requests.is_empty() {
                consider(txn.retry_at_ms);
            }
        }
        for (tp, queue) in &self.accumulator.queues {
            if !self.partitions_in_flight.contains(tp) && self.leader_of(tp).is_some() {
                if let Some(at) = self.accumulator.ready_at_ms(tp, self.config.linger_ms) {
                    consider(at);
                }
            }
            queue.iter().for_each(|b| consider(b.created_ms.saturating_add(delivery_timeout_ms)));
        }
        for request in self.in_flight.values() {
            if let InFlight::Produce { batches, .. } = request {
                batches.iter().for_each(|b| consider(b.created_ms.saturating_add(delivery_timeout_ms)));
            }
        }
        if let Some(since) = self.blocked_since_ms {
            consider(since.saturating_add(MAX_BLOCK_MS));
        }
        if self.metadata_needed && !self.metadata_in_flight {
            consider(self.metadata_backoff_until_ms);
        }
        let key = TimerKey::single(TimerKind::Sender);
        match next {
            Some(at_ms) if self.sender_timer_at_ms != Some(at_ms) => {
                self.sender_timer_at_ms = Some(at_ms);
                self.outputs.push_back(Output::SetTimer { key, at_ms });
            }
            None if self.sender_timer_at_ms.is_some() => {
                self.sender_timer_at_ms = None;
                self.outputs.push_back(Output::CancelTimer { key });
            }
            _ => {}
        }
    }
}

/// KIP-580's exponential backoff: `retry.backoff.ms · 2^(attempt−1)`, capped at
/// `retry.backoff.max.ms` (Kafka adds ±20 % random jitter; the playground leaves it out so
/// a timeline reads cleanly, which keeps runs equally deterministic).
fn retry_backoff_ms(config: &super::config::ProducerConfig, attempt: u32) -> i64 {
    let exponent = attempt.saturating_sub(1).min(30);
    let backoff = config.retry_backoff_ms.saturating_mul(1i64 << exponent);
    backoff.min(config.retry_backoff_max_ms.max(config.retry_backoff_ms))
}

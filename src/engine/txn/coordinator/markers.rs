//! Sending a transaction's end markers (`TransactionMarkerChannelManager`) and reading
//! the answers (`TransactionMarkerRequestCompletionHandler`): once PrepareCommit or
//! PrepareAbort is durable, a `WriteTxnMarkers` goes to the leader of each of the
//! transaction's partitions (one request per broker); a partition whose marker is written
//! leaves the transaction; NOT_LEADER_OR_FOLLOWER and the other retriable errors, a
//! closed connection or an unanswered request send it again to the leader the metadata
//! names then; INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED drop the
//! transaction's markers; a partition that no longer exists is skipped. When no
//! partition is left, CompleteCommit/CompleteAbort is written (again after
//! COORDINATOR_NOT_AVAILABLE). Markers of a partition this broker stopped leading, or
//! of an older coordinator epoch, are dropped. Pacing (the playground's): a retry waits
//! `retry.backoff.ms` (100) where Kafka's send thread goes round again at once.

use super::{to_cluster_tp, to_txn_tp, LeaderLookup, PendingCompleteTxn, TransactionCoordinator, TxnTimer};
use crate::engine::cluster::messages::{Message, TopicPartition, WritableTxnMarker, WritableTxnMarkerResult};
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;
use crate::engine::txn::transit;
use std::collections::{BTreeMap, BTreeSet};

/// `request.timeout.ms` of the broker's inter-broker client (Kafka's default).
pub const MARKER_REQUEST_TIMEOUT_MS: i64 = 30_000;
/// The wait before markers or a completion are tried again (`retry.backoff.ms`).
pub const MARKER_RETRY_BACKOFF_MS: i64 = 100;

/// A marker waiting for its destination (`PendingCompleteTxnAndMarkerEntry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueuedMarker {
    pub transactional_id: String,
    pub txn_partition: u32,
    pub marker: WritableTxnMarker,
    pub not_before_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub broker: NodeId,
    pub entries: Vec<QueuedMarker>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MarkerChannel {
    /// `transactionsWithPendingMarkers`.
    pub pending: BTreeMap<String, PendingCompleteTxn>,
    /// Markers to route (new, retried, or with no leader known yet).
    pub unsent: Vec<QueuedMarker>,
    pub in_flight: BTreeMap<u64, InFlight>,
    /// `txnLogAppendRetryQueue`: completions to write again, and when.
    pub log_append_retry: Vec<(PendingCompleteTxn, i64)>,
    pub next_correlation_id: u64,
}

impl MarkerChannel {
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
}

impl TransactionCoordinator {
    /// `addTxnMarkersToSend`.
    pub(crate) fn add_txn_markers_to_send(
        &mut self,
        now_ms: i64,
        txn: PendingCompleteTxn,
        partitions: BTreeSet<transit::TopicPartition>,
    ) {
        let id = txn.transactional_id.clone();
        let marker = WritableTxnMarker {
            producer_id: txn.producer_id,
            producer_epoch: txn.producer_epoch,
            committed: txn.committed,
            partitions: partitions.iter().map(to_cluster_tp).collect(),
            coordinator_epoch: txn.coordinator_epoch,
        };
        self.markers.pending.insert(id.clone(), txn);
        self.enqueue_marker(&id, marker, now_ms);
        self.maybe_write_txn_completion(now_ms, &id);
    }

    fn enqueue_marker(&mut self, transactional_id: &str, marker: WritableTxnMarker, not_before_ms: i64) {
        if marker.partitions.is_empty() {
            return;
        }
        let txn_partition = self.partition_for(transactional_id);
        let queued = QueuedMarker {
            transactional_id: transactional_id.to_string(),
            txn_partition,
            marker,
            not_before_ms,
        };
        self.markers.unsent.push(queued);
    }

    /// `generateRequests`: completions due are written again; markers due are grouped by
    /// their partitions' leaders into one WriteTxnMarkers per broker.
    pub fn route_markers(&mut self, now_ms: i64, leader_of: LeaderLookup<'_>) {
        let retries = std::mem::take(&mut self.markers.log_append_retry);
        let (due, later): (Vec<_>, Vec<_>) = retries.into_iter().partition(|(_, at)| *at <= now_ms);
        self.markers.log_append_retry = later;
        for (txn, _) in due {
            self.try_append_to_log(now_ms, txn);
        }
        let unsent = std::mem::take(&mut self.markers.unsent);
        let (due, later): (Vec<_>, Vec<_>) = unsent.into_iter().partition(|q| q.not_before_ms <= now_ms);
        self.markers.unsent = later;
        let mut by_broker: BTreeMap<NodeId, Vec<QueuedMarker>> = BTreeMap::new();
        for q in due {
            let mut by_destination: BTreeMap<Option<Option<NodeId>>, Vec<TopicPartition>> = BTreeMap::new();
            for tp in &q.marker.partitions {
                by_destination.entry(leader_of(tp)).or_default().push(tp.clone());
            }
            for (destination, partitions) in by_destination {
                let marker = WritableTxnMarker { partitions, ..q.marker.clone() };
                match destination {
                    Some(Some(broker)) => {
                        by_broker.entry(broker).or_default().push(QueuedMarker { marker, ..q.clone() })
                    }
                    // No leader now (`markersQueueForUnknownBroker`): looked up again later.
                    Some(None) => {
                        self.enqueue_marker(&q.transactional_id, marker, now_ms + MARKER_RETRY_BACKOFF_MS)
                    }
                    None => self.skip_deleted_partitions(now_ms, &q, &marker.partitions),
                }
            }
        }
        for (broker, entries) in by_broker {
            self.markers.next_correlation_id += 1;
            let correlation_id = self.markers.next_correlation_id;
            let markers = entries.iter().map(|q| q.marker.clone()).collect();
            self.send_to(broker, Message::WriteTxnMarkersRequest { correlation_id, markers });
            self.markers.in_flight.insert(correlation_id, InFlight { broker, entries });
            self.timers
                .insert(TxnTimer::MarkerRequest { correlation_id }, now_ms + MARKER_REQUEST_TIMEOUT_MS);
        }
        let next_retry = self
            .markers
            .unsent
            .iter()
            .map(|q| q.not_before_ms)
            .chain(self.markers.log_append_retry.iter().map(|(_, at)| *at))
            .min();
        match next_retry {
            Some(at) => self.timers.insert(TxnTimer::MarkerRetry, at),
            None => self.timers.remove(&TxnTimer::MarkerRetry),
        };
    }

    /// Partitions with no metadata are "likely deleted already and hence can be skipped".
    fn skip_deleted_partitions(&mut self, now_ms: i64, q: &QueuedMarker, partitions: &[TopicPartition]) {
        match self.state_of(&q.transactional_id) {
            Ok(Some(epoch)) if epoch == q.marker.coordinator_epoch => {
                let mut failure = None;
                if let Some(m) = self.metadata_mut(&q.transactional_id) {
                    for tp in partitions {
                        if let Err(e) = m.remove_partition(&to_txn_tp(tp)) {
                            failure = Some(e.to_string());
                        }
                    }
                }
                if let Some(reason) = failure {
                    self.illegal_state(reason);
                }
                self.maybe_write_txn_completion(now_ms, &q.transactional_id);
            }
            _ => self.remove_markers_for_txn(q),
        }
    }

    /// The completion handler for an answered WriteTxnMarkers.
    pub(crate) fn on_write_txn_markers_response(
        &mut self,
        now_ms: i64,
        correlation_id: u64,
        results: &[WritableTxnMarkerResult],
    ) {
        let Some(flight) = self.markers.in_flight.remove(&correlation_id) else { return };
        self.timers.remove(&TxnTimer::MarkerRequest { correlation_id });
        for q in flight.entries {
            let Some(result) = results.iter().find(|r| r.producer_id == q.marker.producer_id) else {
                self.illegal_state(format!(
                    "WriteTxnMarkerResponse does not contain expected error map for producer id {}",
                    q.marker.producer_id
                ));
                continue;
            };
            if !self.owns_current(&q) {
                continue;
            }
            let mut retry = Vec::new();
            let mut abort_sending = false;
            let mut failures = Vec::new();
            if let Some(m) = self.metadata_mut(&q.transactional_id) {
                for r in &result.partitions {
                    match r.error {
                        None => {
                            if let Err(e) = m.remove_partition(&to_txn_tp(&r.tp)) {
                                failures.push(e.to_string());
                            }
                        }
                        Some(
                            ErrorCode::UnknownTopicOrPartition
                            | ErrorCode::NotLeaderOrFollower
                            | ErrorCode::NotEnoughReplicas
                            | ErrorCode::NotEnoughReplicasAfterAppend
                            | ErrorCode::RequestTimedOut
                            | ErrorCode::KafkaStorageError,
                        ) => retry.push(r.tp.clone()),
                        Some(ErrorCode::InvalidProducerEpoch | ErrorCode::TransactionCoordinatorFenced) => {
                            abort_sending = true
                        }
                        Some(other) => failures.push(format!(
                            "Received error {} while sending txn marker for {}",
                            other.name(),
                            q.transactional_id
                        )),
                    }
                }
            }
            for f in failures {
                self.illegal_state(f);
            }
            if abort_sending {
                self.remove_markers_for_txn(&q);
            } else if !retry.is_empty() {
                let marker = WritableTxnMarker { partitions: retry, ..q.marker.clone() };
                self.enqueue_marker(&q.transactional_id, marker, now_ms + MARKER_RETRY_BACKOFF_MS);
            } else {
                self.maybe_write_txn_completion(now_ms, &q.transactional_id);
            }
        }
    }

    /// Whether this broker still coordinates the marker's transaction in the marker's
    /// coordinator epoch; if not, its markers are dropped.
    fn owns_current(&mut self, q: &QueuedMarker) -> bool {
        match self.state_of(&q.transactional_id) {
            Ok(Some(epoch)) if epoch == q.marker.coordinator_epoch => true,
            Ok(None) => {
                self.illegal_state(format!(
                    "The coordinator still owns the transaction partition for {}, but there is no metadata in the cache; this is not expected",
                    q.transactional_id
                ));
                false
            }
            _ => {
                self.remove_markers_for_txn(q);
                false
            }
        }
    }

    /// A connection to `broker` closed: its requests in flight are sent again.
    pub(crate) fn on_disconnect(&mut self, now_ms: i64, broker: NodeId) {
        let lost: Vec<u64> =
            self.markers.in_flight.iter().filter(|(_, f)| f.broker == broker).map(|(c, _)| *c).collect();
        for correlation_id in lost {
            self.on_marker_request_failed(now_ms, correlation_id);
        }
    }

    /// `wasDisconnected` (also an unanswered request): re-enqueued with possibly new leaders.
    pub(crate) fn on_marker_request_failed(&mut self, now_ms: i64, correlation_id: u64) {
        let Some(flight) = self.markers.in_flight.remove(&correlation_id) else { return };
        self.timers.remove(&TxnTimer::MarkerRequest { correlation_id });
        for q in flight.entries {
            if self.owns_current(&q) {
                self.enqueue_marker(&q.transactional_id, q.marker.clone(), now_ms + MARKER_RETRY_BACKOFF_MS);
            }
        }
    }

    fn remove_markers_for_txn(&mut self, q: &QueuedMarker) {
        if self
            .markers
            .pending
            .get(&q.transactional_id)
            .is_some_and(|p| p.coordinator_epoch == q.marker.coordinator_epoch)
        {
            self.markers.pending.remove(&q.transactional_id);
        }
    }

    /// `removeMarkersForTxnTopicPartition`: on election and resignation.
    pub(crate) fn remove_markers_for_txn_topic_partition(&mut self, partition: u32) {
        let (gone, kept): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.markers.unsent).into_iter().partition(|q| q.txn_partition == partition);
        self.markers.unsent = kept;
        for q in gone {
            self.remove_markers_for_txn(&q);
        }
        let count = self.partition_count;
        let of = |id: &str| super::partition_for(id, count.min(i32::MAX as u32) as i32).max(0) as u32;
        self.markers.log_append_retry.retain(|(t, _)| of(&t.transactional_id) != partition);
    }

    /// `maybeWriteTxnCompletion`: every marker is written, so the completion is.
    pub(crate) fn maybe_write_txn_completion(&mut self, now_ms: i64, transactional_id: &str) {
        if !self.markers.pending.contains_key(transactional_id) {
            return;
        }
        if self.transaction(transactional_id).is_some_and(|m| !m.topic_partitions.is_empty()) {
            return;
        }
        let Some(txn) = self.markers.pending.remove(transactional_id) else { return };
        // `writeTxnCompletion`: only in the coordinator epoch the prepare was written in.
        match self.state_of(transactional_id) {
            Ok(Some(epoch)) if epoch == txn.coordinator_epoch => self.try_append_to_log(now_ms, txn),
            _ => {}
        }
    }

    fn try_append_to_log(&mut self, now_ms: i64, txn: PendingCompleteTxn) {
        let id = txn.transactional_id.clone();
        let epoch = txn.coordinator_epoch;
        let new_metadata = txn.new_metadata.clone();
        let callback = super::append::AppendCallback::Complete { txn };
        self.append_transaction_to_log(now_ms, &id, epoch, new_metadata, callback, true);
    }

    /// `tryAppendToLog`'s callback.
    pub(crate) fn on_completion_stored(
        &mut self,
        now_ms: i64,
        txn: PendingCompleteTxn,
        error: Option<ErrorCode>,
    ) {
        match error {
            None | Some(ErrorCode::NotCoordinator | ErrorCode::CoordinatorLoadInProgress) => {}
            Some(ErrorCode::CoordinatorNotAvailable) => {
                self.markers.log_append_retry.push((txn, now_ms + MARKER_RETRY_BACKOFF_MS));
            }
            Some(other) => self.illegal_state(format!(
                "Unexpected error {} while appending to transaction log for {}",
                other.name(),
                txn.transactional_id
            )),
        }
    }
}

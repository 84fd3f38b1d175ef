//! WriteTxnMarkers on the partition leader (`KafkaApis.handleWriteTxnMarkersRequest` →
//! `ReplicaManager.appendRecords` with `requiredAcks = -1`, `internalTopicsAllowed`,
//! `AppendOrigin.COORDINATOR`): for each marker and each listed partition, the end
//! marker's control batch is appended with the marker's producer id, producer epoch and
//! coordinator epoch ([`crate::engine::log::txn_log`]), and the answer goes once the
//! high watermark passes every marker, or at the request timeout (`DelayedProduce`, the
//! same purgatory as a produce with acks=all). Errors per partition as Kafka answers
//! them: `UNKNOWN_TOPIC_OR_PARTITION` when this broker hosts no replica
//! (`ReplicaManager.getMagic` is empty), `NOT_LEADER_OR_FOLLOWER` on a follower,
//! `NOT_ENOUGH_REPLICAS` below `min.insync.replicas`, `INVALID_PRODUCER_EPOCH` and
//! `TRANSACTION_COORDINATOR_FENCED` from the producer state, `REQUEST_TIMED_OUT` when the
//! ISR did not catch up. The response holds one result per producer id (Kafka keys its
//! errors by producer id), in the order the markers came. A successful marker in a
//! `__consumer_offsets` partition is handed to the group coordinator
//! (`GroupCoordinator.onTransactionCompleted` → `complete_txn_offsets`) when answered.
//! Invariant: every request is answered exactly once, a request with no markers at once.

use super::delayed::{DelayedProduce, ProducePartitionStatus};
use super::BrokerNode;
use crate::engine::cluster::messages::{Message, TopicPartition};
use crate::engine::cluster::txn_parts::{TxnPartitionResult, WritableTxnMarker, WritableTxnMarkerResult};
use crate::engine::cluster::NodeId;
use crate::engine::error::ErrorCode;
use crate::engine::group::coordinator::placement::OFFSETS_TOPIC;
use crate::engine::log::txn_log::EndTxnMarkerAppend;

/// The broker's `request.timeout.ms` (Kafka's default): how long the markers' append may
/// wait for the ISR.
pub const REQUEST_TIMEOUT_MS_DEFAULT: i64 = 30_000;

/// Which marker one held partition status belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerStatus {
    pub producer_id: i64,
    pub committed: bool,
}

impl BrokerNode {
    /// `handleWriteTxnMarkersRequest`.
    pub(crate) fn handle_write_txn_markers(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        markers: &[WritableTxnMarker],
    ) {
        let mut statuses = Vec::new();
        let mut of = Vec::new();
        for marker in markers {
            // Kafka keys a marker's partitions in a map: one append for a partition listed twice.
            let mut seen = std::collections::BTreeSet::new();
            for tp in marker.partitions.iter().filter(|tp| seen.insert(*tp)) {
                statuses.push(self.append_txn_marker(now_ms, marker, tp));
                of.push(MarkerStatus { producer_id: marker.producer_id, committed: marker.committed });
            }
        }
        // No marker, or none with a partition: Kafka answers at once, with no results.
        if statuses.is_empty() {
            self.send(from, Message::WriteTxnMarkersResponse { correlation_id, markers: Vec::new() });
            return;
        }
        let mut held = DelayedProduce { from, correlation_id, partitions: statuses, txn_markers: Some(of) };
        if self.try_complete_produce(&mut held) {
            self.answer_produce(&held);
        } else {
            self.hold_produce(held, REQUEST_TIMEOUT_MS_DEFAULT, now_ms);
        }
    }

    /// One marker into one partition, as `appendToLocalLog` → `Partition.appendRecordsToLeader`.
    fn append_txn_marker(
        &mut self,
        now_ms: i64,
        marker: &WritableTxnMarker,
        tp: &TopicPartition,
    ) -> ProducePartitionStatus {
        let refused = |error: ErrorCode| ProducePartitionStatus::refused(tp, error);
        let Some(p) = self.partitions.get_mut(tp) else {
            return refused(ErrorCode::UnknownTopicOrPartition);
        };
        if !p.is_leader() {
            return refused(ErrorCode::NotLeaderOrFollower);
        }
        if p.is_under_min_isr() {
            return refused(ErrorCode::NotEnoughReplicas);
        }
        let leader_epoch = p.state.leader_epoch;
        let append = EndTxnMarkerAppend {
            producer_id: marker.producer_id,
            producer_epoch: marker.producer_epoch,
            coordinator_epoch: marker.coordinator_epoch,
            committed: marker.committed,
        };
        let info = match p.log.append_end_txn_marker_as_leader(now_ms, append, leader_epoch) {
            Ok(info) => info,
            Err(e) => return refused(e.code),
        };
        self.appended_as_leader(now_ms, tp, leader_epoch, &info);
        ProducePartitionStatus {
            tp: tp.clone(),
            outcome: None,
            base_offset: info.first_offset,
            required_offset: info.last_offset + 1,
            leader_epoch,
            log_append_time_ms: info.log_append_time_ms,
        }
    }

    /// `maybeSendResponseCallback`: the per-producer results, and the offsets partitions'
    /// successful markers handed to the group coordinator.
    pub(crate) fn answer_txn_markers(&mut self, d: &DelayedProduce, of: &[MarkerStatus]) {
        let mut results: Vec<WritableTxnMarkerResult> = Vec::new();
        for (s, m) in d.partitions.iter().zip(of) {
            let error = s.outcome.unwrap_or(Some(ErrorCode::RequestTimedOut));
            if error.is_none() && s.tp.topic.as_str() == OFFSETS_TOPIC {
                self.coordinator.complete_txn_offsets(s.tp.partition, m.producer_id, m.committed);
            }
            let result = TxnPartitionResult { tp: s.tp.clone(), error };
            match results.iter_mut().find(|r| r.producer_id == m.producer_id) {
                Some(r) => r.partitions.push(result),
                None => results
                    .push(WritableTxnMarkerResult { producer_id: m.producer_id, partitions: vec![result] }),
            }
        }
        self.send(
            d.from,
            Message::WriteTxnMarkersResponse { correlation_id: d.correlation_id, markers: results },
        );
    }
}

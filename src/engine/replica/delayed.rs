//! Requests a leader holds back (Kafka's purgatories): a produce with `acks=all` until the
//! high watermark passes its last offset (`DelayedProduce`), and a fetch with nothing to
//! return until data arrives or `max_wait_ms` passes (`DelayedFetch`). Each has a timer
//! keyed by the broker's own request number. Invariant: every held request is answered
//! exactly once — completed, failed, or expired — and its timer is cancelled when it is
//! answered early.

use super::BrokerNode;
use crate::engine::cluster::messages::{
    FetchPartition, IsolationLevel, Message, ProducedPartition, TopicPartition,
};
use crate::engine::cluster::NodeId;
use crate::engine::cluster::TimerKind;
use crate::engine::error::ErrorCode;

/// A Fetch request as received, kept to be served again when it completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchParams {
    pub from: NodeId,
    pub correlation_id: u64,
    pub replica_id: Option<NodeId>,
    pub max_wait_ms: i64,
    pub max_bytes: u32,
    pub partitions: Vec<FetchPartition>,
    pub isolation_level: IsolationLevel,
}

/// A Fetch request read in place from its message (copied into [`FetchParams`] only
/// when it is held).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchRef<'a> {
    pub from: NodeId,
    pub correlation_id: u64,
    pub replica_id: Option<NodeId>,
    pub max_wait_ms: i64,
    pub max_bytes: u32,
    pub partitions: &'a [FetchPartition],
    pub isolation_level: IsolationLevel,
}

impl FetchParams {
    pub fn as_ref(&self) -> FetchRef<'_> {
        FetchRef {
            from: self.from,
            correlation_id: self.correlation_id,
            replica_id: self.replica_id,
            max_wait_ms: self.max_wait_ms,
            max_bytes: self.max_bytes,
            partitions: &self.partitions,
            isolation_level: self.isolation_level,
        }
    }
}

impl FetchRef<'_> {
    pub fn to_params(self) -> FetchParams {
        FetchParams {
            from: self.from,
            correlation_id: self.correlation_id,
            replica_id: self.replica_id,
            max_wait_ms: self.max_wait_ms,
            max_bytes: self.max_bytes,
            partitions: self.partitions.to_vec(),
            isolation_level: self.isolation_level,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedFetch {
    pub params: FetchParams,
}

/// A produce request held until every partition's ISR has its batch (`DelayedProduce`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedProduce {
    pub from: NodeId,
    pub correlation_id: u64,
    pub partitions: Vec<ProducePartitionStatus>,
    /// A WriteTxnMarkers request's markers, one per partition status
    /// ([`super::txn_markers`]); `None` for a produce request.
    pub txn_markers: Option<Vec<super::txn_markers::MarkerStatus>>,
}

/// One partition of a produce request (`ProducePartitionStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducePartitionStatus {
    pub tp: TopicPartition,
    /// `None` while acks=all waits for the ISR; then the answer's error, if any.
    pub outcome: Option<Option<ErrorCode>>,
    pub base_offset: i64,
    /// The HW that acknowledges it: last offset + 1.
    pub required_offset: i64,
    pub leader_epoch: i32,
    pub log_append_time_ms: i64,
}

impl ProducePartitionStatus {
    pub fn refused(tp: &TopicPartition, error: ErrorCode) -> Self {
        ProducePartitionStatus {
            tp: tp.clone(),
            outcome: Some(Some(error)),
            base_offset: -1,
            required_offset: -1,
            leader_epoch: -1,
            log_append_time_ms: -1,
        }
    }
}

impl BrokerNode {
    /// `checkEnoughReplicasReachOffset` for one waiting partition: `None` while waiting,
    /// else the answer's error.
    fn partition_outcome(&self, s: &ProducePartitionStatus) -> Option<Option<ErrorCode>> {
        let Some(p) = self.partitions.get(&s.tp) else { return Some(Some(ErrorCode::NotLeaderOrFollower)) };
        if !p.is_leader() || p.state.leader_epoch != s.leader_epoch {
            return Some(Some(ErrorCode::NotLeaderOrFollower));
        }
        if p.high_watermark < s.required_offset {
            return None;
        }
        // The ISR may have shrunk after the append (Kafka counts the maximal ISR here).
        if (p.maximal_isr_len() as u32) < p.effective_min_isr() {
            Some(Some(ErrorCode::NotEnoughReplicasAfterAppend))
        } else {
            Some(None)
        }
    }

    /// `DelayedProduce.tryComplete`: settles every partition that can be settled now;
    /// true once none waits.
    pub(crate) fn try_complete_produce(&self, d: &mut DelayedProduce) -> bool {
        let mut done = true;
        for s in d.partitions.iter_mut().filter(|s| s.outcome.is_none()) {
            s.outcome = self.partition_outcome(s);
            done &= s.outcome.is_some();
        }
        done
    }

    /// Answers every partition; one still waiting has timed out.
    pub(crate) fn answer_produce(&mut self, d: &DelayedProduce) {
        if let Some(markers) = &d.txn_markers {
            return self.answer_txn_markers(d, markers);
        }
        let partitions = d
            .partitions
            .iter()
            .map(|s| {
                let error = s.outcome.unwrap_or(Some(ErrorCode::RequestTimedOut));
                let (base_offset, log_append_time_ms) =
                    if error.is_some() { (-1, -1) } else { (s.base_offset, s.log_append_time_ms) };
                ProducedPartition { tp: s.tp.clone(), error, base_offset, log_append_time_ms }
            })
            .collect();
        self.send(d.from, Message::ProduceResponse { correlation_id: d.correlation_id, partitions });
    }

    pub(crate) fn hold_produce(&mut self, d: DelayedProduce, timeout_ms: i64, now_ms: i64) {
        let id = self.next_id();
        self.set_timer(TimerKind::DelayedProduce, id, now_ms + timeout_ms.max(0));
        self.delayed_produces.insert(id, d);
    }

    pub(crate) fn hold_fetch(&mut self, params: FetchParams, now_ms: i64) {
        let id = self.next_id();
        self.set_timer(TimerKind::DelayedFetch, id, now_ms + params.max_wait_ms);
        self.delayed_fetches.insert(id, DelayedFetch { params });
    }

    /// `DelayedFetch.tryComplete`: new data past a fetch offset, or a partition whose
    /// leadership changed under the request.
    fn fetch_can_complete(&self, params: &FetchParams) -> bool {
        params.partitions.iter().any(|fp| {
            let Some(p) = self.partitions.get(&fp.tp) else { return true };
            if !p.is_leader()
                || (fp.current_leader_epoch >= 0 && fp.current_leader_epoch != p.state.leader_epoch)
            {
                return true;
            }
            // `FetchIsolation`: LOG_END for a follower, TXN_COMMITTED (the last stable
            // offset) for a read_committed consumer, HIGH_WATERMARK otherwise.
            let end = match (params.replica_id, params.isolation_level) {
                (Some(_), _) => p.log_end_offset(),
                (None, IsolationLevel::ReadCommitted) => p.last_stable_offset(),
                (None, IsolationLevel::ReadUncommitted) => p.high_watermark,
            };
            end > fp.fetch_offset || (params.replica_id.is_some() && fp.fetch_offset > end)
        })
    }

    /// After every input: answers the held requests that can be answered now.
    pub(crate) fn complete_delayed(&mut self, now_ms: i64) {
        let ready: Vec<u64> = self
            .delayed_fetches
            .iter()
            .filter(|(_, d)| self.fetch_can_complete(&d.params))
            .map(|(id, _)| *id)
            .collect();
        for id in ready {
            if let Some(d) = self.delayed_fetches.remove(&id) {
                self.cancel_timer(TimerKind::DelayedFetch, id);
                self.serve_fetch(now_ms, d.params.as_ref(), false);
            }
        }
        // Taken out while settling (settling reads the partitions, not the held requests).
        let mut held = std::mem::take(&mut self.delayed_produces);
        let mut done = Vec::new();
        for (id, d) in held.iter_mut() {
            if self.try_complete_produce(d) {
                done.push(*id);
            }
        }
        self.delayed_produces = held;
        for id in done {
            if let Some(d) = self.delayed_produces.remove(&id) {
                self.cancel_timer(TimerKind::DelayedProduce, id);
                self.answer_produce(&d);
            }
        }
    }

    pub(crate) fn expire_delayed_produce(&mut self, _now_ms: i64, id: u64) {
        if let Some(mut d) = self.delayed_produces.remove(&id) {
            self.try_complete_produce(&mut d);
            self.answer_produce(&d);
        }
    }

    pub(crate) fn expire_delayed_fetch(&mut self, now_ms: i64, id: u64) {
        if let Some(d) = self.delayed_fetches.remove(&id) {
            self.serve_fetch(now_ms, d.params.as_ref(), false);
        }
    }
}

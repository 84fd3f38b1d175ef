//! Requests a leader holds back (Kafka's purgatories): a produce with `acks=all` until the
//! high watermark passes its last offset (`DelayedProduce`), and a fetch with nothing to
//! return until data arrives or `max_wait_ms` passes (`DelayedFetch`). Each has a timer
//! keyed by the broker's own request number. Invariant: every held request is answered
//! exactly once — completed, failed, or expired — and its timer is cancelled when it is
//! answered early.

use super::{BrokerNode, TIMER_DELAYED_FETCH, TIMER_DELAYED_PRODUCE};
use crate::engine::cluster::messages::{FetchPartition, Message, TopicPartition};
use crate::engine::cluster::NodeId;
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedFetch {
    pub params: FetchParams,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayedProduce {
    pub from: NodeId,
    pub correlation_id: u64,
    pub tp: TopicPartition,
    pub base_offset: i64,
    /// The HW that acknowledges it: last offset + 1.
    pub required_offset: i64,
    pub leader_epoch: i32,
    pub log_append_time_ms: i64,
}

impl BrokerNode {
    /// `checkEnoughReplicasReachOffset`: `None` while waiting, else the answer's error.
    pub(crate) fn produce_outcome(&self, d: &DelayedProduce) -> Option<Option<ErrorCode>> {
        let Some(p) = self.partitions.get(&d.tp) else { return Some(Some(ErrorCode::NotLeaderOrFollower)) };
        if !p.is_leader() || p.state.leader_epoch != d.leader_epoch {
            return Some(Some(ErrorCode::NotLeaderOrFollower));
        }
        if p.high_watermark < d.required_offset {
            return None;
        }
        // The ISR may have shrunk after the append (Kafka counts the maximal ISR here).
        if (p.maximal_isr_len() as u32) < p.effective_min_isr() {
            Some(Some(ErrorCode::NotEnoughReplicasAfterAppend))
        } else {
            Some(None)
        }
    }

    pub(crate) fn answer_produce(&mut self, d: &DelayedProduce, error: Option<ErrorCode>) {
        let (base_offset, log_append_time_ms) =
            if error.is_some() { (-1, -1) } else { (d.base_offset, d.log_append_time_ms) };
        let message = Message::ProduceResponse {
            correlation_id: d.correlation_id,
            tp: d.tp.clone(),
            error,
            base_offset,
            log_append_time_ms,
        };
        self.send(d.from, message);
    }

    pub(crate) fn hold_produce(&mut self, d: DelayedProduce, timeout_ms: i64, now_ms: i64) {
        let id = self.next_id();
        self.set_timer(TIMER_DELAYED_PRODUCE, id, now_ms + timeout_ms.max(0));
        self.delayed_produces.insert(id, d);
    }

    pub(crate) fn hold_fetch(&mut self, params: FetchParams, now_ms: i64) {
        let id = self.next_id();
        self.set_timer(TIMER_DELAYED_FETCH, id, now_ms + params.max_wait_ms);
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
            let end = if params.replica_id.is_some() { p.log_end_offset() } else { p.high_watermark };
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
                self.cancel_timer(TIMER_DELAYED_FETCH, id);
                self.serve_fetch(now_ms, d.params.as_ref(), false);
            }
        }
        let done: Vec<(u64, Option<ErrorCode>)> = self
            .delayed_produces
            .iter()
            .filter_map(|(id, d)| self.produce_outcome(d).map(|e| (*id, e)))
            .collect();
        for (id, error) in done {
            if let Some(d) = self.delayed_produces.remove(&id) {
                self.cancel_timer(TIMER_DELAYED_PRODUCE, id);
                self.answer_produce(&d, error);
            }
        }
    }

    pub(crate) fn expire_delayed_produce(&mut self, _now_ms: i64, id: u64) {
        if let Some(d) = self.delayed_produces.remove(&id) {
            let error = match self.produce_outcome(&d) {
                Some(error) => error,
                None => Some(ErrorCode::RequestTimedOut),
            };
            self.answer_produce(&d, error);
        }
    }

    pub(crate) fn expire_delayed_fetch(&mut self, now_ms: i64, id: u64) {
        if let Some(d) = self.delayed_fetches.remove(&id) {
            self.serve_fetch(now_ms, d.params.as_ref(), false);
        }
    }
}

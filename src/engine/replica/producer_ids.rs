//! The broker's producer-id manager and its `InitProducerId` answer for idempotent
//! producers. [`ProducerIdManager`] is Kafka's `RPCProducerIdManager`
//! (core `ProducerIdManager.scala`): ids come from the current block; the next block is
//! asked of the controller with `AllocateProducerIds` when the current one is used up or
//! when the id at 90 % of it (`PidPrefetchThreshold`) is handed out, so it is usually
//! there before it is needed; while no id is at hand the answer is
//! COORDINATOR_LOAD_IN_PROGRESS (retriable, as Kafka answers); a failed allocation is
//! asked again no sooner than 50 ms later (`RetryBackoffMs`). `handle_init_producer_id`
//! is `TransactionCoordinator.handleInitProducerId` for a null `transactional.id`: a new
//! id with epoch 0, whatever id and epoch the request carries. Invariant: an id is handed
//! out at most once, and only from a block the controller granted to this broker.

use super::BrokerNode;
use crate::engine::cluster::{Message, NodeId};
use crate::engine::error::ErrorCode;

/// `ProducerIdManager.PidPrefetchThreshold`.
pub const PID_PREFETCH_THRESHOLD: f64 = 0.90;
/// `ProducerIdManager.RetryBackoffMs`.
pub const RETRY_BACKOFF_MS: i64 = 50;
/// When an unanswered `AllocateProducerIds` counts as timed out (`handleTimeout`; the
/// controller channel's `request.timeout.ms` default).
pub const ALLOCATE_TIMEOUT_MS: i64 = 30_000;

/// `ProducerIdsBlock`: ids `first_producer_id .. first_producer_id + size`, the next to
/// claim at `next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ProducerIdsBlock {
    pub first_producer_id: i64,
    pub size: i32,
    pub next: i64,
}

impl ProducerIdsBlock {
    fn new(first_producer_id: i64, size: i32) -> Self {
        ProducerIdsBlock { first_producer_id, size, next: first_producer_id }
    }

    /// `lastProducerId`.
    pub fn last_producer_id(&self) -> i64 {
        self.first_producer_id + i64::from(self.size) - 1
    }

    /// `claimNextId`.
    fn claim_next_id(&mut self) -> Option<i64> {
        if self.next > self.last_producer_id() {
            return None;
        }
        self.next += 1;
        Some(self.next - 1)
    }
}

/// `RPCProducerIdManager`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ProducerIdManager {
    pub current_block: Option<ProducerIdsBlock>,
    pub next_block: Option<ProducerIdsBlock>,
    pub request_in_flight: bool,
    /// When the request in flight was sent.
    pub request_sent_ms: i64,
    /// No request before this (after a failed one); `None`: no backoff.
    pub backoff_deadline_ms: Option<i64>,
}

impl ProducerIdManager {
    /// `generateProducerId`: an id, or COORDINATOR_LOAD_IN_PROGRESS; `true` in the second
    /// place when the next block must be asked for now.
    pub fn generate_producer_id(&mut self, now_ms: i64) -> (Result<i64, ErrorCode>, bool) {
        let mut request = false;
        for _ in 0..3 {
            match self.current_block.as_mut().and_then(ProducerIdsBlock::claim_next_id) {
                Some(id) => {
                    let block = self.current_block.unwrap_or(ProducerIdsBlock::new(0, 0));
                    let prefetch_target =
                        block.first_producer_id + (f64::from(block.size) * PID_PREFETCH_THRESHOLD) as i64;
                    if id == prefetch_target {
                        request |= self.maybe_request_next_block(now_ms);
                    }
                    return (Ok(id), request);
                }
                None => match self.next_block.take() {
                    Some(block) => {
                        self.current_block = Some(block);
                        self.request_in_flight = false;
                    }
                    None => {
                        request |= self.maybe_request_next_block(now_ms);
                        return (Err(ErrorCode::CoordinatorLoadInProgress), request);
                    }
                },
            }
        }
        (Err(ErrorCode::CoordinatorLoadInProgress), request)
    }

    /// `maybeRequestNextBlock`: whether to send `AllocateProducerIds` now.
    fn maybe_request_next_block(&mut self, now_ms: i64) -> bool {
        if self.backoff_deadline_ms.is_some_and(|at| now_ms < at) {
            return false;
        }
        if self.request_in_flight && now_ms >= self.request_sent_ms + ALLOCATE_TIMEOUT_MS {
            self.request_in_flight = false;
        }
        if self.next_block.is_none() && !self.request_in_flight {
            self.request_in_flight = true;
            self.request_sent_ms = now_ms;
            self.backoff_deadline_ms = None;
            return true;
        }
        false
    }

    /// `handleAllocateProducerIdsResponse`.
    pub fn handle_allocate_producer_ids_response(
        &mut self,
        now_ms: i64,
        error: Option<ErrorCode>,
        start: i64,
        len: i32,
    ) -> Result<(), String> {
        let outcome = match error {
            None => {
                let current_last = self.current_block.map_or(-1, |b| b.last_producer_id());
                if start < current_last {
                    Err(format!("Producer ID block is not monotonic with current block: start {start}"))
                } else if start < 0 || len < 0 || start > i64::MAX - i64::from(len) {
                    Err(format!("Producer ID block includes invalid ID range: start {start}, len {len}"))
                } else {
                    self.next_block = Some(ProducerIdsBlock::new(start, len));
                    Ok(())
                }
            }
            Some(e) => Err(format!("AllocateProducerIds answered {}", e.name())),
        };
        if outcome.is_err() {
            self.backoff_deadline_ms = Some(now_ms + RETRY_BACKOFF_MS);
            self.request_in_flight = false;
        }
        outcome
    }
}

impl BrokerNode {
    /// `InitProducerId` with a null `transactional.id`: a fresh id, epoch 0.
    pub(crate) fn handle_init_producer_id(
        &mut self,
        now_ms: i64,
        from: NodeId,
        correlation_id: u64,
        transactional_id: Option<&str>,
    ) {
        let (result, mut request) = if transactional_id.is_some() {
            // Transactions are not built yet: Kafka's answer to a transactional id on a
            // broker that does not coordinate it.
            (Err(ErrorCode::NotCoordinator), false)
        } else {
            self.producer_ids.generate_producer_id(now_ms)
        };
        if request && self.broker_epoch < 0 {
            // Not registered yet: the controller would answer STALE_BROKER_EPOCH; asked
            // again by the next InitProducerId once the broker has an epoch.
            self.producer_ids.request_in_flight = false;
            request = false;
        }
        if request {
            let message = Message::AllocateProducerIdsRequest {
                broker_id: self.broker_id,
                broker_epoch: self.broker_epoch,
            };
            self.send(self.config.controller_id, message);
        }
        let response = match result {
            Ok(producer_id) => Message::InitProducerIdResponse {
                correlation_id,
                error: None,
                producer_id,
                producer_epoch: 0,
            },
            Err(error) => Message::InitProducerIdResponse {
                correlation_id,
                error: Some(error),
                producer_id: -1,
                producer_epoch: -1,
            },
        };
        self.send(from, response);
    }

    pub(crate) fn handle_allocate_producer_ids_response(
        &mut self,
        now_ms: i64,
        error: Option<ErrorCode>,
        start: i64,
        len: i32,
    ) {
        if let Err(reason) =
            self.producer_ids.handle_allocate_producer_ids_response(now_ms, error, start, len)
        {
            self.refuse(format!("broker {}: {reason}", self.broker_id));
        }
    }
}

#[cfg(test)]
mod tests {
    //! After core's `ProducerIdManagerTest` (the RPC manager's cases).
    use super::*;

    #[test]
    fn no_block_answers_coordinator_load_in_progress_and_asks_once() {
        let mut m = ProducerIdManager::default();
        assert_eq!(m.generate_producer_id(0), (Err(ErrorCode::CoordinatorLoadInProgress), true));
        // The request is in flight: not asked again.
        assert_eq!(m.generate_producer_id(1), (Err(ErrorCode::CoordinatorLoadInProgress), false));
        m.handle_allocate_producer_ids_response(2, None, 0, 1000).unwrap();
        assert_eq!(m.generate_producer_id(3), (Ok(0), false));
        assert_eq!(m.generate_producer_id(3), (Ok(1), false));
    }

    #[test]
    fn the_next_block_is_prefetched_at_ninety_percent() {
        let mut m = ProducerIdManager::default();
        assert_eq!(m.generate_producer_id(0), (Err(ErrorCode::CoordinatorLoadInProgress), true));
        m.handle_allocate_producer_ids_response(0, None, 0, 10).unwrap();
        let asked: Vec<bool> = (0..10).map(|_| m.generate_producer_id(0).1).collect();
        assert_eq!(asked.iter().position(|a| *a), Some(9), "asked when id 9 (90 % of 10) is handed out");
        m.handle_allocate_producer_ids_response(0, None, 10, 10).unwrap();
        assert_eq!(m.generate_producer_id(0).0, Ok(10), "the prefetched block follows on");
    }

    #[test]
    fn a_failed_allocation_backs_off_fifty_ms() {
        let mut m = ProducerIdManager::default();
        assert!(m.generate_producer_id(0).1);
        assert!(m
            .handle_allocate_producer_ids_response(0, Some(ErrorCode::StaleBrokerEpoch), -1, 0)
            .is_err());
        assert!(!m.generate_producer_id(49).1);
        assert!(m.generate_producer_id(50).1);
        // A block that goes backwards is refused.
        m.handle_allocate_producer_ids_response(51, None, 2000, 1000).unwrap();
        assert_eq!(m.generate_producer_id(52).0, Ok(2000));
        assert!(m.handle_allocate_producer_ids_response(53, None, 5, 1000).is_err());
    }
}

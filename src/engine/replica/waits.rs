//! What a broker's replicas wait for, for the page, so a long wait is not silent (issue
//! 14, "pending timers on the cards"): a follower's fetch still unanswered, which its
//! fetcher gives up `replica.socket.timeout.ms` after sending it (the replica fetcher's
//! request timeout, `ReplicaFetcherBlockingSend`), and, on a leader, the ISR followers
//! with their `lastCaughtUpTimeMs`: the ISR check (`Partition.maybeShrinkIsr`, every
//! `replica.lag.time.max.ms` / 2) drops one that has not caught up for
//! `replica.lag.time.max.ms`. Invariant: pure reads of the node's state.

use super::partition::{Partition, Role};
use super::BrokerNode;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::NodeId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaWaits {
    /// A follower's fetch in flight to its leader: when it was sent and when the fetcher
    /// gives it up.
    pub fetch_in_flight: Option<FetchInFlight>,
    /// A leader's ISR followers, each with when it last caught up (`lastCaughtUpTimeMs`).
    pub followers_caught_up_ms: Vec<(NodeId, i64)>,
    /// `replica.lag.time.max.ms` on this broker.
    pub replica_lag_time_max_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchInFlight {
    pub sent_at_ms: i64,
    pub give_up_at_ms: i64,
}

impl BrokerNode {
    pub(crate) fn replica_waits(&self, tp: &TopicPartition, p: &Partition) -> ReplicaWaits {
        let fetch_in_flight = match (p.role, p.state.leader) {
            (Role::Follower, Some(leader)) => self
                .fetch_in_flight(leader, tp)
                .map(|(sent_at_ms, give_up_at_ms)| FetchInFlight { sent_at_ms, give_up_at_ms }),
            _ => None,
        };
        let followers_caught_up_ms = if p.is_leader() {
            let isr = p.state.isr.iter().filter(|r| **r != self.broker_id);
            isr.filter_map(|r| p.followers.get(r).map(|f| (*r, f.last_caught_up_time_ms))).collect()
        } else {
            Vec::new()
        };
        ReplicaWaits {
            fetch_in_flight,
            followers_caught_up_ms,
            replica_lag_time_max_ms: self.config.replica_lag_time_max_ms,
        }
    }
}

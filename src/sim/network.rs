//! The simulated network: per-link latency with jitter and loss, partitions that cut
//! any set of nodes off from another, and one-shot losses ([`LoseNext`]: the next message
//! of one API to a node is lost, as a dropped response or request). Every random choice
//! comes from the run's seeded [`Rng`], so a seed fixes which messages arrive when.

use crate::engine::cluster::NodeId;
use crate::engine::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One direction of one link (or the default for all links).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinkConfig {
    pub latency_ms: i64,
    pub jitter_ms: i64,
    /// Probability in [0, 1] that a message is lost.
    pub loss: f64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig { latency_ms: 2, jitter_ms: 1, loss: 0.0 }
    }
}

/// What happens to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    ArriveAt(i64),
    Lost,
    /// The link is cut by a partition.
    Cut,
}

/// Every name [`crate::engine::cluster::Message::api_name`] gives (what a `lose_next`
/// step may name).
pub const API_NAMES: &[&str] = &[
    "Produce",
    "ProduceResponse",
    "Fetch",
    "FetchResponse",
    "ListOffsets",
    "ListOffsetsResponse",
    "DeleteRecords",
    "DeleteRecordsResponse",
    "Metadata",
    "MetadataResponse",
    "CreateTopics",
    "CreateTopicsResponse",
    "BrokerRegistration",
    "BrokerHeartbeat",
    "BrokerHeartbeatResponse",
    "AlterPartition",
    "AlterPartitionResponse",
    "MetadataUpdate",
    "FindCoordinator",
    "FindCoordinatorResponse",
    "JoinGroup",
    "JoinGroupResponse",
    "SyncGroup",
    "SyncGroupResponse",
    "Heartbeat",
    "HeartbeatResponse",
    "LeaveGroup",
    "LeaveGroupResponse",
    "OffsetCommit",
    "OffsetCommitResponse",
    "OffsetFetch",
    "OffsetFetchResponse",
    "InitProducerId",
    "InitProducerIdResponse",
    "AllocateProducerIds",
    "AllocateProducerIdsResponse",
    "ConnectionClosed",
];

/// A one-shot loss: the next message named `api` (Kafka's API name as
/// [`crate::engine::cluster::Message::api_name`] gives it: `Produce`, `ProduceResponse`, …)
/// sent to `to` (from `from`, or from anyone) is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoseNext {
    pub from: Option<NodeId>,
    pub to: NodeId,
    pub api: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Network {
    pub default_link: LinkConfig,
    pub links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    /// Active partitions: each pair of groups cannot talk across.
    pub partitions: Vec<(BTreeSet<NodeId>, BTreeSet<NodeId>)>,
    /// One-shot losses still waiting for their message.
    #[serde(default)]
    pub lose_next: Vec<LoseNext>,
    /// The latest arrival scheduled on each link: a link delivers in order, as a TCP
    /// connection does (jitter delays, never reorders).
    #[serde(skip)]
    last_arrival_ms: BTreeMap<(NodeId, NodeId), i64>,
}

impl Network {
    pub fn new(default_link: LinkConfig) -> Self {
        Network {
            default_link,
            links: BTreeMap::new(),
            partitions: Vec::new(),
            lose_next: Vec::new(),
            last_arrival_ms: BTreeMap::new(),
        }
    }

    pub fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        self.links.get(&(from, to)).copied().unwrap_or(self.default_link)
    }

    /// Whether a partition separates the two nodes.
    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.partitions
            .iter()
            .any(|(x, y)| (x.contains(&a) && y.contains(&b)) || (x.contains(&b) && y.contains(&a)))
    }

    /// Cuts every node of `side_a` off from every node of `side_b`.
    pub fn partition(&mut self, side_a: BTreeSet<NodeId>, side_b: BTreeSet<NodeId>) {
        self.partitions.push((side_a, side_b));
    }

    pub fn heal(&mut self) {
        self.partitions.clear();
    }

    /// Whether a message of `api` from `from` to `to` is taken by a one-shot loss (which
    /// is then used up).
    pub fn take_lose_next(&mut self, from: NodeId, to: NodeId, api: &str) -> bool {
        let hit = self
            .lose_next
            .iter()
            .position(|l| l.to == to && l.api == api && l.from.is_none_or(|f| f == from));
        hit.map(|i| self.lose_next.remove(i)).is_some()
    }

    /// The smallest latency any message can have (the conservative lookahead window).
    pub fn min_latency_ms(&self) -> i64 {
        self.links
            .values()
            .chain(std::iter::once(&self.default_link))
            .map(|l| (l.latency_ms - l.jitter_ms).max(0))
            .min()
            .unwrap_or(0)
    }

    /// Decides a message's fate. Always draws the same number of random values, so one
    /// message's fate never shifts the randomness of the next.
    /// The nodes `id` has exchanged messages with since it last started: the ends of
    /// its TCP connections, which its host's kernel resets when its process dies.
    pub fn connected_to(&self, id: NodeId) -> BTreeSet<NodeId> {
        self.last_arrival_ms
            .keys()
            .filter_map(|&(from, to)| match (from == id, to == id) {
                (true, false) => Some(to),
                (false, true) => Some(from),
                _ => None,
            })
            .collect()
    }

    /// `id`'s connections are gone (its process died): a later message opens new ones.
    pub fn close_connections(&mut self, id: NodeId) {
        self.last_arrival_ms.retain(|&(from, to), _| from != id && to != id);
    }

    pub fn fate(&mut self, rng: &mut Rng, now_ms: i64, from: NodeId, to: NodeId) -> Fate {
        let link = self.link(from, to);
        let lost = rng.chance(link.loss);
        let jitter = if link.jitter_ms > 0 {
            i64::from(rng.below((2 * link.jitter_ms + 1).min(i64::from(u32::MAX)) as u32)) - link.jitter_ms
        } else {
            rng.next_u32();
            0
        };
        if from != to && self.is_cut(from, to) {
            return Fate::Cut;
        }
        if lost {
            return Fate::Lost;
        }
        let earliest = self.last_arrival_ms.get(&(from, to)).copied().unwrap_or(i64::MIN);
        let at = (now_ms + (link.latency_ms + jitter).max(0)).max(earliest);
        self.last_arrival_ms.insert((from, to), at);
        Fate::ArriveAt(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_cut_both_ways_and_heal() {
        let mut n = Network::new(LinkConfig::default());
        n.partition([1].into(), [2, 3].into());
        assert!(n.is_cut(1, 2) && n.is_cut(3, 1));
        assert!(!n.is_cut(2, 3));
        let mut rng = Rng::new(7);
        assert_eq!(n.fate(&mut rng, 0, 1, 2), Fate::Cut);
        n.heal();
        assert!(matches!(n.fate(&mut rng, 0, 1, 2), Fate::ArriveAt(t) if (1..=3).contains(&t)));
    }

    #[test]
    fn a_one_shot_loss_takes_one_matching_message() {
        let mut n = Network::new(LinkConfig::default());
        n.lose_next.push(LoseNext { from: None, to: 9, api: "ProduceResponse".into() });
        assert!(!n.take_lose_next(1, 9, "FetchResponse"));
        assert!(!n.take_lose_next(1, 8, "ProduceResponse"));
        assert!(n.take_lose_next(1, 9, "ProduceResponse"));
        assert!(!n.take_lose_next(1, 9, "ProduceResponse"), "used up");
    }

    #[test]
    fn a_link_never_reorders() {
        let mut n = Network::new(LinkConfig { latency_ms: 10, jitter_ms: 9, loss: 0.0 });
        let mut rng = Rng::new(3);
        let mut last = 0;
        for t in 0..200 {
            let Fate::ArriveAt(at) = n.fate(&mut rng, t, 1, 2) else { panic!() };
            assert!(at >= last);
            last = at;
        }
    }

    #[test]
    fn same_seed_same_fates() {
        let run = |seed| {
            let mut n = Network::new(LinkConfig { latency_ms: 10, jitter_ms: 5, loss: 0.3 });
            let mut rng = Rng::new(seed);
            (0..100).map(|i| n.fate(&mut rng, i, 1, 2)).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        assert!(run(1).contains(&Fate::Lost));
    }
}

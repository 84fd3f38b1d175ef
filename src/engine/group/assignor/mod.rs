//! Kafka's client-side consumer partition assignors, result-for-result with the Java
//! client: `range` ([`range`]), `roundrobin` ([`round_robin`]), `sticky` and
//! `cooperative-sticky` ([`sticky`], [`cooperative_sticky`]), chosen by [`AssignorKind`].
//! Input is what the group leader holds after JoinGroup: partition counts from metadata and
//! each member's [`MemberSubscription`]; output maps every member id to its partitions.
//!
//! Where Kafka's results depend on Java's collections (the order of a `HashMap` of members,
//! `String.compareTo`), [`java`] reproduces that behaviour. Rack-aware assignment needs
//! each partition's replica racks; with partition counts only, Kafka's assignors behave as
//! without racks (`assign(Map<String, Integer>, ...)`), and so do these.

mod cooperative_sticky;
mod group_subscription;
mod java;
pub mod protocol;
mod range;
mod round_robin;
mod sticky;

pub use crate::engine::cluster::messages::TopicPartition;

use crate::engine::error::{ConfigProblem, KafkaError};
use group_subscription::GroupSubscription;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// `AbstractStickyAssignor.DEFAULT_GENERATION`: the member reports no generation.
pub const DEFAULT_GENERATION: i32 = -1;

/// One member's JoinGroup subscription (`ConsumerPartitionAssignor.Subscription`, the
/// `ConsumerProtocol` v2+ view).
///
/// `owned_partitions` and `generation` are what the member says it held and in which
/// generation. The eager `sticky` assignor reads them from its own user data, which a
/// member only has once it has been assigned in some generation; so `sticky` ignores the
/// owned partitions of a member with no generation (`generation < 0`), as Kafka's
/// `StickyAssignor` does for a subscription without user data. `cooperative-sticky`
/// always honours them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSubscription {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// Subscribed topics.
    pub topics: Vec<String>,
    pub owned_partitions: Vec<TopicPartition>,
    /// [`DEFAULT_GENERATION`] (-1) = none.
    pub generation: i32,
    pub rack: Option<String>,
}

/// `AbstractPartitionAssignor.MemberInfo.compareTo`: static members (with a
/// `group.instance.id`) first, ordered by it, then dynamic members by member id.
pub(crate) fn compare_members(a: &MemberSubscription, b: &MemberSubscription) -> Ordering {
    match (&a.group_instance_id, &b.group_instance_id) {
        (Some(x), Some(y)) => java::compare(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => java::compare(&a.member_id, &b.member_id),
    }
}

/// `ConsumerPartitionAssignor.RebalanceProtocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RebalanceProtocol {
    Eager,
    Cooperative,
}

impl RebalanceProtocol {
    /// The id Kafka gives the protocol (`EAGER` 0, `COOPERATIVE` 1).
    pub fn id(self) -> u8 {
        match self {
            RebalanceProtocol::Eager => 0,
            RebalanceProtocol::Cooperative => 1,
        }
    }
}

/// A `partition.assignment.strategy`, by Kafka's assignor name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssignorKind {
    #[serde(rename = "range")]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

/// The whole of an assignor's answer: every member's partitions and, for the sticky
/// assignors, `AbstractStickyAssignor.partitionsTransferringOwnership()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentOutcome {
    pub assignment: BTreeMap<String, Vec<TopicPartition>>,
    /// Partitions the constrained sticky algorithm gives to a member other than their
    /// previous owner (partition -> new owner). `None` where Kafka leaves it `null`: the
    /// general sticky algorithm, and the non-sticky assignors.
    pub partitions_transferring_ownership: Option<BTreeMap<TopicPartition, String>>,
}

/// Where Kafka's assignor throws instead of assigning. Only inconsistent input gets here
/// (an owned partition beyond its topic's partition count, a member listing a topic twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignorError {
    /// Kafka's exception message (or, for a `NullPointerException`, where it happens).
    pub message: String,
    /// The assignment as far as it got.
    pub partial: BTreeMap<String, Vec<TopicPartition>>,
}

impl fmt::Display for AssignorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "assignor failed: {}", self.message)
    }
}

impl std::error::Error for AssignorError {}

impl AssignorKind {
    /// Every assignor, in the order Kafka documents them.
    pub const ALL: [AssignorKind; 4] = [
        AssignorKind::Range,
        AssignorKind::RoundRobin,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ];

    /// Kafka's name for it (`ConsumerPartitionAssignor.name()`).
    pub fn name(&self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The rebalance protocols the assignor supports, preferred first
    /// (`ConsumerPartitionAssignor.supportedProtocols()`).
    pub fn supported_protocols(&self) -> &'static [RebalanceProtocol] {
        match self {
            AssignorKind::CooperativeSticky => &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager],
            _ => &[RebalanceProtocol::Eager],
        }
    }

    /// Kafka's assignment of `partitions_per_topic` (topic -> partition count, from
    /// metadata) to `members`. Every member appears in the result. Members are taken in
    /// the order of the slice as JoinGroup listed them (Kafka iterates a `HashMap` filled in
    /// that order). `cooperative-sticky` leaves out partitions that must first be revoked
    /// from their previous owner. Where Kafka would throw (see [`AssignorError`]) this
    /// returns the assignment as far as it got.
    pub fn assign(
        &self,
        partitions_per_topic: &BTreeMap<String, u32>,
        members: &[MemberSubscription],
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        match self.try_assign(partitions_per_topic, members) {
            Ok(outcome) => outcome.assignment,
            Err(error) => error.partial,
        }
    }

    /// [`AssignorKind::assign`], with the sticky bookkeeping and Kafka's failures.
    pub fn try_assign(
        &self,
        partitions_per_topic: &BTreeMap<String, u32>,
        members: &[MemberSubscription],
    ) -> Result<AssignmentOutcome, AssignorError> {
        let group = GroupSubscription::new(partitions_per_topic, members);
        match self {
            AssignorKind::Range => Ok(plain(range::assign(&group))),
            AssignorKind::RoundRobin => Ok(plain(round_robin::assign(&group))),
            AssignorKind::Sticky => sticky::assign(&group, sticky::Flavor::Eager),
            AssignorKind::CooperativeSticky => cooperative_sticky::assign(&group),
        }
    }
}

fn plain(assignment: BTreeMap<String, Vec<TopicPartition>>) -> AssignmentOutcome {
    AssignmentOutcome { assignment, partitions_transferring_ownership: None }
}

impl fmt::Display for AssignorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for AssignorKind {
    type Err = KafkaError;

    /// Parses Kafka's assignor name; anything else is `INVALID_CONFIG` for
    /// `partition.assignment.strategy`, listing the valid names.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        AssignorKind::ALL.into_iter().find(|kind| kind.name() == name.trim()).ok_or_else(|| {
            let allowed = AssignorKind::ALL.iter().map(|k| k.name().to_string()).collect();
            KafkaError::invalid_config(
                "partition.assignment.strategy",
                name,
                ConfigProblem::NotOneOf { allowed },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_string(),
            group_instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            owned_partitions: Vec::new(),
            generation: DEFAULT_GENERATION,
            rack: None,
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_valid_ones() {
        for kind in AssignorKind::ALL {
            assert_eq!(kind.name().parse::<AssignorKind>(), Ok(kind));
        }
        let error = "sticky2".parse::<AssignorKind>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("range, roundrobin, sticky, cooperative-sticky"), "{error}");
        assert!(error.contains("partition.assignment.strategy"), "{error}");
    }

    #[test]
    fn protocols_match_kafka() {
        assert_eq!(AssignorKind::Range.supported_protocols(), &[RebalanceProtocol::Eager]);
        assert_eq!(
            AssignorKind::CooperativeSticky.supported_protocols(),
            &[RebalanceProtocol::Cooperative, RebalanceProtocol::Eager]
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let topics: BTreeMap<String, u32> =
            [("a".to_string(), 3), ("b".to_string(), 0), ("c".to_string(), 5)].into_iter().collect();
        let mut weird = member("m1", &["a", "a", "missing", "b"]);
        weird.owned_partitions = vec![
            TopicPartition { topic: "a".into(), partition: 9 },
            TopicPartition { topic: "a".into(), partition: 0 },
            TopicPartition { topic: "a".into(), partition: 0 },
        ];
        weird.generation = 3;
        let mut other = member("m2", &["c", "a"]);
        other.owned_partitions = vec![TopicPartition { topic: "a".into(), partition: 0 }];
        other.generation = 3;
        let groups: Vec<Vec<MemberSubscription>> = vec![
            vec![],
            vec![member("m1", &[])],
            vec![weird.clone(), other.clone(), member("m3", &[]), weird.clone()],
            vec![member("m3", &[]), other.clone(), weird],
        ];
        for kind in AssignorKind::ALL {
            for members in &groups {
                let result = kind.assign(&topics, members);
                for m in members {
                    assert!(result.contains_key(&m.member_id), "{kind} lost {}", m.member_id);
                }
            }
        }
    }
}

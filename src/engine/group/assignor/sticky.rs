//! The shared sticky algorithm (`AbstractStickyAssignor`) behind `sticky` and
//! `cooperative-sticky`: reads each member's previously owned partitions and generation
//! (its `MemberData`), settles partitions claimed by several members (the higher generation
//! keeps it; in the same generation nobody does), then builds the assignment with the
//! [`constrained`] algorithm when every member subscribes to the same topics, or the
//! [`general`] one otherwise. Both keep owned partitions where balance allows.

mod constrained;
mod general;
mod movements;

use super::group_subscription::GroupSubscription;
use super::java::{JavaHashTable, JavaString};
use super::{AssignmentOutcome, AssignorError, MemberSubscription, TopicPartition, DEFAULT_GENERATION};
use std::collections::{BTreeMap, BTreeSet};

/// Which concrete assignor reads the members' data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `StickyAssignor`: owned partitions and generation come from its user data.
    Eager,
    /// `CooperativeStickyAssignor`: from the subscription's own fields.
    Cooperative,
}

/// `AbstractStickyAssignor.MemberData`.
#[derive(Debug, Clone)]
pub(crate) struct MemberData {
    pub partitions: Vec<TopicPartition>,
    pub generation: Option<i32>,
}

/// `memberData(subscription)` of each assignor.
pub(crate) fn member_data(member: &MemberSubscription, flavor: Flavor) -> MemberData {
    let generation = (member.generation >= 0).then_some(member.generation);
    match flavor {
        // StickyAssignor only has user data once it has been assigned in a generation; its
        // user data lists the partitions grouped by topic (`groupPartitionsByTopic`).
        Flavor::Eager => match generation {
            None => MemberData { partitions: Vec::new(), generation: None },
            Some(_) => MemberData { partitions: grouped_by_topic(&member.owned_partitions), generation },
        },
        Flavor::Cooperative => MemberData { partitions: member.owned_partitions.clone(), generation },
    }
}

/// The order `StickyAssignor`'s user data round-trips partitions in: topics in the order
/// of the `HashMap` `Collectors.groupingBy` fills (by `computeIfAbsent`), each topic's
/// partitions as listed.
fn grouped_by_topic(partitions: &[TopicPartition]) -> Vec<TopicPartition> {
    let mut topics = JavaHashTable::new();
    for tp in partitions {
        topics.compute_if_absent(tp.topic.to_string());
    }
    topics.iter().flat_map(|topic| partitions.iter().filter(move |tp| tp.topic == *topic).cloned()).collect()
}

/// `subscription.generationId().orElse(DEFAULT_GENERATION)`.
fn subscription_generation(member: &MemberSubscription) -> i32 {
    if member.generation >= 0 {
        member.generation
    } else {
        DEFAULT_GENERATION
    }
}

/// What `allSubscriptionsEqual` learns about the group besides its answer.
pub(crate) struct PreviousOwnership {
    /// Each member's still-valid owned partitions, keyed by member id.
    pub consumer_to_owned: BTreeMap<String, Vec<TopicPartition>>,
    pub partitions_with_multiple_previous_owners: BTreeSet<TopicPartition>,
    pub max_generation: i32,
}

/// `AbstractStickyAssignor.allSubscriptionsEqual`: whether every member lists the same
/// topics, and each member's owned partitions of known topics after settling conflicts.
fn all_subscriptions_equal(group: &GroupSubscription, flavor: Flavor) -> (bool, PreviousOwnership) {
    let mut is_all_equal = true;
    let mut subscribed_topics: BTreeSet<&str> = BTreeSet::new();
    let mut owner_of: BTreeMap<TopicPartition, &MemberSubscription> = BTreeMap::new();
    let mut consumer_to_owned: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
    let mut multiple_owners = BTreeSet::new();
    let mut max_generation = DEFAULT_GENERATION;

    for &member in &group.members {
        // Java compares the topic list's length (duplicates included) with the set's size,
        // and starts over from the first member with a non-empty subscription.
        if subscribed_topics.is_empty() {
            subscribed_topics.extend(member.topics.iter().map(String::as_str));
        } else if is_all_equal
            && !(member.topics.len() == subscribed_topics.len()
                && member.topics.iter().all(|t| subscribed_topics.contains(t.as_str())))
        {
            is_all_equal = false;
        }

        let data = member_data(member, flavor);
        let member_generation = data.generation.unwrap_or(DEFAULT_GENERATION);
        max_generation = max_generation.max(member_generation);
        consumer_to_owned.insert(member.member_id.clone(), Vec::new());

        for tp in data.partitions {
            if !group.partitions_per_topic.contains_key(tp.topic.as_str()) {
                continue;
            }
            match owner_of.get(&tp).copied() {
                None => {
                    push(&mut consumer_to_owned, &member.member_id, tp.clone());
                    owner_of.insert(tp, member);
                }
                Some(other) => {
                    let other_generation = subscription_generation(other);
                    if member_generation == other_generation {
                        // Claimed twice in one generation: nobody keeps it.
                        multiple_owners.insert(tp.clone());
                        remove_owned(&mut consumer_to_owned, &other.member_id, &tp);
                        owner_of.insert(tp, member);
                    } else if member_generation > other_generation {
                        push(&mut consumer_to_owned, &member.member_id, tp.clone());
                        remove_owned(&mut consumer_to_owned, &other.member_id, &tp);
                        owner_of.insert(tp, member);
                    }
                }
            }
        }
    }
    let ownership = PreviousOwnership {
        consumer_to_owned,
        partitions_with_multiple_previous_owners: multiple_owners,
        max_generation,
    };
    (is_all_equal, ownership)
}

fn push(map: &mut BTreeMap<String, Vec<TopicPartition>>, member: &str, tp: TopicPartition) {
    if let Some(list) = map.get_mut(member) {
        list.push(tp);
    }
}

fn remove_owned(map: &mut BTreeMap<String, Vec<TopicPartition>>, member: &str, tp: &TopicPartition) {
    if let Some(list) = map.get_mut(member) {
        remove_first(list, tp);
    }
}

/// `List.remove(Object)`: drops the first equal element, if any.
pub(crate) fn remove_first(list: &mut Vec<TopicPartition>, tp: &TopicPartition) -> bool {
    match list.iter().position(|x| x == tp) {
        Some(at) => {
            list.remove(at);
            true
        }
        None => false,
    }
}

/// Java's `TopicPartition` orders used by the builders.
pub(crate) fn by_topic_then_partition(a: &TopicPartition, b: &TopicPartition) -> std::cmp::Ordering {
    super::java::compare(&a.topic, &b.topic).then(a.partition.cmp(&b.partition))
}

/// Java-ordered topic names.
pub(crate) fn sorted_topics<'a>(topics: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<JavaString> = topics.map(|t| JavaString(t.clone())).collect();
    set.into_iter().map(|JavaString(t)| t).collect()
}

/// `AbstractStickyAssignor.assignPartitions` (without racks).
pub(crate) fn assign(group: &GroupSubscription, flavor: Flavor) -> Result<AssignmentOutcome, AssignorError> {
    if group.members.is_empty() {
        return Ok(AssignmentOutcome {
            assignment: BTreeMap::new(),
            partitions_transferring_ownership: None,
        });
    }
    let (all_equal, ownership) = all_subscriptions_equal(group, flavor);
    if all_equal {
        let (assignment, transferring) = constrained::build(group, ownership)?;
        Ok(AssignmentOutcome { assignment, partitions_transferring_ownership: Some(transferring) })
    } else {
        let assignment = general::build(group, ownership, flavor)?;
        Ok(AssignmentOutcome { assignment, partitions_transferring_ownership: None })
    }
}

//! `AbstractStickyAssignor.ConstrainedAssignmentBuilder`: the sticky algorithm when every
//! member subscribes to the same topics. Each member gets `minQuota` or `maxQuota`
//! partitions (exactly `total % members` of them get `maxQuota`). Members keep their owned
//! partitions up to their quota, in the order Kafka visits them (the members' `HashMap`
//! order), lowest partition numbers first; the rest are dealt round-robin to the members
//! still short, in member-id order.

use super::super::group_subscription::GroupSubscription;
use super::super::java;
use super::super::{AssignorError, TopicPartition};
use super::{by_topic_then_partition, remove_first, sorted_topics, PreviousOwnership};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

type Assignment = BTreeMap<String, Vec<TopicPartition>>;

struct Builder<'a> {
    partitions_per_topic: &'a BTreeMap<String, u32>,
    multiple_owners: BTreeSet<TopicPartition>,
    maybe_revoked: BTreeMap<TopicPartition, String>,
    transferring: BTreeMap<TopicPartition, String>,
    /// Members that may still be given partitions to reach `min_quota`.
    under_min_quota: Vec<String>,
    /// Members at `min_quota` that may still reach `max_quota`.
    exactly_min_quota: VecDeque<String>,
    min_quota: usize,
    max_quota: usize,
    expected_over_min_quota: usize,
    current_over_min_quota: usize,
    assignment: Assignment,
}

/// Returns the assignment and `partitionsTransferringOwnership`.
pub(super) fn build(
    group: &GroupSubscription,
    ownership: PreviousOwnership,
) -> Result<(Assignment, BTreeMap<TopicPartition, String>), AssignorError> {
    let total = group.total_partitions();
    let members = group.members.len().max(1);
    let mut builder = Builder {
        partitions_per_topic: &group.partitions_per_topic,
        multiple_owners: ownership.partitions_with_multiple_previous_owners,
        maybe_revoked: BTreeMap::new(),
        transferring: BTreeMap::new(),
        under_min_quota: Vec::new(),
        exactly_min_quota: VecDeque::new(),
        min_quota: total / members,
        max_quota: total.div_ceil(members),
        expected_over_min_quota: total % members,
        current_over_min_quota: 0,
        assignment: group.members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect(),
    };
    let mut assigned = Vec::new();
    for member in &group.members {
        let owned = ownership.consumer_to_owned.get(&member.member_id).cloned().unwrap_or_default();
        builder.assign_owned_partitions(&member.member_id, owned, &mut assigned);
    }
    let unassigned = builder.unassigned_partitions(assigned);
    builder.under_min_quota.sort_by(|a, b| java::compare(a, b));
    builder.exactly_min_quota.make_contiguous().sort_by(|a, b| java::compare(a, b));
    let result = builder.assign_round_robin(&unassigned).and_then(|()| builder.verify_unfilled_members());
    match result {
        Ok(()) => Ok((builder.assignment, builder.transferring)),
        Err(message) => Err(AssignorError { message, partial: builder.assignment }),
    }
}

impl Builder<'_> {
    /// Step 1 for one member: keep its owned partitions up to its quota.
    fn assign_owned_partitions(
        &mut self,
        consumer: &str,
        owned: Vec<TopicPartition>,
        assigned: &mut Vec<TopicPartition>,
    ) {
        let mut owned = owned;
        owned.sort_by(|a, b| a.partition.cmp(&b.partition).then_with(|| java::compare(&a.topic, &b.topic)));
        for doubly_claimed in &self.multiple_owners {
            remove_first(&mut owned, doubly_claimed);
        }
        let keep = if owned.len() < self.min_quota {
            self.under_min_quota.push(consumer.to_string());
            owned.len()
        } else if owned.len() >= self.max_quota && self.current_over_min_quota < self.expected_over_min_quota
        {
            self.current_over_min_quota += 1;
            if self.current_over_min_quota == self.expected_over_min_quota {
                self.exactly_min_quota.clear();
            }
            self.max_quota
        } else {
            if self.current_over_min_quota < self.expected_over_min_quota {
                self.exactly_min_quota.push_back(consumer.to_string());
            }
            self.min_quota
        };
        let revoked = owned.split_off(keep);
        for tp in revoked {
            self.maybe_revoked.insert(tp, consumer.to_string());
        }
        assigned.extend(owned.iter().cloned());
        if let Some(list) = self.assignment.get_mut(consumer) {
            list.extend(owned);
        }
    }

    /// `getUnassignedPartitions`: all partitions, by topic then partition, minus the
    /// assigned ones, with Kafka's two-pointer walk (which assumes `assigned` only holds
    /// existing partitions).
    fn unassigned_partitions(&self, mut assigned: Vec<TopicPartition>) -> Vec<TopicPartition> {
        let topics = sorted_topics(self.partitions_per_topic.keys());
        let all = topics.iter().flat_map(|topic| {
            let count = self.partitions_per_topic.get(topic).copied().unwrap_or(0);
            (0..count).map(move |partition| TopicPartition { topic: topic.into(), partition })
        });
        assigned.sort_by(by_topic_then_partition);
        let mut next_assigned = assigned.into_iter();
        let mut next = next_assigned.next();
        let mut unassigned = Vec::new();
        for tp in all {
            match &next {
                Some(a) if *a == tp => next = next_assigned.next(),
                _ => unassigned.push(tp),
            }
        }
        unassigned
    }

    /// Step 3: deal the remaining partitions round-robin to the members still short.
    fn assign_round_robin(&mut self, unassigned: &[TopicPartition]) -> Result<(), String> {
        // A LinkedList iterator over `under_min_quota`: `cursor` is the next index,
        // `last` what `next()` returned (for `remove()`).
        let mut cursor = 0usize;
        let mut last: Option<usize>;
        for tp in unassigned {
            let consumer = if cursor < self.under_min_quota.len() {
                last = Some(cursor);
                cursor += 1;
                self.under_min_quota[cursor - 1].clone()
            } else if self.under_min_quota.is_empty() && self.exactly_min_quota.is_empty() {
                return Err("No more unfilled consumers to be assigned.".to_string());
            } else if self.under_min_quota.is_empty() {
                last = None;
                match self.exactly_min_quota.pop_front() {
                    Some(consumer) => consumer,
                    None => return Err("No more unfilled consumers to be assigned.".to_string()),
                }
            } else {
                last = Some(0);
                cursor = 1;
                self.under_min_quota[0].clone()
            };

            let count = self.assign_new_partition(tp, &consumer);
            if count == self.min_quota {
                if let Some(at) = last.take() {
                    self.under_min_quota.remove(at);
                    cursor = at;
                }
                self.exactly_min_quota.push_back(consumer);
            } else if count == self.max_quota {
                self.current_over_min_quota += 1;
            }
        }
        Ok(())
    }

    fn assign_new_partition(&mut self, tp: &TopicPartition, consumer: &str) -> usize {
        let newly_owned = self.maybe_revoked.get(tp).is_some_and(|previous| previous != consumer)
            || self.multiple_owners.contains(tp);
        if newly_owned {
            self.transferring.insert(tp.clone(), consumer.to_string());
        }
        match self.assignment.get_mut(consumer) {
            Some(list) => {
                list.push(tp.clone());
                list.len()
            }
            None => 0,
        }
    }

    /// `verifyUnfilledMembers`: Kafka throws if a member is left below `minQuota`.
    fn verify_unfilled_members(&self) -> Result<(), String> {
        if self.under_min_quota.is_empty() {
            return Ok(());
        }
        if self.current_over_min_quota != self.expected_over_min_quota {
            return Err("We haven't reached the expected number of members with more than the minQuota \
                        partitions, but no more partitions to be assigned"
                .to_string());
        }
        for member in &self.under_min_quota {
            let count = self.assignment.get(member).map_or(0, Vec::len);
            if count != self.min_quota {
                return Err(format!(
                    "Consumer: [{member}] doesn't reach minQuota partitions, and no more partitions to be assigned"
                ));
            }
        }
        Ok(())
    }
}

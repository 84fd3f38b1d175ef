//! `AbstractStickyAssignor.GeneralAssignmentBuilder`: the sticky algorithm when members
//! subscribe to different topics. Members keep the owned partitions they still subscribe
//! to; unassigned partitions go, one by one, to the subscribed member with the fewest;
//! then partitions move from fuller to emptier members (back to a previous owner of an
//! older generation first) until no move improves balance. If that search ends less
//! balanced than it began (by Kafka's balance score), the pre-search assignment stands.

use super::super::group_subscription::GroupSubscription;
use super::super::java::{self, JavaString};
use super::super::{AssignorError, MemberSubscription, TopicPartition, DEFAULT_GENERATION};
use super::movements::PartitionMovements;
use super::{member_data, remove_first, Flavor, PreviousOwnership};
use std::collections::{BTreeMap, BTreeSet};

type Assignment = BTreeMap<String, Vec<TopicPartition>>;
/// Where Kafka throws (a `NullPointerException` on inconsistent input): what and where.
type Thrown = String;

struct Builder<'a> {
    partitions_per_topic: &'a BTreeMap<String, u32>,
    total_partitions: usize,
    subscriptions: BTreeMap<&'a str, &'a MemberSubscription>,
    /// Member ids in the order Kafka iterates `currentAssignment` (the members' `HashMap`
    /// order). It only matters when input lists a partition beyond its topic's count:
    /// Kafka then assigns some partitions twice and the later owner in this order wins.
    member_order: Vec<String>,
    /// `topic2AllPotentialConsumers`.
    topic_consumers: BTreeMap<String, Vec<String>>,
    /// `consumer2AllPotentialTopics`.
    consumer_topics: BTreeMap<String, Vec<String>>,
    /// `currentAssignment`.
    current: Assignment,
    /// `currentPartitionConsumer`.
    partition_consumer: BTreeMap<TopicPartition, String>,
    sorted_all_partitions: Vec<TopicPartition>,
    /// `sortedCurrentSubscriptions`: members by (assigned count, member id).
    sorted_subscriptions: BTreeSet<(usize, JavaString)>,
    revocation_required: bool,
    movements: PartitionMovements,
}

/// `prevAssignment` entries: the member of an older generation that owned a partition.
type PrevAssignment = BTreeMap<TopicPartition, (String, i32)>;

pub(super) fn build(
    group: &GroupSubscription,
    ownership: PreviousOwnership,
    flavor: Flavor,
) -> Result<Assignment, AssignorError> {
    let mut builder = Builder::new(group, ownership.consumer_to_owned);
    let mut prev = PrevAssignment::new();
    prepopulate_current_assignments(group, flavor, ownership.max_generation, &mut prev);
    let assigned = builder.assign_owned_partitions();
    let unassigned = builder.unassigned_partitions(assigned);
    let consumers: Vec<String> = builder.current.keys().cloned().collect();
    for consumer in &consumers {
        builder.sorted_insert(consumer);
    }
    match builder.balance(&prev, unassigned) {
        Ok(()) => Ok(builder.current),
        Err(message) => Err(AssignorError { message, partial: builder.current }),
    }
}

/// `prepopulateCurrentAssignments`: for members behind the newest generation, who owned
/// what, keeping the newest such owner per partition (the first one on a tie).
fn prepopulate_current_assignments(
    group: &GroupSubscription,
    flavor: Flavor,
    max_generation: i32,
    prev: &mut PrevAssignment,
) {
    for member in &group.members {
        let data = member_data(member, flavor);
        let generation = match data.generation {
            Some(generation) if generation < max_generation => generation,
            None if max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
            _ => continue,
        };
        for tp in data.partitions {
            match prev.get(&tp) {
                Some((_, existing)) if generation <= *existing => {}
                _ => {
                    prev.insert(tp, (member.member_id.clone(), generation));
                }
            }
        }
    }
}

impl<'a> Builder<'a> {
    fn new(group: &'a GroupSubscription, current: Assignment) -> Self {
        let partitions_per_topic = &group.partitions_per_topic;
        let mut topic_consumers: BTreeMap<String, Vec<String>> =
            partitions_per_topic.keys().map(|t| (t.clone(), Vec::new())).collect();
        let mut consumer_topics = BTreeMap::new();
        let mut current = current;
        for member in &group.members {
            let mut topics = Vec::new();
            for topic in &member.topics {
                if let Some(consumers) = topic_consumers.get_mut(topic) {
                    topics.push(topic.clone());
                    consumers.push(member.member_id.clone());
                }
            }
            consumer_topics.insert(member.member_id.clone(), topics);
            current.entry(member.member_id.clone()).or_default();
        }
        let member_order: Vec<String> = group.members.iter().map(|m| m.member_id.clone()).collect();
        let mut partition_consumer = BTreeMap::new();
        for consumer in &member_order {
            for tp in current.get(consumer).into_iter().flatten() {
                partition_consumer.insert(tp.clone(), consumer.clone());
            }
        }
        // TopicComparator: fewest potential consumers first, then by name.
        let mut sorted_topics: Vec<&String> = topic_consumers.keys().collect();
        sorted_topics.sort_by(|a, b| {
            let (na, nb) = (topic_consumers[*a].len(), topic_consumers[*b].len());
            na.cmp(&nb).then_with(|| java::compare(a, b))
        });
        let sorted_all_partitions = sorted_topics
            .iter()
            .flat_map(|topic| {
                let count = partitions_per_topic.get(*topic).copied().unwrap_or(0);
                (0..count).map(move |partition| TopicPartition { topic: (*topic).into(), partition })
            })
            .collect();
        Builder {
            partitions_per_topic,
            total_partitions: group.total_partitions(),
            subscriptions: group.members.iter().map(|m| (m.member_id.as_str(), *m)).collect(),
            member_order,
            topic_consumers,
            consumer_topics,
            current,
            partition_consumer,
            sorted_all_partitions,
            sorted_subscriptions: BTreeSet::new(),
            revocation_required: false,
            movements: PartitionMovements::default(),
        }
    }

    fn size_of(&self, consumer: &str) -> Result<usize, Thrown> {
        self.current
            .get(consumer)
            .map(Vec::len)
            .ok_or_else(|| format!("no current assignment for {consumer}"))
    }

    fn sorted_insert(&mut self, consumer: &str) {
        if let Some(list) = self.current.get(consumer) {
            self.sorted_subscriptions.insert((list.len(), JavaString(consumer.to_string())));
        }
    }

    fn sorted_remove(&mut self, consumer: &str) {
        if let Some(list) = self.current.get(consumer) {
            self.sorted_subscriptions.remove(&(list.len(), JavaString(consumer.to_string())));
        }
    }

    fn topic_consumer_count(&self, topic: &str) -> usize {
        self.topic_consumers.get(topic).map_or(0, Vec::len)
    }

    /// `assignOwnedPartitions`: drop owned partitions of topics the member no longer
    /// subscribes to (those need revoking) and return the ones kept.
    fn assign_owned_partitions(&mut self) -> Vec<TopicPartition> {
        let mut assigned = Vec::new();
        for (consumer, partitions) in self.current.iter_mut() {
            let Some(subscription) = self.subscriptions.get(consumer.as_str()) else { continue };
            let mut kept = Vec::new();
            for tp in std::mem::take(partitions) {
                if !self.topic_consumers.contains_key(tp.topic.as_str()) {
                    self.partition_consumer.remove(&tp);
                } else if !subscription.topics.iter().any(|t| tp.topic == *t) {
                    self.revocation_required = true;
                } else {
                    assigned.push(tp.clone());
                    kept.push(tp);
                }
            }
            *partitions = kept;
        }
        assigned
    }

    /// `getUnassignedPartitions`: `sortedAllPartitions` minus the assigned ones, with
    /// Kafka's two-pointer walk over the assigned ones in `PartitionComparator` order.
    fn unassigned_partitions(&self, mut assigned: Vec<TopicPartition>) -> Vec<TopicPartition> {
        if assigned.is_empty() {
            return self.sorted_all_partitions.clone();
        }
        assigned.sort_by(|a, b| {
            self.topic_consumer_count(&a.topic)
                .cmp(&self.topic_consumer_count(&b.topic))
                .then_with(|| java::compare(&a.topic, &b.topic))
                .then(a.partition.cmp(&b.partition))
        });
        let mut next_assigned = assigned.into_iter();
        let mut next = next_assigned.next();
        let mut unassigned = Vec::new();
        for tp in &self.sorted_all_partitions {
            match &next {
                Some(a) if a == tp => next = next_assigned.next(),
                _ => unassigned.push(tp.clone()),
            }
        }
        unassigned
    }

    fn max_assignment_size(&self, topics: &[String]) -> usize {
        if topics.len() == self.partitions_per_topic.len() {
            self.total_partitions
        } else {
            topics.iter().map(|t| self.partitions_per_topic.get(t).map_or(0, |&n| n as usize)).sum()
        }
    }

    fn can_consumer_participate(&self, consumer: &str) -> bool {
        let current = self.current.get(consumer).map_or(&[][..], Vec::as_slice);
        let topics = self.consumer_topics.get(consumer).map_or(&[][..], Vec::as_slice);
        current.len() < self.max_assignment_size(topics)
            || current.iter().any(|tp| self.topic_consumer_count(&tp.topic) >= 2)
    }

    /// `maybeAssignPartition`: to the subscribed member with the fewest partitions.
    fn maybe_assign_partition(&mut self, tp: &TopicPartition) {
        let chosen = self.sorted_subscriptions.iter().find(|(_, JavaString(consumer))| {
            self.consumer_topics.get(consumer).is_some_and(|topics| topics.iter().any(|t| tp.topic == *t))
        });
        let Some((_, JavaString(consumer))) = chosen.cloned() else { return };
        self.sorted_remove(&consumer);
        if let Some(list) = self.current.get_mut(&consumer) {
            list.push(tp.clone());
        }
        self.partition_consumer.insert(tp.clone(), consumer.clone());
        self.sorted_insert(&consumer);
    }

    fn balance(&mut self, prev: &PrevAssignment, mut unassigned: Vec<TopicPartition>) -> Result<(), Thrown> {
        let Some((_, JavaString(last))) = self.sorted_subscriptions.last() else { return Ok(()) };
        let initializing = self.current.get(last).is_some_and(Vec::is_empty);

        for tp in &unassigned {
            if self.topic_consumer_count(&tp.topic) > 0 {
                self.maybe_assign_partition(tp);
            }
        }

        // Only partitions of topics two or more members subscribe to can move.
        let fixed_partitions: BTreeSet<TopicPartition> = self
            .topic_consumers
            .iter()
            .filter(|(_, consumers)| consumers.len() < 2)
            .flat_map(|(topic, _)| {
                let count = self.partitions_per_topic.get(topic).copied().unwrap_or(0);
                (0..count).map(move |partition| TopicPartition { topic: topic.into(), partition })
            })
            .collect();
        self.sorted_all_partitions.retain(|tp| !fixed_partitions.contains(tp));
        unassigned.retain(|tp| !fixed_partitions.contains(tp));

        let mut fixed_assignments = Vec::new();
        let consumers: Vec<String> = self.consumer_topics.keys().cloned().collect();
        for consumer in consumers {
            if !self.can_consumer_participate(&consumer) {
                self.sorted_remove(&consumer);
                if let Some(list) = self.current.remove(&consumer) {
                    fixed_assignments.push((consumer, list));
                }
            }
        }

        let pre_balance = self.current.clone();
        let pre_balance_partition_consumer = self.partition_consumer.clone();
        if !self.revocation_required {
            self.perform_reassignments(&unassigned, prev)?;
        }
        let all_partitions = self.sorted_all_partitions.clone();
        let reassignment_performed = self.perform_reassignments(&all_partitions, prev)?;

        if !initializing
            && reassignment_performed
            && balance_score(&self.current) >= balance_score(&pre_balance)
        {
            self.current = pre_balance;
            self.partition_consumer = pre_balance_partition_consumer;
        }
        for (consumer, list) in fixed_assignments {
            self.current.insert(consumer, list);
        }
        Ok(())
    }

    fn perform_reassignments(
        &mut self,
        reassignable: &[TopicPartition],
        prev: &PrevAssignment,
    ) -> Result<bool, Thrown> {
        let mut reassignment_performed = false;
        loop {
            let mut modified = false;
            for tp in reassignable {
                if self.is_balanced()? {
                    break;
                }
                let consumer = self.partition_consumer.get(tp).cloned().ok_or_else(|| {
                    format!("partition {}-{} has no current consumer", tp.topic, tp.partition)
                })?;
                if let Some((previous_owner, _)) = prev.get(tp) {
                    if self.size_of(&consumer)? > self.size_of(previous_owner)? + 1 {
                        self.reassign_partition_to(tp, previous_owner)?;
                        reassignment_performed = true;
                        modified = true;
                        continue;
                    }
                }
                let others = self.topic_consumers.get(tp.topic.as_str()).cloned().unwrap_or_default();
                let size = self.size_of(&consumer)?;
                for other in &others {
                    if size > self.size_of(other)? + 1 {
                        self.reassign_partition(tp)?;
                        reassignment_performed = true;
                        modified = true;
                        break;
                    }
                }
            }
            if !modified {
                return Ok(reassignment_performed);
            }
        }
    }

    /// `isBalanced`: sizes differ by at most one, or no member could take a partition it
    /// lacks from a member with two or more partitions more.
    fn is_balanced(&self) -> Result<bool, Thrown> {
        let (Some((min, _)), Some((max, _))) =
            (self.sorted_subscriptions.first(), self.sorted_subscriptions.last())
        else {
            return Err("sortedCurrentSubscriptions is empty".to_string());
        };
        if *min + 1 >= *max {
            return Ok(true);
        }
        let mut owners: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
        for consumer in &self.member_order {
            for tp in self.current.get(consumer).into_iter().flatten() {
                owners.insert(tp, consumer);
            }
        }
        for (_, JavaString(consumer)) in &self.sorted_subscriptions {
            let partitions = self.current.get(consumer).map_or(&[][..], Vec::as_slice);
            let topics = self.consumer_topics.get(consumer).map_or(&[][..], Vec::as_slice);
            if partitions.len() == self.max_assignment_size(topics) {
                continue;
            }
            for topic in topics {
                let count = self.partitions_per_topic.get(topic).copied().unwrap_or(0);
                for partition in 0..count {
                    let tp = TopicPartition { topic: topic.into(), partition };
                    if partitions.contains(&tp) {
                        continue;
                    }
                    let other = owners.get(&tp).ok_or_else(|| format!("{topic}-{partition} has no owner"))?;
                    if partitions.len() + 1 < self.size_of(other)? {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(true)
    }

    /// `reassignPartition(partition)`: to the subscribed member with the fewest partitions.
    fn reassign_partition(&mut self, tp: &TopicPartition) -> Result<(), Thrown> {
        let new_consumer = self
            .sorted_subscriptions
            .iter()
            .map(|(_, JavaString(consumer))| consumer)
            .find(|consumer| {
                self.consumer_topics.get(*consumer).is_some_and(|t| t.iter().any(|t| tp.topic == *t))
            })
            .cloned()
            .ok_or_else(|| format!("no member can take {}-{}", tp.topic, tp.partition))?;
        self.reassign_partition_to(tp, &new_consumer)
    }

    fn reassign_partition_to(&mut self, tp: &TopicPartition, new_consumer: &str) -> Result<(), Thrown> {
        let consumer = self.partition_consumer.get(tp).cloned().unwrap_or_default();
        let to_move = self.movements.actual_partition_to_move(tp, &consumer, new_consumer);
        self.process_partition_movement(&to_move, new_consumer)
    }

    fn process_partition_movement(&mut self, tp: &TopicPartition, new_consumer: &str) -> Result<(), Thrown> {
        let old_consumer = self
            .partition_consumer
            .get(tp)
            .cloned()
            .ok_or_else(|| format!("partition {}-{} has no current consumer", tp.topic, tp.partition))?;
        self.size_of(&old_consumer)?;
        self.size_of(new_consumer)?;
        self.sorted_remove(&old_consumer);
        self.sorted_remove(new_consumer);
        self.movements.move_partition(tp, &old_consumer, new_consumer);
        if let Some(list) = self.current.get_mut(&old_consumer) {
            remove_first(list, tp);
        }
        if let Some(list) = self.current.get_mut(new_consumer) {
            list.push(tp.clone());
        }
        self.partition_consumer.insert(tp.clone(), new_consumer.to_string());
        self.sorted_insert(new_consumer);
        self.sorted_insert(&old_consumer);
        Ok(())
    }
}

/// `getBalanceScore`: the sum over member pairs of the difference in partition counts.
fn balance_score(assignment: &Assignment) -> i64 {
    let sizes: Vec<i64> = assignment.values().map(|l| l.len() as i64).collect();
    let mut score = 0;
    for (i, a) in sizes.iter().enumerate() {
        for b in &sizes[i + 1..] {
            score += (a - b).abs();
        }
    }
    score
}

//! `roundrobin` (`RoundRobinAssignor`): every subscribed partition, sorted by topic then
//! partition, dealt in turn to the members in `MemberInfo` order (static members first),
//! skipping members not subscribed to the partition's topic.

use super::group_subscription::GroupSubscription;
use super::java::JavaString;
use super::{compare_members, MemberSubscription, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn assign(group: &GroupSubscription) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<String, Vec<TopicPartition>> =
        group.members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();
    let mut members: Vec<&MemberSubscription> = group.members.clone();
    members.sort_by(|a, b| compare_members(a, b));
    if members.is_empty() {
        return assignment;
    }

    let topics: BTreeSet<JavaString> =
        group.members.iter().flat_map(|m| m.topics.iter().map(|t| JavaString(t.clone()))).collect();
    // The CircularIterator's position: the member `peek()` returns.
    let mut next = 0usize;
    for JavaString(topic) in topics {
        let Some(&count) = group.partitions_per_topic.get(&topic) else { continue };
        for partition in 0..count {
            // Some member subscribes to every topic here, so this ends within one lap.
            let mut skipped = 0;
            while !members[next].topics.contains(&topic) && skipped < members.len() {
                next = (next + 1) % members.len();
                skipped += 1;
            }
            if let Some(list) = assignment.get_mut(&members[next].member_id) {
                list.push(TopicPartition { topic: topic.as_str().into(), partition });
            }
            next = (next + 1) % members.len();
        }
    }
    assignment
}

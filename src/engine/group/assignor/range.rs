//! `range` (`RangeAssignor`): topic by topic, the members subscribed to it, in
//! `MemberInfo` order (static members first), each take a contiguous range of its
//! partitions; the first `partitions % members` take one extra.
//!
//! Without replica racks Kafka never takes the rack-aware path, so neither does this.

use super::group_subscription::GroupSubscription;
use super::{compare_members, MemberSubscription, TopicPartition};
use std::collections::BTreeMap;

pub(crate) fn assign(group: &GroupSubscription) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut consumers_per_topic: BTreeMap<&str, Vec<&MemberSubscription>> = BTreeMap::new();
    for member in &group.members {
        for topic in &member.topics {
            consumers_per_topic.entry(topic.as_str()).or_default().push(member);
        }
    }
    let mut assignment: BTreeMap<String, Vec<TopicPartition>> =
        group.members.iter().map(|m| (m.member_id.clone(), Vec::new())).collect();

    for topic in &group.topic_order {
        let Some(&partition_count) = group.partitions_per_topic.get(topic) else { continue };
        let mut members = consumers_per_topic.get(topic.as_str()).cloned().unwrap_or_default();
        // Collections.sort is stable; the LinkedHashMap keeps a member's first place.
        members.sort_by(|a, b| compare_members(a, b));
        let mut consumers: Vec<&str> = Vec::new();
        for member in members {
            if !consumers.contains(&member.member_id.as_str()) {
                consumers.push(&member.member_id);
            }
        }
        if consumers.is_empty() {
            continue;
        }
        let per_consumer = partition_count / consumers.len() as u32;
        let mut with_extra = partition_count % consumers.len() as u32;
        let mut next = 0u32;
        for consumer in consumers {
            if next >= partition_count {
                break;
            }
            let max_assignable = per_consumer + u32::from(with_extra > 0);
            let take = max_assignable.min(partition_count - next);
            if take == 0 {
                continue;
            }
            if take > per_consumer {
                with_extra -= 1;
            }
            if let Some(list) = assignment.get_mut(consumer) {
                list.extend(
                    (next..next + take).map(|partition| TopicPartition { topic: topic.into(), partition }),
                );
            }
            next += take;
        }
    }
    assignment
}

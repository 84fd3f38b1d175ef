//! The group as the leader's assignor sees it: `AbstractPartitionAssignor.assign(Cluster,
//! GroupSubscription)`. Members are put in a `HashMap` keyed by member id in JoinGroup
//! order (`ConsumerCoordinator.onLeaderElected`), so the assignors iterate them in that
//! map's order; and only topics someone subscribes to that metadata knows with at least one
//! partition reach the assignor (others are skipped, as Kafka does).

use super::java::JavaHashTable;
use super::MemberSubscription;
use std::collections::BTreeMap;

pub(crate) struct GroupSubscription<'a> {
    /// Members in Java `HashMap` iteration order. A repeated member id keeps its first
    /// place and its last subscription (`put` replaces the value).
    pub members: Vec<&'a MemberSubscription>,
    /// Subscribed topics present in metadata with at least one partition.
    pub partitions_per_topic: BTreeMap<String, u32>,
    /// The same topics in the iteration order of Kafka's `partitionsPerTopic` `HashMap`.
    pub topic_order: Vec<String>,
}

impl<'a> GroupSubscription<'a> {
    pub fn new(metadata: &BTreeMap<String, u32>, members: &'a [MemberSubscription]) -> Self {
        let mut ids = JavaHashTable::new();
        let mut latest: BTreeMap<&str, &'a MemberSubscription> = BTreeMap::new();
        for member in members {
            ids.insert(member.member_id.clone());
            latest.insert(member.member_id.as_str(), member);
        }
        let members: Vec<&'a MemberSubscription> =
            ids.iter().filter_map(|id| latest.get(id.as_str()).copied()).collect();

        let mut all_subscribed_topics = JavaHashTable::new();
        for member in &members {
            for topic in &member.topics {
                all_subscribed_topics.insert(topic.clone());
            }
        }
        let mut known = JavaHashTable::new();
        let mut partitions_per_topic = BTreeMap::new();
        for topic in all_subscribed_topics.iter() {
            if let Some(&count) = metadata.get(topic) {
                if count > 0 {
                    known.insert(topic.clone());
                    partitions_per_topic.insert(topic.clone(), count);
                }
            }
        }
        let topic_order = known.iter().cloned().collect();
        GroupSubscription { members, partitions_per_topic, topic_order }
    }

    pub fn total_partitions(&self) -> usize {
        self.partitions_per_topic.values().map(|&n| n as usize).sum()
    }
}

//! Real clients' consumer groups as their coordinator holds them (issue #15's gaps, for the
//! page watching `serve`): a real consumer has no client node in the simulation, so the
//! group card's members ([`super::view::MemberView`], built from scenario consumers) stay
//! empty; this reads the group coordinator's own state instead, as
//! `kafka-consumer-groups.sh --describe` shows it (`ConsumerGroupCommand`).
//!
//! Decisions:
//! * The coordinator is the leader of the group's `__consumer_offsets` partition in the
//!   controller's metadata *now* (`GroupCoordinatorService.partitionFor`, the broker
//!   FindCoordinator names), not the broker that last reported a state change: after a
//!   crash the leadership moves, and the card must not name a stale coordinator.
//! * Members, state, generation and protocol come from that broker's coordinator, once it
//!   has loaded the partition (before that, or while the leader is down, the group is
//!   described with `loaded: false` and no members). Each member's partitions are its
//!   assignment bytes (the leader's SyncGroup, `ConsumerProtocolAssignment`) decoded with
//!   the engine's `deserialize_assignment`; empty bytes (the coordinator clears them when a
//!   rebalance begins) are no partitions. The card's state and generation are then the
//!   coordinator's too (`serve` overrides the event-built ones: a crashed coordinator's
//!   last report is not the group's state).
//! * The partition rows follow `collectGroupsOffsets`: members with partitions, the one
//!   owning most first, each one's partitions by number; then partitions with a committed
//!   offset that no member owns (CONSUMER-ID, HOST, CLIENT-ID "-"). CURRENT-OFFSET is the
//!   committed offset; LOG-END-OFFSET is what `ListOffsets(latest)` answers with
//!   READ_UNCOMMITTED, the leader's high watermark (exclusive); LAG = LOG-END-OFFSET −
//!   CURRENT-OFFSET, unknown ("-") when either is (`getLag`).
//!
//! Reads only (no engine behaviour changes); native and wasm alike.

use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::engine::group::assignor::protocol::deserialize_assignment;
use crate::engine::group::coordinator::placement::{partition_for, OFFSETS_TOPIC};
use crate::engine::replica::BrokerNode;
use crate::sim::Sim;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A group as `kafka-consumer-groups.sh --describe` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribedGroupView {
    pub group_id: String,
    /// `__consumer_offsets` partition of the group.
    pub offsets_partition: u32,
    /// COORDINATOR (ID): that partition's leader now; `None` while it has none.
    pub coordinator: Option<NodeId>,
    /// The coordinator has loaded the partition and answers for the group.
    pub loaded: bool,
    /// STATE (Kafka's `ClassicGroupState` names): "Dead" for a group the loaded
    /// coordinator does not know, "Unknown" while not loaded.
    pub state: String,
    pub generation: i32,
    /// ASSIGNMENT-STRATEGY (the protocol the group chose), "" while none.
    pub protocol: String,
    pub leader: Option<String>,
    pub members: Vec<DescribedMemberView>,
    pub partitions: Vec<PartitionOffsetView>,
}

/// One member (`--describe --members --verbose`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribedMemberView {
    /// CONSUMER-ID (the member id).
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// CLIENT-ID (the `client.id` of its JoinGroup).
    pub client_id: String,
    /// HOST.
    pub host: String,
    /// ASSIGNMENT, sorted.
    pub assignment: Vec<(String, u32)>,
}

/// One row of `--describe`'s offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionOffsetView {
    pub topic: String,
    pub partition: u32,
    /// CURRENT-OFFSET: the committed offset.
    pub current_offset: Option<i64>,
    /// LOG-END-OFFSET: the leader's high watermark.
    pub log_end_offset: Option<i64>,
    pub lag: Option<i64>,
    /// CONSUMER-ID, HOST, CLIENT-ID; `None` ("-") for a partition no member owns.
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
}

fn broker(sim: &Sim, id: NodeId) -> Option<&BrokerNode> {
    sim.live_node(id).and_then(|n| n.view().broker())
}

/// `getLag`: known only when both are (an offset of -1 is none).
fn lag(current: Option<i64>, log_end: Option<i64>) -> Option<i64> {
    current.filter(|o| *o != -1).and_then(|o| log_end.map(|e| e - o))
}

/// The groups `names` as their coordinators hold them now.
pub fn describe_groups<'a>(sim: &Sim, names: impl IntoIterator<Item = &'a str>) -> Vec<DescribedGroupView> {
    let image = sim.node(CONTROLLER_ID).and_then(|n| n.view().controller()).map(|c| c.image());
    let leader_of = |topic: &str, p: u32| {
        image
            .and_then(|i| i.topics.get(topic))
            .and_then(|t| t.partitions.get(p as usize))
            .and_then(|s| s.leader)
    };
    let offsets_partitions =
        image.and_then(|i| i.topics.get(OFFSETS_TOPIC)).map(|t| t.partitions.len() as u32);
    let log_end = |tp: &TopicPartition| {
        let leader = leader_of(tp.topic.as_str(), tp.partition)?;
        broker(sim, leader)?.partition(tp.topic.as_str(), tp.partition).map(|p| p.high_watermark)
    };
    let names: BTreeSet<&str> = names.into_iter().collect();
    names
        .into_iter()
        .map(|group_id| {
            let offsets_partition = offsets_partitions.map_or(0, |n| partition_for(group_id, n));
            let coordinator = offsets_partitions.and_then(|_| leader_of(OFFSETS_TOPIC, offsets_partition));
            let gc = coordinator
                .and_then(|id| broker(sim, id))
                .map(BrokerNode::group_coordinator)
                .filter(|gc| gc.owned_partitions().get(&offsets_partition).is_some_and(|p| p.loaded));
            let mut d = DescribedGroupView {
                group_id: group_id.to_string(),
                offsets_partition,
                coordinator,
                loaded: gc.is_some(),
                state: "Unknown".into(),
                generation: -1,
                protocol: String::new(),
                leader: None,
                members: Vec::new(),
                partitions: Vec::new(),
            };
            let Some(gc) = gc else { return d };
            // A group its coordinator does not know is Dead (DescribeGroups says so).
            d.state = "Dead".into();
            if let Some(g) = gc.group(group_id) {
                d.state = g.state.name().to_string();
                d.generation = g.generation_id;
                d.protocol = g.protocol_name.clone().unwrap_or_default();
                d.leader = g.leader_id.clone();
                d.members = g
                    .members
                    .values()
                    .map(|m| {
                        let mut assignment: Vec<(String, u32)> = deserialize_assignment(&m.assignment)
                            .map(|a| {
                                a.partitions.iter().map(|tp| (tp.topic.to_string(), tp.partition)).collect()
                            })
                            .unwrap_or_default();
                        assignment.sort();
                        DescribedMemberView {
                            member_id: m.member_id.clone(),
                            group_instance_id: m.group_instance_id.clone(),
                            client_id: m.client_id.clone(),
                            host: m.client_host.clone(),
                            assignment,
                        }
                    })
                    .collect();
            }
            let committed = gc.committed(group_id);
            let current = |tp: &TopicPartition| committed.and_then(|c| c.get(tp)).map(|o| o.offset);
            let row = |tp: TopicPartition, m: Option<&DescribedMemberView>| {
                let (current_offset, log_end_offset) = (current(&tp), log_end(&tp));
                PartitionOffsetView {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    current_offset,
                    log_end_offset,
                    lag: lag(current_offset, log_end_offset),
                    consumer_id: m.map(|m| m.member_id.clone()),
                    host: m.map(|m| m.host.clone()),
                    client_id: m.map(|m| m.client_id.clone()),
                }
            };
            // Most partitions first (a stable sort keeps member-id order among equals).
            let mut owners: Vec<&DescribedMemberView> =
                d.members.iter().filter(|m| !m.assignment.is_empty()).collect();
            owners.sort_by_key(|m| std::cmp::Reverse(m.assignment.len()));
            let mut owned = BTreeSet::new();
            let mut rows = Vec::new();
            for m in owners {
                let mut mine = m.assignment.clone();
                mine.sort_by_key(|(_, p)| *p);
                for (topic, partition) in mine {
                    owned.insert((topic.clone(), partition));
                    rows.push(row(TopicPartition { topic: topic.as_str().into(), partition }, Some(m)));
                }
            }
            for tp in committed.into_iter().flat_map(|c| c.keys()) {
                if !owned.contains(&(tp.topic.to_string(), tp.partition)) {
                    rows.push(row(tp.clone(), None));
                }
            }
            d.partitions = rows;
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_known_only_with_both_offsets() {
        assert_eq!(lag(Some(3), Some(10)), Some(7));
        assert_eq!(lag(None, Some(10)), None);
        assert_eq!(lag(Some(-1), Some(10)), None);
        assert_eq!(lag(Some(3), None), None);
    }
}

//! What the picture and the timeline show of a cluster run: every event a node reports,
//! in Kafka's words. Events are outputs like messages, so a replay yields the same ones.

use super::messages::TopicPartition;
use super::NodeId;
use crate::engine::error::ErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterEvent {
    BrokerRegistered { broker_id: NodeId, broker_epoch: i64 },
    BrokerFenced { broker_id: NodeId, reason: String },
    BrokerUnfenced { broker_id: NodeId },
    TopicCreated { topic: String, partitions: u32, replication_factor: u32 },
    LeaderElected { tp: TopicPartition, leader: Option<NodeId>, leader_epoch: i32, unclean: bool },
    IsrShrunk { tp: TopicPartition, removed: Vec<NodeId>, isr: Vec<NodeId> },
    IsrExpanded { tp: TopicPartition, added: Vec<NodeId>, isr: Vec<NodeId> },
    /// A leader appended records.
    Appended { broker_id: NodeId, tp: TopicPartition, first_offset: i64, last_offset: i64, leader_epoch: i32 },
    HighWatermarkAdvanced { broker_id: NodeId, tp: TopicPartition, high_watermark: i64 },
    /// A follower cut its log back to where it agrees with the leader (KIP-101/279/595).
    Truncated { broker_id: NodeId, tp: TopicPartition, to_offset: i64, removed_records: i64 },
    /// A producer's send completed: acknowledged at `offset`, or failed with `error`.
    SendAcknowledged { client_id: NodeId, tp: TopicPartition, base_offset: i64, records: u32, acks: i16 },
    SendFailed { client_id: NodeId, tp: Option<TopicPartition>, error: ErrorCode, records: u32 },
    /// A producer will retry a send after a retriable error.
    SendRetried { client_id: NodeId, tp: TopicPartition, error: ErrorCode, attempt: u32 },
    /// Something a node could not do, in plain words (bad command, impossible request).
    Refused { node_id: NodeId, reason: String },
}

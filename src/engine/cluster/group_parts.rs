//! The parts of the classic group protocol's messages ([`super::messages::Message`]):
//! what JoinGroup, SyncGroup, LeaveGroup, OffsetCommit and OffsetFetch carry per
//! protocol, member and partition, named as Kafka's generated message classes name them.

use super::messages::TopicPartition;
use crate::engine::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// One protocol a member offers in JoinGroup (`JoinGroupRequestProtocol`): an assignor's
/// name and the member's subscription bytes for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupProtocol {
    pub name: String,
    pub metadata: Vec<u8>,
}

/// A member as the leader's JoinGroup response lists it (`JoinGroupResponseMember`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinGroupMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: Vec<u8>,
}

/// The leader's assignment for one member (`SyncGroupRequestAssignment`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncGroupAssignment {
    pub member_id: String,
    pub assignment: Vec<u8>,
}

/// A member leaving (`LeaveGroupRequest.MemberIdentity`) and, in the response, its error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeavingMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub reason: Option<String>,
    pub error: Option<ErrorCode>,
}

/// One partition's offset to commit (`OffsetCommitRequestPartition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetCommitPartition {
    pub tp: TopicPartition,
    pub committed_offset: i64,
    /// -1 when unknown.
    pub committed_leader_epoch: i32,
    pub committed_metadata: String,
}

/// One partition of an OffsetCommit / OffsetFetch response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetPartitionResult {
    pub tp: TopicPartition,
    /// -1 when nothing is committed (or in a commit response).
    pub committed_offset: i64,
    pub committed_leader_epoch: i32,
    pub metadata: String,
    pub error: Option<ErrorCode>,
}

/// A member as DescribeGroups reports it (`DescribeGroupsResponseData.DescribedGroupMember`):
/// its subscription and assignment bytes only while the group is Stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub member_metadata: Vec<u8>,
    pub member_assignment: Vec<u8>,
}

/// One group of a DescribeGroups answer (`DescribeGroupsResponseData.DescribedGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedGroup {
    pub group_id: String,
    pub error: Option<ErrorCode>,
    /// Kafka's state name ("Stable", "Empty", "Dead" …).
    pub group_state: String,
    pub protocol_type: String,
    /// The assignor chosen, while Stable; "" otherwise.
    pub protocol_data: String,
    pub members: Vec<DescribedMember>,
}

/// One group of a ListGroups answer (`ListGroupsResponseData.ListedGroup`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedGroup {
    pub group_id: String,
    pub protocol_type: String,
    pub group_state: String,
}

//! The messages nodes exchange, modelled on Kafka's APIs (Produce, Fetch, ListOffsets,
//! Metadata, CreateTopics, DeleteTopics, OffsetForLeaderEpoch; the classic group protocol: FindCoordinator, JoinGroup,
//! SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch; InitProducerId and the
//! transaction APIs (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn,
//! WriteTxnMarkers); and KRaft's
//! BrokerRegistration, BrokerHeartbeat, AlterPartition, AllocateProducerIds, with the controller pushing its
//! metadata log to brokers, which in Kafka fetch it). Errors are Kafka's [`ErrorCode`]s.
//! Every request carries a `correlation_id` its response echoes. Group protocol metadata
//! and assignments travel as the bytes Kafka sends (`ConsumerProtocol`): the coordinator
//! never looks inside them.

use super::metadata::{MetadataRecord, PartitionState};
pub use super::topic_name::TopicName;
use super::NodeId;
use crate::engine::error::ErrorCode;
use serde::{Deserialize, Serialize};

pub use super::config_parts::{ConfigResource, ConfigSource, DescribedConfig, DescribedConfigs};
pub use super::group_parts::{
    DescribedGroup, DescribedMember, JoinGroupMember, JoinGroupProtocol, LeavingMember, ListedGroup,
    OffsetCommitPartition, OffsetPartitionResult, SyncGroupAssignment,
};
pub use super::log_parts::{
    DeleteRecordsPartition, DeletedRecordsPartition, EpochEndOffset, FetchPartition, FetchedPartition,
    ProducePartition, ProducedPartition,
};
pub use super::txn_parts::{
    AbortedTransaction, CoordinatorType, IsolationLevel, TxnPartitionResult, WritableTxnMarker,
    WritableTxnMarkerResult,
};

/// `acks`: 0, 1 or -1 (`all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Acks {
    None,
    Leader,
    All,
}

impl Acks {
    pub fn from_config(value: &str) -> Option<Acks> {
        match value.trim() {
            "0" => Some(Acks::None),
            "1" => Some(Acks::Leader),
            "all" | "-1" => Some(Acks::All),
            _ => None,
        }
    }

    pub fn wire(self) -> i16 {
        match self {
            Acks::None => 0,
            Acks::Leader => 1,
            Acks::All => -1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: TopicName,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<TopicName>, partition: u32) -> Self {
        TopicPartition { topic: topic.into(), partition }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// One request per broker, with one batch for each partition it leads that has one
    /// ready (the producer's `Sender` drains per node, as Kafka's does).
    ProduceRequest {
        correlation_id: u64,
        acks: Acks,
        timeout_ms: i64,
        partitions: Vec<ProducePartition>,
    },
    ProduceResponse {
        correlation_id: u64,
        partitions: Vec<ProducedPartition>,
    },
    FetchRequest {
        correlation_id: u64,
        /// `Some(broker)` for a follower's replica fetch, `None` for a consumer.
        replica_id: Option<NodeId>,
        max_wait_ms: i64,
        max_bytes: u32,
        partitions: Vec<FetchPartition>,
        /// read_committed stops at the last stable offset (a follower always reads uncommitted).
        #[serde(default)]
        isolation_level: IsolationLevel,
    },
    FetchResponse {
        correlation_id: u64,
        partitions: Vec<FetchedPartition>,
    },
    ListOffsetsRequest {
        correlation_id: u64,
        tp: TopicPartition,
        /// -2 earliest, -1 latest, or a timestamp.
        timestamp_ms: i64,
        /// read_committed: "latest" is the last stable offset, not the high watermark.
        #[serde(default)]
        isolation_level: IsolationLevel,
    },
    ListOffsetsResponse {
        correlation_id: u64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        offset: i64,
        timestamp_ms: i64,
    },
    /// The admin's `deleteRecords`, sent to each partition's leader.
    DeleteRecordsRequest {
        correlation_id: u64,
        timeout_ms: i64,
        partitions: Vec<DeleteRecordsPartition>,
    },
    DeleteRecordsResponse {
        correlation_id: u64,
        partitions: Vec<DeletedRecordsPartition>,
    },
    MetadataRequest {
        correlation_id: u64,
        topics: Vec<String>,
    },
    MetadataResponse {
        correlation_id: u64,
        brokers: Vec<NodeId>,
        partitions: Vec<(TopicPartition, PartitionState)>,
        /// Topics asked for that do not exist.
        unknown_topics: Vec<String>,
    },
    CreateTopicsRequest {
        correlation_id: u64,
        name: String,
        partitions: i64,
        replication_factor: i64,
        configs: Vec<(String, String)>,
    },
    CreateTopicsResponse {
        correlation_id: u64,
        name: String,
        error: Option<ErrorCode>,
        message: Option<String>,
    },
    /// A broker joins (KRaft `BrokerRegistration`).
    BrokerRegistration {
        broker_id: NodeId,
        incarnation: u64,
    },
    /// A broker's liveness (KRaft `BrokerHeartbeat`, every `broker.heartbeat.interval.ms`).
    BrokerHeartbeat {
        broker_id: NodeId,
        broker_epoch: i64,
        metadata_offset: i64,
    },
    BrokerHeartbeatResponse {
        broker_epoch: i64,
        is_fenced: bool,
    },
    /// A leader asks the controller to change a partition's ISR (`AlterPartition`).
    AlterPartition {
        broker_id: NodeId,
        broker_epoch: i64,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<NodeId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        error: Option<ErrorCode>,
        state: Option<PartitionState>,
    },
    /// The controller's metadata log from `first_offset` on (in Kafka, brokers fetch
    /// `__cluster_metadata`; here the controller pushes what each broker lacks).
    MetadataUpdate {
        first_offset: i64,
        records: Vec<MetadataRecord>,
    },
    /// `FindCoordinator` for a group (key type 0) or a transactional id (key type 1).
    FindCoordinatorRequest {
        correlation_id: u64,
        key: String,
        #[serde(default)]
        key_type: CoordinatorType,
    },
    FindCoordinatorResponse {
        correlation_id: u64,
        key: String,
        error: Option<ErrorCode>,
        node_id: Option<NodeId>,
    },
    JoinGroupRequest {
        correlation_id: u64,
        /// The request header's `client.id` (member ids start with it).
        client_id: String,
        group_id: String,
        session_timeout_ms: i32,
        rebalance_timeout_ms: i32,
        member_id: String,
        group_instance_id: Option<String>,
        protocol_type: String,
        protocols: Vec<JoinGroupProtocol>,
        reason: Option<String>,
        /// The client's address as Kafka's `clientHost` shows it (`/127.0.0.1`), for a
        /// real client's connection; `None` for the simulation's own clients, which have
        /// no address and are shown as `/client-{node}`.
        #[serde(default)]
        client_host: Option<String>,
    },
    JoinGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        generation_id: i32,
        protocol_type: Option<String>,
        protocol_name: Option<String>,
        leader: String,
        skip_assignment: bool,
        member_id: String,
        /// Filled for the leader only.
        members: Vec<JoinGroupMember>,
    },
    SyncGroupRequest {
        correlation_id: u64,
        group_id: String,
        generation_id: i32,
        member_id: String,
        group_instance_id: Option<String>,
        protocol_type: Option<String>,
        protocol_name: Option<String>,
        /// Filled by the leader only.
        assignments: Vec<SyncGroupAssignment>,
    },
    SyncGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        protocol_type: Option<String>,
        protocol_name: Option<String>,
        assignment: Vec<u8>,
    },
    HeartbeatRequest {
        correlation_id: u64,
        group_id: String,
        generation_id: i32,
        member_id: String,
        group_instance_id: Option<String>,
    },
    HeartbeatResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
    },
    LeaveGroupRequest {
        correlation_id: u64,
        group_id: String,
        members: Vec<LeavingMember>,
    },
    LeaveGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        members: Vec<LeavingMember>,
    },
    OffsetCommitRequest {
        correlation_id: u64,
        group_id: String,
        /// -1 for a consumer outside group management (`assign`).
        generation_id: i32,
        member_id: String,
        group_instance_id: Option<String>,
        offsets: Vec<OffsetCommitPartition>,
    },
    OffsetCommitResponse {
        correlation_id: u64,
        partitions: Vec<OffsetPartitionResult>,
    },
    OffsetFetchRequest {
        correlation_id: u64,
        group_id: String,
        /// `None`: every partition the group committed.
        partitions: Option<Vec<TopicPartition>>,
        /// KIP-447's `RequireStable` (OffsetFetch v7+): a partition with a transactional
        /// offset commit still pending is answered UNSTABLE_OFFSET_COMMIT instead of its
        /// offset. The Java consumer always sets it.
        require_stable: bool,
    },
    OffsetFetchResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        partitions: Vec<OffsetPartitionResult>,
    },
    /// `InitProducerId` (v4's fields): `transactional_id` is `None` for an idempotent
    /// producer; `producer_id`/`producer_epoch` are -1, or the current ones when the
    /// producer bumps its epoch (KIP-360).
    InitProducerIdRequest {
        correlation_id: u64,
        transactional_id: Option<String>,
        transaction_timeout_ms: i32,
        producer_id: i64,
        producer_epoch: i16,
    },
    InitProducerIdResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// A broker asks the controller for a block of producer ids (`AllocateProducerIds`).
    AllocateProducerIdsRequest {
        broker_id: NodeId,
        broker_epoch: i64,
    },
    AllocateProducerIdsResponse {
        error: Option<ErrorCode>,
        producer_id_start: i64,
        producer_id_len: i32,
    },
    /// Not one of Kafka's APIs: the network's word that a TCP connection was closed. A
    /// request that reaches a crashed broker's host is refused (the process is gone, so
    /// the kernel resets the connection), and the reset comes back to the sender as
    /// this, "from" the dead node, one link latency later. The sender fails every request
    /// it has in flight to that node at once, as Kafka's `NetworkClient` does on a
    /// disconnect, instead of waiting out `request.timeout.ms`. A cut link or a lost
    /// packet sends nothing back: there the sender still times out.
    ConnectionClosed,
    /// `DeleteTopics` for one topic, to the controller (a broker forwards it in KRaft).
    DeleteTopicsRequest {
        correlation_id: u64,
        name: String,
    },
    DeleteTopicsResponse {
        correlation_id: u64,
        name: String,
        error: Option<ErrorCode>,
        message: Option<String>,
    },
    /// `OffsetForLeaderEpoch` for one partition, to its leader: where `leader_epoch`
    /// ends in the leader's log (KIP-101, KIP-320); `current_leader_epoch` -1: unchecked.
    OffsetForLeaderEpochRequest {
        correlation_id: u64,
        tp: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    },
    OffsetForLeaderEpochResponse {
        correlation_id: u64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        /// -1 (`UNDEFINED_EPOCH`) and -1 (`UNDEFINED_EPOCH_OFFSET`) when unknown.
        leader_epoch: i32,
        end_offset: i64,
    },
    /// `DescribeGroups`, to the broker that coordinates the groups.
    DescribeGroupsRequest {
        correlation_id: u64,
        groups: Vec<String>,
    },
    DescribeGroupsResponse {
        correlation_id: u64,
        groups: Vec<DescribedGroup>,
    },
    /// `ListGroups`: the groups this broker coordinates, optionally only those in the
    /// listed states (v4's `states_filter`; empty: all).
    ListGroupsRequest {
        correlation_id: u64,
        states_filter: Vec<String>,
    },
    ListGroupsResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        groups: Vec<ListedGroup>,
    },
    /// `CreatePartitions` for one topic, to the controller: grow it to `count` partitions.
    CreatePartitionsRequest {
        correlation_id: u64,
        topic: String,
        count: i64,
        /// Check only (`validate_only`): nothing is written.
        validate_only: bool,
    },
    CreatePartitionsResponse {
        correlation_id: u64,
        topic: String,
        error: Option<ErrorCode>,
        message: Option<String>,
    },
    /// `IncrementalAlterConfigs` SET of cluster-wide default broker configs (the BROKER
    /// resource with the empty name), to the controller.
    AlterBrokerConfigsRequest {
        correlation_id: u64,
        configs: Vec<(String, String)>,
        validate_only: bool,
    },
    AlterBrokerConfigsResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        message: Option<String>,
    },
    /// `AddPartitionsToTxn` (client versions, v3 fields): partitions a transaction writes.
    AddPartitionsToTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        partitions: Vec<TopicPartition>,
    },
    AddPartitionsToTxnResponse {
        correlation_id: u64,
        results: Vec<TxnPartitionResult>,
    },
    /// `AddOffsetsToTxn`: the transaction will commit offsets of `group_id`.
    AddOffsetsToTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        group_id: String,
    },
    AddOffsetsToTxnResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
    },
    /// `TxnOffsetCommit`, to the group coordinator: offsets that take effect with the
    /// transaction's COMMIT marker in `__consumer_offsets`.
    TxnOffsetCommitRequest {
        correlation_id: u64,
        transactional_id: String,
        group_id: String,
        producer_id: i64,
        producer_epoch: i16,
        generation_id: i32,
        member_id: String,
        group_instance_id: Option<String>,
        offsets: Vec<OffsetCommitPartition>,
    },
    TxnOffsetCommitResponse {
        correlation_id: u64,
        partitions: Vec<OffsetPartitionResult>,
    },
    /// `EndTxn`: commit (true) or abort (false).
    EndTxnRequest {
        correlation_id: u64,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        committed: bool,
    },
    EndTxnResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        /// v5 (TV_2) returns the producer id and epoch to use next; -1 before.
        producer_id: i64,
        producer_epoch: i16,
    },
    /// `WriteTxnMarkers`, coordinator to partition leaders.
    WriteTxnMarkersRequest {
        correlation_id: u64,
        markers: Vec<WritableTxnMarker>,
    },
    WriteTxnMarkersResponse {
        correlation_id: u64,
        markers: Vec<WritableTxnMarkerResult>,
    },
    /// `DescribeConfigs`, to any broker: its metadata image and its own configuration.
    DescribeConfigsRequest {
        correlation_id: u64,
        resources: Vec<ConfigResource>,
    },
    DescribeConfigsResponse {
        correlation_id: u64,
        results: Vec<DescribedConfigs>,
    },
}

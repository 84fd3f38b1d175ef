//! The consumer's state types: what it reads ([`Subscription`]), where its membership
//! ([`MemberState`], [`Generation`], [`JoinPhase`]) and its life ([`Lifecycle`]) are, the
//! requests it has in flight ([`Pending`]), and each owned partition's position
//! ([`PartitionPosition`]).

use super::AutoOffsetReset;
use crate::engine::cluster::messages::TopicPartition;
use crate::engine::cluster::NodeId;
use serde::Serialize;

/// What the consumer reads: nothing yet, topics through a group, or fixed partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Subscription {
    None,
    Topics(Vec<String>),
    Assigned(Vec<TopicPartition>),
}

/// `AbstractCoordinator.MemberState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MemberState {
    Unjoined,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// `AbstractCoordinator.Generation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Generation {
    pub generation_id: i32,
    pub member_id: String,
    pub protocol_name: Option<String>,
}

impl Generation {
    pub fn none() -> Self {
        Generation { generation_id: -1, member_id: String::new(), protocol_name: None }
    }
    pub fn is_valid(&self) -> bool {
        self.generation_id >= 0 && !self.member_id.is_empty()
    }
}

/// Why offsets are being committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CommitPurpose {
    Auto,
    Manual,
    /// `onJoinPrepare`: commit synchronously before rejoining.
    BeforeJoin,
    /// `close()`: commit synchronously before leaving.
    BeforeClose,
    /// The application's `commitSync()` right after `poll()` returned (at most once).
    BeforeProcessing,
    /// The application's `commitSync()` after processing the poll's records (at least once).
    AfterProcessing,
}

/// A request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    Metadata,
    FindCoordinator,
    JoinGroup,
    SyncGroup,
    Heartbeat,
    OffsetCommit { offsets: Vec<(TopicPartition, i64)>, purpose: CommitPurpose },
    OffsetFetch { partitions: Vec<TopicPartition> },
    ListOffsets { tp: TopicPartition },
    Fetch { broker: NodeId },
    LeaveGroup,
}

/// One assigned partition (`SubscriptionState.TopicPartitionState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartitionPosition {
    /// The next offset to hand to the application; `None` until initialised.
    pub position: Option<i64>,
    /// The offset after the last record the application finished processing.
    pub processed: Option<i64>,
    /// The last committed offset this consumer knows of.
    pub committed: Option<i64>,
    pub high_watermark: i64,
    /// The last stable offset the last fetch reported (`SubscriptionState`'s
    /// `lastStableOffset`): a read_committed consumer's lag is measured against it.
    #[serde(skip)]
    pub last_stable_offset: Option<i64>,
    pub last_lag_sample: Option<(i64, i64)>,
    /// After OFFSET_OUT_OF_RANGE (`SubscriptionState.requestOffsetReset`): `earliest` or
    /// `latest` while the reset's ListOffsets is pending (the committed offset is not
    /// used); `none` when the error went to the application (`OffsetOutOfRangeException`)
    /// and the partition is not fetched until a `seek`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awaiting_reset: Option<AutoOffsetReset>,
}

/// Where the consumer's life is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Lifecycle {
    Running,
    /// `close()` is committing before it leaves.
    Closing,
    Closed,
    /// A fatal error (FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, …) stopped it.
    Failed(String),
}

/// The rebalance in progress on the client side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum JoinPhase {
    Idle,
    /// Committing synchronously before JoinGroup (`onJoinPrepare`).
    Committing,
    Joining,
    /// The leader holds its JoinGroup answer until its metadata is fresh for every topic
    /// its members subscribe to (`onLeaderElected` → `updateGroupSubscription` →
    /// `ensureFreshMetadata`), then assigns.
    AwaitingMetadata,
    Syncing,
}

impl PartitionPosition {
    /// `SubscriptionState.partitionEndOffset`: the LSO under read_committed (the HW until
    /// a fetch has told it), else the high watermark.
    pub fn end_offset(&self, level: crate::engine::cluster::messages::IsolationLevel) -> i64 {
        match level {
            crate::engine::cluster::messages::IsolationLevel::ReadCommitted => {
                self.last_stable_offset.unwrap_or(self.high_watermark)
            }
            _ => self.high_watermark,
        }
    }
}

//! What the picture and the timeline show of a cluster run: every event a node reports,
//! in Kafka's words. Events are outputs like messages, so a replay yields the same ones.
//! Group events come from the coordinator (`broker_id`: group states, members joining and
//! being removed, durable offset commits) and from consumers (`client_id`: partitions
//! assigned and revoked, heartbeats, records processed, lag samples), each with the time
//! of the step that reports it, so a rebalance's stop-the-world span can be measured.

use super::messages::TopicPartition;
use super::NodeId;
use crate::engine::error::ErrorCode;
pub use crate::engine::log::SegmentDeletionReason;
use serde::{Deserialize, Serialize};

/// Why a replica's log start offset moved without a segment deletion (Kafka's
/// `LogStartOffsetIncrementReason`; segment deletions are [`ClusterEvent::SegmentsDeleted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStartOffsetIncrementReason {
    /// A follower took the leader's log start offset from a fetch response.
    LeaderOffsetIncremented,
    /// The leader applied a DeleteRecords request.
    ClientRecordDeletion,
}

/// Why a coordinator removed a member from a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalCause {
    /// No heartbeat for `session.timeout.ms`.
    SessionTimeout,
    /// The member sent LeaveGroup (closing, or its `max.poll.interval.ms` expired).
    LeaveGroup,
    /// It did not rejoin before the rebalance timeout (`max.poll.interval.ms`).
    RebalanceTimeout,
    /// It did not send SyncGroup before the rebalance timeout.
    SyncTimeout,
    /// A MEMBER_ID_REQUIRED member id that never came back to join.
    PendingJoinTimeout,
    /// It asked to rejoin a group already at `group.max.size` and was refused with
    /// GROUP_MAX_SIZE_REACHED (`classicGroupJoin` removes it at once).
    GroupMaxSize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClusterEvent {
    BrokerRegistered {
        broker_id: NodeId,
        broker_epoch: i64,
    },
    BrokerFenced {
        broker_id: NodeId,
        reason: String,
    },
    BrokerUnfenced {
        broker_id: NodeId,
    },
    TopicCreated {
        topic: String,
        partitions: u32,
        replication_factor: u32,
    },
    /// CreatePartitions: a topic grew from `from` to `to` partitions (keys move to other
    /// partitions; consumer groups rebalance once their leader sees the new count).
    PartitionsCreated {
        topic: String,
        from: u32,
        to: u32,
    },
    /// DeleteTopics: the controller wrote the topic's `RemoveTopicRecord`; brokers drop
    /// their replicas as the record reaches them ([`ClusterEvent::ReplicaDeleted`]).
    TopicDeleted {
        topic: String,
        partitions: u32,
    },
    /// A broker applied a `RemoveTopicRecord`: this replica stopped and its log is gone
    /// (`LogManager.asyncDelete`), `segments` files removed from its store.
    ReplicaDeleted {
        broker_id: NodeId,
        tp: TopicPartition,
        log_end_offset: i64,
        segments: u32,
    },
    LeaderElected {
        tp: TopicPartition,
        leader: Option<NodeId>,
        leader_epoch: i32,
        unclean: bool,
    },
    IsrShrunk {
        tp: TopicPartition,
        removed: Vec<NodeId>,
        isr: Vec<NodeId>,
    },
    IsrExpanded {
        tp: TopicPartition,
        added: Vec<NodeId>,
        isr: Vec<NodeId>,
    },
    /// A leader appended records.
    Appended {
        broker_id: NodeId,
        tp: TopicPartition,
        first_offset: i64,
        last_offset: i64,
        leader_epoch: i32,
    },
    HighWatermarkAdvanced {
        broker_id: NodeId,
        tp: TopicPartition,
        high_watermark: i64,
    },
    /// A follower cut its log back to where it agrees with the leader (KIP-101/279/595).
    Truncated {
        broker_id: NodeId,
        tp: TopicPartition,
        to_offset: i64,
        removed_records: i64,
    },
    /// A broker's retention task (`LogManager.cleanupLogs`, every
    /// `log.retention.check.interval.ms`) deleted whole segments of one replica: offsets
    /// `base_offsets[0]..end_offset` are gone from this broker; the log now starts at
    /// `log_start_offset`. Leaders and followers each delete by their own segments and
    /// never past their own high watermark.
    SegmentsDeleted {
        broker_id: NodeId,
        tp: TopicPartition,
        base_offsets: Vec<i64>,
        end_offset: i64,
        reason: SegmentDeletionReason,
        log_start_offset: i64,
    },
    /// A broker's log cleaner compacted one replica (`cleanup.policy=compact`): the records
    /// at `removed_offsets` are gone (older values of their keys, expired tombstones,
    /// records without a key); every offset that stays keeps its number. Segments were
    /// merged from `segments_before` into `segments_after` (base offsets); the next
    /// cleaning starts at `first_dirty_offset`.
    LogCleaned {
        broker_id: NodeId,
        tp: TopicPartition,
        removed_offsets: Vec<i64>,
        dirty_ratio_percent: u32,
        first_dirty_offset: i64,
        segments_before: Vec<i64>,
        segments_after: Vec<i64>,
    },
    /// A replica's log start offset moved inside its log (records below it can no longer
    /// be read; the segments wholly below it go at the next retention check).
    LogStartOffsetIncremented {
        broker_id: NodeId,
        tp: TopicPartition,
        log_start_offset: i64,
        reason: LogStartOffsetIncrementReason,
    },
    /// The answer to a DeleteRecords request for one partition: the leader's low
    /// watermark, or Kafka's error (`OFFSET_OUT_OF_RANGE` past the high watermark,
    /// `POLICY_VIOLATION` on a log without `delete` in its `cleanup.policy`, …).
    RecordsDeleted {
        tp: TopicPartition,
        low_watermark: i64,
        error: Option<ErrorCode>,
    },
    /// A producer's send completed: acknowledged at `offset`, or failed with `error`.
    SendAcknowledged {
        client_id: NodeId,
        tp: TopicPartition,
        base_offset: i64,
        records: u32,
        acks: i16,
        /// The batch's first record's place in the order the application sent records
        /// (its `send()` count): a consumer's reorderings are counted against it.
        #[serde(default)]
        first_send_index: u64,
    },
    SendFailed {
        client_id: NodeId,
        tp: Option<TopicPartition>,
        error: ErrorCode,
        records: u32,
    },
    /// A producer will retry a send after a retriable error.
    SendRetried {
        client_id: NodeId,
        tp: TopicPartition,
        error: ErrorCode,
        attempt: u32,
    },
    /// Something a node could not do, in plain words (bad command, impossible request).
    Refused {
        node_id: NodeId,
        reason: String,
    },
    /// A broker became coordinator of the groups in `__consumer_offsets-{partition}` and
    /// read them from that partition's log.
    CoordinatorLoaded {
        broker_id: NodeId,
        partition: u32,
        groups: u32,
        offsets: u32,
        records: u32,
    },
    /// A broker stopped leading `__consumer_offsets-{partition}`: its groups are gone from it.
    CoordinatorUnloaded {
        broker_id: NodeId,
        partition: u32,
        groups: u32,
    },
    /// A group moved from one state to another (Kafka's Empty, PreparingRebalance,
    /// CompletingRebalance, Stable, Dead).
    GroupStateChanged {
        broker_id: NodeId,
        group_id: String,
        from: String,
        to: String,
        generation_id: i32,
        protocol: Option<String>,
        leader: Option<String>,
        members: Vec<String>,
        reason: String,
    },
    /// A member entered a group (a new member id; a static member replacing its old id).
    MemberJoined {
        broker_id: NodeId,
        group_id: String,
        member_id: String,
        group_instance_id: Option<String>,
        client: NodeId,
    },
    MemberRemoved {
        broker_id: NodeId,
        group_id: String,
        member_id: String,
        group_instance_id: Option<String>,
        cause: RemovalCause,
        reason: String,
    },
    /// Offsets a coordinator wrote durably to `__consumer_offsets` (all replicas in sync).
    OffsetsCommitted {
        broker_id: NodeId,
        group_id: String,
        member_id: String,
        generation_id: i32,
        offsets: Vec<(TopicPartition, i64)>,
    },
    /// A consumer sends JoinGroup (a rebalance begins for it).
    ConsumerJoining {
        client_id: NodeId,
        group_id: String,
        member_id: String,
        reason: String,
    },
    /// A consumer's rebalance listener got new partitions (`onPartitionsAssigned`).
    PartitionsAssigned {
        client_id: NodeId,
        group_id: String,
        member_id: String,
        generation_id: i32,
        added: Vec<TopicPartition>,
        owned: Vec<TopicPartition>,
    },
    /// A consumer gave partitions up (`onPartitionsRevoked`), or lost them without a chance
    /// to commit (`onPartitionsLost`, `lost: true`).
    PartitionsRevoked {
        client_id: NodeId,
        group_id: String,
        generation_id: i32,
        revoked: Vec<TopicPartition>,
        lost: bool,
    },
    /// The coordinator answered a consumer's heartbeat.
    HeartbeatAnswered {
        client_id: NodeId,
        group_id: String,
        member_id: String,
        generation_id: i32,
        error: Option<ErrorCode>,
    },
    /// A consumer finished processing records `first_offset..=last_offset` of a partition.
    RecordsConsumed {
        client_id: NodeId,
        tp: TopicPartition,
        first_offset: i64,
        last_offset: i64,
    },
    /// A consumer committed (or failed to commit) offsets.
    CommitCompleted {
        client_id: NodeId,
        group_id: String,
        offsets: Vec<(TopicPartition, i64)>,
        error: Option<ErrorCode>,
    },
    /// How far a consumer's position is behind a partition's end: the high watermark, or
    /// under read_committed the last stable offset (`SubscriptionState.partitionLag`).
    ConsumerLag {
        client_id: NodeId,
        tp: TopicPartition,
        position: i64,
        high_watermark: i64,
        lag: i64,
    },
    /// A consumer's fetch position is outside the partition's log (`OFFSET_OUT_OF_RANGE`:
    /// retention or DeleteRecords moved the log start offset past it, or it is beyond
    /// the end); it resets per `auto.offset.reset` (`earliest`, `latest`), or with
    /// `none` stops fetching the partition and reports `OffsetOutOfRangeException`.
    OffsetOutOfRange {
        client_id: NodeId,
        tp: TopicPartition,
        fetch_offset: i64,
        log_start_offset: i64,
        high_watermark: i64,
        auto_offset_reset: String,
    },
    /// Something a consumer does or waits for, in plain words (a missing topic, an offset
    /// reset, its poll interval expired).
    ConsumerNote {
        client_id: NodeId,
        note: String,
    },
    /// A producer was closed (after its sends completed, as `KafkaProducer.close()`
    /// waits) and built again under the same client id with these configs, Kafka's
    /// names and values (`acks=1 linger.ms=100 batch.size=16384 compression.type=gzip
    /// enable.idempotence=false max.in.flight.requests.per.connection=5`).
    ProducerRebuilt {
        client_id: NodeId,
        configs: String,
    },
    /// A transactional producer got its producer id and epoch from its transaction
    /// coordinator (`initTransactions()` returned): READY.
    TransactionsInitialized {
        client_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// `beginTransaction()`: IN_TRANSACTION (the coordinator hears of it with the first
    /// AddPartitionsToTxn or AddOffsetsToTxn).
    TransactionBegan {
        client_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// `sendOffsetsToTransaction()` returned: the offsets are part of the transaction.
    TransactionOffsetsSent {
        client_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// The transaction committed (EndTxn answered, or it had added nothing): READY.
    TransactionCommitted {
        client_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    TransactionAborted {
        client_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
    },
    /// A transactional call failed (`operation` is Java's method name), leaving the
    /// producer in `state` (ABORTABLE_ERROR: only an abort is allowed; FATAL_ERROR: it
    /// must be closed); `message` is the exception's.
    TransactionFailed {
        client_id: NodeId,
        transactional_id: String,
        operation: String,
        state: String,
        message: String,
    },
    /// A batch never sent failed because its transaction is being aborted
    /// (`TransactionAbortedException`: "Failing batch since transaction was aborted").
    SendAborted {
        client_id: NodeId,
        tp: TopicPartition,
        records: u32,
    },
    /// What the simulation did to the cluster from outside (a learner's button, a
    /// scenario's step, the fuzzer): the cause the nodes' own events follow from. Never
    /// output by a node: the driver logs these apart from the timeline (`Sim::causes`),
    /// since a replay of the journal rebuilds only the nodes' events.
    Cause(Cause),
    /// A leader's ISR check (`Partition.maybeShrinkIsr`) found followers that have not
    /// caught up for `replica.lag.time.max.ms` and proposes the ISR without them, with what
    /// Kafka logs ("Shrinking ISR from … Leader: (highWatermark, endOffset). Out of sync
    /// replicas: (brokerId, endOffset, lastCaughtUpTimeMs)"); the controller decides
    /// ([`ClusterEvent::IsrShrunk`]).
    IsrShrinkProposed {
        broker_id: NodeId,
        tp: TopicPartition,
        isr: Vec<NodeId>,
        new_isr: Vec<NodeId>,
        high_watermark: i64,
        log_end_offset: i64,
        out_of_sync: Vec<OutOfSyncReplica>,
        replica_lag_time_max_ms: i64,
    },
    /// A transaction coordinator's metadata for a transactional id, as it stands once a
    /// transition is written to `__transaction_state` (or loaded from it): Kafka's state
    /// name (Empty, Ongoing, PrepareCommit, …), the partitions in the transaction and when
    /// it began (-1 outside one), which with `transaction.timeout.ms` says when the
    /// coordinator aborts it.
    /// A consumer's fetch passed these offsets without handing them to the application: a
    /// control batch (a COMMIT or ABORT marker) or, under read_committed, an aborted
    /// transaction's batch. They take offsets but are never consumed.
    RecordsSkipped {
        client_id: NodeId,
        tp: TopicPartition,
        first_offset: i64,
        last_offset: i64,
    },
    TransactionStateChanged {
        broker_id: NodeId,
        transactional_id: String,
        producer_id: i64,
        producer_epoch: i16,
        state: String,
        partitions: Vec<TopicPartition>,
        txn_timeout_ms: i32,
        txn_start_timestamp_ms: i64,
    },
}

/// A follower the ISR check found out of sync, as `maybeShrinkIsr` logs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfSyncReplica {
    pub broker_id: NodeId,
    pub log_end_offset: i64,
    pub last_caught_up_time_ms: i64,
}

/// One act of the simulation on the cluster (see [`ClusterEvent::Cause`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The node's process died (memory gone, disk kept; its connections reset).
    Crashed {
        node: NodeId,
    },
    /// The node's process started again and recovers from its disk.
    Restarted {
        node: NodeId,
    },
    /// The node's process stopped running (`SIGSTOP`): its connections stay open.
    Paused {
        node: NodeId,
    },
    Resumed {
        node: NodeId,
    },
    /// The network between these two groups of nodes is cut.
    Partitioned {
        a: Vec<NodeId>,
        b: Vec<NodeId>,
    },
    /// Every cut is healed.
    Healed,
    /// The next message named `api` to `to` is lost.
    LoseNext {
        to: NodeId,
        api: String,
    },
    /// A node declared for later was started (a consumer the learner added).
    Started {
        node: NodeId,
    },
    /// A command handed to a node: its JSON name (`produce`, `close`, `create_topic` …)
    /// and what it carries in Kafka's words (`10 × orders`); `times` folds repeats.
    Commanded {
        node: NodeId,
        command: String,
        detail: String,
        times: u32,
    },
}

impl Cause {
    /// The node it acts on (0 for the network as a whole).
    pub fn node(&self) -> NodeId {
        match self {
            Cause::Crashed { node }
            | Cause::Restarted { node }
            | Cause::Paused { node }
            | Cause::Resumed { node }
            | Cause::Started { node }
            | Cause::Commanded { node, .. } => *node,
            Cause::LoseNext { to, .. } => *to,
            Cause::Partitioned { .. } | Cause::Healed => 0,
        }
    }
}

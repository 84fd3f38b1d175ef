//! Partition logs as Kafka keeps them: segments with sparse offset and time indexes,
//! roll by size and time, reads by offset, ListOffsets, retention by time and size, and
//! recovery from stored bytes, compaction (the cleaner), transactions' end markers and
//! the aborted transaction index (`txn_log`). Every change is also a
//! [`crate::engine::store::StoreOp`].

pub mod checkpoint;
pub mod cleaner;
pub mod detail;
pub mod epoch_cache;
pub mod follower;
pub mod index;
pub mod offsets;
pub mod partition_log;
pub mod producer_log;
pub mod producer_state;
pub mod recovery;
pub mod retention;
pub mod segment;
pub mod segment_log;
pub mod txn_log;

pub use cleaner::{CleanableOffsets, CleaningResult};
pub use detail::{LogDetail, ReadFrom, RecordView, SegmentView};
pub use epoch_cache::{EpochEntry, LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET};
pub use offsets::{OffsetSpec, TimestampAndOffset};
pub use partition_log::{FetchData, LogAppendInfo, PartitionLog};
pub use recovery::RecoveryReport;
pub use retention::{DeletedSegment, RetentionReason, SegmentDeletion, SegmentDeletionReason};
pub use segment::{filename_prefix_from_offset, LogSegment, SegmentFiles};

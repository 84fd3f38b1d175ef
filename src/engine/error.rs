//! Errors the engine returns, each carrying Kafka's protocol error code (numbered as in
//! Kafka's `Errors.java`) and a structured [`ErrorKind`] so the page can say the same thing
//! in English or Russian. `Display` gives Kafka's own English wording where Kafka has one.

pub use super::error_code::ErrorCode;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What exactly is wrong with bytes that claim to be record batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Corruption {
    /// Fewer bytes than the batch header or the declared batch length needs.
    Truncated { needed: u64, available: u64 },
    /// `magic` is not 2.
    UnsupportedMagic { magic: i8 },
    /// `batchLength` is below the 49-byte minimum or otherwise impossible.
    InvalidBatchLength { batch_length: i32 },
    /// The stored CRC-32C does not match the bytes.
    CrcMismatch { stored: u32, computed: u32 },
    /// A record inside the batch is malformed (bad varint, length, count).
    InvalidRecord { detail: String },
    /// The compressed block does not decompress.
    Decompression { detail: String },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Corruption::Truncated { needed, available } => {
                write!(f, "truncated: needs {needed} bytes, only {available} available")
            }
            Corruption::UnsupportedMagic { magic } => {
                write!(f, "unsupported magic byte {magic} (only RecordBatch v2, magic 2)")
            }
            Corruption::InvalidBatchLength { batch_length } => {
                write!(f, "invalid batchLength {batch_length} (minimum is 49)")
            }
            Corruption::CrcMismatch { stored, computed } => {
                write!(f, "record is corrupt (stored crc = {stored}, computed crc = {computed})")
            }
            Corruption::InvalidRecord { detail } => write!(f, "invalid record: {detail}"),
            Corruption::Decompression { detail } => write!(f, "cannot decompress: {detail}"),
        }
    }
}

/// Why a config value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigProblem {
    /// The name is not a topic config Kafka knows (or the playground supports).
    Unknown,
    /// Not a whole number.
    NotANumber,
    /// Below the smallest value Kafka accepts.
    BelowMinimum { min: i64 },
    /// Above the largest value Kafka accepts.
    AboveMaximum { max: i64 },
    /// Not one of the listed values.
    NotOneOf { allowed: Vec<String> },
}

/// The structured reason behind a [`KafkaError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    TopicNameEmpty,
    TopicNameDots {
        name: String,
    },
    TopicNameTooLong {
        name: String,
        length: u32,
    },
    TopicNameIllegalChars {
        name: String,
    },
    TopicAlreadyExists {
        topic: String,
    },
    UnknownTopic {
        topic: String,
    },
    UnknownPartition {
        topic: String,
        partition: i64,
    },
    PartitionsNotPositive {
        partitions: i64,
    },
    InvalidConfig {
        name: String,
        value: String,
        problem: ConfigProblem,
    },
    /// A batch larger than `max.message.bytes`.
    RecordTooLarge {
        size_bytes: u64,
        max_message_bytes: u64,
    },
    /// A produce request's batches larger than `segment.bytes` (`RecordBatchTooLargeException`).
    BatchLargerThanSegment {
        size_bytes: u64,
        segment_bytes: u64,
    },
    Corrupt {
        corruption: Corruption,
    },
    OffsetOutOfRange {
        offset: i64,
        log_start_offset: i64,
        log_end_offset: i64,
    },
    UnsupportedCompression {
        codec: i16,
    },
    Storage {
        detail: String,
    },
    /// `ProducerAppendInfo.checkSequence`: not the next sequence after the producer's last.
    OutOfOrderSequence {
        producer_id: i64,
        offset: i64,
        topic_partition: String,
        incoming_seq: i32,
        current_last_seq: i32,
    },
    /// `ProducerAppendInfo.checkSequence`: a new epoch must start at sequence 0.
    NewEpochSequence {
        producer_id: i64,
        offset: i64,
        topic_partition: String,
        request_epoch: i16,
        seq: i32,
        current_epoch: i16,
    },
    /// `ProducerAppendInfo.checkProducerEpoch`: an epoch below the last one seen.
    InvalidProducerEpoch {
        producer_id: i64,
        offset: i64,
        topic_partition: String,
        epoch: i16,
        last_epoch: i16,
    },
    /// `ProducerAppendInfo.appendDataBatch`: a plain batch while a transaction is open.
    ExpectedTransactionalWrite {
        producer_id: i64,
        offset: i64,
        topic_partition: String,
    },
    /// `ProducerAppendInfo.checkCoordinatorEpoch`: a marker from a zombie coordinator.
    CoordinatorEpochFenced {
        producer_id: i64,
        offset: i64,
        topic_partition: String,
        epoch: i32,
        current: i32,
    },
}

/// An engine error: Kafka's code plus what exactly went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaError {
    pub code: ErrorCode,
    pub kind: ErrorKind,
}

pub type Result<T> = std::result::Result<T, KafkaError>;

impl KafkaError {
    /// Builds the error, choosing Kafka's code for the kind.
    pub fn new(kind: ErrorKind) -> Self {
        let code = match &kind {
            ErrorKind::TopicNameEmpty
            | ErrorKind::TopicNameDots { .. }
            | ErrorKind::TopicNameTooLong { .. }
            | ErrorKind::TopicNameIllegalChars { .. } => ErrorCode::InvalidTopicException,
            ErrorKind::TopicAlreadyExists { .. } => ErrorCode::TopicAlreadyExists,
            ErrorKind::UnknownTopic { .. } | ErrorKind::UnknownPartition { .. } => {
                ErrorCode::UnknownTopicOrPartition
            }
            ErrorKind::PartitionsNotPositive { .. } => ErrorCode::InvalidPartitions,
            ErrorKind::InvalidConfig { .. } => ErrorCode::InvalidConfig,
            ErrorKind::RecordTooLarge { .. } => ErrorCode::MessageTooLarge,
            ErrorKind::BatchLargerThanSegment { .. } => ErrorCode::RecordListTooLarge,
            ErrorKind::Corrupt { .. } => ErrorCode::CorruptMessage,
            ErrorKind::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
            ErrorKind::UnsupportedCompression { .. } => ErrorCode::UnsupportedCompressionType,
            ErrorKind::Storage { .. } => ErrorCode::KafkaStorageError,
            ErrorKind::OutOfOrderSequence { .. } | ErrorKind::NewEpochSequence { .. } => {
                ErrorCode::OutOfOrderSequenceNumber
            }
            ErrorKind::InvalidProducerEpoch { .. } => ErrorCode::InvalidProducerEpoch,
            ErrorKind::ExpectedTransactionalWrite { .. } => ErrorCode::InvalidTxnState,
            ErrorKind::CoordinatorEpochFenced { .. } => ErrorCode::TransactionCoordinatorFenced,
        };
        KafkaError { code, kind }
    }

    pub fn corrupt(corruption: Corruption) -> Self {
        KafkaError::new(ErrorKind::Corrupt { corruption })
    }

    pub fn invalid_config(name: &str, value: &str, problem: ConfigProblem) -> Self {
        KafkaError::new(ErrorKind::InvalidConfig {
            name: name.to_string(),
            value: value.to_string(),
            problem,
        })
    }
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code.name())?;
        match &self.kind {
            ErrorKind::TopicNameEmpty => write!(f, "Topic name is illegal, it can't be empty"),
            ErrorKind::TopicNameDots { .. } => write!(f, "Topic name cannot be \".\" or \"..\""),
            ErrorKind::TopicNameTooLong { name, .. } => write!(
                f,
                "Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
            ),
            ErrorKind::TopicNameIllegalChars { name } => write!(
                f,
                "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
            ),
            ErrorKind::TopicAlreadyExists { topic } => write!(f, "Topic '{topic}' already exists."),
            ErrorKind::UnknownTopic { topic } => {
                write!(f, "This server does not host this topic-partition: topic '{topic}'")
            }
            ErrorKind::UnknownPartition { topic, partition } => write!(
                f,
                "This server does not host this topic-partition: {topic}-{partition}"
            ),
            ErrorKind::PartitionsNotPositive { partitions } => {
                write!(f, "Number of partitions must be larger than 0 (got {partitions}).")
            }
            ErrorKind::InvalidConfig { name, value, problem } => {
                write!(f, "Invalid value {value} for configuration {name}: ")?;
                match problem {
                    ConfigProblem::Unknown => write!(f, "unknown topic config"),
                    ConfigProblem::NotANumber => write!(f, "not a number"),
                    ConfigProblem::BelowMinimum { min } => write!(f, "Value must be at least {min}"),
                    ConfigProblem::AboveMaximum { max } => write!(f, "Value must be no more than {max}"),
                    ConfigProblem::NotOneOf { allowed } => {
                        write!(f, "String must be one of: {}", allowed.join(", "))
                    }
                }
            }
            ErrorKind::RecordTooLarge { size_bytes, max_message_bytes } => write!(
                f,
                "Message batch size is {size_bytes} bytes which exceeds the maximum configured size of {max_message_bytes} (max.message.bytes)."
            ),
            ErrorKind::BatchLargerThanSegment { size_bytes, segment_bytes } => write!(
                f,
                "The request included message batch larger than the configured segment size on the server ({size_bytes} > segment.bytes {segment_bytes})."
            ),
            ErrorKind::Corrupt { corruption } => write!(f, "{corruption}"),
            ErrorKind::OffsetOutOfRange { offset, log_start_offset, log_end_offset } => write!(
                f,
                "Received request for offset {offset}, but we only have log segments in the range {log_start_offset} to {log_end_offset}."
            ),
            ErrorKind::UnsupportedCompression { codec } => {
                write!(f, "Unsupported compression codec {codec}")
            }
            ErrorKind::Storage { detail } => write!(f, "storage error: {detail}"),
            ErrorKind::OutOfOrderSequence { producer_id, offset, topic_partition, incoming_seq, current_last_seq } => write!(
                f,
                "Out of order sequence number for producer {producer_id} at offset {offset} in partition {topic_partition}: {incoming_seq} (incoming seq. number), {current_last_seq} (current end sequence number)"
            ),
            // Kafka's message, its missing space before "at" included.
            ErrorKind::NewEpochSequence { producer_id, offset, topic_partition, request_epoch, seq, current_epoch } => write!(
                f,
                "Invalid sequence number for new epoch of producer {producer_id}at offset {offset} in partition {topic_partition}: {request_epoch} (request epoch), {seq} (seq. number), {current_epoch} (current producer epoch)"
            ),
            ErrorKind::InvalidProducerEpoch { producer_id, offset, topic_partition, epoch, last_epoch } => write!(
                f,
                "Epoch of producer {producer_id} at offset {offset} in {topic_partition} is {epoch}, which is smaller than the last seen epoch {last_epoch}"
            ),
            ErrorKind::ExpectedTransactionalWrite { producer_id, offset, topic_partition } => write!(
                f,
                "Expected transactional write from producer {producer_id} at offset {offset} in partition {topic_partition}"
            ),
            ErrorKind::CoordinatorEpochFenced { producer_id, offset, topic_partition, epoch, current } => write!(
                f,
                "Invalid coordinator epoch for producerId {producer_id} at offset {offset} in partition {topic_partition}: {epoch} (zombie), {current} (current)"
            ),
        }
    }
}

impl std::error::Error for KafkaError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_kafka_numbers() {
        // Errors.java: TOPIC_AUTHORIZATION_FAILED 29, INVALID_REQUEST 42, TOPIC_DELETION_DISABLED 73.
        assert_eq!(ErrorCode::TopicAuthorizationFailed.code(), 29);
        assert_eq!(ErrorCode::InvalidRequest.code(), 42);
        assert_eq!(ErrorCode::TopicDeletionDisabled.code(), 73);
        assert_eq!(ErrorCode::UnknownTopicOrPartition.code(), 3);
        assert_eq!(ErrorCode::InvalidPartitions.code(), 37);
        assert_eq!(ErrorCode::PolicyViolation.code(), 44);
        assert_eq!(ErrorCode::NotEnoughReplicas.code(), 19);
        assert_eq!(ErrorCode::InvalidRecord.code(), 87);
        assert_eq!(ErrorCode::CoordinatorLoadInProgress.code(), 14);
        assert_eq!(ErrorCode::CoordinatorNotAvailable.code(), 15);
        assert_eq!(ErrorCode::NotCoordinator.code(), 16);
        assert_eq!(ErrorCode::IllegalGeneration.code(), 22);
        assert_eq!(ErrorCode::InvalidGroupId.code(), 24);
        assert_eq!(ErrorCode::UnknownMemberId.code(), 25);
        assert_eq!(ErrorCode::InvalidSessionTimeout.code(), 26);
        assert_eq!(ErrorCode::RebalanceInProgress.code(), 27);
        assert_eq!(ErrorCode::GroupIdNotFound.code(), 69);
        assert_eq!(ErrorCode::MemberIdRequired.code(), 79);
        assert_eq!(ErrorCode::FencedInstanceId.code(), 82);
        // Errors.java: OUT_OF_ORDER_SEQUENCE_NUMBER 45 … INVALID_TXN_STATE 48, UNKNOWN_PRODUCER_ID 59;
        // none of their exceptions is a RetriableException.
        assert_eq!(ErrorCode::OutOfOrderSequenceNumber.code(), 45);
        assert_eq!(ErrorCode::DuplicateSequenceNumber.code(), 46);
        assert_eq!(ErrorCode::InvalidProducerEpoch.code(), 47);
        assert_eq!(ErrorCode::InvalidTxnState.code(), 48);
        assert_eq!(ErrorCode::UnknownProducerId.code(), 59);
        assert!(!ErrorCode::OutOfOrderSequenceNumber.is_retriable());
        assert!(!ErrorCode::InvalidProducerEpoch.is_retriable());
    }

    #[test]
    fn kind_picks_code() {
        let e = KafkaError::new(ErrorKind::PartitionsNotPositive { partitions: 0 });
        assert_eq!(e.code, ErrorCode::InvalidPartitions);
        assert!(e.to_string().contains("larger than 0"));
    }
}

//! The errors of the transaction pieces, each named after the Java exception or the
//! `Errors` code Kafka raises in the same place, with Kafka's wording of the detail.
//! Invariant: bad bytes or an illegal transition is one of these, never a panic.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxnError {
    /// `IllegalStateException`: the coordinator refuses a transition, or a
    /// `__transaction_state` value has an unknown version, state or transaction version.
    IllegalState(String),
    /// `IllegalArgumentException`: a producer id or epoch out of range, an end marker of
    /// a type other than COMMIT/ABORT, a `.txnindex` append out of order.
    IllegalArgument(String),
    /// `Errors.PRODUCER_FENCED` (code 90): an InitProducerId with an epoch that is neither
    /// the current nor the last one.
    ProducerFenced,
    /// `InvalidRecordException`: a control record's key or an end marker's value is too
    /// short or has a negative version.
    InvalidRecord(String),
    /// Bytes that do not follow a message schema (`SchemaException`/`BufferUnderflowException`
    /// in Kafka's generated readers): what was being read and what is wrong.
    Malformed { what: &'static str, detail: String },
    /// `UnsupportedVersionException` from a generated writer (tagged fields in a
    /// non-flexible version).
    UnsupportedVersion(String),
    /// A record batch that does not frame or decode (`CorruptRecordException`).
    CorruptBatch(String),
    /// `CorruptIndexException` / `KafkaException` from `TransactionIndex`.
    CorruptIndex(String),
}

impl TxnError {
    pub fn malformed(what: &'static str, detail: impl Into<String>) -> Self {
        TxnError::Malformed { what, detail: detail.into() }
    }

    /// Kafka's protocol error code where the error is one a client sees.
    pub fn code(&self) -> Option<i16> {
        match self {
            TxnError::ProducerFenced => Some(90),
            TxnError::InvalidRecord(_) => Some(87),
            _ => None,
        }
    }
}

impl fmt::Display for TxnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxnError::IllegalState(m) => write!(f, "IllegalStateException: {m}"),
            TxnError::IllegalArgument(m) => write!(f, "IllegalArgumentException: {m}"),
            TxnError::ProducerFenced => write!(
                f,
                "PRODUCER_FENCED: There is a newer producer with the same transactionalId which fences the current one."
            ),
            TxnError::InvalidRecord(m) => write!(f, "InvalidRecordException: {m}"),
            TxnError::Malformed { what, detail } => write!(f, "malformed {what}: {detail}"),
            TxnError::UnsupportedVersion(m) => write!(f, "UnsupportedVersionException: {m}"),
            TxnError::CorruptBatch(m) => write!(f, "CorruptRecordException: {m}"),
            TxnError::CorruptIndex(m) => write!(f, "CorruptIndexException: {m}"),
        }
    }
}

impl std::error::Error for TxnError {}

pub type TxnResult<T> = std::result::Result<T, TxnError>;

//! The producer's settings under the Java client's names, with Kafka 4.0's defaults
//! (`acks=all`, `linger.ms=5`, `batch.size=16384`, `compression.type=none`,
//! `retries=2147483647`, `retry.backoff.ms=100`, `delivery.timeout.ms=120000`,
//! `request.timeout.ms=30000`, `enable.idempotence=true`,
//! `max.in.flight.requests.per.connection=5`, `partitioner` = the built-in one).
//! Idempotence is checked as `ProducerConfig.postProcessAndValidateIdempotenceConfigs`
//! does: set explicitly to `true` with `retries=0`, `acks`≠`all` or more than 5 requests
//! in flight is refused with Kafka's `ConfigException` words; left at its default with
//! one of those, it is silently turned off (KAFKA-13673). Invariant: a built config
//! passed the checks `KafkaProducer`'s constructor makes, with its wording, and
//! `enable_idempotence` is what the producer does. `transactional.id` (no default,
//! `ConfigDef.NonEmptyString`) makes the producer transactional and needs idempotence after
//! those checks ("Cannot set a transactional.id without also enabling idempotence.", as the
//! end of `postProcessAndValidateIdempotenceConfigs` throws); `transaction.timeout.ms`
//! (60000, an INT without validator: the coordinator judges it against
//! `transaction.max.timeout.ms`) is what `InitProducerId` carries.

use crate::engine::client::common::config::{
    invalid, parse_bool, parse_bootstrap, parse_range, ConfigError, INT_MAX,
};
use crate::engine::cluster::messages::Acks;
use crate::engine::cluster::NodeId;
use crate::engine::partitioner::PartitionerKind;
use crate::engine::record::Compression;
use serde::{Deserialize, Serialize};

/// `ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerConfig {
    pub acks: Acks,
    pub linger_ms: i64,
    pub batch_size_bytes: u32,
    /// `compression.type`: the codec of every batch this producer builds (the broker's
    /// default `compression.type=producer` keeps it as written).
    #[serde(default = "no_compression")]
    pub compression_type: Compression,
    pub retries: u32,
    pub retry_backoff_ms: i64,
    /// `retry.backoff.max.ms` (KIP-580): the cap of the exponential retry backoff.
    pub retry_backoff_max_ms: i64,
    pub delivery_timeout_ms: i64,
    pub request_timeout_ms: i64,
    /// Whether this producer is idempotent (after the cross-checks: `false` when the
    /// default was turned off by a conflicting setting).
    pub enable_idempotence: bool,
    /// `enable.idempotence` as the user set it (`None`: left at its default), which
    /// decides between a refusal and silently turning idempotence off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_idempotence_set: Option<bool>,
    /// `max.in.flight.requests.per.connection`: unanswered requests per broker at most.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight_requests_per_connection: u32,
    pub partitioner: PartitionerKind,
    /// `bootstrap.servers`: broker ids to ask for metadata first (`"1,2,3"`).
    pub bootstrap: Vec<NodeId>,
    /// `transactional.id`: set, the producer is transactional (`None`: idempotent at most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`: how long the coordinator lets a transaction stay open.
    #[serde(
        default = "default_transaction_timeout_ms",
        skip_serializing_if = "is_default_transaction_timeout"
    )]
    pub transaction_timeout_ms: i32,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            linger_ms: 5,
            batch_size_bytes: 16_384,
            compression_type: Compression::None,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1000,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            enable_idempotence: true,
            enable_idempotence_set: None,
            max_in_flight_requests_per_connection: 5,
            partitioner: PartitionerKind::BuiltIn,
            bootstrap: vec![1],
            transactional_id: None,
            transaction_timeout_ms: DEFAULT_TRANSACTION_TIMEOUT_MS,
        }
    }
}

/// `ProducerConfig`'s default `transaction.timeout.ms`.
pub const DEFAULT_TRANSACTION_TIMEOUT_MS: i32 = 60_000;

/// `ProducerConfig`'s default `max.block.ms`: how long `send()` waits for its topic and
/// partition to be in the metadata. The setting itself is not accepted (refused as an
/// unknown config): it also bounds the transactional calls in Java, which here are
/// commands that do not block.
pub const MAX_BLOCK_MS: i64 = 60_000;

fn default_transaction_timeout_ms() -> i32 {
    DEFAULT_TRANSACTION_TIMEOUT_MS
}

fn is_default_transaction_timeout(ms: &i32) -> bool {
    *ms == DEFAULT_TRANSACTION_TIMEOUT_MS
}

fn default_max_in_flight() -> u32 {
    5
}

fn no_compression() -> Compression {
    Compression::None
}

/// `ProducerConfig`'s validator of `compression.type`: `in(Utils.enumOptions(CompressionType.class))`.
const COMPRESSION_TYPES: &str = "String must be one of: none, gzip, snappy, lz4, zstd";

/// A refused producer config, in `ConfigException`'s words (the clients share the type).
pub type ProducerConfigError = ConfigError;

impl ProducerConfig {
    /// Kafka names and string values over the defaults, then `KafkaProducer`'s
    /// cross-checks. As in Kafka, `delivery.timeout.ms` below `linger.ms` +
    /// `request.timeout.ms` is refused when set explicitly and raised silently otherwise.
    /// Then idempotence is checked against `acks`, `retries` and
    /// `max.in.flight.requests.per.connection` ([`Self::check_idempotence`]).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ProducerConfigError> {
        ProducerConfig::default().with_pairs(pairs)
    }

    /// These settings with `pairs` over them, checked as [`Self::from_pairs`] checks.
    pub fn with_pairs<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ProducerConfigError> {
        let mut c = self.clone();
        let mut delivery_set = false;
        for (name, value) in pairs {
            match name {
                "acks" => {
                    c.acks = Acks::from_config(value)
                        .ok_or_else(|| invalid(name, value, "String must be one of: all, -1, 0, 1"))?;
                }
                "linger.ms" => c.linger_ms = parse_range(name, value, 0, INT_MAX)?,
                "batch.size" => c.batch_size_bytes = parse_range(name, value, 0, INT_MAX)? as u32,
                "compression.type" => {
                    c.compression_type = Compression::from_name(value.trim())
                        .ok_or_else(|| invalid(name, value, COMPRESSION_TYPES))?;
                }
                "retries" => c.retries = parse_range(name, value, 0, INT_MAX)? as u32,
                "retry.backoff.ms" => c.retry_backoff_ms = parse_range(name, value, 0, i64::MAX)?,
                "retry.backoff.max.ms" => c.retry_backoff_max_ms = parse_range(name, value, 0, i64::MAX)?,
                "delivery.timeout.ms" => {
                    c.delivery_timeout_ms = parse_range(name, value, 0, INT_MAX)?;
                    delivery_set = true;
                }
                "request.timeout.ms" => c.request_timeout_ms = parse_range(name, value, 0, INT_MAX)?,
                "enable.idempotence" => c.enable_idempotence_set = Some(parse_bool(name, value)?),
                "max.in.flight.requests.per.connection" => {
                    c.max_in_flight_requests_per_connection = parse_range(name, value, 1, INT_MAX)? as u32
                }
                "partitioner" => {
                    c.partitioner = PartitionerKind::from_name(value.trim())
                        .map_err(|_| invalid(name, value, "not a known partitioner"))?
                }
                "bootstrap.servers" => {
                    c.bootstrap = parse_bootstrap(name, value)?;
                }
                "transactional.id" => {
                    if value.is_empty() {
                        return Err(invalid(name, value, "String must be non-empty"));
                    }
                    c.transactional_id = Some(value.to_string());
                }
                "transaction.timeout.ms" => {
                    c.transaction_timeout_ms = parse_range(name, value, i64::from(i32::MIN), INT_MAX)? as i32
                }
                _ => {
                    return Err(ProducerConfigError {
                        name: name.to_string(),
                        message: format!("Unknown producer config {name}"),
                    })
                }
            }
        }
        let linger_and_request_ms = c.linger_ms + c.request_timeout_ms;
        if c.delivery_timeout_ms < linger_and_request_ms {
            if delivery_set {
                return Err(ProducerConfigError {
                    name: "delivery.timeout.ms".into(),
                    message:
                        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
                            .into(),
                });
            }
            c.delivery_timeout_ms = linger_and_request_ms;
        }
        c.check_idempotence()?;
        Ok(c)
    }

    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: an idempotent producer
    /// needs `retries` > 0, `acks=all` and at most 5 requests in flight; if the user asked
    /// for idempotence the conflict is refused, else idempotence is turned off.
    fn check_idempotence(&mut self) -> Result<(), ProducerConfigError> {
        let user_configured = self.enable_idempotence_set.is_some();
        let mut enabled = self.enable_idempotence_set.unwrap_or(true);
        if enabled {
            let refuse = |name: &str, message: &str| ProducerConfigError {
                name: name.into(),
                message: message.into(),
            };
            if self.retries == 0 {
                if user_configured {
                    return Err(refuse(
                        "retries",
                        "Must set retries to non-zero when using the idempotent producer.",
                    ));
                }
                enabled = false;
            }
            if self.acks != Acks::All {
                if user_configured {
                    return Err(refuse(
                        "acks",
                        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.",
                    ));
                }
                enabled = false;
            }
            if self.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                if user_configured {
                    return Err(refuse(
                        "max.in.flight.requests.per.connection",
                        "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.",
                    ));
                }
                enabled = false;
            }
        }
        self.enable_idempotence = enabled;
        if !enabled && self.transactional_id.is_some() {
            return Err(ProducerConfigError {
                name: "transactional.id".into(),
                message: "Cannot set a transactional.id without also enabling idempotence.".into(),
            });
        }
        Ok(())
    }

    /// The settings the page offers, as Kafka writes them (`acks=all linger.ms=5 …`).
    pub fn page_settings(&self) -> String {
        let acks = match self.acks {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        };
        format!(
            "acks={acks} linger.ms={} batch.size={} compression.type={} enable.idempotence={} max.in.flight.requests.per.connection={}",
            self.linger_ms,
            self.batch_size_bytes,
            self.compression_type.name(),
            self.enable_idempotence,
            self.max_in_flight_requests_per_connection
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka 3.0+: idempotence is on by default; explicit `true` with a conflicting
    /// setting is refused in `ConfigException`'s words; the default with one is turned
    /// off silently (KAFKA-13673), and comes back when the conflict goes.
    #[test]
    fn idempotence_is_checked_as_kafka_producer_config_does() {
        let d = ProducerConfig::default();
        assert!(d.enable_idempotence);
        assert_eq!(d.max_in_flight_requests_per_connection, 5);
        let refused = |pairs: &[(&str, &str)]| ProducerConfig::from_pairs(pairs.iter().copied()).unwrap_err();
        let e = refused(&[("enable.idempotence", "true"), ("acks", "1")]);
        assert_eq!(
            (e.name.as_str(), e.message.as_str()),
            ("acks", "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")
        );
        let e = refused(&[("enable.idempotence", "true"), ("retries", "0")]);
        assert_eq!(e.message, "Must set retries to non-zero when using the idempotent producer.");
        let e = refused(&[("enable.idempotence", "true"), ("max.in.flight.requests.per.connection", "6")]);
        assert_eq!(
            e.message,
            "Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."
        );
        let e = refused(&[("max.in.flight.requests.per.connection", "0")]);
        assert_eq!(e.message, "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1");
        for (name, bad, good) in
            [("acks", "1", "all"), ("retries", "0", "3"), ("max.in.flight.requests.per.connection", "6", "5")]
        {
            let c = ProducerConfig::from_pairs([(name, bad)]).unwrap();
            assert!(!c.enable_idempotence, "{name}={bad}");
            assert!(c.with_pairs([(name, good)]).unwrap().enable_idempotence, "{name}={good}");
        }
        assert!(!ProducerConfig::from_pairs([("enable.idempotence", "false")]).unwrap().enable_idempotence);
    }

    /// KafkaProducerTest's testAcksAndIdempotenceForIdempotentProducers,
    /// testRetriesAndIdempotenceForIdempotentProducers and
    /// testInflightRequestsAndIdempotenceForIdempotentProducers: a `transactional.id` with
    /// idempotence off (explicitly, or turned off by a conflicting setting) is refused with
    /// `ConfigException`; explicitly enabled with a conflict, the idempotence words win.
    #[test]
    fn transactional_id_needs_idempotence_as_kafka_producer_test_checks() {
        let words = "Cannot set a transactional.id without also enabling idempotence.";
        for conflict in [("acks", "0"), ("retries", "0"), ("max.in.flight.requests.per.connection", "5")] {
            let e = ProducerConfig::from_pairs([
                conflict,
                ("enable.idempotence", "false"),
                ("transactional.id", "transactionalId"),
            ])
            .unwrap_err();
            assert_eq!((e.name.as_str(), e.message.as_str()), ("transactional.id", words), "{conflict:?}");
        }
        for conflict in [("acks", "0"), ("retries", "0"), ("max.in.flight.requests.per.connection", "6")] {
            let e =
                ProducerConfig::from_pairs([conflict, ("transactional.id", "transactionalId")]).unwrap_err();
            assert_eq!(e.message, words, "{conflict:?}");
        }
        let e = ProducerConfig::from_pairs([("acks", "1"), ("enable.idempotence", "true")]).unwrap_err();
        assert!(e.message.starts_with("Must set acks to all"));
        let c = ProducerConfig::from_pairs([("transactional.id", "transactionalId")]).unwrap();
        assert_eq!(c.transactional_id.as_deref(), Some("transactionalId"));
        assert!(c.enable_idempotence);
        assert_eq!(c.transaction_timeout_ms, 60_000);
        // `ConfigDef.NonEmptyString`.
        let e = ProducerConfig::from_pairs([("transactional.id", "")]).unwrap_err();
        assert_eq!(e.message, "Invalid value  for configuration transactional.id: String must be non-empty");
        let c = ProducerConfig::from_pairs([("transaction.timeout.ms", "900000")]).unwrap();
        assert_eq!(c.transaction_timeout_ms, 900_000);
        assert!(ProducerConfig::from_pairs([("transaction.timeout.ms", "2147483648")]).is_err());
        // Absent fields keep the serialized settings as they were.
        let json = serde_json::to_string(&ProducerConfig::default()).unwrap();
        assert!(!json.contains("transaction"), "{json}");
    }

    /// Kafka's `ConfigDef.ValidString` words for the enumerated configs and `atLeast(0)`
    /// for `batch.size` (ProducerConfig's CONFIG definitions).
    #[test]
    fn enumerated_values_are_checked_with_kafkas_words() {
        let e = ProducerConfig::from_pairs([("compression.type", "brotli")]).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd"
        );
        // ValidString is case-sensitive.
        assert!(ProducerConfig::from_pairs([("compression.type", "GZIP")]).is_err());
        for (codec, id) in [("none", 0), ("gzip", 1), ("snappy", 2), ("lz4", 3), ("zstd", 4)] {
            let c = ProducerConfig::from_pairs([("compression.type", codec)]).unwrap();
            assert_eq!(c.compression_type as i16, id, "{codec}");
        }
        let e = ProducerConfig::from_pairs([("acks", "2")]).unwrap_err();
        assert_eq!(e.message, "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1");
        let e = ProducerConfig::from_pairs([("batch.size", "-1")]).unwrap_err();
        assert_eq!(e.message, "Invalid value -1 for configuration batch.size: Value must be at least 0");
    }
}

//! Topic names and topic-level configs, validated by Kafka's rules (`Topic.validate`,
//! `LogConfig`), with Kafka's config names and defaults.
//!
//! One deliberate difference: `segment.bytes` accepts values down to 14 bytes, Kafka 3.x's
//! minimum. Kafka 4.0 raised it to 1 MiB; a playground needs segments small enough to
//! watch them roll and be deleted by retention. The compaction configs
//! (`min.cleanable.dirty.ratio`, `min.compaction.lag.ms`, `delete.retention.ms`) act in
//! the log cleaner (`engine::log::cleaner`).

use crate::engine::error::{ConfigProblem, ErrorKind, KafkaError, Result};
use crate::engine::record::TimestampType;
use serde::{Deserialize, Serialize};

/// `Topic.MAX_NAME_LENGTH`.
pub const MAX_TOPIC_NAME_LENGTH: u32 = 249;

/// Kafka's topic-name rules: not empty, not `.` or `..`, at most 249 characters, only
/// ASCII letters, digits, `.`, `_` and `-`.
pub fn validate_topic_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(KafkaError::new(ErrorKind::TopicNameEmpty));
    }
    if name == "." || name == ".." {
        return Err(KafkaError::new(ErrorKind::TopicNameDots { name: name.to_string() }));
    }
    let length = name.chars().count() as u32;
    if length > MAX_TOPIC_NAME_LENGTH {
        return Err(KafkaError::new(ErrorKind::TopicNameTooLong { name: name.to_string(), length }));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-') {
        return Err(KafkaError::new(ErrorKind::TopicNameIllegalChars { name: name.to_string() }));
    }
    Ok(())
}

/// Validates a requested partition count (`INVALID_PARTITIONS` when not positive).
pub fn validate_partition_count(partitions: i64) -> Result<u32> {
    if partitions <= 0 || partitions > i64::from(i32::MAX) {
        return Err(KafkaError::new(ErrorKind::PartitionsNotPositive { partitions }));
    }
    Ok(partitions as u32)
}

/// The topic configs the playground implements, with Kafka's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicConfig {
    pub segment_bytes: u32,
    pub segment_ms: i64,
    pub segment_jitter_ms: i64,
    pub retention_ms: i64,
    pub retention_bytes: i64,
    pub index_interval_bytes: u32,
    pub segment_index_bytes: u32,
    pub max_message_bytes: u32,
    pub message_timestamp_type: TimestampType,
    pub min_insync_replicas: u32,
    /// Read by the controller: may a replica outside the ISR become leader?
    pub unclean_leader_election_enable: bool,
    /// `cleanup.policy`: `delete` (retention removes old segments) and/or `compact`
    /// (each broker's log cleaner keeps the latest record per key; retention skips a log
    /// that is only `compact`).
    #[serde(default = "default_cleanup_policy")]
    pub cleanup_policy: String,
    /// `min.cleanable.dirty.ratio`: the cleaner cleans a log once its dirty part is at
    /// least this share of its cleanable bytes.
    #[serde(default)]
    pub min_cleanable_dirty_ratio: DirtyRatio,
    /// `min.compaction.lag.ms`: a record stays uncompacted at least this long.
    #[serde(default)]
    pub min_compaction_lag_ms: i64,
    /// `delete.retention.ms`: how long a tombstone is kept after a cleaning first sees it.
    #[serde(default = "default_delete_retention_ms")]
    pub delete_retention_ms: i64,
}

/// A ratio in [0, 1] (`min.cleanable.dirty.ratio`), compared by value.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct DirtyRatio(pub f64);

impl Default for DirtyRatio {
    fn default() -> Self {
        DirtyRatio(0.5)
    }
}

impl PartialEq for DirtyRatio {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for DirtyRatio {}

fn default_delete_retention_ms() -> i64 {
    86_400_000
}

/// Kafka's `ConfigDef.Type.DOUBLE` with `Range.between(0, 1)`.
fn parse_ratio(name: &str, value: &str) -> Result<DirtyRatio> {
    let v: f64 = value
        .trim()
        .parse()
        .map_err(|_| KafkaError::invalid_config(name, value, ConfigProblem::NotANumber))?;
    if v.is_nan() || v < 0.0 {
        return Err(KafkaError::invalid_config(name, value, ConfigProblem::BelowMinimum { min: 0 }));
    }
    if v > 1.0 {
        return Err(KafkaError::invalid_config(name, value, ConfigProblem::AboveMaximum { max: 1 }));
    }
    Ok(DirtyRatio(v))
}

fn default_cleanup_policy() -> String {
    "delete".to_string()
}

impl TopicConfig {
    /// Whether `cleanup.policy` includes `compact`.
    pub fn compacts(&self) -> bool {
        self.cleanup_policy.split(',').any(|p| p.trim() == "compact")
    }

    /// Whether `cleanup.policy` includes `delete`.
    pub fn deletes_old_segments(&self) -> bool {
        self.cleanup_policy.split(',').any(|p| p.trim() == "delete")
    }
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            segment_bytes: 1024 * 1024 * 1024,
            segment_ms: 7 * 24 * 60 * 60 * 1000,
            segment_jitter_ms: 0,
            retention_ms: 7 * 24 * 60 * 60 * 1000,
            retention_bytes: -1,
            index_interval_bytes: 4096,
            segment_index_bytes: 10 * 1024 * 1024,
            max_message_bytes: 1024 * 1024 + 12,
            message_timestamp_type: TimestampType::CreateTime,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            cleanup_policy: default_cleanup_policy(),
            min_cleanable_dirty_ratio: DirtyRatio::default(),
            min_compaction_lag_ms: 0,
            delete_retention_ms: default_delete_retention_ms(),
        }
    }
}

/// Names of the supported topic configs, in the order the page lists them.
pub const TOPIC_CONFIG_NAMES: [&str; 15] = [
    "segment.bytes",
    "segment.ms",
    "segment.jitter.ms",
    "retention.ms",
    "retention.bytes",
    "index.interval.bytes",
    "segment.index.bytes",
    "max.message.bytes",
    "message.timestamp.type",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "cleanup.policy",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "delete.retention.ms",
];

fn parse_long(name: &str, value: &str, min: i64, max: i64) -> Result<i64> {
    let v: i64 = value
        .trim()
        .parse()
        .map_err(|_| KafkaError::invalid_config(name, value, ConfigProblem::NotANumber))?;
    if v < min {
        return Err(KafkaError::invalid_config(name, value, ConfigProblem::BelowMinimum { min }));
    }
    if v > max {
        return Err(KafkaError::invalid_config(name, value, ConfigProblem::AboveMaximum { max }));
    }
    Ok(v)
}

fn parse_int(name: &str, value: &str, min: i64) -> Result<u32> {
    Ok(parse_long(name, value, min, i64::from(i32::MAX))? as u32)
}

impl TopicConfig {
    /// Sets one config from its Kafka name and string value, validating as Kafka does.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        match name {
            "segment.bytes" => self.segment_bytes = parse_int(name, value, 14)?,
            "segment.ms" => self.segment_ms = parse_long(name, value, 1, i64::MAX)?,
            "segment.jitter.ms" => self.segment_jitter_ms = parse_long(name, value, 0, i64::MAX)?,
            "retention.ms" => self.retention_ms = parse_long(name, value, -1, i64::MAX)?,
            "retention.bytes" => self.retention_bytes = parse_long(name, value, -1, i64::MAX)?,
            "index.interval.bytes" => self.index_interval_bytes = parse_int(name, value, 0)?,
            "segment.index.bytes" => self.segment_index_bytes = parse_int(name, value, 4)?,
            "max.message.bytes" => self.max_message_bytes = parse_int(name, value, 0)?,
            "min.insync.replicas" => self.min_insync_replicas = parse_int(name, value, 1)?,
            "min.cleanable.dirty.ratio" => self.min_cleanable_dirty_ratio = parse_ratio(name, value)?,
            "min.compaction.lag.ms" => self.min_compaction_lag_ms = parse_long(name, value, 0, i64::MAX)?,
            "delete.retention.ms" => self.delete_retention_ms = parse_long(name, value, 0, i64::MAX)?,
            "unclean.leader.election.enable" => {
                self.unclean_leader_election_enable = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(KafkaError::invalid_config(
                            name,
                            value,
                            ConfigProblem::NotOneOf { allowed: vec!["true".into(), "false".into()] },
                        ))
                    }
                }
            }
            "cleanup.policy" => {
                let policies: Vec<&str> = value.split(',').map(str::trim).collect();
                if policies.is_empty() || policies.iter().any(|p| !matches!(*p, "delete" | "compact")) {
                    return Err(KafkaError::invalid_config(
                        name,
                        value,
                        ConfigProblem::NotOneOf { allowed: vec!["delete".into(), "compact".into()] },
                    ));
                }
                self.cleanup_policy = policies.join(",");
            }
            "message.timestamp.type" => {
                self.message_timestamp_type = match value.trim() {
                    "CreateTime" => TimestampType::CreateTime,
                    "LogAppendTime" => TimestampType::LogAppendTime,
                    _ => {
                        return Err(KafkaError::invalid_config(
                            name,
                            value,
                            ConfigProblem::NotOneOf {
                                allowed: vec!["CreateTime".into(), "LogAppendTime".into()],
                            },
                        ))
                    }
                }
            }
            _ => return Err(KafkaError::invalid_config(name, value, ConfigProblem::Unknown)),
        }
        Ok(())
    }

    /// Defaults overridden by `(name, value)` pairs; the first bad pair is the error.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut config = TopicConfig::default();
        for (name, value) in pairs {
            config.set(name, value)?;
        }
        Ok(config)
    }

    /// The current value of a config, as Kafka would print it.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "segment.bytes" => self.segment_bytes.to_string(),
            "segment.ms" => self.segment_ms.to_string(),
            "segment.jitter.ms" => self.segment_jitter_ms.to_string(),
            "retention.ms" => self.retention_ms.to_string(),
            "retention.bytes" => self.retention_bytes.to_string(),
            "index.interval.bytes" => self.index_interval_bytes.to_string(),
            "segment.index.bytes" => self.segment_index_bytes.to_string(),
            "max.message.bytes" => self.max_message_bytes.to_string(),
            "message.timestamp.type" => self.message_timestamp_type.name().to_string(),
            "min.insync.replicas" => self.min_insync_replicas.to_string(),
            "unclean.leader.election.enable" => self.unclean_leader_election_enable.to_string(),
            "cleanup.policy" => self.cleanup_policy.clone(),
            "min.cleanable.dirty.ratio" => self.min_cleanable_dirty_ratio.0.to_string(),
            "min.compaction.lag.ms" => self.min_compaction_lag_ms.to_string(),
            "delete.retention.ms" => self.delete_retention_ms.to_string(),
            _ => return None,
        })
    }

    /// Every config that differs from Kafka's default, as `(name, value)`.
    pub fn overrides(&self) -> Vec<(String, String)> {
        let defaults = TopicConfig::default();
        TOPIC_CONFIG_NAMES
            .iter()
            .filter_map(|n| {
                let v = self.get(n)?;
                (Some(&v) != defaults.get(n).as_ref()).then(|| (n.to_string(), v))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ErrorCode;

    #[test]
    fn compaction_configs_follow_kafka_ranges() {
        let mut c = TopicConfig::default();
        assert_eq!(c.get("min.cleanable.dirty.ratio").unwrap(), "0.5");
        assert_eq!(c.get("delete.retention.ms").unwrap(), "86400000");
        assert_eq!(c.get("min.compaction.lag.ms").unwrap(), "0");
        c.set("min.cleanable.dirty.ratio", "0.25").unwrap();
        assert_eq!(c.overrides(), vec![("min.cleanable.dirty.ratio".to_string(), "0.25".to_string())]);
        for bad in ["1.5", "-0.1", "half"] {
            assert!(c.set("min.cleanable.dirty.ratio", bad).is_err(), "{bad}");
        }
        assert!(c.set("min.compaction.lag.ms", "-1").is_err());
        assert!(c.set("delete.retention.ms", "-1").is_err());
    }

    #[test]
    fn topic_names_follow_kafka_rules() {
        assert!(validate_topic_name("some_topic").is_ok());
        assert!(validate_topic_name("a.b-c_D9").is_ok());
        assert_eq!(validate_topic_name("").unwrap_err().kind, ErrorKind::TopicNameEmpty);
        assert!(matches!(validate_topic_name("..").unwrap_err().kind, ErrorKind::TopicNameDots { .. }));
        assert!(validate_topic_name(&"a".repeat(249)).is_ok());
        let long = validate_topic_name(&"a".repeat(250)).unwrap_err();
        assert!(matches!(long.kind, ErrorKind::TopicNameTooLong { length: 250, .. }));
        for bad in ["a b", "тема", "a/b", "a*"] {
            let e = validate_topic_name(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidTopicException, "{bad}");
        }
    }

    #[test]
    fn partitions_must_be_positive() {
        assert_eq!(validate_partition_count(3).unwrap(), 3);
        for bad in [0, -1] {
            assert_eq!(validate_partition_count(bad).unwrap_err().code, ErrorCode::InvalidPartitions);
        }
    }

    #[test]
    fn configs_validate_like_kafka() {
        let mut c = TopicConfig::default();
        assert_eq!(c.get("retention.ms").unwrap(), "604800000");
        c.set("retention.ms", "-1").unwrap();
        let e = c.set("retention.ms", "-2").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidConfig);
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidConfig { problem: ConfigProblem::BelowMinimum { min: -1 }, .. }
        ));
        assert!(c.set("retention.bytes", "-5").is_err());
        assert!(c.set("segment.bytes", "abc").is_err());
        assert!(c.set("segment.bytes", "13").is_err());
        assert!(c.set("no.such.config", "1").is_err());
        assert!(c.set("message.timestamp.type", "Now").is_err());
        c.set("segment.bytes", "1024").unwrap();
        assert_eq!(
            c.overrides(),
            vec![("segment.bytes".into(), "1024".into()), ("retention.ms".into(), "-1".into())]
        );
    }
}

//! The consumer's settings under the Java client's names, with Kafka 3.x/4.0 defaults
//! (`session.timeout.ms` 45000, `heartbeat.interval.ms` 3000, `max.poll.interval.ms`
//! 300000, `max.poll.records` 500, `auto.offset.reset` latest, `enable.auto.commit` true,
//! `auto.commit.interval.ms` 5000, `partition.assignment.strategy` range,
//! cooperative-sticky, `fetch.max.wait.ms` 500, `request.timeout.ms` 30000,
//! `retry.backoff.ms` 100, `metadata.max.age.ms` 300000), and one setting of the
//! playground's own, `playground.processing.time.per.record.ms` (0): how long the
//! application takes per record, so a slow consumer can overrun `max.poll.interval.ms`;
//! and `playground.commit.sync` (`off`): when the application calls `commitSync()`
//! itself (`super::delivery`). `isolation.level` is `read_uncommitted` by default, as
//! in the Java consumer, or `read_committed`.
//! Invariant: a built config passed the checks the Java consumer makes, with its wording
//! where it has one.

use super::delivery::{CommitSync, COMMIT_SYNC_CONFIG};
use crate::engine::client::common::config::{
    invalid, parse_bool, parse_bootstrap, parse_range, ConfigError, INT_MAX,
};
use crate::engine::cluster::txn_parts::IsolationLevel;
use crate::engine::cluster::NodeId;
use crate::engine::group::assignor::{AssignorKind, RebalanceProtocol};
use serde::{Deserialize, Serialize};

/// `auto.offset.reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoOffsetReset {
    Earliest,
    Latest,
    None,
}

/// The playground's own config: processing time per record.
pub const PROCESSING_TIME_CONFIG: &str = "playground.processing.time.per.record.ms";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerConfig {
    pub group_id: Option<String>,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub session_timeout_ms: i64,
    pub heartbeat_interval_ms: i64,
    pub max_poll_interval_ms: i64,
    pub max_poll_records: u32,
    pub auto_offset_reset: AutoOffsetReset,
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: i64,
    pub partition_assignment_strategy: Vec<AssignorKind>,
    pub fetch_max_wait_ms: i64,
    pub fetch_max_bytes: u32,
    pub request_timeout_ms: i64,
    pub retry_backoff_ms: i64,
    pub metadata_max_age_ms: i64,
    pub bootstrap: Vec<NodeId>,
    pub processing_time_per_record_ms: i64,
    /// `isolation.level`.
    #[serde(default, skip_serializing_if = "IsolationLevel::is_read_uncommitted")]
    pub isolation_level: IsolationLevel,
    /// `playground.commit.sync`: when the application calls `commitSync()` itself.
    #[serde(default, skip_serializing_if = "CommitSync::is_off")]
    pub commit_sync: CommitSync,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            group_id: None,
            group_instance_id: None,
            client_id: String::new(),
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            max_poll_records: 500,
            auto_offset_reset: AutoOffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            partition_assignment_strategy: vec![AssignorKind::Range, AssignorKind::CooperativeSticky],
            fetch_max_wait_ms: 500,
            fetch_max_bytes: 52_428_800,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            metadata_max_age_ms: 300_000,
            bootstrap: vec![1],
            processing_time_per_record_ms: 0,
            commit_sync: CommitSync::Off,
            isolation_level: IsolationLevel::ReadUncommitted,
        }
    }
}

/// A refused consumer config, in `ConfigException`'s words (the clients' shared
/// [`ConfigError`]).
pub type ConsumerConfigError = ConfigError;

/// An assignor by Kafka's short name or its Java class name.
fn parse_assignor(name: &str) -> Option<AssignorKind> {
    let short = match name.trim() {
        "org.apache.kafka.clients.consumer.RangeAssignor" => "range",
        "org.apache.kafka.clients.consumer.RoundRobinAssignor" => "roundrobin",
        "org.apache.kafka.clients.consumer.StickyAssignor" => "sticky",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" => "cooperative-sticky",
        other => other,
    };
    short.parse().ok()
}

impl ConsumerConfig {
    /// Kafka names and string values over the defaults, then the consumer's cross-checks
    /// (`heartbeat.interval.ms` below `session.timeout.ms`, a non-empty `group.id` and
    /// `group.instance.id`).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConsumerConfigError> {
        ConsumerConfig::default().with_pairs(pairs)
    }

    /// This config with `pairs` set over it, checked as [`ConsumerConfig::from_pairs`]
    /// checks (a consumer started or restarted with changed settings).
    pub fn with_pairs<'a>(
        &self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConsumerConfigError> {
        let mut c = self.clone();
        for (name, value) in pairs {
            match name {
                "group.id" => {
                    if value.trim().is_empty() {
                        return Err(ConsumerConfigError {
                            name: name.into(),
                            message: "group.id cannot be empty: to use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration".into(),
                        });
                    }
                    c.group_id = Some(value.to_string());
                }
                "group.instance.id" => {
                    if value.trim().is_empty() {
                        return Err(invalid(name, value, "Group instance id must be non-empty string"));
                    }
                    c.group_instance_id = Some(value.to_string());
                }
                "client.id" => c.client_id = value.to_string(),
                "session.timeout.ms" => c.session_timeout_ms = parse_range(name, value, 1, INT_MAX)?,
                "heartbeat.interval.ms" => c.heartbeat_interval_ms = parse_range(name, value, 1, INT_MAX)?,
                "max.poll.interval.ms" => c.max_poll_interval_ms = parse_range(name, value, 1, INT_MAX)?,
                "max.poll.records" => c.max_poll_records = parse_range(name, value, 1, INT_MAX)? as u32,
                "auto.offset.reset" => {
                    c.auto_offset_reset = match value.trim() {
                        "earliest" => AutoOffsetReset::Earliest,
                        "latest" => AutoOffsetReset::Latest,
                        "none" => AutoOffsetReset::None,
                        _ => {
                            return Err(invalid(name, value, "String must be one of: latest, earliest, none"))
                        }
                    }
                }
                "enable.auto.commit" => c.enable_auto_commit = parse_bool(name, value)?,
                "auto.commit.interval.ms" => {
                    c.auto_commit_interval_ms = parse_range(name, value, 0, INT_MAX)?
                }
                "partition.assignment.strategy" => {
                    let mut kinds = Vec::new();
                    for part in value.split(',').filter(|s| !s.trim().is_empty()) {
                        let kind = parse_assignor(part).ok_or_else(|| {
                            invalid(name, value, &format!("unknown assignor '{}'; Kafka's are range, roundrobin, sticky, cooperative-sticky", part.trim()))
                        })?;
                        if !kinds.contains(&kind) {
                            kinds.push(kind);
                        }
                    }
                    if kinds.is_empty() {
                        return Err(invalid(name, value, "at least one assignor is needed"));
                    }
                    c.partition_assignment_strategy = kinds;
                }
                "fetch.max.wait.ms" => c.fetch_max_wait_ms = parse_range(name, value, 0, INT_MAX)?,
                "fetch.max.bytes" => c.fetch_max_bytes = parse_range(name, value, 0, INT_MAX)? as u32,
                "request.timeout.ms" => c.request_timeout_ms = parse_range(name, value, 0, INT_MAX)?,
                "retry.backoff.ms" => c.retry_backoff_ms = parse_range(name, value, 0, i64::MAX)?,
                "metadata.max.age.ms" => c.metadata_max_age_ms = parse_range(name, value, 0, i64::MAX)?,
                "bootstrap.servers" => c.bootstrap = parse_bootstrap(name, value)?,
                // `in(READ_COMMITTED, READ_UNCOMMITTED)`: `ValidString`'s wording.
                "isolation.level" => {
                    c.isolation_level = IsolationLevel::from_config(value).ok_or_else(|| {
                        invalid(name, value, "String must be one of: read_committed, read_uncommitted")
                    })?
                }
                COMMIT_SYNC_CONFIG => c.commit_sync = CommitSync::parse(name, value)?,
                PROCESSING_TIME_CONFIG => {
                    c.processing_time_per_record_ms = parse_range(name, value, 0, INT_MAX)?
                }
                _ => {
                    return Err(ConsumerConfigError {
                        name: name.to_string(),
                        message: format!("Unknown consumer config {name}"),
                    })
                }
            }
        }
        if c.heartbeat_interval_ms >= c.session_timeout_ms {
            return Err(ConsumerConfigError {
                name: "heartbeat.interval.ms".into(),
                message: format!(
                    "heartbeat.interval.ms ({}) must be set lower than session.timeout.ms ({}): Heartbeat must be set lower than the session timeout",
                    c.heartbeat_interval_ms, c.session_timeout_ms
                ),
            });
        }
        Ok(c)
    }

    /// `ConsumerCoordinator`'s protocol: the highest one every configured assignor
    /// supports (COOPERATIVE only if all of them do).
    pub fn rebalance_protocol(&self) -> RebalanceProtocol {
        let all_cooperative = self
            .partition_assignment_strategy
            .iter()
            .all(|a| a.supported_protocols().contains(&RebalanceProtocol::Cooperative));
        if all_cooperative {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }

    /// The request timeout of JoinGroup (`rebalance.timeout.ms` + 5 s at least).
    pub fn join_request_timeout_ms(&self) -> i64 {
        self.request_timeout_ms.max(self.max_poll_interval_ms + 5_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_kafkas_and_the_default_strategy_is_eager() {
        let c = ConsumerConfig::from_pairs([("group.id", "g")]).unwrap();
        assert_eq!(
            (c.session_timeout_ms, c.heartbeat_interval_ms, c.max_poll_interval_ms),
            (45_000, 3_000, 300_000)
        );
        assert_eq!(
            c.partition_assignment_strategy,
            vec![AssignorKind::Range, AssignorKind::CooperativeSticky]
        );
        assert_eq!(c.rebalance_protocol(), RebalanceProtocol::Eager, "range supports only EAGER");
        let coop =
            ConsumerConfig::from_pairs([("partition.assignment.strategy", "cooperative-sticky")]).unwrap();
        assert_eq!(coop.rebalance_protocol(), RebalanceProtocol::Cooperative);
    }

    #[test]
    fn bad_values_name_the_config() {
        let e = ConsumerConfig::from_pairs([("partition.assignment.strategy", "range,fastest")]).unwrap_err();
        assert_eq!(e.name, "partition.assignment.strategy");
        assert!(e.message.contains("fastest"), "{e}");
        let e = ConsumerConfig::from_pairs([("group.id", "")]).unwrap_err();
        assert_eq!(e.name, "group.id");
        let e = ConsumerConfig::from_pairs([("session.timeout.ms", "3000")]).unwrap_err();
        assert_eq!(e.name, "heartbeat.interval.ms");
        let e = ConsumerConfig::from_pairs([("auto.offset.reset", "smallest")]).unwrap_err();
        assert!(e.message.contains("latest, earliest, none"));
        assert_eq!(
            ConsumerConfig::from_pairs([("session.timeout.ms", "-1")]).unwrap_err().name,
            "session.timeout.ms"
        );
        assert!(ConsumerConfig::from_pairs([("no.such", "1")]).is_err());
    }

    /// `ConsumerConfig`: `isolation.level` defaults to read_uncommitted and takes
    /// `in(READ_COMMITTED, READ_UNCOMMITTED)` (lower case, `IsolationLevel.toString`).
    #[test]
    fn isolation_level_is_kafkas() {
        assert_eq!(ConsumerConfig::default().isolation_level, IsolationLevel::ReadUncommitted);
        let c = ConsumerConfig::from_pairs([("isolation.level", "read_committed")]).unwrap();
        assert_eq!(c.isolation_level, IsolationLevel::ReadCommitted);
        let e = ConsumerConfig::from_pairs([("isolation.level", "READ_COMMITTED")]).unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value READ_COMMITTED for configuration isolation.level: String must be one of: read_committed, read_uncommitted"
        );
        let json = serde_json::to_value(ConsumerConfig::default()).unwrap();
        assert!(json.get("isolation_level").is_none(), "the default is not serialised");
    }
}

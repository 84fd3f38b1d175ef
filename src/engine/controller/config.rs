//! The controller's settings, under Kafka's names (`broker.session.timeout.ms`,
//! `default.replication.factor`, `num.partitions`, `min.insync.replicas`,
//! `unclean.leader.election.enable`, `delete.topic.enable`), with Kafka's defaults. Invariant: a constructed
//! config holds only values Kafka would accept.

use crate::engine::error::{ConfigProblem, KafkaError, Result};
use serde::{Deserialize, Serialize};

/// The topic config (and cluster default) that allows an out-of-sync replica to lead.
pub const UNCLEAN_LEADER_ELECTION_ENABLE: &str = "unclean.leader.election.enable";

/// `delete.topic.enable` (true): whether DeleteTopics may delete topics (Kafka's
/// `ServerConfigs.DELETE_TOPIC_ENABLE_CONFIG`, read by `ControllerApis.deleteTopics`).
pub const DELETE_TOPIC_ENABLE: &str = "delete.topic.enable";

/// The configs a cluster's settings may give the controller (`seed` is the driver's own).
pub const CONTROLLER_CONFIG_NAMES: [&str; 6] = [
    "broker.session.timeout.ms",
    "default.replication.factor",
    "num.partitions",
    "min.insync.replicas",
    UNCLEAN_LEADER_ELECTION_ENABLE,
    DELETE_TOPIC_ENABLE,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerConfig {
    /// `broker.session.timeout.ms` (9000): a broker silent this long is fenced.
    pub broker_session_timeout_ms: i64,
    /// `default.replication.factor` (1): used when CreateTopics asks for -1.
    pub default_replication_factor: u32,
    /// `num.partitions` (1): used when CreateTopics asks for -1.
    pub num_partitions: u32,
    /// `min.insync.replicas` (1): the cluster default a topic inherits.
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (false): the cluster default a topic may override.
    pub unclean_leader_election_enable: bool,
    /// `delete.topic.enable` (true): false makes DeleteTopics answer TOPIC_DELETION_DISABLED.
    #[serde(default = "delete_topic_enable_default")]
    pub delete_topic_enable: bool,
    /// Seeds replica placement (Kafka draws its start index at random).
    pub seed: u64,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            broker_session_timeout_ms: 9000,
            default_replication_factor: 1,
            num_partitions: 1,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            delete_topic_enable: true,
            seed: 0,
        }
    }
}

fn delete_topic_enable_default() -> bool {
    true
}

fn parse_positive(name: &str, value: &str) -> Result<i64> {
    let v: i64 = value
        .trim()
        .parse()
        .map_err(|_| KafkaError::invalid_config(name, value, ConfigProblem::NotANumber))?;
    if v < 1 {
        return Err(KafkaError::invalid_config(name, value, ConfigProblem::BelowMinimum { min: 1 }));
    }
    if v > i64::from(i32::MAX) {
        return Err(KafkaError::invalid_config(
            name,
            value,
            ConfigProblem::AboveMaximum { max: i64::from(i32::MAX) },
        ));
    }
    Ok(v)
}

/// Parses Kafka's boolean config values (`true` / `false`, any case).
pub fn parse_bool(name: &str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(KafkaError::invalid_config(
            name,
            value,
            ConfigProblem::NotOneOf { allowed: vec!["true".into(), "false".into()] },
        )),
    }
}

impl ControllerConfig {
    /// Builds a config from Kafka names and string values over the defaults; `seed` is
    /// the playground's own key.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut c = ControllerConfig::default();
        for (name, value) in pairs {
            match name {
                "broker.session.timeout.ms" => c.broker_session_timeout_ms = parse_positive(name, value)?,
                "default.replication.factor" => {
                    c.default_replication_factor = parse_positive(name, value)? as u32
                }
                "num.partitions" => c.num_partitions = parse_positive(name, value)? as u32,
                "min.insync.replicas" => c.min_insync_replicas = parse_positive(name, value)? as u32,
                UNCLEAN_LEADER_ELECTION_ENABLE => c.unclean_leader_election_enable = parse_bool(name, value)?,
                DELETE_TOPIC_ENABLE => c.delete_topic_enable = parse_bool(name, value)?,
                "seed" => {
                    c.seed = value
                        .trim()
                        .parse()
                        .map_err(|_| KafkaError::invalid_config(name, value, ConfigProblem::NotANumber))?
                }
                _ => return Err(KafkaError::invalid_config(name, value, ConfigProblem::Unknown)),
            }
        }
        Ok(c)
    }
}

//! A replicated broker's configs, with Kafka's names and defaults. Invariant: every
//! interval is positive once parsed through [`BrokerConfig::set`]; the defaults are
//! Kafka's (`ReplicationConfigs`, `KRaftConfigs`, `ServerConfigs`, and the group
//! coordinator's `GroupCoordinatorConfig`), except `log.retention.check.interval.ms`,
//! scaled to the playground: 10000 (Kafka: 300000, five minutes) so a lesson sees old
//! segments go within seconds of virtual time.

use crate::engine::cluster::{NodeId, CONTROLLER_ID};
use crate::engine::group::coordinator::GroupCoordinatorConfig;
use crate::engine::txn::coordinator::TransactionCoordinatorConfig;
use serde::{Deserialize, Serialize};

/// The playground's `log.retention.check.interval.ms` (Kafka's default is 300000).
pub const LOG_RETENTION_CHECK_INTERVAL_MS_DEFAULT: i64 = 10_000;

fn log_cleaner_backoff_ms_default() -> i64 {
    15_000
}

fn log_retention_check_interval_ms_default() -> i64 {
    LOG_RETENTION_CHECK_INTERVAL_MS_DEFAULT
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerConfig {
    /// `replica.lag.time.max.ms`: a follower not caught up for this long leaves the ISR.
    pub replica_lag_time_max_ms: i64,
    /// `replica.fetch.wait.max.ms`: how long a leader may hold a follower's empty fetch.
    pub replica_fetch_wait_max_ms: i64,
    /// `replica.fetch.max.bytes`: the most a follower asks for in one fetch.
    pub replica_fetch_max_bytes: u32,
    /// `replica.fetch.backoff.ms`: the pause after a failed fetch.
    pub replica_fetch_backoff_ms: i64,
    /// `replica.socket.timeout.ms`: a follower's fetch with no answer by then is retried.
    pub replica_socket_timeout_ms: i64,
    /// `broker.heartbeat.interval.ms`.
    pub broker_heartbeat_interval_ms: i64,
    /// `controller.socket.timeout.ms`: an unanswered AlterPartition is sent again after it.
    pub controller_socket_timeout_ms: i64,
    /// The KRaft controller to register with (`controller.quorum.voters`).
    pub controller_id: NodeId,
    /// `log.retention.check.interval.ms`: how often each broker's `kafka-log-retention`
    /// task (`LogManager.cleanupLogs`) runs. Playground default 10000 (Kafka: 300000).
    #[serde(default = "log_retention_check_interval_ms_default")]
    pub log_retention_check_interval_ms: i64,
    /// `log.cleaner.backoff.ms`: how long the log cleaner sleeps when no log needs
    /// cleaning (Kafka's default, 15000).
    #[serde(default = "log_cleaner_backoff_ms_default")]
    pub log_cleaner_backoff_ms: i64,
    /// `producer.id.expiration.ms`: a producer idle this long is forgotten by every
    /// partition (`ProducerStateManager.removeExpiredProducers`). Kafka's default, one day.
    #[serde(default = "producer_id_expiration_ms_default")]
    pub producer_id_expiration_ms: i64,
    /// `producer.id.expiration.check.interval.ms`: how often that is checked (Kafka's
    /// `PeriodicProducerExpirationCheck`, default ten minutes).
    #[serde(default = "producer_id_expiration_check_interval_ms_default")]
    pub producer_id_expiration_check_interval_ms: i64,
    /// The group coordinator's configs (`offsets.topic.*`, `group.*`).
    pub group: GroupCoordinatorConfig,
    /// The transaction coordinator's configs (`transaction.state.log.*`, `transaction.*`).
    #[serde(default)]
    pub txn: TransactionCoordinatorConfig,
}

fn producer_id_expiration_ms_default() -> i64 {
    crate::engine::log::producer_state::PRODUCER_ID_EXPIRATION_MS_DEFAULT
}

fn producer_id_expiration_check_interval_ms_default() -> i64 {
    crate::engine::log::producer_state::PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_DEFAULT
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_max_bytes: 1_048_576,
            replica_fetch_backoff_ms: 1_000,
            replica_socket_timeout_ms: 30_000,
            broker_heartbeat_interval_ms: 2_000,
            controller_socket_timeout_ms: 30_000,
            log_retention_check_interval_ms: LOG_RETENTION_CHECK_INTERVAL_MS_DEFAULT,
            log_cleaner_backoff_ms: log_cleaner_backoff_ms_default(),
            controller_id: CONTROLLER_ID,
            producer_id_expiration_ms: producer_id_expiration_ms_default(),
            producer_id_expiration_check_interval_ms: producer_id_expiration_check_interval_ms_default(),
            group: GroupCoordinatorConfig::default(),
            txn: TransactionCoordinatorConfig::default(),
        }
    }
}

/// The replicated broker's own config names (the arms of [`BrokerConfig::set`]; the
/// group coordinator's are [`crate::engine::group::coordinator::config::GROUP_COORDINATOR_CONFIG_NAMES`]).
pub const BROKER_CONFIG_NAMES: [&str; 11] = [
    "replica.lag.time.max.ms",
    "replica.fetch.wait.max.ms",
    "replica.fetch.max.bytes",
    "replica.fetch.backoff.ms",
    "replica.socket.timeout.ms",
    "broker.heartbeat.interval.ms",
    "controller.socket.timeout.ms",
    "log.retention.check.interval.ms",
    "log.cleaner.backoff.ms",
    "producer.id.expiration.ms",
    "producer.id.expiration.check.interval.ms",
];

impl BrokerConfig {
    /// Sets one config from its Kafka name; `Err` says why it was refused.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        if self.group.set(name, value)? || self.txn.set(name, value)? {
            return Ok(());
        }
        let number = value.trim().parse::<i64>().map_err(|_| format!("{name}: '{value}' is not a number"))?;
        if number <= 0 {
            return Err(format!("{name}: {number} must be positive"));
        }
        match name {
            "replica.lag.time.max.ms" => self.replica_lag_time_max_ms = number,
            "replica.fetch.wait.max.ms" => self.replica_fetch_wait_max_ms = number,
            "replica.fetch.max.bytes" => {
                self.replica_fetch_max_bytes =
                    u32::try_from(number).map_err(|_| format!("{name}: {number} is too large"))?
            }
            "replica.fetch.backoff.ms" => self.replica_fetch_backoff_ms = number,
            "replica.socket.timeout.ms" => self.replica_socket_timeout_ms = number,
            "broker.heartbeat.interval.ms" => self.broker_heartbeat_interval_ms = number,
            "controller.socket.timeout.ms" => self.controller_socket_timeout_ms = number,
            "log.retention.check.interval.ms" => self.log_retention_check_interval_ms = number,
            "log.cleaner.backoff.ms" => self.log_cleaner_backoff_ms = number,
            "producer.id.expiration.ms" => self.producer_id_expiration_ms = number,
            "producer.id.expiration.check.interval.ms" => {
                self.producer_id_expiration_check_interval_ms = number
            }
            _ => return Err(format!("unknown broker config {name}")),
        }
        Ok(())
    }

    /// Defaults overridden by `(name, value)` pairs; the first bad pair is the error.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, String> {
        let mut config = BrokerConfig::default();
        for (name, value) in pairs {
            config.set(name, value)?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_set_and_others_are_unknown() {
        for name in BROKER_CONFIG_NAMES {
            assert!(BrokerConfig::default().set(name, "1000").is_ok(), "{name}");
        }
        let refused = BrokerConfig::default().set("log.retention.ms", "1000").unwrap_err();
        assert!(refused.starts_with("unknown broker config"), "{refused}");
    }
}

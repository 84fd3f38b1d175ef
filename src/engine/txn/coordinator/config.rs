//! The transaction coordinator's broker configs, with Kafka's names, defaults and
//! validators (`TransactionLogConfig`, `TransactionStateManagerConfig`):
//! `transaction.state.log.num.partitions` 50, `transaction.state.log.replication.factor`
//! 3, `transaction.state.log.min.isr` 2, `transaction.state.log.segment.bytes`
//! 104857600, `transaction.max.timeout.ms` 900000 and
//! `transaction.abort.timed.out.transaction.cleanup.interval.ms` 10000, each `atLeast(1)`.
//! `transactional.id.expiration.ms` is not accepted: ids do not expire here.
//! Invariant: a value set through [`TransactionCoordinatorConfig::set`] is one Kafka accepts.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionCoordinatorConfig {
    pub transaction_state_log_num_partitions: u32,
    pub transaction_state_log_replication_factor: u32,
    pub transaction_state_log_min_isr: u32,
    pub transaction_state_log_segment_bytes: u32,
    pub transaction_max_timeout_ms: i32,
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: i64,
}

impl Default for TransactionCoordinatorConfig {
    fn default() -> Self {
        TransactionCoordinatorConfig {
            transaction_state_log_num_partitions: 50,
            transaction_state_log_replication_factor: 3,
            transaction_state_log_min_isr: 2,
            transaction_state_log_segment_bytes: 104_857_600,
            transaction_max_timeout_ms: 900_000,
            transaction_abort_timed_out_transaction_cleanup_interval_ms: 10_000,
        }
    }
}

impl TransactionCoordinatorConfig {
    pub fn is_default(&self) -> bool {
        *self == TransactionCoordinatorConfig::default()
    }

    /// Sets one config by Kafka name: `Ok(false)` when the name is not one of these,
    /// `Err` with the reason when the value is refused.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool, String> {
        if !TRANSACTION_COORDINATOR_CONFIG_NAMES.contains(&name) {
            return Ok(false);
        }
        let number = value.trim().parse::<i64>().map_err(|_| format!("{name}: '{value}' is not a number"))?;
        let max = if name == "transaction.state.log.replication.factor" {
            i64::from(i16::MAX)
        } else {
            i64::from(i32::MAX)
        };
        if number < 1 || number > max {
            return Err(format!("{name}: {number} must be between 1 and {max}"));
        }
        match name {
            "transaction.state.log.num.partitions" => {
                self.transaction_state_log_num_partitions = number as u32
            }
            "transaction.state.log.replication.factor" => {
                self.transaction_state_log_replication_factor = number as u32
            }
            "transaction.state.log.min.isr" => self.transaction_state_log_min_isr = number as u32,
            "transaction.state.log.segment.bytes" => self.transaction_state_log_segment_bytes = number as u32,
            "transaction.max.timeout.ms" => self.transaction_max_timeout_ms = number as i32,
            _ => self.transaction_abort_timed_out_transaction_cleanup_interval_ms = number,
        }
        Ok(true)
    }

    /// `validateTransactionTimeoutMs`: in `1..=transaction.max.timeout.ms`.
    pub fn validate_transaction_timeout_ms(&self, txn_timeout_ms: i32) -> bool {
        txn_timeout_ms <= self.transaction_max_timeout_ms && txn_timeout_ms > 0
    }
}

/// The config names this module owns.
pub const TRANSACTION_COORDINATOR_CONFIG_NAMES: [&str; 6] = [
    "transaction.state.log.num.partitions",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "transaction.state.log.segment.bytes",
    "transaction.max.timeout.ms",
    "transaction.abort.timed.out.transaction.cleanup.interval.ms",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `TransactionStateManagerConfig` / `TransactionLogConfig` defaults, and
    /// `TransactionStateManagerTest.testValidateTransactionTimeout`.
    #[test]
    fn defaults_and_timeout_validation_are_kafkas() {
        let c = TransactionCoordinatorConfig::default();
        assert_eq!(c.transaction_state_log_num_partitions, 50);
        assert_eq!(c.transaction_state_log_replication_factor, 3);
        assert_eq!(c.transaction_state_log_min_isr, 2);
        assert_eq!(c.transaction_max_timeout_ms, 15 * 60 * 1000);
        assert_eq!(c.transaction_abort_timed_out_transaction_cleanup_interval_ms, 10_000);
        assert!(c.validate_transaction_timeout_ms(1));
        assert!(c.validate_transaction_timeout_ms(900_000));
        assert!(!c.validate_transaction_timeout_ms(900_001));
        assert!(!c.validate_transaction_timeout_ms(0));
        assert!(!c.validate_transaction_timeout_ms(-1));
        let mut c = c;
        assert_eq!(c.set("transaction.max.timeout.ms", "1000"), Ok(true));
        assert!(c.set("transaction.state.log.min.isr", "0").is_err());
        assert_eq!(c.set("log.retention.ms", "1"), Ok(false));
        assert_eq!(c.set("transactional.id.expiration.ms", "1"), Ok(false));
    }

    /// The transaction configs are read-only in Kafka (not in `DynamicBrokerConfig`'s
    /// reconfigurables): an alter is refused as read-only, not as unknown.
    #[test]
    fn transaction_configs_are_read_only() {
        use crate::engine::controller::broker_configs::check_broker_configs;
        let refusal =
            check_broker_configs(&[("transaction.max.timeout.ms".into(), "1000".into())]).unwrap_err();
        assert_eq!(refusal.1, "Cannot update these configs dynamically: Set(transaction.max.timeout.ms)");
    }
}

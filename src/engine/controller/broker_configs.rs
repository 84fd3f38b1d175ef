//! Dynamic broker configs at the cluster-wide default, as KRaft keeps them: an
//! IncrementalAlterConfigs (SET) on the BROKER resource with the empty name is checked
//! (Kafka's `ConfigAdminManager.validateBrokerConfigChange` →
//! `DynamicBrokerConfig.validateConfigs`) and written to the metadata log as a
//! `ConfigRecord` ([`MetadataRecord::BrokerConfig`]), which every broker, running,
//! restarted or added later, replays. Of the playground's broker configs only
//! `log.cleaner.backoff.ms` is dynamic (it is in `LogCleaner.ReconfigurableConfigs`);
//! `log.retention.check.interval.ms` and the others are read-only (read when a broker
//! starts: a scenario's `cluster.configs`), and Kafka refuses them with
//! `INVALID_REQUEST: Cannot update these configs dynamically: Set(…)`. Invariant: a
//! record is appended only for a change that passed every check; nothing is written for
//! a refused request, however many of its configs were good.

use super::topics::Refusal;
use super::ControllerNode;
use crate::engine::cluster::metadata::MetadataRecord;
use crate::engine::error::ErrorCode;
use crate::engine::group::coordinator::config::GROUP_COORDINATOR_CONFIG_NAMES;
use crate::engine::replica::config::{BrokerConfig, BROKER_CONFIG_NAMES};
use crate::engine::txn::coordinator::config::TRANSACTION_COORDINATOR_CONFIG_NAMES;

/// The broker configs a running broker takes without a restart.
pub const DYNAMIC_BROKER_CONFIG_NAMES: [&str; 1] = ["log.cleaner.backoff.ms"];

/// Kafka's checks of a cluster-default broker config change, in its order: read-only
/// names first, then each value's type and range.
pub fn check_broker_configs(configs: &[(String, String)]) -> Result<(), Refusal> {
    let invalid = |text: String| (ErrorCode::InvalidRequest, text);
    if configs.is_empty() {
        return Err(invalid("No configs to alter".into()));
    }
    let known = |n: &str| {
        BROKER_CONFIG_NAMES.contains(&n)
            || GROUP_COORDINATOR_CONFIG_NAMES.contains(&n)
            || TRANSACTION_COORDINATOR_CONFIG_NAMES.contains(&n)
    };
    if let Some((name, _)) = configs.iter().find(|(n, _)| !known(n)) {
        // Kafka stores unknown names as custom configs; the playground would ignore them.
        return Err(invalid(format!("Unknown broker config {name}: the playground does not implement it")));
    }
    let read_only: Vec<&str> = configs
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| !DYNAMIC_BROKER_CONFIG_NAMES.contains(n))
        .collect();
    if !read_only.is_empty() {
        return Err(invalid(format!(
            "Cannot update these configs dynamically: Set({})",
            read_only.join(", ")
        )));
    }
    let mut scratch = BrokerConfig::default();
    for (name, value) in configs {
        scratch
            .set(name, value)
            .map_err(|why| invalid(format!("Invalid value {value} for configuration {name}: {why}")))?;
    }
    Ok(())
}

impl ControllerNode {
    /// `{"alter_broker_configs": {"configs": {name: value}}}`: checked, then one record
    /// per config (pushed to the brokers with the next metadata update).
    /// With `validate_only`, the checks run and nothing is written.
    pub(crate) fn alter_broker_configs(
        &mut self,
        configs: Vec<(String, String)>,
        validate_only: bool,
    ) -> Result<(), Refusal> {
        check_broker_configs(&configs)?;
        if validate_only {
            return Ok(());
        }
        for (name, value) in configs {
            let value = value.trim().to_string();
            if self.image.broker_configs.get(&name) != Some(&value) {
                self.append(MetadataRecord::BrokerConfig { name, value });
            }
        }
        Ok(())
    }
}

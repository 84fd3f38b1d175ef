//! DescribeConfigs on a broker, as Kafka's `ConfigHelper.describeConfigs` answers it:
//! * a TOPIC: every topic config with its value, from the topic's configs in the metadata
//!   image over the defaults (`LogConfig.fromProps`), source `TOPIC_CONFIG` for what the
//!   topic sets and `DEFAULT_CONFIG` for the rest; a topic not in the image is
//!   `UNKNOWN_TOPIC_OR_PARTITION`, an illegal name `INVALID_TOPIC_EXCEPTION`. The
//!   playground lists the topic configs it acts on ([`TOPIC_CONFIG_NAMES`]), where Kafka
//!   lists all of `LogConfig`'s; a cluster-wide `min.insync.replicas` is stored on each
//!   topic when it is created, so it shows as the topic's.
//! * a BROKER with the empty name: the cluster-wide dynamic defaults set so far
//!   (`DynamicBrokerConfig.currentDynamicDefaultConfigs`), source
//!   `DYNAMIC_DEFAULT_BROKER_CONFIG`;
//! * this BROKER by id: its configs (the playground's broker, group coordinator and
//!   transaction coordinator configs, where Kafka lists all of `KafkaConfig`'s), source
//!   `DYNAMIC_DEFAULT_BROKER_CONFIG` for a dynamic default, `STATIC_BROKER_CONFIG` for a
//!   value other than Kafka's default (set when the broker started), else
//!   `DEFAULT_CONFIG`; read-only unless dynamic. Another broker's id is INVALID_REQUEST
//!   "Unexpected broker id, expected N or empty string, but received M", as Kafka says.
//! * any other resource type: INVALID_REQUEST (the playground has no loggers, client
//!   metrics or group configs to describe).
//!
//! `keys` filters by name (none or empty: all).

use super::config::{BrokerConfig, BROKER_CONFIG_NAMES};
use super::BrokerNode;
use crate::engine::cluster::config_parts::{RESOURCE_BROKER, RESOURCE_TOPIC};
use crate::engine::cluster::messages::{ConfigResource, ConfigSource, DescribedConfig, DescribedConfigs};
use crate::engine::cluster::{Message, NodeId};
use crate::engine::controller::broker_configs::DYNAMIC_BROKER_CONFIG_NAMES;
use crate::engine::error::ErrorCode;
use crate::engine::group::coordinator::config::GROUP_COORDINATOR_CONFIG_NAMES;
use crate::engine::topic::{validate_topic_name, TopicConfig, TOPIC_CONFIG_NAMES};
use crate::engine::txn::coordinator::config::TRANSACTION_COORDINATOR_CONFIG_NAMES;
use std::collections::BTreeMap;

/// Every broker config name the playground's brokers take, in the order they are listed.
pub fn broker_config_names() -> impl Iterator<Item = &'static str> {
    BROKER_CONFIG_NAMES
        .iter()
        .chain(GROUP_COORDINATOR_CONFIG_NAMES.iter())
        .chain(TRANSACTION_COORDINATOR_CONFIG_NAMES.iter())
        .copied()
}

/// A broker config's current value by Kafka name, as Kafka prints it. The config's fields
/// are the names with `_` for `.` (checked for every name by a test below).
pub fn broker_config_value(config: &BrokerConfig, name: &str) -> Option<String> {
    let json = serde_json::to_value(config).ok()?;
    let field = name.replace('.', "_");
    [&json, &json["group"], &json["txn"]].iter().find_map(|o| match o.get(&field)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    })
}

fn wanted(resource: &ConfigResource, name: &str) -> bool {
    resource.keys.as_ref().is_none_or(|k| k.is_empty() || k.iter().any(|x| x == name))
}

fn refused(resource: &ConfigResource, error: ErrorCode, message: String) -> DescribedConfigs {
    DescribedConfigs {
        resource_type: resource.resource_type,
        name: resource.name.clone(),
        error: Some(error),
        message: Some(message),
        configs: Vec::new(),
    }
}

fn described(resource: &ConfigResource, configs: Vec<DescribedConfig>) -> DescribedConfigs {
    DescribedConfigs {
        resource_type: resource.resource_type,
        name: resource.name.clone(),
        error: None,
        message: None,
        configs,
    }
}

/// A topic's configs: its own over the defaults.
pub fn describe_topic(
    resource: &ConfigResource,
    topic_configs: Option<&[(String, String)]>,
) -> DescribedConfigs {
    if let Err(e) = validate_topic_name(&resource.name) {
        return refused(resource, e.code, e.to_string());
    }
    let Some(own) = topic_configs else {
        return refused(
            resource,
            ErrorCode::UnknownTopicOrPartition,
            "This server does not host this topic-partition.".into(),
        );
    };
    let effective =
        TopicConfig::from_pairs(own.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap_or_default();
    let configs = TOPIC_CONFIG_NAMES
        .iter()
        .filter(|n| wanted(resource, n))
        .filter_map(|n| {
            let source = if own.iter().any(|(k, _)| k == n) {
                ConfigSource::TopicConfig
            } else {
                ConfigSource::DefaultConfig
            };
            Some(DescribedConfig { name: n.to_string(), value: effective.get(n)?, source, read_only: false })
        })
        .collect();
    described(resource, configs)
}

/// The cluster-wide dynamic defaults (the empty name) or this broker's configs (its id).
pub fn describe_broker(
    resource: &ConfigResource,
    broker_id: NodeId,
    config: &BrokerConfig,
    dynamic_defaults: &BTreeMap<String, String>,
) -> DescribedConfigs {
    if resource.name.is_empty() {
        let configs = dynamic_defaults
            .iter()
            .filter(|(n, _)| wanted(resource, n))
            .map(|(n, v)| DescribedConfig {
                name: n.clone(),
                value: v.clone(),
                source: ConfigSource::DynamicDefaultBrokerConfig,
                read_only: false,
            })
            .collect();
        return described(resource, configs);
    }
    if resource.name.trim().parse::<NodeId>().ok() != Some(broker_id) {
        return refused(
            resource,
            ErrorCode::InvalidRequest,
            format!(
                "Unexpected broker id, expected {broker_id} or empty string, but received {}",
                resource.name
            ),
        );
    }
    let defaults = BrokerConfig { controller_id: config.controller_id, ..BrokerConfig::default() };
    let configs = broker_config_names()
        .filter(|n| wanted(resource, n))
        .filter_map(|n| {
            let value = broker_config_value(config, n)?;
            let source = if dynamic_defaults.contains_key(n) {
                ConfigSource::DynamicDefaultBrokerConfig
            } else if broker_config_value(&defaults, n).as_ref() != Some(&value) {
                ConfigSource::StaticBrokerConfig
            } else {
                ConfigSource::DefaultConfig
            };
            let read_only = !DYNAMIC_BROKER_CONFIG_NAMES.contains(&n);
            Some(DescribedConfig { name: n.to_string(), value, source, read_only })
        })
        .collect();
    described(resource, configs)
}

impl BrokerNode {
    pub(crate) fn handle_describe_configs(
        &mut self,
        from: NodeId,
        correlation_id: u64,
        resources: &[ConfigResource],
    ) {
        let results = resources
            .iter()
            .map(|r| match r.resource_type {
                RESOURCE_TOPIC => describe_topic(r, self.image.topics.get(&r.name).map(|t| t.configs.as_slice())),
                RESOURCE_BROKER => describe_broker(r, self.broker_id, &self.config, &self.image.broker_configs),
                other => refused(
                    r,
                    ErrorCode::InvalidRequest,
                    format!("the playground describes the configs of topics (2) and brokers (4), not of resource type {other}"),
                ),
            })
            .collect();
        self.send(from, Message::DescribeConfigsResponse { correlation_id, results });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(resource_type: i8, name: &str, keys: Option<Vec<&str>>) -> ConfigResource {
        ConfigResource {
            resource_type,
            name: name.into(),
            keys: keys.map(|k| k.into_iter().map(String::from).collect()),
        }
    }

    #[test]
    fn every_broker_config_name_has_a_value() {
        let c = BrokerConfig::default();
        for n in broker_config_names() {
            assert!(broker_config_value(&c, n).is_some(), "{n}");
        }
        // Kafka's defaults (KafkaConfig / ReplicationConfigs / GroupCoordinatorConfig).
        assert_eq!(broker_config_value(&c, "replica.lag.time.max.ms").as_deref(), Some("30000"));
        assert_eq!(broker_config_value(&c, "offsets.topic.num.partitions").as_deref(), Some("50"));
        assert_eq!(broker_config_value(&c, "transaction.state.log.num.partitions").as_deref(), Some("50"));
    }

    #[test]
    fn a_topic_lists_its_own_configs_over_the_defaults() {
        let own = vec![("retention.ms".to_string(), "60000".to_string())];
        let d = describe_topic(&resource(RESOURCE_TOPIC, "orders", None), Some(&own));
        assert_eq!(d.error, None);
        assert_eq!(d.configs.len(), TOPIC_CONFIG_NAMES.len());
        let get = |n: &str| d.configs.iter().find(|c| c.name == n).cloned().unwrap();
        assert_eq!(
            (get("retention.ms").value.as_str(), get("retention.ms").source),
            ("60000", ConfigSource::TopicConfig)
        );
        // LogConfig's defaults: 7 days, 1 GiB segments, delete.
        assert_eq!(
            (get("segment.bytes").value.as_str(), get("segment.bytes").source),
            ("1073741824", ConfigSource::DefaultConfig)
        );
        assert_eq!(get("cleanup.policy").value, "delete");
        let one =
            describe_topic(&resource(RESOURCE_TOPIC, "orders", Some(vec!["cleanup.policy"])), Some(&own));
        assert_eq!(one.configs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["cleanup.policy"]);
        assert_eq!(
            describe_topic(&resource(RESOURCE_TOPIC, "nope", None), None).error,
            Some(ErrorCode::UnknownTopicOrPartition)
        );
        assert_eq!(
            describe_topic(&resource(RESOURCE_TOPIC, "", None), None).error,
            Some(ErrorCode::InvalidTopicException)
        );
    }

    #[test]
    fn brokers_answer_for_themselves_and_the_cluster_default() {
        let config = BrokerConfig { replica_lag_time_max_ms: 10_000, ..BrokerConfig::default() };
        let dynamic = BTreeMap::from([("log.cleaner.backoff.ms".to_string(), "5000".to_string())]);
        let cluster = describe_broker(&resource(RESOURCE_BROKER, "", None), 2, &config, &dynamic);
        assert_eq!(cluster.configs.len(), 1);
        assert_eq!(cluster.configs[0].source, ConfigSource::DynamicDefaultBrokerConfig);
        let own = describe_broker(&resource(RESOURCE_BROKER, "2", None), 2, &config, &dynamic);
        let get = |n: &str| own.configs.iter().find(|c| c.name == n).cloned().unwrap();
        assert_eq!(get("replica.lag.time.max.ms").source, ConfigSource::StaticBrokerConfig);
        assert!(get("replica.lag.time.max.ms").read_only);
        assert_eq!(get("replica.fetch.max.bytes").source, ConfigSource::DefaultConfig);
        assert_eq!(get("log.cleaner.backoff.ms").source, ConfigSource::DynamicDefaultBrokerConfig);
        assert!(!get("log.cleaner.backoff.ms").read_only);
        let other = describe_broker(&resource(RESOURCE_BROKER, "3", None), 2, &config, &dynamic);
        assert_eq!(other.error, Some(ErrorCode::InvalidRequest));
        assert_eq!(
            other.message.as_deref(),
            Some("Unexpected broker id, expected 2 or empty string, but received 3")
        );
    }
}

//! The parts of DescribeConfigs' messages ([`super::messages::Message`]), named as Kafka's
//! `DescribeConfigsRequestData.DescribeConfigsResource` and
//! `DescribeConfigsResponseData.DescribeConfigsResult` / `DescribeConfigsResourceResult`
//! name them, with `ConfigResource.Type` and `DescribeConfigsResponse.ConfigSource` ids.

use crate::engine::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// `ConfigResource.Type.TOPIC`.
pub const RESOURCE_TOPIC: i8 = 2;
/// `ConfigResource.Type.BROKER`.
pub const RESOURCE_BROKER: i8 = 4;

/// `DescribeConfigsResponse.ConfigSource`: where a config's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConfigSource {
    /// `TOPIC_CONFIG` (1): set on the topic.
    TopicConfig,
    /// `DYNAMIC_DEFAULT_BROKER_CONFIG` (3): set for every broker at run time.
    DynamicDefaultBrokerConfig,
    /// `STATIC_BROKER_CONFIG` (4): the broker's configuration when it started.
    StaticBrokerConfig,
    /// `DEFAULT_CONFIG` (5): Kafka's default.
    DefaultConfig,
}

impl ConfigSource {
    /// The id on the wire.
    pub fn id(self) -> i8 {
        match self {
            ConfigSource::TopicConfig => 1,
            ConfigSource::DynamicDefaultBrokerConfig => 3,
            ConfigSource::StaticBrokerConfig => 4,
            ConfigSource::DefaultConfig => 5,
        }
    }
}

/// One resource asked about; `keys` `None` (or empty): every config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigResource {
    pub resource_type: i8,
    pub name: String,
    pub keys: Option<Vec<String>>,
}

/// One config of a described resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedConfig {
    pub name: String,
    pub value: String,
    pub source: ConfigSource,
    pub read_only: bool,
}

/// A resource's configs, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedConfigs {
    pub resource_type: i8,
    pub name: String,
    pub error: Option<ErrorCode>,
    pub message: Option<String>,
    pub configs: Vec<DescribedConfig>,
}

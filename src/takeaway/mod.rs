//! Code a learner can take away (issue #14 point 5): what an action of the page (create a
//! topic, produce, consume in a group, commit, change a config …) looks like as a program
//! for the lecture's client, `confluent_kafka` (Python, librdkafka), and for the Java
//! client, with the settings the learner chose written out.
//!
//! Where librdkafka's defaults differ from the Java client's (the page's producer follows
//! the Java client, Kafka 4.0), the Python code sets them explicitly so it behaves as the
//! page did: `enable.idempotence` (librdkafka: false), `partitioner` (librdkafka:
//! `consistent_random`, CRC-32; Java: murmur2 for keys). What a client cannot express is
//! said in a comment instead of being dropped silently (librdkafka has no eager `sticky`
//! assignor; Java has none of librdkafka's partitioners). Settings that exist only in the
//! playground (`playground.*`) are left out, with a comment.
//!
//! Pure functions over typed actions: no DOM, compiled natively so the Python it writes is
//! run against `serve` with the real `confluent_kafka` in the test command.

mod java;
mod literal;
mod python;

use crate::engine::cluster::command::{CreateTopicCommand, ProduceCommand};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The lecture's address (`localhost:9092`), what `serve` listens on by default.
pub const DEFAULT_BOOTSTRAP: &str = "localhost:9092";

/// The languages the code is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Python,
    Java,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Python, Language::Java];

    pub fn label(self) -> &'static str {
        match self {
            Language::Python => "Python (confluent_kafka)",
            Language::Java => "Java (kafka-clients)",
        }
    }
}

/// A producer's settings as its card shows them (the running producer's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSettings {
    pub client_id: String,
    /// `all`, `1` or `0`.
    pub acks: String,
    pub linger_ms: i64,
    pub batch_size: u32,
    pub compression_type: String,
    pub enable_idempotence: bool,
    pub max_in_flight_requests_per_connection: u32,
    /// The engine's partitioner name: `built_in` (Java's) or one of librdkafka's.
    pub partitioner: String,
}

/// One action of the page (as JSON for `kafka-playground code`: `{"produce": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    CreateTopic(CreateTopicCommand),
    DeleteTopic {
        topic: String,
    },
    CreatePartitions {
        topic: String,
        count: i64,
    },
    /// The log of the partition starts at `offset` (-1: the high watermark).
    DeleteRecords {
        topic: String,
        partition: u32,
        offset: i64,
    },
    /// Cluster-wide dynamic broker configs (`IncrementalAlterConfigs`, SET).
    AlterBrokerConfigs {
        configs: BTreeMap<String, String>,
    },
    /// `count` records through a producer; `first_number` is the producer's running record
    /// number the first of them gets (`{i}` in key and value).
    Produce {
        producer: ProducerSettings,
        command: ProduceCommand,
        first_number: u64,
    },
    /// A consumer in a group: subscribe, poll, process, commit after processing.
    ConsumeInGroup {
        configs: BTreeMap<String, String>,
        topics: Vec<String>,
    },
}

/// The program for `action` in `language`, talking to `bootstrap` (`host:port,…`).
pub fn code(action: &Action, language: Language, bootstrap: &str) -> String {
    match language {
        Language::Python => python::code(action, bootstrap),
        Language::Java => java::code(action, bootstrap),
    }
}

/// The Java client's assignor class for one of the engine's assignor names.
fn java_assignor(name: &str) -> Option<&'static str> {
    Some(match name.trim() {
        "range" => "org.apache.kafka.clients.consumer.RangeAssignor",
        "roundrobin" => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
        "sticky" => "org.apache.kafka.clients.consumer.StickyAssignor",
        "cooperative-sticky" => "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        _ => return None,
    })
}

/// The engine's assignor name for a Java class name or a short name.
fn short_assignor(name: &str) -> &str {
    let name = name.trim();
    name.strip_prefix("org.apache.kafka.clients.consumer.")
        .map(|class| match class {
            "RangeAssignor" => "range",
            "RoundRobinAssignor" => "roundrobin",
            "StickyAssignor" => "sticky",
            "CooperativeStickyAssignor" => "cooperative-sticky",
            _ => name,
        })
        .unwrap_or(name)
}

/// Whether a setting exists only in the playground.
fn playground_only(name: &str) -> bool {
    name.starts_with("playground.")
}

#[cfg(test)]
mod tests;

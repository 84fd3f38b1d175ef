//! Every config the page and scenario files accept either acts as in Kafka or is refused
//! with Kafka's error. [`TABLE`] lists every accepted name with its evidence: a test here
//! (in `tests/configs_act/`) that runs with a non-default value and checks the
//! difference Kafka documents, a test elsewhere that does the same, a reason it is
//! display-only, or the branch that makes it act. The completeness tests check that the
//! table holds exactly the names each parser accepts, and that every named test exists.
#![cfg(not(target_arch = "wasm32"))]

#[path = "configs_act/cleaning.rs"]
mod cleaning;
#[path = "configs_act/cluster.rs"]
mod cluster;
#[path = "configs_act/consumer.rs"]
mod consumer;
#[path = "configs_act/harness.rs"]
mod harness;
#[path = "configs_act/producer.rs"]
mod producer;

use kafka_playground::engine::client::consumer::ConsumerConfig;
use kafka_playground::engine::client::producer::ProducerConfig;
use kafka_playground::engine::controller::config::CONTROLLER_CONFIG_NAMES;
use kafka_playground::engine::controller::ControllerConfig;
use kafka_playground::engine::group::coordinator::config::GROUP_COORDINATOR_CONFIG_NAMES;
use kafka_playground::engine::replica::config::{BrokerConfig, BROKER_CONFIG_NAMES};
use kafka_playground::engine::topic::{TopicConfig, TOPIC_CONFIG_NAMES};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Producer,
    Consumer,
    Topic,
    /// A replicated broker's own configs and its group coordinator's (`cluster.configs`).
    Broker,
    /// The controller's (`cluster.configs`).
    Controller,
}

#[derive(Debug)]
enum Evidence {
    /// A test in `tests/configs_act/<file>.rs`.
    Here(&'static str, &'static str),
    /// A test in `tests/<file>.rs` that runs with a non-default value.
    Elsewhere(&'static str, &'static str),
    /// The value changes what the page and timeline show, not what Kafka does (no such
    /// config today; kept so one can be listed honestly).
    #[allow(dead_code)]
    DisplayOnly(&'static str),
}

use Evidence::*;
use Owner::*;

const TABLE: &[(Owner, &str, Evidence)] = &[
    (Producer, "acks", Here("producer", "acks")),
    (Producer, "linger.ms", Here("producer", "linger_ms")),
    (Producer, "batch.size", Here("producer", "batch_size")),
    (Producer, "compression.type", Here("producer", "compression_type")),
    (Producer, "retries", Here("producer", "retries")),
    (Producer, "retry.backoff.ms", Here("producer", "retry_backoff_ms")),
    (Producer, "retry.backoff.max.ms", Here("producer", "retry_backoff_max_ms")),
    (Producer, "delivery.timeout.ms", Here("producer", "delivery_timeout_ms")),
    (Producer, "request.timeout.ms", Here("producer", "request_timeout_ms")),
    (Producer, "enable.idempotence", Here("producer", "enable_idempotence")),
    (
        Producer,
        "max.in.flight.requests.per.connection",
        Here("producer", "max_in_flight_requests_per_connection"),
    ),
    (Producer, "partitioner", Here("producer", "partitioner")),
    (Producer, "bootstrap.servers", Here("producer", "bootstrap_servers")),
    (
        Producer,
        "transactional.id",
        Elsewhere("txn_client", "transactional_id_and_transaction_timeout_ms_act"),
    ),
    (
        Producer,
        "transaction.timeout.ms",
        Elsewhere("txn_client", "transactional_id_and_transaction_timeout_ms_act"),
    ),
    (Consumer, "group.id", Here("consumer", "group_id")),
    (
        Consumer,
        "group.instance.id",
        Elsewhere("consumer_groups", "a_static_member_restarting_within_its_session_causes_no_rebalance"),
    ),
    (Consumer, "client.id", Here("consumer", "client_id")),
    (Consumer, "session.timeout.ms", Here("consumer", "session_timeout_ms")),
    (Consumer, "heartbeat.interval.ms", Here("consumer", "heartbeat_interval_ms")),
    (Consumer, "max.poll.interval.ms", Here("consumer", "max_poll_interval_ms")),
    (Consumer, "max.poll.records", Here("consumer", "max_poll_records")),
    (Consumer, "auto.offset.reset", Here("consumer", "auto_offset_reset")),
    (Consumer, "enable.auto.commit", Here("consumer", "enable_auto_commit")),
    (Consumer, "auto.commit.interval.ms", Here("consumer", "auto_commit_interval_ms")),
    (Consumer, "partition.assignment.strategy", Here("consumer", "partition_assignment_strategy")),
    (Consumer, "fetch.max.wait.ms", Here("consumer", "fetch_max_wait_ms")),
    (Consumer, "isolation.level", Here("consumer", "isolation_level")),
    (Consumer, "fetch.max.bytes", Here("consumer", "fetch_max_bytes")),
    (Consumer, "request.timeout.ms", Here("consumer", "request_timeout_ms")),
    (Consumer, "retry.backoff.ms", Here("consumer", "retry_backoff_ms")),
    (Consumer, "metadata.max.age.ms", Here("consumer", "metadata_max_age_ms")),
    (Consumer, "bootstrap.servers", Here("consumer", "bootstrap_servers")),
    (Consumer, "playground.processing.time.per.record.ms", Here("consumer", "max_poll_interval_ms")),
    (
        Consumer,
        "playground.commit.sync",
        Elsewhere("delivery_semantics", "at_most_once_loses_what_was_committed_but_not_processed"),
    ),
    (Topic, "segment.bytes", Here("cluster", "segment_bytes")),
    (Topic, "segment.ms", Elsewhere("partition_log", "segments_roll_by_time")),
    (Topic, "segment.jitter.ms", Here("cluster", "segment_jitter_ms")),
    (Topic, "retention.ms", Here("cleaning", "retention_ms")),
    (Topic, "retention.bytes", Here("cleaning", "retention_bytes")),
    (Topic, "cleanup.policy", Here("cleaning", "cleanup_policy")),
    (
        Topic,
        "min.cleanable.dirty.ratio",
        Elsewhere("compaction_replicas", "min_compaction_lag_and_the_dirty_ratio_hold_cleaning_back"),
    ),
    (
        Topic,
        "min.compaction.lag.ms",
        Elsewhere("compaction_replicas", "min_compaction_lag_and_the_dirty_ratio_hold_cleaning_back"),
    ),
    (
        Topic,
        "delete.retention.ms",
        Elsewhere("compaction_replicas", "a_tombstone_goes_once_delete_retention_ms_has_passed"),
    ),
    (
        Topic,
        "index.interval.bytes",
        Elsewhere("partition_log", "segments_roll_by_bytes_and_the_first_append_never_indexes"),
    ),
    (Topic, "segment.index.bytes", Here("cluster", "segment_index_bytes")),
    (Topic, "max.message.bytes", Here("cluster", "max_message_bytes")),
    (Topic, "message.timestamp.type", Elsewhere("partition_log", "log_append_time_overrides_timestamps")),
    (
        Topic,
        "min.insync.replicas",
        Elsewhere("cluster_scenarios", "not_enough_replicas_refuses_writes_until_a_follower_returns"),
    ),
    (
        Topic,
        "unclean.leader.election.enable",
        Elsewhere("cluster_scenarios", "unclean_election_loses_data_clean_election_waits"),
    ),
    (Broker, "replica.lag.time.max.ms", Here("cluster", "replica_lag_time_max_ms")),
    (Broker, "replica.fetch.wait.max.ms", Here("cluster", "replica_fetch_wait_max_ms")),
    (Broker, "replica.fetch.max.bytes", Here("cluster", "replica_fetch_max_bytes")),
    (Broker, "replica.fetch.backoff.ms", Here("cluster", "replica_fetch_backoff_ms")),
    (Broker, "replica.socket.timeout.ms", Here("cluster", "replica_socket_timeout_ms")),
    (Broker, "broker.heartbeat.interval.ms", Here("cluster", "broker_heartbeat_interval_ms")),
    (Broker, "controller.socket.timeout.ms", Here("cluster", "controller_socket_timeout_ms")),
    (Broker, "log.retention.check.interval.ms", Here("cleaning", "log_retention_check_interval_ms")),
    (Broker, "log.cleaner.backoff.ms", Here("cleaning", "log_cleaner_backoff_ms")),
    (
        Broker,
        "producer.id.expiration.ms",
        Elsewhere("idempotent_log", "producer_id_expiration_forgets_idle_producers_at_the_check"),
    ),
    (
        Broker,
        "producer.id.expiration.check.interval.ms",
        Elsewhere("idempotent_log", "producer_id_expiration_forgets_idle_producers_at_the_check"),
    ),
    (Broker, "offsets.topic.num.partitions", Here("cluster", "offsets_topic_num_partitions")),
    (Broker, "offsets.topic.replication.factor", Here("cluster", "offsets_topic_replication_factor")),
    (Broker, "offsets.topic.segment.bytes", Here("cluster", "offsets_topic_segment_bytes")),
    (Broker, "offsets.commit.timeout.ms", Here("cluster", "offsets_commit_timeout_ms")),
    (Broker, "group.initial.rebalance.delay.ms", Here("cluster", "group_initial_rebalance_delay_ms")),
    (Broker, "group.min.session.timeout.ms", Here("cluster", "group_min_session_timeout_ms")),
    (Broker, "group.max.session.timeout.ms", Here("cluster", "group_max_session_timeout_ms")),
    (Broker, "group.max.size", Here("cluster", "group_max_size")),
    (Controller, "broker.session.timeout.ms", Here("cluster", "broker_session_timeout_ms")),
    (
        Controller,
        "default.replication.factor",
        Here("cluster", "default_replication_factor_and_num_partitions"),
    ),
    (Controller, "num.partitions", Here("cluster", "default_replication_factor_and_num_partitions")),
    (Controller, "min.insync.replicas", Here("cluster", "cluster_min_insync_replicas")),
    (Controller, "unclean.leader.election.enable", Here("cluster", "cluster_unclean_leader_election_enable")),
    (
        Controller,
        "delete.topic.enable",
        Elsewhere("delete_topic", "kafkas_errors_unknown_topic_disabled_deletion_internal_topic"),
    ),
];

/// Names of Kafka configs the playground does not implement, which every parser must
/// refuse rather than accept and ignore.
const NOT_IMPLEMENTED: [&str; 9] = [
    "compression.gzip.level",
    "buffer.memory",
    "fetch.min.bytes",
    "max.partition.fetch.bytes",
    "log.retention.ms",
    "num.network.threads",
    "replica.fetch.min.bytes",
    "max.compaction.lag.ms",
    "seed",
];

fn names(owner: Owner) -> BTreeSet<&'static str> {
    TABLE.iter().filter(|(o, _, _)| *o == owner).map(|(_, n, _)| *n).collect()
}

/// Whether `owner`'s parser accepts `name` (with some value): refusals of the value say
/// so, refusals of the name say "Unknown"/"unknown".
fn accepts(owner: Owner, name: &str) -> bool {
    let unknown = |message: String| message.to_lowercase().contains("unknown");
    let tries = ["1000", "1800000", "true", "all", "earliest", "range", "CreateTime", "delete", "g", "1"];
    tries.iter().any(|v| match owner {
        Producer => ProducerConfig::from_pairs([(name, *v)]).is_ok(),
        Consumer => ConsumerConfig::from_pairs([(name, *v), ("session.timeout.ms", "45000")]).is_ok(),
        Topic => TopicConfig::from_pairs([(name, *v)]).is_ok(),
        Broker => BrokerConfig::from_pairs([(name, *v)]).is_ok(),
        // `seed` is the driver's own key, refused in scenario files (tested below).
        Controller => ControllerConfig::from_pairs([(name, *v)]).is_ok() && name != "seed",
    }) || match owner {
        Producer => ProducerConfig::from_pairs([(name, "x")]).is_err_and(|e| !unknown(e.message)),
        Consumer => ConsumerConfig::from_pairs([(name, "x")]).is_err_and(|e| !unknown(e.message)),
        _ => false,
    }
}

#[test]
fn the_table_lists_exactly_the_accepted_names() {
    assert_eq!(names(Topic), TOPIC_CONFIG_NAMES.into_iter().collect());
    let broker: BTreeSet<&str> =
        BROKER_CONFIG_NAMES.into_iter().chain(GROUP_COORDINATOR_CONFIG_NAMES).collect();
    assert_eq!(names(Broker), broker);
    for (owner, name, _) in TABLE {
        assert!(accepts(*owner, name), "{owner:?} does not accept {name}");
    }
    for owner in [Producer, Consumer, Topic, Broker, Controller] {
        for name in NOT_IMPLEMENTED {
            assert!(
                !accepts(owner, name),
                "{owner:?} accepts {name}, which the playground does not implement"
            );
        }
    }
    assert_eq!(names(Producer).len(), 15);
    assert_eq!(names(Consumer).len(), 20);
    assert_eq!(names(Controller), CONTROLLER_CONFIG_NAMES.into_iter().collect());
}

#[test]
fn every_named_test_exists_and_every_entry_says_why() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for (owner, name, evidence) in TABLE {
        let (path, test) = match evidence {
            Here(file, test) => (format!("{dir}/tests/configs_act/{file}.rs"), *test),
            Elsewhere(file, test) => (format!("{dir}/tests/{file}.rs"), *test),
            DisplayOnly(why) => {
                assert!(why.len() > 20, "{owner:?} {name}: say why");
                continue;
            }
        };
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(text.contains(&format!("fn {test}()")), "{owner:?} {name}: no test {test} in {path}");
    }
}

#[test]
fn a_scenario_refuses_the_controllers_seed_the_run_has_its_own() {
    let mut s = harness::base();
    s["cluster"]["configs"]["seed"] = serde_json::json!("5");
    let e = kafka_playground::sim::scenario::Scenario::parse(&s.to_string()).unwrap_err();
    assert_eq!(e.field, "cluster.configs.seed", "{e}");
}

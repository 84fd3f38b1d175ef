//! `serve`'s command line: what it refuses, with Kafka's words for configs
//! (`ConfigDef`'s boolean and range messages), before any port is opened; and the
//! cluster it builds by default (num.partitions 3, as the lecture's setup).
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::cli::serve::{parse_args, scenario};

fn refused(line: &str) -> String {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let mut out = Vec::new();
    let e = kafka_playground::cli::run(&args, &mut out).unwrap_err();
    assert_eq!(e.code, 2, "{line}: a usage error");
    assert!(out.is_empty(), "{line}: nothing printed, no listener opened");
    e.message
}

#[test]
fn bad_arguments_are_refused_with_what_is_wrong() {
    assert_eq!(refused("serve --brokers 0"), "--brokers: \"0\" is not a number from 1 to 9");
    assert_eq!(refused("serve --brokers 10"), "--brokers: \"10\" is not a number from 1 to 9");
    assert_eq!(
        refused("serve --config auto.create.topics.enable=maybe"),
        "Invalid value maybe for configuration auto.create.topics.enable: Expected value to be either true or false"
    );
    assert!(refused("serve --config num.partitions=0")
        .ends_with("Invalid value 0 for configuration num.partitions: Value must be at least 1"));
    assert!(refused("serve --config no.such.config=1").contains("unknown broker config no.such.config"));
    assert_eq!(refused("serve --port 65535 --brokers 2"), "--port: 2 brokers do not fit above port 65535");
    assert_eq!(refused("serve --port"), "--port needs a value");
}

#[test]
fn defaults_follow_the_lecture_setup_and_configs_override_them() {
    let args =
        |line: &str| parse_args(&line.split_whitespace().map(String::from).collect::<Vec<_>>()).unwrap();
    let (s, auto_create) = scenario(&args("--brokers 3")).unwrap();
    assert!(auto_create, "auto.create.topics.enable defaults to true, as in Kafka");
    assert_eq!(s.cluster.brokers, 3);
    assert_eq!(s.cluster.configs.get("num.partitions").map(String::as_str), Some("3"));
    assert_eq!(s.cluster.configs.get("offsets.topic.replication.factor").map(String::as_str), Some("3"));
    let config =
        |s: &kafka_playground::sim::scenario::Scenario, name: &str| s.cluster.configs.get(name).cloned();
    assert_eq!(config(&s, "transaction.state.log.replication.factor").as_deref(), Some("3"));
    assert_eq!(config(&s, "transaction.state.log.min.isr").as_deref(), Some("2"));
    let (one, _) = scenario(&args("--brokers 1")).unwrap();
    // Kafka's shipped single-node server.properties: both 1.
    assert_eq!(config(&one, "transaction.state.log.replication.factor").as_deref(), Some("1"));
    assert_eq!(config(&one, "transaction.state.log.min.isr").as_deref(), Some("1"));
    let (s, auto_create) =
        scenario(&args("--config num.partitions=1 --config auto.create.topics.enable=false")).unwrap();
    assert!(!auto_create);
    assert_eq!(s.cluster.configs.get("num.partitions").map(String::as_str), Some("1"));
    assert_eq!(s.cluster.configs.get("offsets.topic.replication.factor").map(String::as_str), Some("1"));
    let parsed = args("--port 19092 --advertised-host kafka.local");
    assert_eq!((parsed.port, parsed.advertised_host.as_str()), (19092, "kafka.local"));
}

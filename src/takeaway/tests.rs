//! The programs' shape against the clients' rules: every setting is one the client knows
//! (Kafka's `ProducerConfig`/`ConsumerConfig` names, librdkafka's CONFIGURATION.md), the
//! partitioner and assignor names are the ones each client accepts, and templates become
//! the expressions Python and Java evaluate to the engine's record text. The Python is also
//! run against `serve` with the real confluent_kafka (tests/serve/takeaway.py).

use super::literal::{java_expr, java_str, py_expr, py_str};
use super::*;

fn settings() -> ProducerSettings {
    ProducerSettings {
        client_id: "p1".into(),
        acks: "all".into(),
        linger_ms: 5,
        batch_size: 16384,
        compression_type: "none".into(),
        enable_idempotence: true,
        max_in_flight_requests_per_connection: 5,
        partitioner: "built_in".into(),
    }
}

#[test]
fn literals_escape_what_each_grammar_needs() {
    assert_eq!(py_str("it's \\ \n"), "'it\\'s \\\\ \\n'");
    assert_eq!(java_str("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
    assert_eq!(py_expr("v-{i}"), "f'v-{i}'");
    assert_eq!(py_expr("{x}-{i}"), "f'{{x}}-{i}'");
    assert_eq!(py_expr("{i:bytes}"), "bytes(i)");
    assert_eq!(py_expr("k{i:bytes}"), "'k'.encode() + bytes(i)");
    assert_eq!(py_expr("plain"), "'plain'");
    assert_eq!(java_expr("v-{i}"), "\"v-\" + i");
    assert_eq!(java_expr("{i}"), "\"\" + i");
    assert_eq!(java_expr("{i:bytes}"), "new byte[i]");
}

#[test]
fn python_producer_sets_what_librdkafka_defaults_differently() {
    let command = ProduceCommand {
        count: 3,
        headers: vec![],
        key: Some("{i:bytes}".into()),
        partition: None,
        partitioner: None,
        topic: "some_topic".into(),
        value: "v-{i}".into(),
    };
    let code = code(
        &Action::Produce { producer: settings(), command, first_number: 2 },
        Language::Python,
        "localhost:9092",
    );
    assert!(code.contains("'enable.idempotence': True"), "{code}");
    assert!(code.contains("'partitioner': 'murmur2_random'"), "{code}");
    assert!(code.contains("for i in range(2, 5):"), "{code}");
    assert!(code.contains("key=bytes(i), value=f'v-{i}'"), "{code}");
    let java = super::code(
        &Action::Produce {
            producer: settings(),
            command: ProduceCommand { key: None, ..command_t() },
            first_number: 0,
        },
        Language::Java,
        "localhost:9092",
    );
    assert!(java.contains("new ProducerRecord<>(\"t\", null, null, \"v-\" + i)"), "{java}");
    assert!(java.contains("StringSerializer"), "{java}");
}

fn command_t() -> ProduceCommand {
    ProduceCommand {
        count: 1,
        headers: vec![],
        key: None,
        partition: None,
        partitioner: None,
        topic: "t".into(),
        value: "v-{i}".into(),
    }
}

#[test]
fn consumer_assignors_are_named_as_each_client_names_them() {
    let configs = BTreeMap::from([
        ("group.id".to_string(), "g".to_string()),
        ("partition.assignment.strategy".to_string(), "sticky,range".to_string()),
        ("playground.processing.time.per.record.ms".to_string(), "10".to_string()),
    ]);
    let action = Action::ConsumeInGroup { configs, topics: vec!["t".into()] };
    let py = code(&action, Language::Python, DEFAULT_BOOTSTRAP);
    assert!(py.contains("'partition.assignment.strategy': 'range'"), "{py}");
    assert!(py.contains("no eager 'sticky' assignor"), "{py}");
    assert!(!py.contains("'playground."), "{py}");
    let java = code(&action, Language::Java, DEFAULT_BOOTSTRAP);
    assert!(
        java.contains("org.apache.kafka.clients.consumer.StickyAssignor,org.apache.kafka.clients.consumer.RangeAssignor"),
        "{java}"
    );
}

/// Kafka's own config names (tests/vectors/java_client_config_names.txt, from ProducerConfig,
/// ConsumerConfig and CommonClientConfigs).
fn java_names() -> Vec<&'static str> {
    include_str!("../../tests/vectors/java_client_config_names.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

#[test]
fn every_java_setting_is_a_java_client_config() {
    let names = java_names();
    let consumer = BTreeMap::from(
        [
            ("group.id", "g"),
            ("group.instance.id", "c1"),
            ("client.id", "c1"),
            ("session.timeout.ms", "45000"),
            ("heartbeat.interval.ms", "3000"),
            ("max.poll.interval.ms", "300000"),
            ("max.poll.records", "500"),
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
            ("auto.commit.interval.ms", "5000"),
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("fetch.max.wait.ms", "500"),
            ("fetch.max.bytes", "52428800"),
            ("request.timeout.ms", "30000"),
            ("retry.backoff.ms", "100"),
            ("metadata.max.age.ms", "300000"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let programs = [
        code(
            &Action::Produce { producer: settings(), command: command_t(), first_number: 0 },
            Language::Java,
            "h:1",
        ),
        code(&Action::ConsumeInGroup { configs: consumer, topics: vec!["t".into()] }, Language::Java, "h:1"),
    ];
    for program in &programs {
        let mut seen = 0;
        for line in program.lines().filter(|l| l.trim_start().starts_with("props.put(\"")) {
            let name = line.trim_start().trim_start_matches("props.put(\"").split('"').next().unwrap_or("");
            assert!(names.contains(&name), "{name} is not a Java client config:\n{program}");
            seen += 1;
        }
        assert!(seen >= 10, "{program}");
    }
}

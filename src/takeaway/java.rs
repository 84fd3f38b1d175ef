//! The actions as Java programs for the Java client (`kafka-clients`): `KafkaProducer`,
//! `KafkaConsumer` and `Admin` with the settings by Kafka's names. Each program is one
//! class with a `main`, waiting for Kafka's answer (`flush()`, `all().get()`).

use super::literal::{has_bytes, java_expr, java_str};
use super::{java_assignor, playground_only, short_assignor, Action, ProducerSettings};
use crate::engine::cluster::command::{CreateTopicCommand, ProduceCommand};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn code(action: &Action, bootstrap: &str) -> String {
    match action {
        Action::CreateTopic(c) => admin(bootstrap, &create_topic(c)),
        Action::DeleteTopic { topic } => {
            admin(bootstrap, &format!("admin.deleteTopics(List.of({})).all().get();", java_str(topic)))
        }
        Action::CreatePartitions { topic, count } => admin(
            bootstrap,
            &format!(
                "admin.createPartitions(Map.of({}, NewPartitions.increaseTo({count}))).all().get();",
                java_str(topic)
            ),
        ),
        Action::DeleteRecords { topic, partition, offset } => {
            let note = if *offset < 0 { " // -1: up to the high watermark" } else { "" };
            admin(
                bootstrap,
                &format!(
                    "admin.deleteRecords(Map.of(new TopicPartition({}, {partition}), RecordsToDelete.beforeOffset({offset}L))).all().get();{note}",
                    java_str(topic)
                ),
            )
        }
        Action::AlterBrokerConfigs { configs } => {
            let ops: Vec<String> = configs
                .iter()
                .map(|(k, v)| {
                    format!(
                        "new AlterConfigOp(new ConfigEntry({}, {}), AlterConfigOp.OpType.SET)",
                        java_str(k),
                        java_str(v)
                    )
                })
                .collect();
            admin(
                bootstrap,
                &format!(
                    "// The empty name is the cluster-wide default of every broker.\n        ConfigResource brokers = new ConfigResource(ConfigResource.Type.BROKER, \"\");\n        admin.incrementalAlterConfigs(Map.of(brokers, List.of(\n            {}))).all().get();",
                    ops.join(",\n            ")
                ),
            )
        }
        Action::Produce { producer, command, first_number } => {
            produce(producer, command, *first_number, bootstrap)
        }
        Action::ConsumeInGroup { configs, topics } => consume(configs, topics, bootstrap),
    }
}

fn class(imports: &[&str], name: &str, body: &str) -> String {
    let imports: String = imports.iter().map(|i| format!("import {i};\n")).collect();
    format!("{imports}\npublic class {name} {{\n    public static void main(String[] args) throws Exception {{\n{body}    }}\n}}\n")
}

fn admin(bootstrap: &str, call: &str) -> String {
    let body = format!(
        "        Properties props = new Properties();\n        props.put(\"bootstrap.servers\", {});\n        try (Admin admin = Admin.create(props)) {{\n            {}\n        }}\n",
        java_str(bootstrap),
        call.replace("\n        ", "\n            ")
    );
    class(
        &[
            "org.apache.kafka.clients.admin.*",
            "org.apache.kafka.common.TopicPartition",
            "org.apache.kafka.common.config.ConfigResource",
            "java.util.*",
        ],
        "AdminAction",
        &body,
    )
}

fn create_topic(c: &CreateTopicCommand) -> String {
    let mut topic = match &c.replica_assignment {
        Some(assignment) => {
            let rows: Vec<String> = assignment
                .iter()
                .enumerate()
                .map(|(p, r)| {
                    format!(
                        "{p}, List.of({})",
                        r.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            format!("new NewTopic({}, Map.of({}))", java_str(&c.name), rows.join(", "))
        }
        None => {
            let partitions = if c.partitions >= 0 {
                format!("Optional.of({})", c.partitions)
            } else {
                "Optional.empty()".into()
            };
            let factor = if c.replication_factor >= 0 {
                format!("Optional.of((short) {})", c.replication_factor)
            } else {
                "Optional.empty()".into()
            };
            format!("new NewTopic({}, {partitions}, {factor})", java_str(&c.name))
        }
    };
    if !c.configs.is_empty() {
        let pairs: Vec<String> =
            c.configs.iter().map(|(k, v)| format!("{}, {}", java_str(k), java_str(v))).collect();
        let _ = write!(topic, ".configs(Map.of({}))", pairs.join(", "));
    }
    format!("admin.createTopics(List.of({topic})).all().get();")
}

/// Why the Java program has no `partitioner.class` for the engine's partitioner.
fn partitioner_note(name: &str) -> String {
    match name {
        "built_in" => "        // The built-in partitioner: murmur2 of the key, a sticky partition for null keys.\n".into(),
        "murmur2" | "murmur2_random" => format!("        // librdkafka's {name} hashes keys as the Java client's built-in partitioner does.\n"),
        other => format!("        // librdkafka's '{other}' partitioner has no Java equivalent: the Java client hashes keys with murmur2.\n"),
    }
}

fn serializer(bytes: bool) -> (&'static str, &'static str) {
    if bytes {
        ("byte[]", "org.apache.kafka.common.serialization.ByteArraySerializer")
    } else {
        ("String", "org.apache.kafka.common.serialization.StringSerializer")
    }
}

fn produce(p: &ProducerSettings, c: &ProduceCommand, first: u64, bootstrap: &str) -> String {
    let key_bytes = c.key.as_deref().map(has_bytes).unwrap_or(false);
    let (key_type, key_ser) = serializer(key_bytes);
    let (value_type, value_ser) = serializer(has_bytes(&c.value));
    let mut b = String::from("        Properties props = new Properties();\n");
    let mut put = |k: &str, v: String| {
        let _ = writeln!(b, "        props.put({}, {v});", java_str(k));
    };
    put("bootstrap.servers", java_str(bootstrap));
    put("client.id", java_str(&p.client_id));
    put("acks", java_str(&p.acks));
    put("enable.idempotence", java_str(&p.enable_idempotence.to_string()));
    put(
        "max.in.flight.requests.per.connection",
        java_str(&p.max_in_flight_requests_per_connection.to_string()),
    );
    put("linger.ms", java_str(&p.linger_ms.to_string()));
    put("batch.size", java_str(&p.batch_size.to_string()));
    put("compression.type", java_str(&p.compression_type));
    put("key.serializer", java_str(key_ser));
    put("value.serializer", java_str(value_ser));
    b.push_str(&partitioner_note(c.partitioner.as_deref().unwrap_or(&p.partitioner)));
    let _ = writeln!(
        b,
        "        try (Producer<{key_type}, {value_type}> producer = new KafkaProducer<>(props)) {{"
    );
    let _ = writeln!(b, "            for (int i = {first}; i < {}; i++) {{", first + c.count);
    let key = c.key.as_deref().map(java_expr).unwrap_or("null".into());
    let partition = c.partition.map(|p| p.to_string()).unwrap_or("null".into());
    let _ = writeln!(
        b,
        "                ProducerRecord<{key_type}, {value_type}> record = new ProducerRecord<>({}, {partition}, {key}, {});",
        java_str(&c.topic),
        java_expr(&c.value)
    );
    for h in &c.headers {
        let value = h
            .value
            .as_deref()
            .map(|v| format!("{}.getBytes(StandardCharsets.UTF_8)", java_str(v)))
            .unwrap_or("null".into());
        let _ = writeln!(b, "                record.headers().add({}, {value});", java_str(&h.key));
    }
    b.push_str("                producer.send(record, (metadata, error) -> {\n                    if (error != null) System.out.println(\"failed: \" + error);\n                    else System.out.println(metadata.topic() + \"-\" + metadata.partition() + \" at offset \" + metadata.offset() + \": \" + record);\n                });\n            }\n            producer.flush(); // waits until every record is acknowledged or failed\n        }\n");
    let mut out = class(
        &["org.apache.kafka.clients.producer.*", "java.nio.charset.StandardCharsets", "java.util.Properties"],
        "Produce",
        &b,
    );
    let mixed = [c.key.as_deref(), Some(c.value.as_str())]
        .into_iter()
        .flatten()
        .any(|t| has_bytes(t) && java_expr(t).starts_with("concat("));
    if mixed {
        out = out.trim_end().trim_end_matches('}').to_string();
        out.push_str("\n    static byte[] concat(byte[]... parts) {\n        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();\n        for (byte[] part : parts) out.writeBytes(part);\n        return out.toByteArray();\n    }\n}\n");
    }
    out
}

fn consume(configs: &BTreeMap<String, String>, topics: &[String], bootstrap: &str) -> String {
    let mut b = String::from("        Properties props = new Properties();\n");
    let _ = writeln!(b, "        props.put(\"bootstrap.servers\", {});", java_str(bootstrap));
    for (k, v) in configs {
        if k == "bootstrap.servers" {
            continue;
        }
        if playground_only(k) {
            let _ =
                writeln!(b, "        // {k} exists only in the playground (how long processing takes there)");
            continue;
        }
        let value = if k == "partition.assignment.strategy" {
            let classes: Vec<&str> = v.split(',').map(short_assignor).filter_map(java_assignor).collect();
            classes.join(",")
        } else {
            v.trim().to_string()
        };
        let _ = writeln!(b, "        props.put({}, {});", java_str(k), java_str(&value));
    }
    b.push_str("        props.put(\"key.deserializer\", \"org.apache.kafka.common.serialization.StringDeserializer\");\n        props.put(\"value.deserializer\", \"org.apache.kafka.common.serialization.StringDeserializer\");\n");
    let topic_list: Vec<String> = topics.iter().map(|t| java_str(t)).collect();
    let manual = configs.get("enable.auto.commit").map(|v| v.trim() == "false").unwrap_or(false);
    let _ = write!(
        b,
        "        try (Consumer<String, String> consumer = new KafkaConsumer<>(props)) {{\n            consumer.subscribe(List.of({}));\n            while (true) {{\n                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {{\n                    System.out.println(r.topic() + \"-\" + r.partition() + \" offset \" + r.offset() + \": key=\" + r.key() + \" value=\" + r.value());\n                }}\n{}            }}\n        }}\n",
        topic_list.join(", "),
        if manual { "                consumer.commitSync(); // after processing: at-least-once\n" } else { "" }
    );
    class(&["org.apache.kafka.clients.consumer.*", "java.time.Duration", "java.util.*"], "Consume", &b)
}

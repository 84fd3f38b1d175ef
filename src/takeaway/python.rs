//! The actions as `confluent_kafka` programs (the lecture's client): `Producer`,
//! `Consumer` and `AdminClient` with librdkafka's property names, which are the Java
//! client's for every setting the page has. Each program is whole: imports, client,
//! action, and the wait for Kafka's answer (`flush`, `future.result()`).

use super::literal::{py_expr, py_str};
use super::{playground_only, short_assignor, Action, ProducerSettings};
use crate::engine::cluster::command::{CreateTopicCommand, ProduceCommand};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn code(action: &Action, bootstrap: &str) -> String {
    match action {
        Action::CreateTopic(c) => create_topic(c, bootstrap),
        Action::DeleteTopic { topic } => {
            admin(bootstrap, &[], &format!("futures = admin.delete_topics([{}])\n", py_str(topic)), "deleted")
        }
        Action::CreatePartitions { topic, count } => admin(
            bootstrap,
            &["from confluent_kafka.admin import NewPartitions"],
            &format!("futures = admin.create_partitions([NewPartitions({}, {count})])\n", py_str(topic)),
            "grown",
        ),
        Action::DeleteRecords { topic, partition, offset } => {
            let note = if *offset < 0 { "  # -1 (OFFSET_END): up to the high watermark" } else { "" };
            let body = format!(
                "futures = admin.delete_records([TopicPartition({}, {partition}, {offset})]){note}\n",
                py_str(topic)
            );
            admin(bootstrap, &["from confluent_kafka import TopicPartition"], &body, "log start moved")
        }
        Action::AlterBrokerConfigs { configs } => {
            let pairs: Vec<String> = configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let host = bootstrap.split(',').next().unwrap_or(bootstrap);
            format!(
                "# confluent_kafka (librdkafka) cannot name the brokers' cluster-wide default (a BROKER\n# resource with an empty name: it refuses it as an invalid ConfigResource), so this\n# change is a job for Kafka's own tool, which sends the same IncrementalAlterConfigs:\n#\n#   kafka-configs.sh --bootstrap-server {host} --entity-type brokers --entity-default --alter --add-config {}\n",
                pairs.join(",")
            )
        }
        Action::Produce { producer, command, first_number } => {
            produce(producer, command, *first_number, bootstrap)
        }
        Action::ConsumeInGroup { configs, topics } => consume(configs, topics, bootstrap),
    }
}

/// An AdminClient program: `body` sets `futures` (a dict of futures), then each is waited for.
fn admin(bootstrap: &str, imports: &[&str], body: &str, done: &str) -> String {
    let imports: String = imports.iter().map(|line| format!("{line}\n")).collect();
    format!(
        "from confluent_kafka.admin import AdminClient\n{imports}\nadmin = AdminClient({{'bootstrap.servers': {}}})\n{body}for what, future in futures.items():\n    future.result()  # raises KafkaException if Kafka refused it\n    print({}, what)\n",
        py_str(bootstrap),
        py_str(done)
    )
}

fn create_topic(c: &CreateTopicCommand, bootstrap: &str) -> String {
    let mut args = vec![py_str(&c.name)];
    match &c.replica_assignment {
        Some(assignment) => {
            let rows: Vec<String> = assignment
                .iter()
                .map(|r| format!("[{}]", r.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ")))
                .collect();
            args.push(format!("replica_assignment=[{}]", rows.join(", ")));
        }
        None => {
            if c.partitions >= 0 {
                args.push(format!("num_partitions={}", c.partitions));
            }
            if c.replication_factor >= 0 {
                args.push(format!("replication_factor={}", c.replication_factor));
            }
        }
    }
    if !c.configs.is_empty() {
        let pairs: Vec<String> =
            c.configs.iter().map(|(k, v)| format!("{}: {}", py_str(k), py_str(v))).collect();
        args.push(format!("config={{{}}}", pairs.join(", ")));
    }
    let defaults = if c.partitions < 0 && c.replica_assignment.is_none() {
        "# No partition count: the broker's num.partitions decides.\n"
    } else {
        ""
    };
    admin(
        bootstrap,
        &["from confluent_kafka.admin import NewTopic"],
        &format!("{defaults}futures = admin.create_topics([NewTopic({})])\n", args.join(", ")),
        "created",
    )
}

/// librdkafka's name for the engine's partitioner, and why it is set.
fn partitioner(name: &str) -> (String, &'static str) {
    match name {
        "built_in" => (
            "murmur2_random".into(),
            "  # the Java client's hash for keys (librdkafka's default is consistent_random, CRC-32); null keys go to a random partition, not Java's sticky one",
        ),
        other => (other.to_string(), ""),
    }
}

fn produce(p: &ProducerSettings, c: &ProduceCommand, first: u64, bootstrap: &str) -> String {
    let mut out = String::from("from confluent_kafka import Producer\n\nproducer = Producer({\n");
    let _ = writeln!(out, "    'bootstrap.servers': {},", py_str(bootstrap));
    let _ = writeln!(out, "    'client.id': {},", py_str(&p.client_id));
    let _ = writeln!(out, "    'acks': {},", py_str(&p.acks));
    let idempotence = if p.enable_idempotence { "True" } else { "False" };
    let _ = writeln!(
        out,
        "    'enable.idempotence': {idempotence},  # librdkafka's default is False, the Java client's True"
    );
    let _ = writeln!(
        out,
        "    'max.in.flight.requests.per.connection': {},",
        p.max_in_flight_requests_per_connection
    );
    let _ = writeln!(out, "    'linger.ms': {},", p.linger_ms);
    let _ = writeln!(out, "    'batch.size': {},", p.batch_size);
    let _ = writeln!(out, "    'compression.type': {},", py_str(&p.compression_type));
    let (name, why) = partitioner(c.partitioner.as_deref().unwrap_or(&p.partitioner));
    let _ = writeln!(out, "    'partitioner': {},{why}", py_str(&name));
    out.push_str("})\n\n\ndef report(err, msg):\n    if err is not None:\n        print('failed:', err)\n    else:\n        print(f'{msg.topic()}-{msg.partition()} at offset {msg.offset()}: key={msg.key()} value={msg.value()}')\n\n\n");
    let mut args = vec![py_str(&c.topic)];
    if let Some(key) = &c.key {
        args.push(format!("key={}", py_expr(key)));
    }
    args.push(format!("value={}", py_expr(&c.value)));
    if let Some(partition) = c.partition {
        args.push(format!("partition={partition}"));
    }
    if !c.headers.is_empty() {
        let headers: Vec<String> = c
            .headers
            .iter()
            .map(|h| {
                let value =
                    h.value.as_deref().map(|v| format!("{}.encode()", py_str(v))).unwrap_or("None".into());
                format!("({}, {value})", py_str(&h.key))
            })
            .collect();
        args.push(format!("headers=[{}]", headers.join(", ")));
    }
    args.push("on_delivery=report".into());
    let _ = writeln!(out, "for i in range({first}, {}):", first + c.count);
    let _ = writeln!(out, "    producer.produce({})", args.join(", "));
    out.push_str("    producer.poll(0)  # serves delivery reports\nproducer.flush()  # waits until every record is acknowledged or failed\n");
    out
}

fn consume(configs: &BTreeMap<String, String>, topics: &[String], bootstrap: &str) -> String {
    let mut out = String::from("from confluent_kafka import Consumer\n\nconsumer = Consumer({\n");
    let _ = writeln!(out, "    'bootstrap.servers': {},", py_str(bootstrap));
    let mut left_out = Vec::new();
    for (k, v) in configs {
        if playground_only(k) || k == "bootstrap.servers" {
            left_out.push(k.as_str());
            continue;
        }
        if k == "partition.assignment.strategy" {
            let names: Vec<&str> = v.split(',').map(short_assignor).filter(|n| !n.is_empty()).collect();
            if names.contains(&"sticky") {
                out.push_str("    # librdkafka has no eager 'sticky' assignor (only range, roundrobin, cooperative-sticky)\n");
            }
            let kept: Vec<&str> = names.into_iter().filter(|n| *n != "sticky").collect();
            if !kept.is_empty() {
                let _ = writeln!(out, "    {}: {},", py_str(k), py_str(&kept.join(",")));
            }
            continue;
        }
        let value = match v.trim() {
            "true" => "True".to_string(),
            "false" => "False".to_string(),
            t if !t.is_empty() && t.parse::<i64>().is_ok() => t.to_string(),
            t => py_str(t),
        };
        let _ = writeln!(out, "    {}: {value},", py_str(k));
    }
    out.push_str("})\n");
    for k in left_out.iter().filter(|k| playground_only(k)) {
        let _ = writeln!(out, "# {k} exists only in the playground (how long processing takes there)");
    }
    let topic_list: Vec<String> = topics.iter().map(|t| py_str(t)).collect();
    let _ = writeln!(out, "consumer.subscribe([{}])", topic_list.join(", "));
    let manual = configs.get("enable.auto.commit").map(|v| v.trim() == "false").unwrap_or(false);
    out.push_str("try:\n    while True:\n        msg = consumer.poll(1.0)\n        if msg is None:\n            continue\n        if msg.error():\n            print(msg.error())\n            continue\n        print(f'{msg.topic()}-{msg.partition()} offset {msg.offset()}: key={msg.key()} value={msg.value()}')\n");
    if manual {
        out.push_str(
            "        consumer.commit(message=msg, asynchronous=False)  # after processing: at-least-once\n",
        );
    }
    out.push_str("finally:\n    consumer.close()  # commits (auto-commit) and leaves the group\n");
    out
}

//! A pipeline client's file form (`"type": "pipeline"`): `input` and `output` name the
//! topics, `configs` hold both clients' configs by Kafka's names, each going to the
//! client that knows the name (both when both do: `bootstrap.servers`,
//! `request.timeout.ms`, …), or to one side only with Kafka Streams' prefixes
//! `consumer.` and `producer.`. The consumer gets `enable.auto.commit=false` and
//! `isolation.level=read_committed` unless set, as Kafka's `ExactlyOnceMessageProcessor`
//! sets them; `group.id` and `transactional.id` are required. Errors name the field.

use super::{err, ClientSpec, Scenario, ScenarioError};
use crate::engine::client::consumer::ConsumerConfig;
use crate::engine::client::pipeline::PipelineTopics;
use crate::engine::client::producer::ProducerConfig;

/// The consumer's and the producer's configs of pipeline `c` (at `clients[i]`),
/// `extra` added to both where not set (the driver's `bootstrap.servers`).
pub fn pipeline_configs(
    i: usize,
    c: &ClientSpec,
    extra: &[(&str, &str)],
) -> Result<(ConsumerConfig, ProducerConfig), ScenarioError> {
    let at = |f: &str| format!("clients[{i}].{f}");
    let mut consumer: Vec<(&str, &str)> = Vec::new();
    let mut producer: Vec<(&str, &str)> = Vec::new();
    for (name, value) in &c.configs {
        if let Some(n) = name.strip_prefix("consumer.") {
            consumer.push((n, value));
        } else if let Some(n) = name.strip_prefix("producer.") {
            producer.push((n, value));
        } else {
            let known = |e: Option<String>| e.is_none_or(|m| !m.starts_with("Unknown"));
            let by_consumer =
                known(ConsumerConfig::from_pairs([(name.as_str(), value.as_str())]).err().map(|e| e.message));
            let by_producer =
                known(ProducerConfig::from_pairs([(name.as_str(), value.as_str())]).err().map(|e| e.message));
            if !by_consumer && !by_producer {
                return Err(err(
                    at(&format!("configs.{name}")),
                    format!("Unknown consumer or producer config {name} (prefix it with consumer. or producer. to set one client's)"),
                ));
            }
            if by_consumer {
                consumer.push((name, value));
            }
            if by_producer {
                producer.push((name, value));
            }
        }
    }
    for (name, default) in
        [("enable.auto.commit", "false"), ("isolation.level", "read_committed"), ("client.id", c.id.as_str())]
    {
        if !consumer.iter().any(|(n, _)| *n == name) {
            consumer.push((name, default));
        }
    }
    for (name, value) in extra {
        for side in [&mut consumer, &mut producer] {
            if !side.iter().any(|(n, _)| n == name) {
                side.push((name, value));
            }
        }
    }
    let consumer = ConsumerConfig::from_pairs(consumer)
        .map_err(|e| err(at(&format!("configs.{}", e.name)), e.message))?;
    let producer = ProducerConfig::from_pairs(producer)
        .map_err(|e| err(at(&format!("configs.{}", e.name)), e.message))?;
    if consumer.group_id.is_none() {
        return Err(err(
            at("configs.group.id"),
            "a pipeline's consumer needs a group.id: its offsets are committed in the transaction (sendOffsetsToTransaction)",
        ));
    }
    if producer.transactional_id.is_none() {
        return Err(err(
            at("configs.transactional.id"),
            "a pipeline's producer needs a transactional.id: each poll's output and offsets are one transaction",
        ));
    }
    Ok((consumer, producer))
}

/// The topics of pipeline `c`, each one of the scenario's topics.
pub fn pipeline_topics(s: &Scenario, i: usize, c: &ClientSpec) -> Result<PipelineTopics, ScenarioError> {
    let at = |f: &str| format!("clients[{i}].{f}");
    let topic = |field: &str, name: &Option<String>| match name {
        None => Err(err(
            at(field),
            format!(
                "give the topic the pipeline {}",
                if field == "input" { "consumes" } else { "produces to" }
            ),
        )),
        Some(t) if !s.topics.iter().any(|x| &x.name == t) => {
            let names: Vec<&str> = s.topics.iter().map(|x| x.name.as_str()).collect();
            Err(err(at(field), format!("unknown topic {t} (topics: {})", names.join(", "))))
        }
        Some(t) => Ok(t.clone()),
    };
    let topics = PipelineTopics { input: topic("input", &c.input)?, output: topic("output", &c.output)? };
    if topics.input == topics.output {
        return Err(err(at("output"), "the output topic must differ from the input topic"));
    }
    if c.subscribe.is_some() || c.assign.is_some() {
        return Err(err(at("subscribe"), "a pipeline subscribes to its input; give no subscribe or assign"));
    }
    Ok(topics)
}

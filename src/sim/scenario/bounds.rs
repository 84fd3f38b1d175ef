//! The playground's bounds ([`crate::engine::limits`]) applied to a scenario file, before
//! anything is built from it: the file's size, brokers, network ranges, `until_ms`,
//! topics and their partitions, the cluster's partition replicas (with
//! `__consumer_offsets` when there are consumers), clients, steps, and what the `produce`
//! steps send. The controller checks the same constants when the page creates topics, so
//! a scenario refused here would be refused there too, only later. Each error names its
//! field (`topics[0].partitions: INVALID_PARTITIONS: Number of partitions must be at
//! most 64 in the playground …`).

use super::{err, ClientKind, Scenario, ScenarioError, StepAction};
use crate::engine::limits::{
    check_cluster_replicas, check_partition_count, check_produce, record_bytes_at_most, MAX_BROKERS,
    MAX_CLIENTS, MAX_LATENCY_MS, MAX_PROCESSING_TIME_PER_RECORD_MS, MAX_PRODUCED_BYTES_PER_SCENARIO,
    MAX_RECORDS_PER_SCENARIO, MAX_SCENARIO_BYTES, MAX_STEPS, MAX_TOPICS_PER_CLUSTER, MAX_UNTIL_MS,
};

/// `offsets.topic.num.partitions` and `offsets.topic.replication.factor` defaults.
const OFFSETS_TOPIC_DEFAULTS: (i64, i64) = (50, 3);

/// The text of a scenario file is small enough to parse.
pub(super) fn check_file_size(text: &str) -> Result<(), ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES as usize {
        return Err(err(
            "(file)",
            format!(
                "{} bytes: a scenario file has at most {MAX_SCENARIO_BYTES} in the playground",
                text.len()
            ),
        ));
    }
    Ok(())
}

impl Scenario {
    /// Every count and size within the playground's bounds; runs before the checks of
    /// meaning, so nothing is sized by an unchecked number.
    pub(super) fn check_bounds(&self) -> Result<(), ScenarioError> {
        if !(1..=MAX_BROKERS).contains(&self.cluster.brokers) {
            return Err(err(
                "cluster.brokers",
                format!("{} brokers: a scenario has 1 to {MAX_BROKERS}", self.cluster.brokers),
            ));
        }
        let n = &self.cluster.network;
        if !(0..=MAX_LATENCY_MS).contains(&n.latency_ms) {
            return Err(err(
                "cluster.network.latency_ms",
                format!("{} is outside 0 to {MAX_LATENCY_MS} ms", n.latency_ms),
            ));
        }
        if n.jitter_ms < 0 || n.jitter_ms > n.latency_ms {
            return Err(err(
                "cluster.network.jitter_ms",
                format!("{} is outside 0 to latency_ms = {}", n.jitter_ms, n.latency_ms),
            ));
        }
        if !(0.0..=1.0).contains(&n.loss) {
            return Err(err("cluster.network.loss", format!("{} is not a probability in [0, 1]", n.loss)));
        }
        if !(1..=MAX_UNTIL_MS).contains(&self.until_ms) {
            return Err(err(
                "until_ms",
                format!("{} is outside 1 to {MAX_UNTIL_MS} (one hour of virtual time)", self.until_ms),
            ));
        }
        let has_consumers = self.clients.iter().any(|c| c.kind == ClientKind::Consumer);
        let topics = self.topics.len() + usize::from(has_consumers);
        if topics > MAX_TOPICS_PER_CLUSTER as usize {
            return Err(err(
                "topics",
                format!(
                    "{topics} topics{}: the playground hosts at most {MAX_TOPICS_PER_CLUSTER}",
                    if has_consumers { " with __consumer_offsets" } else { "" }
                ),
            ));
        }
        for (i, t) in self.topics.iter().enumerate() {
            check_partition_count(t.partitions)
                .map_err(|e| err(format!("topics[{i}].partitions"), e.to_string()))?;
        }
        let offsets_partitions = self.cluster_config_number("offsets.topic.num.partitions")?;
        if let Some(p) = offsets_partitions {
            check_partition_count(p)
                .map_err(|e| err("cluster.configs.offsets.topic.num.partitions", e.to_string()))?;
        }
        if self.clients.len() > MAX_CLIENTS as usize {
            return Err(err(
                "clients",
                format!("{} clients: a scenario has at most {MAX_CLIENTS}", self.clients.len()),
            ));
        }
        if self.steps.len() > MAX_STEPS as usize {
            return Err(err(
                "steps",
                format!("{} steps: a scenario has at most {MAX_STEPS}", self.steps.len()),
            ));
        }
        self.check_produced()
    }

    /// What the `produce` steps send, each and together, and processing times.
    fn check_produced(&self) -> Result<(), ScenarioError> {
        let (mut records, mut bytes) = (0u64, 0u64);
        for (i, s) in self.steps.iter().enumerate() {
            match &s.action {
                StepAction::Produce(p) => {
                    check_produce(u64::from(p.count), p.key.as_deref(), &p.value)
                        .map_err(|e| err(format!("steps[{i}].produce"), e))?;
                    let key = p.key.as_deref().map_or(0, record_bytes_at_most);
                    let per_record = key + record_bytes_at_most(&p.value);
                    records += u64::from(p.count);
                    bytes += u64::from(p.count) * per_record;
                    if records > MAX_RECORDS_PER_SCENARIO {
                        return Err(err(
                            format!("steps[{i}].produce.count"),
                            format!("the produce steps send {records} records so far: a scenario sends at most {MAX_RECORDS_PER_SCENARIO}"),
                        ));
                    }
                    if bytes > MAX_PRODUCED_BYTES_PER_SCENARIO {
                        return Err(err(
                            format!("steps[{i}].produce"),
                            format!("the produce steps send {bytes} bytes of keys and values so far: a scenario sends at most {MAX_PRODUCED_BYTES_PER_SCENARIO}"),
                        ));
                    }
                }
                StepAction::SetProcessingTime(p) if p.per_record_ms > MAX_PROCESSING_TIME_PER_RECORD_MS => {
                    return Err(err(
                        format!("steps[{i}].set_processing_time.per_record_ms"),
                        format!("{} is above {MAX_PROCESSING_TIME_PER_RECORD_MS}", p.per_record_ms),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The cluster's partition replicas (its topics', and `__consumer_offsets`' when
    /// there are consumers) within the playground's bound; runs after each topic's
    /// replication factor is known to fit the brokers.
    pub(super) fn check_replica_total(&self) -> Result<(), ScenarioError> {
        let mut total = 0u64;
        for t in &self.topics {
            total += (t.partitions.max(0) as u64) * (t.replication_factor.max(0) as u64);
        }
        if self.clients.iter().any(|c| c.kind == ClientKind::Consumer) {
            let (partitions, rf) = OFFSETS_TOPIC_DEFAULTS;
            let partitions =
                self.cluster_config_number("offsets.topic.num.partitions")?.unwrap_or(partitions);
            let rf = self.cluster_config_number("offsets.topic.replication.factor")?.unwrap_or(rf);
            total += (partitions.max(0) as u64) * (rf.max(0) as u64);
        }
        check_cluster_replicas(0, total).map_err(|e| err("topics", e.to_string()))
    }

    /// A whole-number cluster config, if set.
    fn cluster_config_number(&self, name: &str) -> Result<Option<i64>, ScenarioError> {
        match self.cluster.configs.get(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| err(format!("cluster.configs.{name}"), format!("'{v}' is not a number"))),
        }
    }
}

//! The checks of meaning a scenario gets after parsing ([`Scenario::validate`]), after
//! the playground's bounds (`bounds`): broker ids that exist, replication factor ≤
//! brokers, `min.insync.replicas` ≤ replication factor, known clients, consumer configs
//! the Java client would accept, consumer steps aimed at consumers, and an
//! `offsets.topic.replication.factor` the cluster can host when there are consumers.
//! Each error names the field it concerns.

use super::{
    err, ClientKind, ClientSpec, NodeRef, Scenario, ScenarioError, Step, StepAction, SCENARIO_VERSION,
};
use crate::engine::cluster::NodeId;
use crate::engine::limits::MAX_BROKERS;

impl Scenario {
    /// Checks what JSON cannot: ids, counts and configs that fit together.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != SCENARIO_VERSION {
            return Err(err(
                "version",
                format!("version {} is not supported (this build reads {SCENARIO_VERSION})", self.version),
            ));
        }
        self.check_bounds()?;
        if self.cluster.configs.contains_key("seed") {
            // The controller's placement seed is the run's own (`run --seed`, `?seed=`):
            // a scenario's would be silently overridden, so it is refused.
            return Err(err(
                "cluster.configs.seed",
                "Unknown broker config seed: the run's seed is given to `run --seed` or the page's `?seed=`",
            ));
        }
        if let Some(max) = self.cluster.max_brokers {
            if max < self.cluster.brokers || max > MAX_BROKERS {
                return Err(err(
                    "cluster.max_brokers",
                    format!(
                        "{max}: the cluster grows from its {} brokers to at most {MAX_BROKERS}",
                        self.cluster.brokers
                    ),
                ));
            }
        }
        for (i, t) in self.topics.iter().enumerate() {
            let at = |f: &str| format!("topics[{i}].{f}");
            crate::engine::topic::validate_topic_name(&t.name).map_err(|e| err(at("name"), e.to_string()))?;
            if t.replication_factor < 1 || t.replication_factor > i64::from(self.cluster.brokers) {
                return Err(err(
                    at("replication_factor"),
                    format!(
                        "Replication factor: {} larger than available brokers: {}.",
                        t.replication_factor, self.cluster.brokers
                    ),
                ));
            }
            if let Some(m) = t.configs.get("min.insync.replicas") {
                let m: i64 =
                    m.parse().map_err(|_| err(at("configs.min.insync.replicas"), "not a whole number"))?;
                if m > t.replication_factor {
                    return Err(err(
                        at("configs.min.insync.replicas"),
                        format!("min.insync.replicas {m} is larger than the replication factor {}: no write with acks=all could ever succeed", t.replication_factor),
                    ));
                }
            }
        }
        self.check_replica_total()?;
        let mut names = std::collections::BTreeSet::new();
        for (i, c) in self.clients.iter().enumerate() {
            if c.id.is_empty() || c.id == "controller" || !names.insert(c.id.as_str()) {
                return Err(err(
                    format!("clients[{i}].id"),
                    format!("\"{}\" is empty, reserved or used twice", c.id),
                ));
            }
            self.validate_client(i, c)?;
        }
        self.validate_offsets_topic()?;
        self.validate_steps("steps", &self.steps, self.until_ms)
    }

    /// Checks `steps` against this scenario (its brokers, topics and clients): each at a
    /// time from 0 to `until_ms`; an error names the field under `prefix`. A scenario's own
    /// steps and a lesson's acts are checked by this one function.
    pub fn validate_steps(&self, prefix: &str, steps: &[Step], until_ms: i64) -> Result<(), ScenarioError> {
        for (i, s) in steps.iter().enumerate() {
            let at = |f: &str| format!("{prefix}[{i}].{f}");
            if s.at_ms < 0 || s.at_ms > until_ms {
                return Err(err(
                    at("at_ms"),
                    format!("{} is outside the run (0 to until_ms = {until_ms})", s.at_ms),
                ));
            }
            if let Some((kind, client)) = s.action.consumer_client() {
                self.expect_client(client, ClientKind::Consumer)
                    .map_err(|p| err(at(&format!("{kind}.client")), p))?;
            }
            if let Some((kind, client)) = s.action.producer_client() {
                self.expect_client(client, ClientKind::Producer)
                    .map_err(|p| err(at(&format!("{kind}.client")), p))?;
            }
            if let StepAction::SendOffsetsToTransaction(o) = &s.action {
                self.expect_client(&o.consumer, ClientKind::Consumer)
                    .map_err(|p| err(at("send_offsets_to_transaction.consumer"), p))?;
            }
            match &s.action {
                StepAction::Produce(p) => {
                    self.expect_client(&p.client, ClientKind::Producer)
                        .map_err(|e| err(at("produce.client"), e))?;
                    if let Some(name) = &p.partitioner {
                        crate::engine::partitioner::PartitionerKind::from_name(name).map_err(|_| {
                            err(
                                at("produce.partitioner"),
                                format!("Invalid value {name} for configuration partitioner"),
                            )
                        })?;
                    }
                    use crate::engine::client::producer::{MAX_HEADERS_PER_RECORD, MAX_HEADER_BYTES};
                    if p.headers.len() > MAX_HEADERS_PER_RECORD {
                        return Err(err(
                            at("produce.headers"),
                            format!(
                                "{} headers: a record carries at most {MAX_HEADERS_PER_RECORD} here",
                                p.headers.len()
                            ),
                        ));
                    }
                    for (j, h) in p.headers.iter().enumerate() {
                        if h.key.len() > MAX_HEADER_BYTES
                            || h.value.as_ref().is_some_and(|v| v.len() > MAX_HEADER_BYTES)
                        {
                            return Err(err(
                                at(&format!("produce.headers[{j}]")),
                                format!("a header's key or value is longer than {MAX_HEADER_BYTES} bytes"),
                            ));
                        }
                    }
                }
                StepAction::Crash(b) | StepAction::Restart(b) => {
                    let crash = matches!(s.action, StepAction::Crash(_));
                    let kind = if crash { "crash" } else { "restart" };
                    let chosen = usize::from(b.broker.is_some())
                        + usize::from(b.leader_of.is_some())
                        + usize::from(b.all_crashed)
                        + usize::from(b.client.is_some());
                    let allowed =
                        if crash { "broker, leader_of or client" } else { "broker, all_crashed or client" };
                    if let Some(name) = &b.client {
                        if !self.clients.iter().any(|c| &c.id == name) {
                            return Err(err(
                                at(&format!("{kind}.client")),
                                format!("no client named \"{name}\""),
                            ));
                        }
                    }
                    if chosen != 1 || (crash && b.all_crashed) || (!crash && b.leader_of.is_some()) {
                        return Err(err(at(kind), format!("give exactly one of {allowed}")));
                    }
                    if let Some(id) = b.broker {
                        if id == 0 || id > self.cluster.brokers {
                            return Err(err(
                                at(&format!("{kind}.broker")),
                                format!("unknown broker id {id} (brokers are 1 to {})", self.cluster.brokers),
                            ));
                        }
                    }
                    if let Some(tp) = &b.leader_of {
                        let offsets_partitions = self
                            .cluster
                            .configs
                            .get("offsets.topic.num.partitions")
                            .and_then(|v| v.trim().parse::<u32>().ok())
                            .unwrap_or(50);
                        let txn_partitions = self
                            .cluster
                            .configs
                            .get("transaction.state.log.num.partitions")
                            .and_then(|v| v.trim().parse::<u32>().ok())
                            .unwrap_or(50);
                        let internal = (tp.topic
                            == crate::engine::group::coordinator::placement::OFFSETS_TOPIC
                            && tp.partition < offsets_partitions)
                            || (tp.topic == crate::engine::txn::coordinator::TRANSACTION_STATE_TOPIC
                                && tp.partition < txn_partitions);
                        let known = internal
                            || self
                                .topics
                                .iter()
                                .any(|t| t.name == tp.topic && i64::from(tp.partition) < t.partitions);
                        if !known {
                            return Err(err(
                                at("crash.leader_of"),
                                format!(
                                    "{}-{} is not a partition of the scenario's topics",
                                    tp.topic, tp.partition
                                ),
                            ));
                        }
                    }
                }
                StepAction::Pause(r) | StepAction::Resume(r) => {
                    let kind = if matches!(s.action, StepAction::Pause(_)) { "pause" } else { "resume" };
                    self.node_id(&r.node).map_err(|p| err(at(&format!("{kind}.node")), p))?;
                }
                StepAction::Partition(p) => {
                    for (g, group) in p.groups.iter().enumerate() {
                        if group.is_empty() {
                            return Err(err(
                                at(&format!("partition.groups[{g}]")),
                                "a group needs at least one node",
                            ));
                        }
                        for r in group {
                            self.node_id(r).map_err(|e| err(at(&format!("partition.groups[{g}]")), e))?;
                        }
                    }
                }
                StepAction::Heal {} => {}
                StepAction::LoseNext(l) => {
                    self.node_id(&l.to).map_err(|e| err(at("lose_next.to"), e))?;
                    if let Some(from) = &l.from {
                        self.node_id(from).map_err(|e| err(at("lose_next.from"), e))?;
                    }
                    if !crate::sim::network::API_NAMES.contains(&l.api.as_str()) {
                        return Err(err(
                            at("lose_next.api"),
                            format!("\"{}\" is not an API name (Produce, ProduceResponse, Fetch, FetchResponse, …)", l.api),
                        ));
                    }
                }
                StepAction::Subscribe(sub)
                    if sub.topics.is_empty() || sub.topics.iter().any(String::is_empty) =>
                {
                    return Err(err(at("subscribe.topics"), "give at least one topic name"));
                }
                StepAction::Seek(seek) => {
                    let ok = match (&seek.offset, seek.to.as_deref()) {
                        (Some(o), None) => *o >= 0,
                        (None, Some("beginning" | "end")) => true,
                        _ => false,
                    };
                    if !ok {
                        return Err(err(
                            at("seek"),
                            "give either offset (≥ 0) or to: \"beginning\" | \"end\"",
                        ));
                    }
                }
                StepAction::DeleteRecords(d) => {
                    if !self.topics.iter().any(|t| t.name == d.topic && i64::from(d.partition) < t.partitions)
                    {
                        return Err(err(
                            at("delete_records"),
                            format!(
                                "{}-{} is not a partition of the scenario's topics",
                                d.topic, d.partition
                            ),
                        ));
                    }
                    if d.offset < -1 {
                        return Err(err(
                            at("delete_records.offset"),
                            "must be ≥ 0, or -1 for the high watermark",
                        ));
                    }
                }
                // A topic the page or an earlier step created may be named too; an
                // unknown one gets Kafka's UNKNOWN_TOPIC_OR_PARTITION when the step runs.
                StepAction::DeleteTopic(d) if d.name.trim().is_empty() => {
                    return Err(err(at("delete_topic.name"), "give the name of the topic to delete"));
                }
                StepAction::SetProcessingTime(p) if p.per_record_ms < 0 => {
                    return Err(err(at("set_processing_time.per_record_ms"), "must be ≥ 0"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A client's configs as its type reads them; config errors name the config.
    fn validate_client(&self, i: usize, c: &ClientSpec) -> Result<(), ScenarioError> {
        let at = |f: &str| format!("clients[{i}].{f}");
        if c.kind != ClientKind::Pipeline && (c.input.is_some() || c.output.is_some()) {
            let f = if c.input.is_some() { "input" } else { "output" };
            return Err(err(at(f), "only pipelines have an input and an output topic"));
        }
        match c.kind {
            ClientKind::Pipeline => {
                super::pipeline::pipeline_topics(self, i, c)?;
                super::pipeline::pipeline_configs(i, c, &[])?;
            }
            ClientKind::Producer => {
                if c.subscribe.is_some() || c.assign.is_some() {
                    return Err(err(at("subscribe"), "only consumers subscribe or assign"));
                }
                let pairs = c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                crate::engine::client::producer::ProducerConfig::from_pairs(pairs)
                    .map_err(|e| err(at(&format!("configs.{}", e.name)), e.message))?;
            }
            ClientKind::Consumer => {
                let pairs = c.configs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                let config = crate::engine::client::consumer::ConsumerConfig::from_pairs(pairs)
                    .map_err(|e| err(at(&format!("configs.{}", e.name)), e.message))?;
                if c.subscribe.is_some() && c.assign.is_some() {
                    return Err(err(at("subscribe"), "give subscribe or assign, not both"));
                }
                if c.subscribe.is_some() && config.group_id.is_none() {
                    return Err(err(
                        at("configs.group.id"),
                        "To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.",
                    ));
                }
                if let Some(topics) = &c.subscribe {
                    if topics.is_empty() || topics.iter().any(String::is_empty) {
                        return Err(err(at("subscribe"), "give at least one topic name"));
                    }
                }
            }
        }
        Ok(())
    }

    /// With consumers, `__consumer_offsets` must fit on the cluster's brokers.
    fn validate_offsets_topic(&self) -> Result<(), ScenarioError> {
        if !self.clients.iter().any(|c| c.kind == ClientKind::Consumer) {
            return Ok(());
        }
        let name = "offsets.topic.replication.factor";
        let rf = match self.cluster.configs.get(name) {
            Some(v) => v
                .trim()
                .parse::<u32>()
                .map_err(|_| err(format!("cluster.configs.{name}"), format!("'{v}' is not a number")))?,
            None => 3,
        };
        if rf > self.cluster.brokers {
            return Err(err(
                format!("cluster.configs.{name}"),
                format!(
                    "{rf} (Kafka's default is 3) but the cluster has {} broker(s): __consumer_offsets could never be created, so no group would get a coordinator. Set it to at most {}.",
                    self.cluster.brokers, self.cluster.brokers
                ),
            ));
        }
        Ok(())
    }

    /// `Ok` if `name` is a client of `kind`.
    fn expect_client(&self, name: &str, kind: ClientKind) -> Result<(), String> {
        match self.clients.iter().find(|c| c.id == name) {
            None => Err(format!("no client named \"{name}\"")),
            Some(c) if c.kind != kind => {
                Err(format!("\"{name}\" is a {}, not a {}", c.kind.name(), kind.name()))
            }
            Some(_) => Ok(()),
        }
    }

    /// The node id a reference names: brokers by number, `"controller"`, or a client.
    pub fn node_id(&self, r: &NodeRef) -> Result<NodeId, String> {
        match r {
            NodeRef::Broker(b) if (1..=self.cluster.broker_slots()).contains(b) => Ok(*b),
            NodeRef::Broker(b) => {
                Err(format!("unknown broker id {b} (brokers are 1 to {})", self.cluster.broker_slots()))
            }
            NodeRef::Named(n) if n == "controller" => Ok(crate::engine::cluster::CONTROLLER_ID),
            NodeRef::Named(n) => self
                .clients
                .iter()
                .position(|c| &c.id == n)
                .map(|i| crate::engine::cluster::FIRST_CLIENT_ID + i as u32)
                .ok_or_else(|| format!("no node named \"{n}\"")),
        }
    }
}

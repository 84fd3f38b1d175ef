//! A small scenario run for the config tests: 3 brokers, topic `t` (1 partition,
//! replication factor 3, created at 2.5 s), producer `p1` (node 10000) sending 10 records
//! at 5 s, and the
//! run's timeline and journal as plain lists; every test changes one config and
//! compares with the default.

use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Message, NodeId};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{JournalEntry, Sim};
use serde_json::{json, Value};

pub const P1: NodeId = 10_000;
pub const C1: NodeId = 10_001;
pub const C2: NodeId = 10_002;
pub const CONTROLLER: NodeId = kafka_playground::engine::cluster::CONTROLLER_ID;

/// The base scenario as JSON, to be changed by a test.
pub fn base() -> Value {
    json!({
        "version": 1,
        "name": "config",
        "cluster": { "brokers": 3, "network": { "latency_ms": 2, "jitter_ms": 0 }, "configs": {} },
        "topics": [ { "name": "t", "partitions": 1, "replication_factor": 3, "configs": {} } ],
        "clients": [ { "id": "p1", "type": "producer", "configs": {} } ],
        "steps": [ { "at_ms": 5000, "produce": { "client": "p1", "topic": "t", "count": 10, "key": "k-{i}", "value": "v-{i}" } } ],
        "until_ms": 30000
    })
}

/// The base with a consumer `c1` (node 10001) in group `g` subscribed to `t`, reading
/// from the earliest offset.
pub fn with_consumer() -> Value {
    let mut s = base();
    s["clients"].as_array_mut().unwrap().push(json!({
        "id": "c1", "type": "consumer",
        "configs": { "group.id": "g", "auto.offset.reset": "earliest" },
        "subscribe": ["t"]
    }));
    s
}

/// Sets `configs[name] = value` of the object at `path` (e.g. `["clients", 0]`).
pub fn set(mut s: Value, path: &[&str], name: &str, value: &str) -> Value {
    let mut at = &mut s;
    for p in path {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    at["configs"][name] = json!(value);
    s
}

/// A record every second from 6 s to 29 s, so a consumer keeps committing new offsets.
pub fn steady(s: Value) -> Value {
    let mut s = s;
    for i in 0..24 {
        step(
            &mut s,
            json!({ "at_ms": 6000 + 1000 * i, "produce": { "client": "p1", "topic": "t", "count": 1 } }),
        );
    }
    s
}

pub fn step(s: &mut Value, step: Value) {
    s["steps"].as_array_mut().unwrap().push(step);
}

pub struct Run {
    pub sim: Sim,
}

/// Parses (as the CLI and the page do), runs to `until_ms` with seed 1, and checks that no
/// invariant broke.
pub fn run(s: &Value) -> Run {
    let scenario = Scenario::parse(&s.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = build_sim(&scenario, 1).unwrap();
    sim.run_until(scenario.until_ms, 5_000_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    Run { sim }
}

impl Run {
    pub fn events(&self) -> Vec<(i64, NodeId, ClusterEvent)> {
        self.sim.timeline().iter().cloned().collect()
    }

    /// Times at which messages of `api` (Kafka's API name, e.g. `"Fetch"`) from `from` were
    /// delivered, to whom.
    pub fn delivered(&self, from: NodeId, api: &str) -> Vec<(i64, NodeId)> {
        self.sim
            .journal()
            .entries
            .iter()
            .filter_map(|e| match e {
                JournalEntry::Deliver {
                    at_ms,
                    node,
                    input: Input::Deliver(Envelope { from: f, message, .. }),
                } if *f == from && message.api_name() == api => Some((*at_ms, *node)),
                _ => None,
            })
            .collect()
    }

    /// Every delivered message (time, from, to).
    pub fn messages(&self) -> Vec<(i64, NodeId, NodeId, Message)> {
        self.sim
            .journal()
            .entries
            .into_iter()
            .filter_map(|e| match e {
                JournalEntry::Deliver { at_ms, input: Input::Deliver(env), .. } => {
                    Some((at_ms, env.from, env.to, env.message))
                }
                _ => None,
            })
            .collect()
    }

    pub fn state(&self, node: NodeId) -> Value {
        self.sim.final_state()["nodes"][node.to_string()].clone()
    }

    /// The first time an event matching `f` happened.
    pub fn first(&self, f: impl Fn(&ClusterEvent) -> bool) -> Option<i64> {
        self.events().into_iter().find(|(_, _, e)| f(e)).map(|(t, _, _)| t)
    }

    pub fn count(&self, f: impl Fn(&ClusterEvent) -> bool) -> usize {
        self.events().iter().filter(|(_, _, e)| f(e)).count()
    }
}

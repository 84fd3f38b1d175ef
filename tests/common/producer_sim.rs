//! A producer client alone, driven by hand: inputs in, its sends out, its timers and
//! events kept (the producer tests add the fake brokers they need in `impl Sim` blocks of
//! their own).
#![allow(dead_code)]

use kafka_playground::engine::client::producer::{ProducerConfig, ProducerNode};
use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::{ClusterEvent, Input, Message, Node, Output, TimerKey};
use std::collections::BTreeMap;

pub const CLIENT: u32 = 10_000;

pub struct Sim {
    pub p: ProducerNode,
    pub now: i64,
    pub timers: BTreeMap<TimerKey, i64>,
    pub events: Vec<ClusterEvent>,
}

impl Sim {
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        let config = ProducerConfig::from_pairs(pairs.iter().copied()).unwrap();
        Sim { p: ProducerNode::new(CLIENT, config, 7), now: 0, timers: BTreeMap::new(), events: Vec::new() }
    }

    /// Hands `input` to the producer; returns what it sent (to, message).
    pub fn input(&mut self, input: Input) -> Vec<(u32, Message)> {
        self.p.handle(self.now, input);
        let mut sends = Vec::new();
        while let Some(o) = self.p.poll_output() {
            match o {
                Output::Send(e) => sends.push((e.to, e.message)),
                Output::SetTimer { key, at_ms } => {
                    self.timers.insert(key, at_ms);
                }
                Output::CancelTimer { key } => {
                    self.timers.remove(&key);
                }
                Output::Event(e) => self.events.push(e),
                Output::Persist(_) => {}
            }
        }
        sends
    }

    /// A `produce` command given as the JSON of its spec.
    pub fn produce(&mut self, spec: serde_json::Value) -> Vec<(u32, Message)> {
        let command = Command::from_json(&serde_json::json!({ "produce": spec }).to_string()).unwrap();
        self.input(Input::Command(command))
    }
}

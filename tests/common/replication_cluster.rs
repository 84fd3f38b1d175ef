//! The replication tests' harness: three `BrokerNode`s driven deterministically — one
//! FIFO of envelopes delivered instantly and in order, a virtual clock that jumps to the
//! next timer, an in-memory store per broker, and a controller stub that registers
//! brokers, publishes the metadata log the test writes and applies AlterPartition.
#![allow(dead_code)]

use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition, TopicPartition};
use kafka_playground::engine::cluster::metadata::MetadataRecord;
use kafka_playground::engine::cluster::{
    ClusterEvent, Envelope, Input, Node, NodeId, Output, TimerKey, CONTROLLER_ID, FIRST_CLIENT_ID,
};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use kafka_playground::storage::memory::MemoryStore;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const T0: i64 = 1_700_000_000_000;
pub const CLIENT: NodeId = FIRST_CLIENT_ID;

#[derive(Default)]
pub struct Cluster {
    pub now: i64,
    pub nodes: BTreeMap<NodeId, BrokerNode>,
    pub stores: BTreeMap<NodeId, MemoryStore>,
    pub queue: VecDeque<Envelope>,
    pub timers: BTreeMap<(NodeId, TimerKey), i64>,
    pub metadata: Vec<MetadataRecord>,
    /// Brokers cut off from the other brokers (client and controller traffic passes).
    pub isolated: BTreeSet<NodeId>,
    /// Everything the controller stub and the client received, in order.
    pub controller_inbox: Vec<Envelope>,
    pub client_inbox: Vec<Envelope>,
    pub events: Vec<ClusterEvent>,
    pub next_correlation_id: u64,
}

impl Cluster {
    /// Three started brokers and topic `t` (1 partition, leader 1, replicas [1,2,3]).
    pub fn new(configs: &[(&str, &str)]) -> Cluster {
        let mut c = Cluster { now: T0, ..Cluster::default() };
        for id in 1..=3 {
            c.nodes.insert(id, BrokerNode::new(id, BrokerConfig::default(), T0));
            c.stores.insert(id, MemoryStore::new());
            c.input(id, Input::Command(kafka_playground::engine::cluster::Command::start()));
        }
        c.run();
        let configs = configs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        c.publish(vec![
            MetadataRecord::Topic { name: "t".into(), configs },
            MetadataRecord::Partition {
                topic: "t".into(),
                partition: 0,
                replicas: vec![1, 2, 3],
                isr: vec![1, 2, 3],
                leader: Some(1),
            },
        ]);
        c.run();
        c
    }

    pub fn input(&mut self, id: NodeId, input: Input) {
        let Some(node) = self.nodes.get_mut(&id) else { return };
        node.handle(self.now, input);
        self.drain(id);
    }

    pub fn drain(&mut self, id: NodeId) {
        while let Some(out) = self.nodes.get_mut(&id).and_then(|n| n.poll_output()) {
            match out {
                Output::Send(e) if e.to == CONTROLLER_ID => self.controller(e),
                Output::Send(e) if e.to >= FIRST_CLIENT_ID => self.client_inbox.push(e),
                Output::Send(e) => self.queue.push_back(e),
                Output::SetTimer { key, at_ms } => {
                    self.timers.insert((id, key), at_ms);
                }
                Output::CancelTimer { key } => {
                    self.timers.remove(&(id, key));
                }
                Output::Persist(op) => self.stores.get_mut(&id).unwrap().apply_now(&[op]).unwrap(),
                Output::Event(e) => self.events.push(e),
            }
        }
    }

    /// The controller stub: registration adds (and unfences) the broker; AlterPartition is
    /// accepted as asked; everything goes out as metadata.
    pub fn controller(&mut self, e: Envelope) {
        self.controller_inbox.push(e.clone());
        match e.message {
            Message::BrokerRegistration { broker_id, incarnation } => {
                let broker_epoch = self.metadata.len() as i64;
                self.send_metadata_from(broker_id, 0);
                self.publish(vec![
                    MetadataRecord::RegisterBroker { broker_id, broker_epoch, incarnation },
                    MetadataRecord::UnfenceBroker { broker_id, broker_epoch },
                ]);
            }
            Message::BrokerHeartbeat { broker_id, broker_epoch, .. } => {
                let m = Message::BrokerHeartbeatResponse { broker_epoch, is_fenced: false };
                self.queue.push_back(Envelope { from: CONTROLLER_ID, to: broker_id, message: m });
            }
            Message::AlterPartition { tp, new_isr, .. } => {
                self.publish(vec![MetadataRecord::PartitionChange {
                    topic: tp.topic.to_string(),
                    partition: tp.partition,
                    isr: Some(new_isr),
                    leader: None,
                }]);
            }
            _ => {}
        }
    }

    pub fn send_metadata_from(&mut self, to: NodeId, first_offset: usize) {
        let records = self.metadata[first_offset..].to_vec();
        let message = Message::MetadataUpdate { first_offset: first_offset as i64, records };
        self.queue.push_back(Envelope { from: CONTROLLER_ID, to, message });
    }

    pub fn publish(&mut self, records: Vec<MetadataRecord>) {
        let first = self.metadata.len();
        self.metadata.extend(records);
        for id in 1..=3 {
            self.send_metadata_from(id, first);
        }
    }

    pub fn dropped(&self, e: &Envelope) -> bool {
        let broker_link = e.from < CONTROLLER_ID && e.to < CONTROLLER_ID;
        broker_link && (self.isolated.contains(&e.from) || self.isolated.contains(&e.to))
    }

    /// One step: the next message, else the earliest timer due by `until`.
    pub fn step(&mut self, until: i64) -> bool {
        if let Some(e) = self.queue.pop_front() {
            if !self.dropped(&e) {
                self.input(e.to, Input::Deliver(e));
            }
            return true;
        }
        let Some((&(id, key), &at)) = self.timers.iter().min_by_key(|(k, at)| (**at, **k)) else {
            return false;
        };
        if at > until {
            return false;
        }
        self.timers.remove(&(id, key));
        self.now = self.now.max(at);
        self.input(id, Input::Timer(key));
        true
    }

    pub fn run_until(&mut self, until: i64) {
        for _ in 0..1_000_000 {
            if !self.step(until) {
                self.now = self.now.max(until);
                return;
            }
        }
        panic!("the run did not settle");
    }

    /// Delivers what is queued, without moving the clock.
    pub fn run(&mut self) {
        self.run_until(self.now);
    }

    pub fn advance(&mut self, ms: i64) {
        self.run_until(self.now + ms);
    }

    pub fn produce(&mut self, to: NodeId, acks: Acks, values: &[&str]) -> u64 {
        let mut b = BatchBuilder::new(BatchOptions::default());
        for v in values {
            b.append(self.now, Some(b"k"), Some(v.as_bytes()), &[]);
        }
        self.next_correlation_id += 1;
        let correlation_id = self.next_correlation_id;
        let message = Message::ProduceRequest {
            correlation_id,
            acks,
            timeout_ms: 30_000,
            partitions: vec![ProducePartition { tp: tp(), records: b.build().unwrap().into() }],
        };
        self.queue.push_back(Envelope { from: CLIENT, to, message });
        correlation_id
    }

    pub fn produce_answer(&self, correlation: u64) -> Option<(Option<ErrorCode>, i64)> {
        self.client_inbox.iter().find_map(|e| match &e.message {
            Message::ProduceResponse { correlation_id, partitions } if *correlation_id == correlation => {
                let [answer] = partitions.as_slice() else {
                    panic!("one partition asked, answers {partitions:?}")
                };
                Some((answer.error, answer.base_offset))
            }
            _ => None,
        })
    }

    pub fn view(&self, id: NodeId) -> kafka_playground::engine::replica::ReplicaView {
        self.nodes[&id].replica_state("t", 0).unwrap()
    }

    pub fn values(&self, id: NodeId) -> Vec<(i64, String)> {
        let state = self.nodes[&id].state_json();
        state["partitions"]["t-0"]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["offset"].as_i64().unwrap(), r["value"].as_str().unwrap().to_string()))
            .collect()
    }

    pub fn alter_partitions(&self) -> Vec<(NodeId, Vec<NodeId>)> {
        self.controller_inbox
            .iter()
            .filter_map(|e| match &e.message {
                Message::AlterPartition { broker_id, new_isr, .. } => Some((*broker_id, new_isr.clone())),
                _ => None,
            })
            .collect()
    }

    /// Every replica's batches below its HW agree with every other's.
    pub fn assert_committed_prefixes_agree(&self) {
        let views: Vec<_> = self.nodes.keys().map(|id| self.view(*id)).collect();
        for a in &views {
            for b in &views {
                let n = a.committed().count().min(b.committed().count());
                assert_eq!(
                    a.committed().take(n).collect::<Vec<_>>(),
                    b.committed().take(n).collect::<Vec<_>>()
                );
            }
        }
    }
}

pub fn tp() -> TopicPartition {
    TopicPartition { topic: "t".into(), partition: 0 }
}

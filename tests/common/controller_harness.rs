//! A controller driven by hand: brokers register and heartbeat, topics are created, and
//! the outputs (sends, events, persisted metadata) are collected. Shared by the
//! controller tests.

use kafka_playground::engine::cluster::metadata::PartitionState;
use kafka_playground::engine::cluster::{
    ClusterEvent, Envelope, Input, Message, Node, Output, CONTROLLER_ID,
};
use kafka_playground::engine::controller::{ControllerConfig, ControllerNode};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::store::StoreOp;

pub const T0: i64 = 1_000_000;

pub struct Harness {
    pub c: ControllerNode,
    pub now: i64,
    pub persisted: Vec<(String, String)>,
}

impl Harness {
    pub fn new(config: ControllerConfig) -> Self {
        Harness { c: ControllerNode::new(config), now: T0, persisted: Vec::new() }
    }

    pub fn input(&mut self, input: Input) -> Vec<Output> {
        self.c.handle(self.now, input);
        let mut out = Vec::new();
        while let Some(o) = self.c.poll_output() {
            if let Output::Persist(StoreOp::PutMeta { name, value, .. }) = &o {
                self.persisted.push((name.clone(), value.clone()));
            }
            out.push(o);
        }
        out
    }

    pub fn deliver(&mut self, from: u32, message: Message) -> Vec<Output> {
        self.input(Input::Deliver(Envelope { from, to: CONTROLLER_ID, message }))
    }

    pub fn epoch(&self, b: u32) -> i64 {
        self.c.image().brokers[&b].broker_epoch
    }

    /// Registers and unfences a broker (heartbeat reporting the whole log applied).
    pub fn join(&mut self, b: u32) {
        self.deliver(b, Message::BrokerRegistration { broker_id: b, incarnation: u64::from(b) * 100 });
        self.heartbeat(b);
        assert!(!self.c.image().brokers[&b].fenced);
    }

    pub fn heartbeat(&mut self, b: u32) -> Vec<Output> {
        // Kafka's CurrentMetadataOffset: the last offset applied.
        let (epoch, offset) = (self.epoch(b), self.c.log_end_offset() - 1);
        self.deliver(
            b,
            Message::BrokerHeartbeat { broker_id: b, broker_epoch: epoch, metadata_offset: offset },
        )
    }

    pub fn session_timer(&mut self, b: u32) -> Vec<Output> {
        self.input(Input::Timer(kafka_playground::engine::cluster::TimerKey {
            kind: kafka_playground::engine::cluster::TimerKind::BrokerSession,
            instance: u64::from(b),
        }))
    }

    pub fn create(
        &mut self,
        name: &str,
        partitions: i64,
        rf: i64,
        configs: &[(&str, &str)],
    ) -> (Option<ErrorCode>, Option<String>) {
        let configs = configs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let out = self.deliver(
            20_000,
            Message::CreateTopicsRequest {
                correlation_id: 7,
                name: name.into(),
                partitions,
                replication_factor: rf,
                configs,
            },
        );
        out.into_iter()
            .find_map(|o| match o {
                Output::Send(Envelope {
                    message: Message::CreateTopicsResponse { error, message, .. },
                    ..
                }) => Some((error, message)),
                _ => None,
            })
            .unwrap()
    }

    pub fn partition(&self, topic: &str, p: u32) -> PartitionState {
        self.c.image().partition(topic, p).unwrap().clone()
    }
}

pub fn events(out: &[Output]) -> Vec<ClusterEvent> {
    out.iter().filter_map(|o| if let Output::Event(e) = o { Some(e.clone()) } else { None }).collect()
}

pub fn cluster(brokers: u32, config: ControllerConfig) -> Harness {
    let mut h = Harness::new(config);
    for b in 1..=brokers {
        h.join(b);
    }
    h
}

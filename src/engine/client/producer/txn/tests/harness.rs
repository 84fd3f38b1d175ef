//! A producer alone, driven by hand: transactional (`transactional.id=foobar`, [`H::new`])
//! or plain ([`H::plain`]); broker 1 bootstrap and leader of `t` (two partitions, or
//! [`H::partitions`]), broker 2 the group coordinator when asked.

use crate::engine::client::producer::{ProducerConfig, ProducerNode};
use crate::engine::cluster::command::Command;
use crate::engine::cluster::messages::{ProducePartition, ProducedPartition, TopicPartition};
use crate::engine::cluster::metadata::PartitionState;
use crate::engine::cluster::txn_parts::{CoordinatorType, TxnPartitionResult};
use crate::engine::cluster::{ClusterEvent, Envelope, Input, Message, Node, Output, TimerKey};
use crate::engine::error::ErrorCode;

pub const CLIENT: u32 = 10_000;
pub const PRODUCER_ID: i64 = 13_131;
pub const EPOCH: i16 = 1;

pub struct H {
    pub p: ProducerNode,
    pub now: i64,
    pub sent: Vec<(u32, Message)>,
    pub events: Vec<ClusterEvent>,
    pub timers: std::collections::BTreeMap<TimerKey, i64>,
    /// Partitions of `t` in the metadata answers.
    pub partitions: u32,
    /// Produce requests are answered at once, without error (their partitions go to
    /// [`H::produced`]); otherwise the test answers them.
    pub auto_ack: bool,
    pub produced: Vec<u32>,
    /// Metadata requests answered.
    pub metadata_requests: u32,
}

/// A leader's answer to every partition of a Produce request: `error`, or appended at 0.
fn answers(partitions: &[ProducePartition], error: Option<ErrorCode>) -> Vec<ProducedPartition> {
    let base_offset = if error.is_some() { -1 } else { 0 };
    partitions
        .iter()
        .map(|p| ProducedPartition { tp: p.tp.clone(), error, base_offset, log_append_time_ms: -1 })
        .collect()
}

pub fn tp0() -> TopicPartition {
    TopicPartition::new("t", 0)
}

impl H {
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        let mut all = vec![("transactional.id", "foobar"), ("linger.ms", "0")];
        all.extend_from_slice(pairs);
        Self::plain(&all)
    }

    /// A producer with `pairs` only (no `transactional.id` unless given).
    pub fn plain(pairs: &[(&str, &str)]) -> Self {
        let config = ProducerConfig::from_pairs(pairs.iter().copied()).unwrap();
        H {
            p: ProducerNode::new(CLIENT, config, 7),
            now: 0,
            sent: Vec::new(),
            events: Vec::new(),
            timers: Default::default(),
            partitions: 2,
            auto_ack: false,
            produced: Vec::new(),
            metadata_requests: 0,
        }
    }

    fn drain(&mut self) {
        while let Some(o) = self.p.poll_output() {
            match o {
                Output::Send(e) => self.sent.push((e.to, e.message)),
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
    }

    /// Hands `input` to the producer; a MetadataRequest it sends is answered at once
    /// (`t` has partitions 0 and 1, or [`H::partitions`], all led by broker 1), and a
    /// Produce request too with [`H::auto_ack`].
    pub fn input(&mut self, input: Input) {
        self.p.handle(self.now, input);
        self.drain();
        if self.auto_ack {
            self.ack_produce_requests();
        }
        let metadata = self.sent.iter().position(|(_, m)| matches!(m, Message::MetadataRequest { .. }));
        if let Some(i) = metadata {
            let (to, m) = self.sent.remove(i);
            let Message::MetadataRequest { correlation_id, .. } = m else { return };
            self.metadata_requests += 1;
            let state = PartitionState {
                replicas: vec![1],
                isr: vec![1],
                leader: Some(1),
                leader_epoch: 0,
                partition_epoch: 0,
            };
            let partitions =
                (0..self.partitions).map(|p| (TopicPartition::new("t", p), state.clone())).collect();
            let response = Message::MetadataResponse {
                correlation_id,
                brokers: vec![1, 2],
                partitions,
                unknown_topics: vec![],
            };
            self.deliver(to, response);
        }
    }

    /// Answers every Produce request sent, without error.
    fn ack_produce_requests(&mut self) {
        let (produce, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.sent)
            .into_iter()
            .partition(|(_, m)| matches!(m, Message::ProduceRequest { .. }));
        self.sent = rest;
        for (to, m) in produce {
            let Message::ProduceRequest { correlation_id, partitions, .. } = m else { continue };
            self.produced.extend(partitions.iter().map(|p| p.tp.partition));
            self.deliver(
                to,
                Message::ProduceResponse { correlation_id, partitions: answers(&partitions, None) },
            );
        }
    }

    pub fn command(&mut self, json: &str) {
        let command = Command::from_json(json).unwrap();
        self.input(Input::Command(command));
    }

    pub fn deliver(&mut self, from: u32, message: Message) {
        self.input(Input::Deliver(Envelope { from, to: CLIENT, message }));
    }

    /// Moves time on by `ms`, firing the timers that fall due, in time order.
    pub fn advance(&mut self, ms: i64) {
        let until = self.now + ms;
        loop {
            let due = self.timers.iter().filter(|(_, at)| **at <= until).min_by_key(|(_, at)| **at);
            let Some((key, at)) = due.map(|(k, a)| (*k, *a)) else { break };
            self.timers.remove(&key);
            self.now = self.now.max(at);
            self.input(Input::Timer(key));
        }
        self.now = until;
    }

    /// The requests sent since the last call, taken.
    pub fn take_sent(&mut self) -> Vec<(u32, Message)> {
        std::mem::take(&mut self.sent)
    }

    /// The one request sent since the last call.
    pub fn one_sent(&mut self) -> (u32, Message) {
        let sent = self.take_sent();
        assert_eq!(sent.len(), 1, "expected one request, got {sent:?}");
        sent.into_iter().next().unwrap()
    }

    pub fn state(&self) -> &'static str {
        self.p.transaction_state().unwrap().1
    }

    pub fn refusals(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::Refused { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn last_refusal(&self) -> String {
        self.refusals().last().cloned().unwrap_or_default()
    }

    /// Answers the FindCoordinator just sent with `node`.
    pub fn answer_find_coordinator(&mut self, key_type: CoordinatorType, key: &str, node: u32) {
        let (to, m) = self.one_sent();
        let Message::FindCoordinatorRequest { correlation_id, key: k, key_type: t } = m else {
            panic!("expected FindCoordinator, got {m:?}")
        };
        assert_eq!((k.as_str(), t), (key, key_type));
        let response =
            Message::FindCoordinatorResponse { correlation_id, key: k, error: None, node_id: Some(node) };
        self.deliver(to, response);
    }

    /// Answers the InitProducerId just sent; returns what it asked with.
    pub fn answer_init_producer_id(
        &mut self,
        error: Option<ErrorCode>,
        id: (i64, i16),
    ) -> (Option<String>, i32, i64, i16) {
        let (to, m) = self.one_sent();
        let Message::InitProducerIdRequest {
            correlation_id,
            transactional_id,
            transaction_timeout_ms,
            producer_id,
            producer_epoch,
        } = m
        else {
            panic!("expected InitProducerId, got {m:?}")
        };
        let response = Message::InitProducerIdResponse {
            correlation_id,
            error,
            producer_id: id.0,
            producer_epoch: id.1,
        };
        self.deliver(to, response);
        (transactional_id, transaction_timeout_ms, producer_id, producer_epoch)
    }

    /// `doInitTransactions`: FindCoordinator (transaction, on broker 1), InitProducerId.
    pub fn do_init_transactions(&mut self) {
        self.command(r#"{"init_transactions": true}"#);
        assert_eq!(self.state(), "INITIALIZING");
        self.answer_find_coordinator(CoordinatorType::Transaction, "foobar", 1);
        let asked = self.answer_init_producer_id(None, (PRODUCER_ID, EPOCH));
        assert_eq!(asked, (Some("foobar".into()), 60_000, -1, -1));
        assert_eq!(self.state(), "READY");
        assert_eq!(self.p.producer_id_and_epoch(), Some((PRODUCER_ID, EPOCH)));
    }

    /// A transaction begun with one record to `t`-0, its partition added: the producer
    /// with its Produce request in flight (taken, for the test to answer when it wants).
    pub fn with_produce_in_flight() -> (Self, Vec<(u32, Message)>) {
        let mut h = H::new(&[]);
        h.do_init_transactions();
        h.command(r#"{"begin_transaction": true}"#);
        h.produce(0);
        h.answer_add_partitions(None);
        let produce = h.take_sent();
        (h, produce)
    }

    /// `produce` of one record to `t`-`partition`.
    pub fn produce(&mut self, partition: u32) {
        let json = format!(r#"{{"produce": {{"topic": "t", "partition": {partition}, "count": 1}}}}"#);
        self.command(&json);
    }

    /// Answers the AddPartitionsToTxn just sent, one error for all its partitions.
    pub fn answer_add_partitions(&mut self, error: Option<ErrorCode>) -> Vec<TopicPartition> {
        let (to, m) = self.one_sent();
        let Message::AddPartitionsToTxnRequest {
            correlation_id,
            transactional_id,
            producer_id,
            producer_epoch,
            partitions,
        } = m
        else {
            panic!("expected AddPartitionsToTxn, got {m:?}")
        };
        assert_eq!((transactional_id.as_str(), producer_id, producer_epoch), ("foobar", PRODUCER_ID, EPOCH));
        let results = partitions.iter().map(|tp| TxnPartitionResult { tp: tp.clone(), error }).collect();
        self.deliver(to, Message::AddPartitionsToTxnResponse { correlation_id, results });
        partitions
    }

    /// Answers the Produce just sent; returns whether its batch was transactional.
    pub fn answer_produce(&mut self, error: Option<ErrorCode>) -> bool {
        let (to, m) = self.one_sent();
        let Message::ProduceRequest { correlation_id, partitions, .. } = m else {
            panic!("expected Produce, got {m:?}")
        };
        let header = crate::engine::record::batch::read_header(&partitions[0].records).unwrap();
        assert_eq!((header.producer_id, header.producer_epoch), (PRODUCER_ID, EPOCH));
        self.deliver(
            to,
            Message::ProduceResponse { correlation_id, partitions: answers(&partitions, error) },
        );
        header.is_transactional()
    }

    /// Answers the EndTxn just sent; returns whether it asked to commit.
    pub fn answer_end_txn(&mut self, error: Option<ErrorCode>) -> bool {
        let (to, m) = self.one_sent();
        let Message::EndTxnRequest { correlation_id, transactional_id, committed, .. } = m else {
            panic!("expected EndTxn, got {m:?}")
        };
        assert_eq!(transactional_id, "foobar");
        self.deliver(
            to,
            Message::EndTxnResponse { correlation_id, error, producer_id: -1, producer_epoch: -1 },
        );
        committed
    }

    pub fn has_event(&self, matches: impl Fn(&ClusterEvent) -> bool) -> bool {
        self.events.iter().any(matches)
    }
}

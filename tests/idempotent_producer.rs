//! The idempotent producer (Java's `TransactionManager`, `Sender`, `RecordAccumulator`)
//! against a fake broker written here that checks sequences as Kafka's
//! `ProducerAppendInfo.checkSequence` does (a newer epoch must start at 0, an older one is
//! INVALID_PRODUCER_EPOCH, a sequence already written is DUPLICATE_SEQUENCE_NUMBER, a gap is
//! OUT_OF_ORDER_SEQUENCE_NUMBER): InitProducerId first, consecutive sequences in the batch
//! header, `max.in.flight.requests.per.connection` per broker, retries that keep order and
//! write nothing twice, the KIP-360 epoch bump, PRODUCER_FENCED as fatal.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::client::producer::{ProducerConfig, ProducerNode};
use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::messages::{ProducePartition, ProducedPartition, TopicPartition};
use kafka_playground::engine::cluster::metadata::PartitionState;
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Message, Node, Output, TimerKey};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::decode_batch;
use std::collections::{BTreeMap, VecDeque};

const CLIENT: u32 = 10_000;

struct Sim {
    p: ProducerNode,
    now: i64,
    timers: BTreeMap<TimerKey, i64>,
    events: Vec<ClusterEvent>,
}

impl Sim {
    fn new(pairs: &[(&str, &str)]) -> Self {
        let config = ProducerConfig::from_pairs(pairs.iter().copied()).unwrap();
        Sim { p: ProducerNode::new(CLIENT, config, 7), now: 0, timers: BTreeMap::new(), events: Vec::new() }
    }

    fn input(&mut self, input: Input) -> Vec<(u32, Message)> {
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

    fn produce(&mut self, spec: serde_json::Value) -> Vec<(u32, Message)> {
        let command = Command::from_json(&serde_json::json!({ "produce": spec }).to_string()).unwrap();
        self.input(Input::Command(command))
    }

    /// Every request of one round goes to `broker` first, then the answers come back in
    /// order (so the requests a drain sends together are all in flight at once); timers
    /// fire in time order up to `until_ms`.
    fn run_until(&mut self, until_ms: i64, first: Vec<(u32, Message)>, broker: &mut Fake) {
        let mut queue: VecDeque<(u32, Message)> = first.into();
        loop {
            while !queue.is_empty() {
                let answers: Vec<(u32, Message)> =
                    queue.drain(..).filter_map(|(to, m)| broker.answer(to, &m).map(|a| (to, a))).collect();
                for (from, message) in answers {
                    let out = self.input(Input::Deliver(Envelope { from, to: CLIENT, message }));
                    queue.extend(out);
                }
            }
            let due = self.timers.iter().filter(|(_, at)| **at <= until_ms).min_by_key(|(_, at)| **at);
            let Some((key, at)) = due.map(|(k, at)| (*k, *at)) else { break };
            self.timers.remove(&key);
            self.now = self.now.max(at);
            queue.extend(self.input(Input::Timer(key)));
        }
        self.now = self.now.max(until_ms);
    }

    fn failed(&self) -> Vec<ErrorCode> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::SendFailed { error, .. } => Some(*error),
                _ => None,
            })
            .collect()
    }
}

/// One batch as the fake broker received it.
#[derive(Debug, Clone, PartialEq)]
struct Received {
    partition: u32,
    producer_id: i64,
    epoch: i16,
    base_sequence: i32,
    values: Vec<String>,
}

/// The fake: broker 1 leads every partition of topic "t"; `fail` may answer a batch
/// with an error before (`Before`) or after (`After`) it is appended.
struct Fake {
    partitions: u32,
    logs: BTreeMap<u32, Vec<String>>,
    /// (partition, producer id) → (epoch, last sequence written).
    sequences: BTreeMap<(u32, i64), (i16, i32)>,
    received: Vec<Received>,
    init_requests: Vec<Message>,
    init_errors: VecDeque<ErrorCode>,
    /// Answers nothing to produce requests (a silent leader).
    silent: bool,
    fail: Box<FailRule>,
}

/// Which batch the fake answers with an error, and whether before or after appending it.
type FailRule = dyn FnMut(&Received) -> Option<(When, ErrorCode)>;

#[derive(Clone, Copy, PartialEq)]
enum When {
    Before,
    After,
}

impl Fake {
    fn new(partitions: u32) -> Self {
        Fake {
            partitions,
            logs: BTreeMap::new(),
            sequences: BTreeMap::new(),
            received: Vec::new(),
            init_requests: Vec::new(),
            init_errors: VecDeque::new(),
            silent: false,
            fail: Box::new(|_| None),
        }
    }

    /// `ProducerAppendInfo.checkSequence`, as far as this test needs it.
    fn check_sequence(&self, b: &Received) -> Option<ErrorCode> {
        if b.producer_id < 0 {
            return None;
        }
        let last_of = |seq: i32| seq + b.values.len() as i32 - 1;
        match self.sequences.get(&(b.partition, b.producer_id)) {
            None => None,
            Some((epoch, _)) if b.epoch < *epoch => Some(ErrorCode::InvalidProducerEpoch),
            Some((epoch, _)) if b.epoch > *epoch => {
                (b.base_sequence != 0).then_some(ErrorCode::OutOfOrderSequenceNumber)
            }
            Some((_, last)) if last_of(b.base_sequence) <= *last => Some(ErrorCode::DuplicateSequenceNumber),
            Some((_, last)) if b.base_sequence != last + 1 => Some(ErrorCode::OutOfOrderSequenceNumber),
            Some(_) => None,
        }
    }

    fn answer(&mut self, _to: u32, message: &Message) -> Option<Message> {
        match message {
            Message::MetadataRequest { correlation_id, .. } => {
                let partitions = (0..self.partitions)
                    .map(|p| {
                        let state = PartitionState {
                            replicas: vec![1],
                            isr: vec![1],
                            leader: Some(1),
                            leader_epoch: 0,
                            partition_epoch: 0,
                        };
                        (TopicPartition { topic: "t".into(), partition: p }, state)
                    })
                    .collect();
                Some(Message::MetadataResponse {
                    correlation_id: *correlation_id,
                    brokers: vec![1],
                    partitions,
                    unknown_topics: vec![],
                })
            }
            Message::InitProducerIdRequest { correlation_id, .. } => {
                self.init_requests.push(message.clone());
                let error = self.init_errors.pop_front();
                let (producer_id, producer_epoch) = if error.is_some() { (-1, -1) } else { (4000, 0) };
                Some(Message::InitProducerIdResponse {
                    correlation_id: *correlation_id,
                    error,
                    producer_id,
                    producer_epoch,
                })
            }
            Message::ProduceRequest { correlation_id, partitions, .. } => {
                let mut answers = Vec::new();
                for ProducePartition { tp, records } in partitions {
                    let batch = decode_batch(records).expect("a batch whose CRC holds");
                    let b = Received {
                        partition: tp.partition,
                        producer_id: batch.header.producer_id,
                        epoch: batch.header.producer_epoch,
                        base_sequence: batch.header.base_sequence,
                        values: batch
                            .records
                            .into_iter()
                            .map(|r| String::from_utf8(r.value.unwrap()).unwrap())
                            .collect(),
                    };
                    self.received.push(b.clone());
                    let fail = (self.fail)(&b);
                    let mut error = match fail {
                        Some((When::Before, e)) => Some(e),
                        _ => self.check_sequence(&b),
                    };
                    let mut base_offset = -1;
                    if error.is_none() {
                        let log = self.logs.entry(tp.partition).or_default();
                        base_offset = log.len() as i64;
                        log.extend(b.values.iter().cloned());
                        if b.producer_id >= 0 {
                            let last = b.base_sequence + b.values.len() as i32 - 1;
                            self.sequences.insert((b.partition, b.producer_id), (b.epoch, last));
                        }
                        if let Some((When::After, e)) = fail {
                            error = Some(e);
                            base_offset = -1;
                        }
                    }
                    answers.push(ProducedPartition {
                        tp: tp.clone(),
                        error,
                        base_offset,
                        log_append_time_ms: -1,
                    });
                }
                (!self.silent).then_some(Message::ProduceResponse {
                    correlation_id: *correlation_id,
                    partitions: answers,
                })
            }
            _ => None,
        }
    }

    fn numbers(&self, partition: u32) -> Vec<u32> {
        self.logs.get(&partition).map_or(vec![], |l| l.iter().map(|v| v[2..].parse().unwrap()).collect())
    }
}

/// Records small enough that each batch of `batch.size=100` holds a few.
fn small_batches(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut pairs = vec![("linger.ms", "0"), ("batch.size", "100"), ("retry.backoff.ms", "10")];
    pairs.extend_from_slice(extra);
    pairs
}

#[test]
fn init_producer_id_comes_first_and_batches_carry_consecutive_sequences() {
    let mut sim = Sim::new(&small_batches(&[]));
    let mut fake = Fake::new(2);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 30, "key": "k{i}", "value": "v-{i}"}));
    sim.run_until(1000, out, &mut fake);
    assert_eq!(sim.p.counts().acked, 30);
    // InitProducerIdRequest for an idempotent producer: null transactional id,
    // transaction timeout Integer.MAX_VALUE, no id or epoch of its own.
    assert_eq!(
        fake.init_requests,
        vec![Message::InitProducerIdRequest {
            correlation_id: match &fake.init_requests[0] {
                Message::InitProducerIdRequest { correlation_id, .. } => *correlation_id,
                _ => unreachable!(),
            },
            transactional_id: None,
            transaction_timeout_ms: i32::MAX,
            producer_id: -1,
            producer_epoch: -1,
        }]
    );
    for partition in 0..2 {
        let batches: Vec<&Received> = fake.received.iter().filter(|b| b.partition == partition).collect();
        assert!(batches.len() >= 2, "several batches for partition {partition}");
        let mut next = 0;
        for b in batches {
            assert_eq!((b.producer_id, b.epoch, b.base_sequence), (4000, 0, next), "{b:?}");
            next += b.values.len() as i32;
        }
    }
    assert_eq!(sim.p.producer_id_and_epoch(), Some((4000, 0)));
}

#[test]
fn no_batch_goes_before_the_producer_id_and_coordinator_load_in_progress_is_retried() {
    let mut sim = Sim::new(&small_batches(&[("retry.backoff.ms", "100")]));
    let mut fake = Fake::new(1);
    fake.init_errors.push_back(ErrorCode::CoordinatorLoadInProgress);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 3}));
    sim.run_until(99, out, &mut fake);
    assert_eq!(fake.init_requests.len(), 1);
    assert!(fake.received.is_empty(), "nothing is sent without a producer id");
    sim.run_until(100, vec![], &mut fake);
    assert_eq!(fake.init_requests.len(), 2, "asked again after retry.backoff.ms");
    assert_eq!(sim.p.counts().acked, 3);
}

/// `InFlightRequests.canSendMore`: at most `max.in.flight.requests.per.connection`
/// unanswered requests to one broker, several of them for one partition.
#[test]
fn requests_in_flight_per_broker_are_bounded_by_max_in_flight() {
    for (max, idempotence) in [("5", "true"), ("2", "true"), ("1", "true"), ("5", "false"), ("1", "false")] {
        let pairs = [("max.in.flight.requests.per.connection", max), ("enable.idempotence", idempotence)];
        let mut sim = Sim::new(&small_batches(&pairs));
        let mut fake = Fake::new(1);
        fake.silent = true;
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 40, "value": "v-{i}"}));
        sim.run_until(50, out, &mut fake);
        let expected: usize = max.parse().unwrap();
        assert_eq!(fake.received.len(), expected, "max.in.flight={max} idempotence={idempotence}");
    }
}

/// Lecture section 3: with `max.in.flight.requests.per.connection=5` and no idempotence a
/// retriable error on one request while the later ones succeed reorders the partition;
/// with idempotence the broker refuses the later ones (OUT_OF_ORDER_SEQUENCE_NUMBER) and
/// the client resends in sequence order, so the order holds. The refused batch is the
/// second: a broker with no state for a producer takes any first sequence (Kafka's
/// `checkSequence` for an entry without epoch), so a gap before the first write is not
/// seen.
#[test]
fn a_retriable_error_reorders_without_idempotence_but_not_with_it() {
    let run = |idempotence: &'static str| {
        let mut sim = Sim::new(&small_batches(&[("enable.idempotence", idempotence)]));
        let mut fake = Fake::new(1);
        let mut failed_once = false;
        fake.fail = Box::new(move |b| {
            if !failed_once && b.values.first().is_some_and(|v| v != "v-0") {
                failed_once = true;
                return Some((When::Before, ErrorCode::NotEnoughReplicas));
            }
            None
        });
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 30, "value": "v-{i}"}));
        sim.run_until(2000, out, &mut fake);
        assert_eq!(sim.p.counts().acked, 30, "idempotence={idempotence}");
        fake.numbers(0)
    };
    let without = run("false");
    assert_eq!(without.len(), 30);
    assert!(without.windows(2).any(|w| w[0] > w[1]), "reordered without idempotence: {without:?}");
    let with = run("true");
    assert_eq!(with, (0..30).collect::<Vec<u32>>(), "in order with idempotence");
}

/// A batch written whose answer is an error (NOT_ENOUGH_REPLICAS_AFTER_APPEND) is sent
/// again: without idempotence it is written twice; with it the broker answers
/// DUPLICATE_SEQUENCE_NUMBER, which the producer takes as success.
#[test]
fn a_retry_after_a_write_duplicates_only_without_idempotence() {
    let run = |idempotence: &'static str| {
        let mut sim = Sim::new(&small_batches(&[("enable.idempotence", idempotence)]));
        let mut fake = Fake::new(1);
        let mut failed_once = false;
        fake.fail = Box::new(move |_| {
            (!std::mem::replace(&mut failed_once, true))
                .then_some((When::After, ErrorCode::NotEnoughReplicasAfterAppend))
        });
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "value": "v-{i}"}));
        sim.run_until(1000, out, &mut fake);
        assert_eq!((sim.p.counts().acked, sim.p.counts().failed), (1, 0));
        fake.numbers(0)
    };
    assert_eq!(run("false"), vec![0, 0]);
    assert_eq!(run("true"), vec![0]);
}

/// KIP-360: OUT_OF_ORDER_SEQUENCE_NUMBER for the next batch in sequence (a real gap) and
/// UNKNOWN_PRODUCER_ID make the idempotent producer bump its epoch locally and resend
/// the batch from sequence 0 under the new epoch.
#[test]
fn a_gap_or_an_unknown_producer_bumps_the_epoch_and_restarts_sequences() {
    for error in [ErrorCode::OutOfOrderSequenceNumber, ErrorCode::UnknownProducerId] {
        let mut sim = Sim::new(&small_batches(&[]));
        let mut fake = Fake::new(1);
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "value": "v-{i}"}));
        sim.run_until(100, out, &mut fake);
        let mut failed_once = false;
        fake.fail =
            Box::new(move |_| (!std::mem::replace(&mut failed_once, true)).then_some((When::Before, error)));
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "value": "v-{i}"}));
        sim.run_until(1000, out, &mut fake);
        let sent: Vec<(i16, i32)> = fake.received.iter().map(|b| (b.epoch, b.base_sequence)).collect();
        assert_eq!(sent, vec![(0, 0), (0, 1), (1, 0)], "{error:?}");
        assert_eq!(sim.p.producer_id_and_epoch(), Some((4000, 1)));
        assert_eq!(fake.numbers(0), vec![0, 1]);
        assert_eq!(sim.p.counts().acked, 2);
    }
}

/// PRODUCER_FENCED is fatal (`TransactionManager.maybeTransitionToErrorState`): the batch
/// and every later send fail with it.
#[test]
fn producer_fenced_is_fatal() {
    let mut sim = Sim::new(&small_batches(&[]));
    let mut fake = Fake::new(1);
    fake.fail = Box::new(|_| Some((When::Before, ErrorCode::ProducerFenced)));
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 1}));
    sim.run_until(100, out, &mut fake);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 2}));
    sim.run_until(200, out, &mut fake);
    assert_eq!(sim.failed(), vec![ErrorCode::ProducerFenced, ErrorCode::ProducerFenced]);
    assert_eq!(sim.p.counts().failed, 3);
    assert_eq!(fake.received.len(), 1, "nothing is sent after the fatal error");
    assert_eq!(sim.p.state_json()["fatal_error"], "PRODUCER_FENCED");
}

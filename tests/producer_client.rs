//! The producer client against a fake broker written in the test: linger and batch.size
//! batching, request shapes per acks, retries after NOT_LEADER_OR_FOLLOWER with a
//! metadata refresh, failure at delivery.timeout.ms, per-partition order, config checks.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::client::producer::ProducerConfig;
use kafka_playground::engine::cluster::command::Command;
use kafka_playground::engine::cluster::messages::{
    Acks, ProducePartition, ProducedPartition, TopicPartition,
};
use kafka_playground::engine::cluster::metadata::PartitionState;
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Message, TimerKey, TimerKind};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::decode_batch;
use std::collections::{BTreeMap, VecDeque};

#[path = "common/producer_sim.rs"]
mod producer_sim;
use producer_sim::{Sim, CLIENT};

type Broker<'a> = &'a mut dyn FnMut(i64, u32, &Message) -> Option<Message>;

impl Sim {
    /// Delivers every request to `broker` (answers arrive at once) and fires timers in
    /// time order up to `until_ms`.
    fn run_until(&mut self, until_ms: i64, first: Vec<(u32, Message)>, broker: Broker) {
        let mut queue: VecDeque<(u32, Message)> = first.into();
        loop {
            while let Some((to, message)) = queue.pop_front() {
                if let Some(response) = broker(self.now, to, &message) {
                    let out =
                        self.input(Input::Deliver(Envelope { from: to, to: CLIENT, message: response }));
                    queue.extend(out);
                }
            }
            let due = self
                .timers
                .iter()
                .filter(|(_, at)| **at <= until_ms)
                .min_by_key(|(_, at)| **at)
                .map(|(k, at)| (*k, *at));
            let Some((key, at)) = due else { break };
            self.timers.remove(&key);
            self.now = self.now.max(at);
            queue.extend(self.input(Input::Timer(key)));
        }
        self.now = self.now.max(until_ms);
    }

    fn acked(&self) -> Vec<(i64, u32)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClusterEvent::SendAcknowledged { base_offset, records, .. } => Some((*base_offset, *records)),
                _ => None,
            })
            .collect()
    }
}

fn metadata(correlation_id: u64, topic: &str, leaders: &[(u32, i32)]) -> Message {
    let partitions = leaders
        .iter()
        .enumerate()
        .map(|(i, (leader, epoch))| {
            let state = PartitionState {
                replicas: vec![1, 2, 3],
                isr: vec![1, 2, 3],
                leader: Some(*leader),
                leader_epoch: *epoch,
                partition_epoch: *epoch,
            };
            (TopicPartition { topic: topic.into(), partition: i as u32 }, state)
        })
        .collect();
    Message::MetadataResponse { correlation_id, brokers: vec![1, 2, 3], partitions, unknown_topics: vec![] }
}

fn values(records: &[u8]) -> Vec<String> {
    decode_batch(records)
        .unwrap()
        .records
        .into_iter()
        .map(|r| String::from_utf8(r.value.unwrap()).unwrap())
        .collect()
}

/// A broker that answers metadata with `leaders` for topic "t" and appends produce
/// requests sent to the right leader to per-partition logs.
struct FakeCluster {
    leaders: Vec<(u32, i32)>,
    logs: BTreeMap<u32, Vec<String>>,
    produce_requests: Vec<(u32, TopicPartition, Acks, i64, Vec<String>)>,
}

impl FakeCluster {
    fn new(leaders: &[(u32, i32)]) -> Self {
        FakeCluster { leaders: leaders.to_vec(), logs: BTreeMap::new(), produce_requests: Vec::new() }
    }

    fn answer(&mut self, to: u32, message: &Message) -> Option<Message> {
        match message {
            Message::MetadataRequest { correlation_id, .. } => {
                Some(metadata(*correlation_id, "t", &self.leaders))
            }
            Message::InitProducerIdRequest { correlation_id, .. } => Some(Message::InitProducerIdResponse {
                correlation_id: *correlation_id,
                error: None,
                producer_id: 4000,
                producer_epoch: 0,
            }),
            Message::ProduceRequest { correlation_id, acks, timeout_ms, partitions } => {
                let mut answers = Vec::new();
                for ProducePartition { tp, records } in partitions {
                    self.produce_requests.push((to, tp.clone(), *acks, *timeout_ms, values(records)));
                    if self.leaders[tp.partition as usize].0 != to {
                        answers.push(ProducedPartition {
                            tp: tp.clone(),
                            error: Some(ErrorCode::NotLeaderOrFollower),
                            base_offset: -1,
                            log_append_time_ms: -1,
                        });
                        continue;
                    }
                    let log = self.logs.entry(tp.partition).or_default();
                    let base_offset = log.len() as i64;
                    log.extend(values(records));
                    answers.push(ProducedPartition {
                        tp: tp.clone(),
                        error: None,
                        base_offset,
                        log_append_time_ms: -1,
                    });
                }
                (*acks != Acks::None).then_some(Message::ProduceResponse {
                    correlation_id: *correlation_id,
                    partitions: answers,
                })
            }
            _ => None,
        }
    }
}

#[test]
fn records_wait_linger_ms_then_go_as_one_batch() {
    let mut sim = Sim::new(&[("linger.ms", "5")]);
    let mut cluster = FakeCluster::new(&[(1, 0)]);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 3, "key": null, "value": "v-{i}"}));
    sim.run_until(4, out, &mut |_, to, m| cluster.answer(to, m));
    assert!(cluster.produce_requests.is_empty(), "sent before linger.ms");
    assert_eq!(sim.timers.get(&TimerKey::single(TimerKind::Sender)), Some(&5));
    sim.run_until(5, vec![], &mut |_, to, m| cluster.answer(to, m));
    assert_eq!(cluster.produce_requests.len(), 1);
    assert_eq!(cluster.produce_requests[0].4, vec!["v-0", "v-1", "v-2"]);
    assert_eq!(sim.acked(), vec![(0, 3)]);
    assert_eq!(sim.p.acknowledged()[2].offset, 2);
    assert_eq!(sim.p.counts().acked, 3);
    assert_eq!(sim.p.counts().in_flight, 0);
}

#[test]
fn a_full_batch_goes_at_once_without_waiting_for_linger() {
    let mut sim = Sim::new(&[("linger.ms", "1000"), ("batch.size", "200")]);
    let mut cluster = FakeCluster::new(&[(1, 0)]);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 20, "value": "value-number-{i}"}));
    sim.run_until(10, out, &mut |_, to, m| cluster.answer(to, m));
    let sent: Vec<usize> = cluster.produce_requests.iter().map(|r| r.4.len()).collect();
    assert!(sent.len() >= 2, "full batches leave before linger.ms: {sent:?}");
    assert_eq!(sim.p.counts().in_flight as usize, 20 - sent.iter().sum::<usize>(), "the open batch lingers");
    sim.run_until(1000, vec![], &mut |_, to, m| cluster.answer(to, m));
    let all: Vec<String> = cluster.logs[&0].clone();
    assert_eq!(all, (0..20).map(|i| format!("value-number-{i}")).collect::<Vec<_>>());
}

#[test]
fn request_shapes_follow_acks() {
    for (acks, wire) in [("0", Acks::None), ("1", Acks::Leader), ("all", Acks::All)] {
        let mut sim = Sim::new(&[("acks", acks), ("linger.ms", "0"), ("request.timeout.ms", "1500")]);
        let mut cluster = FakeCluster::new(&[(2, 0)]);
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 1}));
        sim.run_until(0, out, &mut |_, to, m| cluster.answer(to, m));
        let (to, _, sent_acks, timeout_ms, _) = cluster.produce_requests[0].clone();
        assert_eq!((to, sent_acks, timeout_ms), (2, wire, 1500));
        let expected_offset = if wire == Acks::None { -1 } else { 0 };
        assert_eq!(sim.acked(), vec![(expected_offset, 1)], "acks={acks}");
        assert!(sim
            .events
            .iter()
            .any(|e| matches!(e, ClusterEvent::SendAcknowledged { acks, .. } if *acks == wire.wire())));
    }
}

#[test]
fn one_request_per_leader_carries_every_ready_partition() {
    let mut sim = Sim::new(&[("linger.ms", "5")]);
    let mut cluster = FakeCluster::new(&[(1, 0), (1, 0), (2, 0)]);
    let mut requests: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut broker = |_: i64, to: u32, m: &Message| {
        if let Message::ProduceRequest { partitions, .. } = m {
            requests.push((to, partitions.iter().map(|p| p.tp.partition).collect()));
        }
        cluster.answer(to, m)
    };
    let mut out = Vec::new();
    for partition in [2, 0, 1] {
        out.extend(sim.produce(serde_json::json!({"topic": "t", "count": 2, "partition": partition})));
    }
    sim.run_until(5, out, &mut broker);
    // Java's Sender drains per node: broker 1 leads partitions 0 and 1, so one request.
    assert_eq!(requests, vec![(1, vec![0, 1]), (2, vec![2])]);
    assert_eq!(sim.p.counts().acked, 6);
    assert_eq!(sim.acked().len(), 3, "one acknowledgement per batch");
}

#[test]
fn each_partition_of_a_request_completes_by_its_own_answer() {
    let mut sim = Sim::new(&[("linger.ms", "0"), ("retry.backoff.ms", "10")]);
    let mut cluster = FakeCluster::new(&[(1, 0), (1, 0)]);
    let mut refused_once = false;
    let mut broker = |_: i64, to: u32, m: &Message| {
        let answer = cluster.answer(to, m);
        match (m, answer) {
            (
                Message::ProduceRequest { .. },
                Some(Message::ProduceResponse { correlation_id, mut partitions }),
            ) if !refused_once && partitions.len() == 2 => {
                refused_once = true;
                // Partition 1 was refused; partition 0 was appended.
                partitions[1].error = Some(ErrorCode::NotEnoughReplicas);
                partitions[1].base_offset = -1;
                Some(Message::ProduceResponse { correlation_id, partitions })
            }
            (_, answer) => answer,
        }
    };
    let mut out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "partition": 0, "value": "a"}));
    out.extend(sim.produce(serde_json::json!({"topic": "t", "count": 1, "partition": 1, "value": "b"})));
    sim.run_until(100, out, &mut broker);
    assert!(refused_once, "both partitions went in one request");
    let retried: Vec<u32> = sim
        .events
        .iter()
        .filter_map(|e| match e {
            ClusterEvent::SendRetried { tp, error: ErrorCode::NotEnoughReplicas, .. } => Some(tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(retried, vec![1], "only the refused partition is retried");
    assert_eq!(sim.p.counts().acked, 2);
    // The fake appended partition 1's batch before the refusal was written in: the retry
    // appends it again, as an acks=all retry after a lost answer would.
    assert_eq!(cluster.logs[&0], vec!["a"]);
    assert_eq!(cluster.logs[&1], vec!["b", "b"]);
}

#[test]
fn not_leader_is_retried_at_the_new_leader_after_a_metadata_refresh() {
    let mut sim = Sim::new(&[("linger.ms", "0"), ("retry.backoff.ms", "100")]);
    let mut cluster = FakeCluster::new(&[(1, 0)]);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 2}));
    sim.run_until(0, out, &mut |_, to, m| cluster.answer(to, m));
    assert_eq!(sim.p.counts().acked, 2);
    // Leadership moved to broker 2; the producer still believes 1.
    cluster.leaders = vec![(2, 1)];
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "value": "after-move"}));
    sim.run_until(1000, out, &mut |_, to, m| cluster.answer(to, m));
    let to: Vec<u32> = cluster.produce_requests.iter().map(|r| r.0).collect();
    assert_eq!(to, vec![1, 1, 2]);
    assert!(sim.events.iter().any(|e| matches!(
        e,
        ClusterEvent::SendRetried { error: ErrorCode::NotLeaderOrFollower, attempt: 1, .. }
    )));
    assert_eq!(cluster.logs[&0], vec!["v-0", "v-1", "after-move"]);
    assert_eq!(sim.p.acknowledged().last().unwrap().offset, 2);
}

#[test]
fn a_closed_connection_fails_the_request_at_once_and_the_retry_finds_the_new_leader() {
    let mut sim =
        Sim::new(&[("linger.ms", "0"), ("retry.backoff.ms", "100"), ("request.timeout.ms", "30000")]);
    let mut cluster = FakeCluster::new(&[(1, 0)]);
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 1}));
    sim.run_until(0, out, &mut |_, to, m| cluster.answer(to, m));
    assert_eq!(sim.p.counts().acked, 1);
    // Broker 1's process is gone: its host resets the connection; broker 2 leads now.
    cluster.leaders = vec![(2, 1)];
    let mut answered_at = Vec::new();
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 1, "value": "after-crash"}));
    sim.run_until(1000, out, &mut |now, to, m| match m {
        Message::ProduceRequest { .. } if to == 1 => Some(Message::ConnectionClosed),
        _ => {
            answered_at.push(now);
            cluster.answer(to, m)
        }
    });
    assert!(sim.events.iter().any(|e| matches!(
        e,
        ClusterEvent::SendRetried { error: ErrorCode::NetworkException, attempt: 1, .. }
    )));
    assert!(!sim
        .events
        .iter()
        .any(|e| matches!(e, ClusterEvent::SendRetried { error: ErrorCode::RequestTimedOut, .. })));
    assert_eq!(cluster.logs[&0], vec!["v-0", "after-crash"]);
    assert_eq!(sim.p.counts().acked, 2);
    // Retried after retry.backoff.ms, not after request.timeout.ms.
    assert!(answered_at.iter().all(|at| *at <= 100), "answered at {answered_at:?}");
}

#[test]
fn a_silent_leader_fails_the_send_at_delivery_timeout_ms() {
    let mut sim = Sim::new(&[
        ("linger.ms", "0"),
        ("request.timeout.ms", "400"),
        ("delivery.timeout.ms", "1000"),
        ("retry.backoff.ms", "100"),
    ]);
    let mut requests = 0;
    let out = sim.produce(serde_json::json!({"topic": "t", "count": 4}));
    let mut silent = |_: i64, _: u32, m: &Message| match m {
        Message::MetadataRequest { correlation_id, .. } => Some(metadata(*correlation_id, "t", &[(1, 0)])),
        Message::InitProducerIdRequest { correlation_id, .. } => Some(Message::InitProducerIdResponse {
            correlation_id: *correlation_id,
            error: None,
            producer_id: 0,
            producer_epoch: 0,
        }),
        _ => {
            requests += 1;
            None
        }
    };
    sim.run_until(999, out, &mut silent);
    assert!(
        !sim.events.iter().any(|e| matches!(e, ClusterEvent::SendFailed { .. })),
        "failed before delivery.timeout.ms"
    );
    assert!(sim
        .events
        .iter()
        .any(|e| matches!(e, ClusterEvent::SendRetried { error: ErrorCode::RequestTimedOut, .. })));
    sim.run_until(2000, vec![], &mut silent);
    let failed: Vec<_> = sim.events.iter().filter(|e| matches!(e, ClusterEvent::SendFailed { .. })).collect();
    assert_eq!(failed.len(), 1);
    assert!(matches!(
        failed[0],
        ClusterEvent::SendFailed { error: ErrorCode::RequestTimedOut, records: 4, .. }
    ));
    assert_eq!((sim.p.counts().failed, sim.p.counts().in_flight), (4, 0));
}

/// Without idempotence, `max.in.flight.requests.per.connection=1` keeps each partition's
/// order (Java's `guaranteeMessageOrder` mutes a partition while its batch is in flight).
#[test]
fn order_is_kept_per_partition_through_retries() {
    let mut sim = Sim::new(&[
        ("linger.ms", "2"),
        ("batch.size", "120"),
        ("retry.backoff.ms", "10"),
        ("enable.idempotence", "false"),
        ("max.in.flight.requests.per.connection", "1"),
    ]);
    let mut cluster = FakeCluster::new(&[(1, 0), (2, 0)]);
    let mut n = 0;
    let mut flaky = |_: i64, to: u32, m: &Message| {
        if let Message::ProduceRequest { correlation_id, partitions, .. } = m {
            n += 1;
            if n % 3 == 0 {
                let partitions = partitions
                    .iter()
                    .map(|p| ProducedPartition {
                        tp: p.tp.clone(),
                        error: Some(ErrorCode::NotEnoughReplicas),
                        base_offset: -1,
                        log_append_time_ms: -1,
                    })
                    .collect();
                return Some(Message::ProduceResponse { correlation_id: *correlation_id, partitions });
            }
        }
        cluster.answer(to, m)
    };
    let mut out = Vec::new();
    for round in 0..5 {
        out.extend(sim.produce(serde_json::json!({"topic": "t", "count": 10, "key": format!("key-{}", round % 2) + "-{i}", "value": "v-{i}"})));
    }
    sim.run_until(5000, out, &mut flaky);
    assert_eq!(sim.p.counts().acked, 50);
    for log in cluster.logs.values() {
        let numbers: Vec<u32> = log.iter().map(|v| v[2..].parse().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "out of order: {numbers:?}");
    }
    assert_eq!(cluster.logs.values().map(Vec::len).sum::<usize>(), 50);
    for a in sim.p.acknowledged() {
        assert_eq!(cluster.logs[&a.partition][a.offset as usize], a.value);
    }
}

#[test]
fn configs_are_checked_as_kafka_producer_does() {
    let e = ProducerConfig::from_pairs([("delivery.timeout.ms", "1000"), ("request.timeout.ms", "30000")])
        .unwrap_err();
    assert_eq!(
        e.message,
        "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
    );
    let c = ProducerConfig::from_pairs([("request.timeout.ms", "200000")]).unwrap();
    assert_eq!(c.delivery_timeout_ms, 200_005);
    // Idempotence asked for with acks=1 is refused in Kafka's words; left at its default
    // it is turned off (KAFKA-13673).
    let e = ProducerConfig::from_pairs([("acks", "1"), ("enable.idempotence", "true")]).unwrap_err();
    assert_eq!(e.name, "acks", "{e}");
    let c = ProducerConfig::from_pairs([("acks", "1")]).unwrap();
    assert!(!c.enable_idempotence);
    assert!(ProducerConfig::default().enable_idempotence);
    let d = ProducerConfig::default();
    assert_eq!((d.acks, d.linger_ms, d.batch_size_bytes, d.retries), (Acks::All, 5, 16384, i32::MAX as u32));
    assert!(ProducerConfig::from_pairs([("acks", "2")]).is_err());
    assert!(ProducerConfig::from_pairs([("partitioner", "nope")]).is_err());
    assert!(ProducerConfig::from_pairs([("linger.ms", "-1")]).is_err());
    assert!(ProducerConfig::from_pairs([("no.such", "1")]).is_err());
}

#[test]
fn unknown_topics_and_bad_commands_fail_cleanly() {
    let mut sim = Sim::new(&[("delivery.timeout.ms", "30100")]);
    let out = sim.produce(serde_json::json!({"topic": "nope", "count": 2}));
    let mut broker = |_: i64, _: u32, m: &Message| match m {
        Message::MetadataRequest { correlation_id, topics } => Some(Message::MetadataResponse {
            correlation_id: *correlation_id,
            brokers: vec![1],
            partitions: vec![],
            unknown_topics: topics.clone(),
        }),
        _ => None,
    };
    // KafkaProducer.waitOnMetadata: each send() blocks up to max.block.ms (60000 by
    // default, not delivery.timeout.ms), the second beginning when the first returns.
    sim.run_until(59_999, out, &mut broker);
    assert_eq!(sim.p.counts().failed, 0);
    sim.run_until(60_000, vec![], &mut broker);
    assert_eq!(sim.p.counts().failed, 1);
    sim.run_until(119_999, vec![], &mut broker);
    assert_eq!(sim.p.counts().failed, 1);
    sim.run_until(120_000, vec![], &mut broker);
    assert_eq!(sim.p.counts().failed, 2);
    let refused = |e: &ClusterEvent| matches!(e, ClusterEvent::Refused { reason, .. } if reason == "Topic nope not present in metadata after 60000 ms.");
    assert_eq!(sim.events.iter().filter(|e| refused(e)).count(), 2);
    assert!(sim
        .events
        .iter()
        .any(|e| matches!(e, ClusterEvent::SendFailed { error: ErrorCode::UnknownTopicOrPartition, .. })));
    // What the producer cannot do is refused: a count out of range, an unknown
    // partitioner, a consumer's command.
    let refused = |sim: &Sim| sim.events.iter().filter(|e| matches!(e, ClusterEvent::Refused { .. })).count();
    let before = refused(&sim);
    sim.produce(serde_json::json!({"topic": "t", "count": 0}));
    sim.produce(serde_json::json!({"topic": "t", "partitioner": "nope"}));
    sim.input(Input::Command(Command::Close {}));
    assert_eq!(refused(&sim), before + 3);
    assert_eq!(sim.p.counts().in_flight, 0, "a refused command adds no record");
    // Malformed commands never reach a node: reading them names what is wrong.
    let e = Command::from_json(r#"{"produce": {"count": 1}}"#).unwrap_err();
    assert!(e.contains("missing field `topic`"), "{e}");
    let e = Command::from_json(r#"{"explode": true}"#).unwrap_err();
    assert!(e.contains("unknown variant `explode`"), "{e}");
    let e = Command::from_json(r#"{"produce": {"topic": "t", "partition": -1}}"#).unwrap_err();
    assert!(e.contains("invalid value: integer `-1`"), "{e}");
}

/// A producer that runs for long keeps its newest acknowledged records only (between
/// `ACKNOWLEDGED_KEPT` and twice that), counts the older ones, and its counts and
/// offsets stay exact: a page producing for an hour must not keep millions.
#[test]
fn a_long_running_producer_keeps_its_newest_acknowledgements() {
    use kafka_playground::engine::client::producer::ACKNOWLEDGED_KEPT;
    let mut sim = Sim::new(&[("linger.ms", "0")]);
    let mut cluster = FakeCluster::new(&[(1, 0)]);
    let total = 2 * ACKNOWLEDGED_KEPT + 30_000;
    for _ in 0..total / 10_000 {
        let out = sim.produce(serde_json::json!({"topic": "t", "count": 10_000, "key": null, "value": "v"}));
        let now = sim.now + 1;
        sim.run_until(now, out, &mut |_, to, m| cluster.answer(to, m));
    }
    assert_eq!(sim.p.counts().acked, total as u64);
    let (kept, forgotten) = (sim.p.acknowledged(), sim.p.acknowledged_forgotten());
    assert!(kept.len() >= ACKNOWLEDGED_KEPT && kept.len() < 2 * ACKNOWLEDGED_KEPT + 10_000, "{}", kept.len());
    assert_eq!(forgotten + kept.len() as u64, total as u64);
    // The kept ones are the newest, offsets in order up to the last.
    assert_eq!(kept.last().unwrap().offset, total as i64 - 1);
    assert_eq!(kept[0].offset, forgotten as i64);
}

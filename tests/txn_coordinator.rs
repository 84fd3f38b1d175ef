//! The transaction coordinator inside real `BrokerNode`s, driven with raw messages by the
//! replication harness (three brokers, a controller stub, instant in-order delivery).
//! WriteTxnMarkers is answered by a test double in this file (the partition leader's
//! side is built elsewhere): it records each request and answers NONE, or holds it.
//! Cases follow Kafka's `TransactionCoordinatorTest` / `TransactionStateManagerTest` /
//! `TransactionMarkerChannelManagerTest` (named on each test) and `KafkaApis.getCoordinator`;
//! the `__transaction_state` records are read back with `log_record.rs` (byte-exact with
//! Kafka's `TransactionLog`).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::messages::{
    CoordinatorType, Message, TopicPartition, TxnPartitionResult, WritableTxnMarker, WritableTxnMarkerResult,
};
use kafka_playground::engine::cluster::metadata::MetadataRecord;
use kafka_playground::engine::cluster::{Envelope, NodeId, CONTROLLER_ID};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::{decode_batch, split_batches};
use kafka_playground::engine::txn::log_record::read_txn_record_value;
use kafka_playground::engine::txn::state::TransactionState::{self, *};
use replication_cluster::{Cluster, CLIENT};

const TXN: &str = "__transaction_state";
/// `partitionFor("transactional-id-7")` of 50 is 47 (a JVM's `hashCode`, see partition.rs).
const ID: &str = "transactional-id-7";
const P: u32 = 47;

/// The cluster, topic `u` (leader 2) beside `t` (leader 1), and `__transaction_state`
/// with 50 partitions as the controller would create it (47's leader is broker 3).
struct Txn {
    c: Cluster,
    /// Every WriteTxnMarkers the double saw: (coordinator broker, destination, markers).
    markers: Vec<(NodeId, NodeId, Vec<WritableTxnMarker>)>,
    /// Hold marker requests unanswered.
    hold_markers: bool,
    /// (broker, partition) the double answers NOT_LEADER_OR_FOLLOWER for.
    not_leader: Vec<(NodeId, TopicPartition)>,
    allocated: usize,
    next_block: i64,
}

impl Txn {
    fn new() -> Txn {
        let mut c = Cluster::new(&[]);
        let mut records = vec![
            MetadataRecord::Topic { name: "u".into(), configs: vec![] },
            MetadataRecord::Partition {
                topic: "u".into(),
                partition: 0,
                replicas: vec![2, 3, 1],
                isr: vec![2, 3, 1],
                leader: Some(2),
            },
            MetadataRecord::Topic {
                name: TXN.into(),
                configs: vec![
                    ("cleanup.policy".into(), "compact".into()),
                    ("min.insync.replicas".into(), "2".into()),
                ],
            },
        ];
        records.extend(fifty_partitions(TXN));
        c.publish(records);
        let mut t = Txn {
            c,
            markers: Vec::new(),
            hold_markers: false,
            not_leader: Vec::new(),
            allocated: 0,
            next_block: 4000,
        };
        t.run();
        t
    }

    /// Delivers everything due by `until`: the controller stub answers AllocateProducerIds
    /// (blocks of 1000), the double answers WriteTxnMarkers.
    fn run_until(&mut self, until: i64) {
        for _ in 0..1_000_000 {
            let allocations: Vec<NodeId> = self.c.controller_inbox[self.allocated..]
                .iter()
                .filter_map(|e| {
                    matches!(e.message, Message::AllocateProducerIdsRequest { .. }).then_some(e.from)
                })
                .collect();
            self.allocated = self.c.controller_inbox.len();
            for broker in allocations {
                let message = Message::AllocateProducerIdsResponse {
                    error: None,
                    producer_id_start: self.next_block,
                    producer_id_len: 1000,
                };
                self.next_block += 1000;
                self.c.queue.push_back(Envelope { from: CONTROLLER_ID, to: broker, message });
            }
            if let Some(Envelope {
                from,
                to,
                message: Message::WriteTxnMarkersRequest { correlation_id, markers },
            }) = self.c.queue.front().cloned()
            {
                self.c.queue.pop_front();
                self.markers.push((from, to, markers.clone()));
                if !self.hold_markers && self.c.nodes.contains_key(&to) {
                    let not_leader = &self.not_leader;
                    let answer = |tp: &TopicPartition| {
                        let stale = not_leader.contains(&(to, tp.clone()));
                        TxnPartitionResult {
                            tp: tp.clone(),
                            error: stale.then_some(ErrorCode::NotLeaderOrFollower),
                        }
                    };
                    let results = markers
                        .iter()
                        .map(|m| WritableTxnMarkerResult {
                            producer_id: m.producer_id,
                            partitions: m.partitions.iter().map(answer).collect(),
                        })
                        .collect();
                    let message = Message::WriteTxnMarkersResponse { correlation_id, markers: results };
                    self.c.queue.push_back(Envelope { from: to, to: from, message });
                }
                continue;
            }
            if !self.c.step(until) {
                self.c.now = self.c.now.max(until);
                return;
            }
        }
        panic!("the run did not settle");
    }

    fn run(&mut self) {
        self.run_until(self.c.now);
    }

    /// Sends `message` from the client to `broker` and returns the answer.
    fn ask(&mut self, broker: NodeId, message: Message) -> Message {
        let before = self.c.client_inbox.len();
        self.c.queue.push_back(Envelope { from: CLIENT, to: broker, message });
        self.run();
        // Writes with acks=all are answered once the followers' fetches pass them.
        for _ in 0..50 {
            if self.c.client_inbox.len() > before {
                break;
            }
            self.run_until(self.c.now + 100);
        }
        let answers: Vec<Message> = self.c.client_inbox[before..].iter().map(|e| e.message.clone()).collect();
        assert_eq!(answers.len(), 1, "{answers:?}");
        answers[0].clone()
    }

    fn init(&mut self, broker: NodeId, timeout_ms: i32) -> (Option<ErrorCode>, i64, i16) {
        for _ in 0..3 {
            let m = Message::InitProducerIdRequest {
                correlation_id: 1,
                transactional_id: Some(ID.into()),
                transaction_timeout_ms: timeout_ms,
                producer_id: -1,
                producer_epoch: -1,
            };
            match self.ask(broker, m) {
                // The first id block is on its way (`RPCProducerIdManager`): retried.
                Message::InitProducerIdResponse {
                    error: Some(ErrorCode::CoordinatorLoadInProgress), ..
                } => continue,
                Message::InitProducerIdResponse { error, producer_id, producer_epoch, .. } => {
                    return (error, producer_id, producer_epoch)
                }
                other => panic!("{other:?}"),
            }
        }
        panic!("no producer id");
    }

    fn add(
        &mut self,
        broker: NodeId,
        pid: i64,
        epoch: i16,
        partitions: &[TopicPartition],
    ) -> Vec<Option<ErrorCode>> {
        let m = Message::AddPartitionsToTxnRequest {
            correlation_id: 2,
            transactional_id: ID.into(),
            producer_id: pid,
            producer_epoch: epoch,
            partitions: partitions.to_vec(),
        };
        match self.ask(broker, m) {
            Message::AddPartitionsToTxnResponse { results, .. } => results.iter().map(|r| r.error).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn end(&mut self, broker: NodeId, pid: i64, epoch: i16, committed: bool) -> Option<ErrorCode> {
        let m = Message::EndTxnRequest {
            correlation_id: 3,
            transactional_id: ID.into(),
            producer_id: pid,
            producer_epoch: epoch,
            committed,
        };
        match self.ask(broker, m) {
            Message::EndTxnResponse { error, producer_id, producer_epoch, .. } => {
                assert_eq!(
                    (producer_id, producer_epoch),
                    (-1, -1),
                    "TV_0: EndTxn does not hand out an epoch"
                );
                error
            }
            other => panic!("{other:?}"),
        }
    }

    /// `__transaction_state-47` on `broker` by `readTxnRecordValue`: (state, id, epoch, partitions).
    fn log(&self, broker: NodeId) -> Vec<(TransactionState, i64, i16, Vec<String>)> {
        let p = self.c.nodes[&broker].partition(TXN, P).unwrap();
        let bytes: Vec<u8> =
            p.log.segments().iter().flat_map(|s| s.log_chunks().flatten().copied()).collect();
        let mut out = Vec::new();
        for view in split_batches(&bytes) {
            for r in decode_batch(view.unwrap().bytes).unwrap().records {
                let m = read_txn_record_value(ID, r.value.as_deref()).unwrap().unwrap();
                let parts = m.topic_partitions.iter().map(|tp| tp.to_string()).collect();
                out.push((m.state, m.producer_id, m.producer_epoch, parts));
            }
        }
        out
    }

    fn state(&self, broker: NodeId) -> TransactionState {
        self.c.nodes[&broker].txn_coordinator().transaction(ID).unwrap().state
    }
}

/// 50 partitions as the controller places them: partition p on brokers p%3+1, … (leader first).
fn fifty_partitions(topic: &str) -> impl Iterator<Item = MetadataRecord> + '_ {
    (0..50u32).map(move |p| {
        let replicas: Vec<NodeId> = (0..3).map(|i| (p + i) % 3 + 1).collect();
        let (isr, leader) = (replicas.clone(), Some(replicas[0]));
        MetadataRecord::Partition { topic: topic.into(), partition: p, replicas, isr, leader }
    })
}

fn tp(topic: &str, p: u32) -> TopicPartition {
    TopicPartition::new(topic, p)
}

/// `KafkaApis.getCoordinator` for key type TRANSACTION: no topic → created with
/// `transaction.state.log.*` and `transactionTopicConfigs`, COORDINATOR_NOT_AVAILABLE;
/// then the leader of `partitionFor(id)`.
#[test]
fn find_coordinator_creates_the_topic_then_names_the_leader() {
    let mut c = Cluster::new(&[]);
    let find = |c: &mut Cluster| {
        let before = c.client_inbox.len();
        let message = Message::FindCoordinatorRequest {
            correlation_id: 1,
            key: ID.into(),
            key_type: CoordinatorType::Transaction,
        };
        c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
        c.run();
        match &c.client_inbox[before].message {
            Message::FindCoordinatorResponse { error, node_id, .. } => (*error, *node_id),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(find(&mut c), (Some(ErrorCode::CoordinatorNotAvailable), None));
    let create = c
        .controller_inbox
        .iter()
        .find_map(|e| match &e.message {
            Message::CreateTopicsRequest { name, partitions, replication_factor, configs, .. }
                if name == TXN =>
            {
                Some((*partitions, *replication_factor, configs.clone()))
            }
            _ => None,
        })
        .expect("asked the controller to create __transaction_state");
    assert_eq!((create.0, create.1), (50, 3));
    for (k, v) in [
        ("cleanup.policy", "compact"),
        ("min.insync.replicas", "2"),
        ("unclean.leader.election.enable", "false"),
        ("segment.bytes", "104857600"),
    ] {
        assert!(create.2.contains(&(k.to_string(), v.to_string())), "{k}={v} in {:?}", create.2);
    }
    let mut t = Txn::new();
    assert_eq!(find(&mut t.c), (None, Some(3)), "partition 47's leader");
}

/// `shouldInitPidWithEpochZeroForNewTransactionalId`, the epoch bump of a second
/// InitProducerId, `shouldAppendPrepareCommitToLogOnEndTxnWhenStatusIsOngoingAndResultIsCommit`,
/// `shouldGenerateRequestPerPartitionPerBroker` and `shouldCompleteAppendToLogOnEndTxnWhenSendMarkersSucceed`:
/// every transition is in `__transaction_state-47` on all three replicas.
#[test]
fn a_committed_transaction_writes_its_states_and_markers() {
    let mut t = Txn::new();
    assert_eq!(t.init(3, 60_000), (None, 4000, 0));
    assert_eq!(t.init(3, 60_000), (None, 4000, 1), "a new InitProducerId bumps the epoch");
    assert_eq!(t.add(3, 4000, 1, &[tp("t", 0), tp("u", 0)]), [None, None]);
    assert_eq!(t.end(3, 4000, 1, true), None);
    // One request per leader: t-0 to broker 1, u-0 to broker 2.
    let sent: Vec<(NodeId, NodeId, Vec<TopicPartition>, bool, i32)> = t
        .markers
        .iter()
        .map(|(from, to, m)| (*from, *to, m[0].partitions.clone(), m[0].committed, m[0].coordinator_epoch))
        .collect();
    assert_eq!(sent, [(3, 1, vec![tp("t", 0)], true, 0), (3, 2, vec![tp("u", 0)], true, 0)]);
    assert_eq!(t.state(3), CompleteCommit);
    t.c.advance(1_000);
    let expected = vec![
        (Empty, 4000, 0, vec![]),
        (Empty, 4000, 1, vec![]),
        (Ongoing, 4000, 1, vec!["t-0".to_string(), "u-0".to_string()]),
        (PrepareCommit, 4000, 1, vec!["t-0".to_string(), "u-0".to_string()]),
        (CompleteCommit, 4000, 1, vec![]),
    ];
    for broker in 1..=3 {
        assert_eq!(t.log(broker), expected, "broker {broker}");
    }
    // `shouldRespondWithNotCoordinatorOnInitPidWhenNotCoordinator` through a broker.
    assert_eq!(t.end(1, 4000, 1, true), Some(ErrorCode::NotCoordinator));
    assert_eq!(t.init(3, 900_001), (Some(ErrorCode::InvalidTransactionTimeout), -1, -1));
    // `KafkaApis.handleAddPartitionsToTxnRequest`: an unknown partition fails the request.
    assert_eq!(
        t.add(3, 4000, 1, &[tp("t", 0), tp("nope", 0)]),
        [Some(ErrorCode::OperationNotAttempted), Some(ErrorCode::UnknownTopicOrPartition)]
    );
    let state = kafka_playground::engine::cluster::Node::state_json(&t.c.nodes[&3]);
    assert_eq!(
        state["transaction_coordinator"]["coordinator_for"]["__transaction_state-47"]["transactions"][ID]
            ["state"],
        "CompleteCommit"
    );
    // The picture shows the records as kafka-dump-log does (`formatRecordKeyAndValue`).
    let records = &state["partitions"]["__transaction_state-47"]["records"];
    assert_eq!(records[0]["key"], "transaction_metadata::transactionalId=transactional-id-7");
    let value = records[2]["value"].as_str().unwrap();
    assert!(
        value.starts_with("producerId:4000,producerEpoch:1,state=Ongoing,partitions=[t-0,u-0]"),
        "{value}"
    );
}

/// A coordinator crash between PrepareCommit and the markers' answers: the new leader
/// of `__transaction_state-47` loads it (`loadTransactionsForTxnTopicPartition`), sends
/// the markers again with its coordinator epoch and writes CompleteCommit
/// (`shouldWriteTxnMarkersForTransactionInPreparedCommitState`, `shouldNotLoseTxnCompletionAfterLoad`).
#[test]
fn a_new_coordinator_completes_a_prepared_commit() {
    let mut t = Txn::new();
    let (_, pid, epoch) = t.init(3, 60_000);
    t.add(3, pid, epoch, &[tp("t", 0), tp("u", 0)]);
    t.hold_markers = true;
    assert_eq!(t.end(3, pid, epoch, true), None);
    assert_eq!(t.state(3), PrepareCommit);
    assert_eq!(t.markers.len(), 2);
    // Broker 3 crashes; the controller moves the leadership to broker 1.
    t.c.nodes.remove(&3);
    t.c.publish(vec![MetadataRecord::PartitionChange {
        topic: TXN.into(),
        partition: P,
        isr: Some(vec![1, 2]),
        leader: Some(Some(1)),
    }]);
    t.hold_markers = false;
    t.run_until(t.c.now + 2_000);
    let resent: Vec<(NodeId, NodeId, bool, i32)> = t.markers[2..]
        .iter()
        .map(|(from, to, m)| (*from, *to, m[0].committed, m[0].coordinator_epoch))
        .collect();
    assert_eq!(resent, [(1, 1, true, 1), (1, 2, true, 1)], "sent again by broker 1 in coordinator epoch 1");
    assert_eq!(t.state(1), CompleteCommit);
    t.c.advance(1_000);
    let states: Vec<TransactionState> = t.log(1).into_iter().map(|(s, ..)| s).collect();
    assert_eq!(states, [Empty, Ongoing, PrepareCommit, CompleteCommit]);
    assert_eq!(t.log(2), t.log(1));
}

/// `shouldAbortExpiredTransactionsInOngoingStateAndBumpEpoch`: past its timeout, at the
/// next run of the abort task (every 10 s), the transaction is fenced and aborted.
#[test]
fn a_timed_out_transaction_is_aborted_with_a_bumped_epoch() {
    let mut t = Txn::new();
    let (_, pid, epoch) = t.init(3, 1_000);
    t.add(3, pid, epoch, &[tp("t", 0)]);
    t.run_until(t.c.now + 12_000);
    assert_eq!(t.state(3), CompleteAbort);
    let (_, _, m) = t.markers.last().unwrap();
    assert_eq!((m[0].committed, m[0].producer_epoch), (false, epoch + 1));
    let log = t.log(3);
    assert_eq!(log[log.len() - 2].0, PrepareAbort);
    assert_eq!(log[log.len() - 2].2, epoch + 1);
    // The old producer is fenced.
    assert_eq!(t.end(3, pid, epoch, true), Some(ErrorCode::ProducerFenced));
}

/// `shouldAbortTransactionOnHandleInitPidWhenExistingTransactionInOngoingState` through
/// the brokers: CONCURRENT_TRANSACTIONS first, the retry gets the epoch after the fence.
#[test]
fn init_producer_id_fences_an_open_transaction() {
    let mut t = Txn::new();
    let (_, pid, epoch) = t.init(3, 60_000);
    t.add(3, pid, epoch, &[tp("t", 0)]);
    assert_eq!(t.init(3, 60_000).0, Some(ErrorCode::ConcurrentTransactions));
    assert_eq!(t.state(3), CompleteAbort);
    assert_eq!(t.init(3, 60_000), (None, pid, epoch + 2));
    assert_eq!(t.add(3, pid, epoch, &[tp("t", 0)]), [Some(ErrorCode::ProducerFenced)]);
}

/// `shouldRetryPartitionWhenNotLeaderOrFollowerError` with a metadata refresh: broker 1
/// no longer leads `t-0` but the coordinator's metadata still says it does; the marker is
/// retried (every 100 ms) until the metadata names broker 2, then sent there.
#[test]
fn a_marker_follows_the_new_leader() {
    let mut t = Txn::new();
    let (_, pid, epoch) = t.init(3, 60_000);
    t.add(3, pid, epoch, &[tp("t", 0)]);
    t.not_leader.push((1, tp("t", 0)));
    assert_eq!(t.end(3, pid, epoch, true), None);
    t.run_until(t.c.now + 500);
    assert_eq!(t.state(3), PrepareCommit);
    assert!(t.markers.len() >= 2 && t.markers.iter().all(|(_, to, _)| *to == 1), "retried toward broker 1");
    let sent = t.markers.len();
    t.c.publish(vec![MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        isr: None,
        leader: Some(Some(2)),
    }]);
    t.run_until(t.c.now + 2_000);
    let after: Vec<NodeId> = t.markers[sent..].iter().map(|(_, to, _)| *to).collect();
    assert_eq!(after, [2]);
    assert_eq!(t.state(3), CompleteCommit);
}

/// TxnOffsetCommit through the group coordinator's broker: the offsets are one
/// transactional batch of the producer at base sequence 0 (`storeOffsets`), and a second
/// transaction's batch, again at sequence 0, is appended too (coordinator origin: no
/// duplicate check); the partition's last stable offset stays at the open transaction.
#[test]
fn txn_offset_commits_are_transactional_batches_at_sequence_zero() {
    use kafka_playground::engine::cluster::messages::OffsetCommitPartition;
    let mut t = Txn::new();
    let configs = vec![("cleanup.policy".into(), "compact".into())];
    let mut records = vec![MetadataRecord::Topic { name: "__consumer_offsets".into(), configs }];
    records.extend(fifty_partitions("__consumer_offsets"));
    t.c.publish(records);
    t.run();
    // "my-group" is partition 12 of __consumer_offsets (placement.rs): leader broker 1.
    let commit = |t: &mut Txn, offset: i64| {
        let m = Message::TxnOffsetCommitRequest {
            correlation_id: 7,
            transactional_id: ID.into(),
            group_id: "my-group".into(),
            producer_id: 4000,
            producer_epoch: 0,
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
            offsets: vec![OffsetCommitPartition {
                tp: tp("t", 0),
                committed_offset: offset,
                committed_leader_epoch: -1,
                committed_metadata: String::new(),
            }],
        };
        match t.ask(1, m) {
            Message::TxnOffsetCommitResponse { partitions, .. } => partitions[0].error,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(commit(&mut t, 5), None);
    assert_eq!(commit(&mut t, 9), None);
    let p = t.c.nodes[&1].partition("__consumer_offsets", 12).unwrap();
    let bytes: Vec<u8> = p.log.segments().iter().flat_map(|s| s.log_chunks().flatten().copied()).collect();
    let headers: Vec<_> = split_batches(&bytes).map(|v| v.unwrap().header).collect();
    assert_eq!(headers.len(), 2);
    for h in &headers {
        assert!(h.is_transactional() && !h.is_control_batch());
        assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (4000, 0, 0));
    }
    let view = t.c.nodes[&1].replica_state("__consumer_offsets", 12).unwrap();
    assert_eq!(view.last_stable_offset, 0, "the producer's transaction is open from offset 0");
    assert_eq!(view.high_watermark, 2);
    assert!(
        t.c.nodes[&1].group_coordinator().committed("my-group").is_none(),
        "not committed before the marker"
    );
}

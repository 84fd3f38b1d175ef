//! A Produce request for several partitions, at the broker (`ReplicaManager.appendRecords`
//! and one `DelayedProduce` for the request): each partition is appended or refused on
//! its own, and one answer carries every partition's outcome, once acks=all is satisfied
//! for all of them or the request's timeout passes.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::messages::{Acks, Message, ProducePartition, TopicPartition};
use kafka_playground::engine::cluster::metadata::MetadataRecord;
use kafka_playground::engine::cluster::Envelope;
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::{BatchBuilder, BatchOptions};
use replication_cluster::{Cluster, CLIENT};

/// Topic "t" with partitions 0 and 1 led by broker 1 and partition 2 led by broker 2.
fn cluster(configs: &[(&str, &str)]) -> Cluster {
    let mut c = Cluster::new(configs);
    let partition = |partition, leader| MetadataRecord::Partition {
        topic: "t".into(),
        partition,
        replicas: vec![1, 2, 3],
        isr: vec![1, 2, 3],
        leader: Some(leader),
    };
    c.publish(vec![partition(1, 1), partition(2, 2)]);
    c.run();
    c
}

/// Sends broker 1 one request with a batch of `values` for each listed partition.
fn produce(c: &mut Cluster, acks: Acks, timeout_ms: i64, parts: &[(u32, &[&str])]) -> u64 {
    let partitions = parts
        .iter()
        .map(|(partition, values)| {
            let mut b = BatchBuilder::new(BatchOptions::default());
            for v in *values {
                b.append(c.now, None, Some(v.as_bytes()), &[]);
            }
            let tp = TopicPartition { topic: "t".into(), partition: *partition };
            ProducePartition { tp, records: b.build().unwrap().into() }
        })
        .collect();
    c.next_correlation_id += 1;
    let correlation_id = c.next_correlation_id;
    let message = Message::ProduceRequest { correlation_id, acks, timeout_ms, partitions };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    correlation_id
}

/// The answers to request `correlation` (partition, error, base offset), one list per
/// response received.
fn answers(c: &Cluster, correlation: u64) -> Vec<Vec<(u32, Option<ErrorCode>, i64)>> {
    c.client_inbox
        .iter()
        .filter_map(|e| match &e.message {
            Message::ProduceResponse { correlation_id, partitions } if *correlation_id == correlation => {
                Some(partitions.iter().map(|p| (p.tp.partition, p.error, p.base_offset)).collect())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn acks_all_answers_every_partition_once_all_are_replicated() {
    let mut c = cluster(&[]);
    let request = produce(&mut c, Acks::All, 30_000, &[(0, &["a"]), (1, &["b", "c"]), (2, &["d"])]);
    let hw = |c: &Cluster, partition| c.nodes[&1].replica_state("t", partition).unwrap().high_watermark;
    c.step(c.now);
    assert_eq!(answers(&c, request), Vec::<Vec<_>>::new(), "held until the ISR has both batches");
    let mut held_with_one_done = false;
    while answers(&c, request).is_empty() {
        assert!(c.step(c.now + 5_000));
        if answers(&c, request).is_empty() {
            assert!(hw(&c, 0) < 1 || hw(&c, 1) < 2, "answered late: both partitions were done");
            held_with_one_done |= hw(&c, 0) == 1 || hw(&c, 1) == 2;
        }
    }
    assert!(held_with_one_done, "the first partition's acknowledgement waited for the second");
    assert_eq!(
        answers(&c, request),
        vec![vec![(0, None, 0), (1, None, 0), (2, Some(ErrorCode::NotLeaderOrFollower), -1)]],
        "one answer: both appended partitions acknowledged, the one broker 1 does not lead refused"
    );
}

#[test]
fn acks_1_answers_at_once_and_acks_0_never() {
    let mut c = cluster(&[]);
    c.isolated.extend([2, 3]);
    let leader = produce(&mut c, Acks::Leader, 30_000, &[(0, &["a"]), (1, &["b"])]);
    let none = produce(&mut c, Acks::None, 30_000, &[(0, &["c"]), (1, &["d"])]);
    c.run();
    assert_eq!(answers(&c, leader), vec![vec![(0, None, 0), (1, None, 0)]]);
    assert_eq!(answers(&c, none), Vec::<Vec<_>>::new());
    let view = |c: &Cluster, partition| c.nodes[&1].replica_state("t", partition).unwrap().log_end_offset;
    assert_eq!((view(&c, 0), view(&c, 1)), (2, 2), "both requests were appended");
}

#[test]
fn a_partition_that_cannot_reach_the_isr_times_out_while_the_others_keep_their_answers() {
    let mut c = cluster(&[("min.insync.replicas", "2")]);
    c.isolated.extend([2, 3]);
    let request = produce(&mut c, Acks::All, 5_000, &[(0, &["a"]), (2, &["b"])]);
    c.advance(4_999);
    assert_eq!(answers(&c, request), Vec::<Vec<_>>::new());
    c.advance(1);
    assert_eq!(
        answers(&c, request),
        vec![vec![(0, Some(ErrorCode::RequestTimedOut), -1), (2, Some(ErrorCode::NotLeaderOrFollower), -1)]]
    );
}

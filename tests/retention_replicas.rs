//! Retention on every replica of a replicated partition, checked against Kafka's rules
//! (`LogManager.cleanupLogs` on each broker, `UnifiedLog.deleteOldSegments` bounded by
//! each replica's own high watermark, `ReplicaFetcherThread.processPartitionData` taking
//! the leader's log start offset, `Partition.deleteRecordsOnLeader`'s errors, and the
//! `log-start-offset-checkpoint` read back on restart).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::events::{LogStartOffsetIncrementReason, SegmentDeletionReason};
use kafka_playground::engine::cluster::messages::{DeleteRecordsPartition, DeletedRecordsPartition, Message};
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, NodeId};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use replication_cluster::{tp, Cluster, CLIENT, T0};

/// One batch per segment (a batch is ~70 bytes), records kept 5 s.
const SMALL_SEGMENTS: &[(&str, &str)] = &[("segment.bytes", "100"), ("retention.ms", "5000")];

fn produce_batches(c: &mut Cluster, count: usize) {
    for i in 0..count {
        let value = format!("v{i}");
        c.produce(1, kafka_playground::engine::cluster::messages::Acks::All, &[value.as_str()]);
        c.run();
    }
}

fn deleted_on(c: &Cluster, broker: NodeId) -> Vec<(Vec<i64>, SegmentDeletionReason, i64)> {
    c.events
        .iter()
        .filter_map(|e| match e {
            ClusterEvent::SegmentsDeleted { broker_id, base_offsets, reason, log_start_offset, .. }
                if *broker_id == broker =>
            {
                Some((base_offsets.clone(), *reason, *log_start_offset))
            }
            _ => None,
        })
        .collect()
}

fn delete_records(c: &mut Cluster, to: NodeId, offset: i64) -> DeletedRecordsPartition {
    c.next_correlation_id += 1;
    let correlation = c.next_correlation_id;
    let message = Message::DeleteRecordsRequest {
        correlation_id: correlation,
        timeout_ms: 30_000,
        partitions: vec![DeleteRecordsPartition { tp: tp(), offset }],
    };
    c.queue.push_back(Envelope { from: CLIENT, to, message });
    // The answer waits for the followers' next fetches (at most replica.fetch.wait.max.ms).
    c.advance(1_000);
    c.client_inbox
        .iter()
        .find_map(|e| match &e.message {
            Message::DeleteRecordsResponse { correlation_id, partitions }
                if *correlation_id == correlation =>
            {
                partitions.first().cloned()
            }
            _ => None,
        })
        .expect("a DeleteRecords response")
}

fn recover(c: &Cluster, id: NodeId) -> BrokerNode {
    let store = &c.stores[&id];
    let segments = store
        .segment_ids(id)
        .into_iter()
        .map(|s| (s.clone(), store.segment_bytes(&s).unwrap().to_vec()))
        .collect();
    BrokerNode::recover(id, BrokerConfig::default(), segments, store.meta_of(id), c.now)
}

#[test]
fn retention_deletes_segments_on_all_three_replicas() {
    let mut c = Cluster::new(SMALL_SEGMENTS);
    produce_batches(&mut c, 5);
    c.advance(1_000);
    for id in 1..=3 {
        let v = c.view(id);
        assert_eq!((v.log_start_offset, v.high_watermark, v.log_end_offset), (0, 5, 5), "broker {id}");
        assert!(deleted_on(&c, id).is_empty(), "nothing is 5 s old yet");
    }
    // Each broker's retention task runs every 10 s from its start (T0): at T0 + 10 s every
    // batch (stamped T0) is older than retention.ms, and every offset is below each HW.
    c.run_until(T0 + 10_000);
    for id in 1..=3 {
        let deleted = deleted_on(&c, id);
        assert_eq!(
            deleted,
            vec![(vec![0, 1, 2, 3, 4], SegmentDeletionReason::RetentionMsBreach, 5)],
            "broker {id} deletes its own five segments, the active one too (a new one is rolled)"
        );
        let v = c.view(id);
        assert_eq!((v.log_start_offset, v.log_end_offset), (5, 5), "broker {id}");
        assert!(c.stores[&id].segment_ids(id).iter().all(|s| s.base_offset >= 5), "deletes are persisted");
    }
    // The log goes on at 5 on every replica.
    produce_batches(&mut c, 1);
    c.advance(1_000);
    for id in 1..=3 {
        assert_eq!(c.values(id), vec![(5, "v0".to_string())], "broker {id}");
    }
}

#[test]
fn retention_never_passes_a_replicas_own_high_watermark() {
    let mut c = Cluster::new(SMALL_SEGMENTS);
    // Broker 3 cannot fetch: the leader's HW waits for it while it is in the ISR.
    c.isolated.insert(3);
    for i in 0..4 {
        c.produce(1, kafka_playground::engine::cluster::messages::Acks::Leader, &[&format!("v{i}")]);
        c.run();
    }
    c.run_until(T0 + 10_000);
    for id in 1..=3 {
        assert_eq!(c.view(id).high_watermark, 0, "broker {id}: 3 holds the HW back");
        assert!(deleted_on(&c, id).is_empty(), "broker {id}: nothing past its HW 0 is deleted");
        assert_eq!(c.view(id).log_start_offset, 0);
    }
    // 3 leaves the ISR at the ISR check after replica.lag.time.max.ms (30 s; checks every
    // 15 s: at 45 s), the HW moves, and the retention check at 50 s follows it.
    c.run_until(T0 + 50_000);
    assert!(!c.view(1).isr.contains(&3));
    for id in [1, 2] {
        assert_eq!(c.view(id).log_start_offset, 4, "broker {id}");
        assert!(!deleted_on(&c, id).is_empty());
    }
    assert_eq!(c.view(3).log_start_offset, 0, "3 has no HW to delete below");
    assert!(deleted_on(&c, 3).is_empty());
    // Back, 3 fetches from offset 0, below the leader's log start: OFFSET_OUT_OF_RANGE, and
    // it starts over at the leader's log start (`truncateFullyAndStartAt`).
    // (Its dropped fetch is given up after replica.socket.timeout.ms, 30 s, then retried.)
    c.isolated.clear();
    c.advance(32_000);
    let v = c.view(3);
    assert_eq!((v.log_start_offset, v.log_end_offset), (4, 4));
}

#[test]
fn delete_records_moves_the_leaders_log_start_and_followers_follow_it() {
    let mut c = Cluster::new(&[("segment.bytes", "100")]);
    produce_batches(&mut c, 5);
    c.advance(1_000);
    let answer = delete_records(&mut c, 1, 3);
    // Answered once the low watermark — every live replica's log start — reached 3: the
    // followers took it from their fetch responses.
    assert_eq!((answer.error, answer.low_watermark), (None, 3));
    for id in [2, 3] {
        assert_eq!(c.view(id).log_start_offset, 3, "broker {id}");
        assert!(c.events.iter().any(|e| matches!(e,
            ClusterEvent::LogStartOffsetIncremented { broker_id, log_start_offset: 3,
                reason: LogStartOffsetIncrementReason::LeaderOffsetIncremented, .. } if *broker_id == id)));
    }
    // Segments wholly below the log start go at the next retention check, on every replica
    // (retention.ms is a week: only the log start rule applies).
    c.run_until(T0 + 10_000);
    for id in 1..=3 {
        assert_eq!(
            deleted_on(&c, id),
            vec![(vec![0, 1, 2], SegmentDeletionReason::StartOffsetBreach, 3)],
            "broker {id}"
        );
    }
    // Kafka's errors: past the HW, a negative offset, a follower, an unknown partition.
    assert_eq!(delete_records(&mut c, 1, 6).error, Some(ErrorCode::OffsetOutOfRange));
    assert_eq!(delete_records(&mut c, 1, -7).error, Some(ErrorCode::OffsetOutOfRange));
    assert_eq!(delete_records(&mut c, 2, 4).error, Some(ErrorCode::NotLeaderOrFollower));
    // -1 means the high watermark; going back is no change.
    assert_eq!(delete_records(&mut c, 1, -1).low_watermark, 5);
    assert_eq!(delete_records(&mut c, 1, 2).low_watermark, 5);
    assert_eq!(c.view(1).log_start_offset, 5);
}

#[test]
fn delete_records_waits_for_the_followers_and_times_out_without_one() {
    let mut c = Cluster::new(&[("segment.bytes", "100")]);
    produce_batches(&mut c, 3);
    c.advance(1_000);
    c.isolated.insert(3);
    c.next_correlation_id += 1;
    let correlation = c.next_correlation_id;
    let message = Message::DeleteRecordsRequest {
        correlation_id: correlation,
        timeout_ms: 5_000,
        partitions: vec![DeleteRecordsPartition { tp: tp(), offset: 2 }],
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
    let answered = |c: &Cluster| {
        c.client_inbox.iter().find_map(|e| match &e.message {
            Message::DeleteRecordsResponse { correlation_id, partitions }
                if *correlation_id == correlation =>
            {
                partitions.first().cloned()
            }
            _ => None,
        })
    };
    c.advance(4_000);
    assert_eq!(answered(&c), None, "broker 3 (alive, cut off) still starts at 0");
    assert_eq!((c.view(1).log_start_offset, c.view(2).log_start_offset), (2, 2));
    c.advance(2_000);
    let answer = answered(&c).expect("answered at the timeout");
    assert_eq!((answer.error, answer.low_watermark), (Some(ErrorCode::RequestTimedOut), -1));
}

#[test]
fn delete_records_is_a_policy_violation_on_a_compacted_topic() {
    let mut c = Cluster::new(&[("cleanup.policy", "compact")]);
    produce_batches(&mut c, 2);
    c.advance(1_000);
    assert_eq!(delete_records(&mut c, 1, 1).error, Some(ErrorCode::PolicyViolation));
    assert_eq!(c.view(1).log_start_offset, 0);
}

#[test]
fn a_restarted_broker_keeps_its_log_start_offset() {
    let mut c = Cluster::new(&[("segment.bytes", "100")]);
    // Batches of two records: offset 3 falls inside the segment of 2..=3.
    for i in 0..3 {
        let (a, b) = (format!("a{i}"), format!("b{i}"));
        c.produce(1, kafka_playground::engine::cluster::messages::Acks::All, &[a.as_str(), b.as_str()]);
        c.run();
    }
    c.advance(1_000);
    assert_eq!(delete_records(&mut c, 1, 3).low_watermark, 3);
    c.advance(1_000);
    assert_eq!(c.view(2).log_start_offset, 3);
    // Broker 2 crashes and comes back from its store: its log still starts at 3 (the
    // segment holding offset 2 is still there, so only the checkpoint can say so).
    c.nodes.remove(&2);
    c.timers.retain(|(id, _), _| *id != 2);
    let recovered = recover(&c, 2);
    let v = recovered.replica_state("t", 0).unwrap();
    assert_eq!((v.log_start_offset, v.log_end_offset), (3, 6));
    c.nodes.insert(2, recovered);
    c.drain(2);
    c.input(2, Input::Command(kafka_playground::engine::cluster::Command::start()));
    c.advance(2_000);
    assert_eq!(c.view(2).log_start_offset, 3);
}

#[test]
fn a_replica_whose_segments_were_all_deleted_restarts_empty_at_its_log_start() {
    let mut c = Cluster::new(SMALL_SEGMENTS);
    produce_batches(&mut c, 3);
    c.run_until(T0 + 10_000);
    assert_eq!(c.view(3).log_start_offset, 3);
    assert!(c.stores[&3].segment_ids(3).is_empty(), "no stored segment is left");
    c.nodes.remove(&3);
    c.timers.retain(|(id, _), _| *id != 3);
    let recovered = recover(&c, 3);
    let v = recovered.replica_state("t", 0).expect("the partition comes back from the checkpoint");
    assert_eq!((v.log_start_offset, v.log_end_offset), (3, 3));
    c.nodes.insert(3, recovered);
    c.drain(3);
    c.input(3, Input::Command(kafka_playground::engine::cluster::Command::start()));
    produce_batches(&mut c, 1);
    c.advance(2_000);
    assert_eq!(c.values(3), vec![(3, "v0".to_string())]);
    assert_eq!(c.view(3).log_start_offset, 3);
}

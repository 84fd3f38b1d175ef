//! Replication between three `BrokerNode`s, driven by a tiny deterministic harness: one
//! FIFO of envelopes delivered instantly and in order, a virtual clock that jumps to the
//! next timer, an in-memory store per broker, and a controller stub that registers
//! brokers, publishes the metadata log the test writes and applies AlterPartition.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/replication_cluster.rs"]
mod replication_cluster;

use kafka_playground::engine::cluster::command::{Command, SubscribeCommand};
use kafka_playground::engine::cluster::messages::{
    Acks, FetchPartition, IsolationLevel, Message, ProducePartition,
};
use kafka_playground::engine::cluster::metadata::MetadataRecord;
use kafka_playground::engine::cluster::{ClusterEvent, Envelope, Input, Node, TimerKey, TimerKind};
use kafka_playground::engine::error::ErrorCode;
use kafka_playground::engine::record::decode_batch;
use kafka_playground::engine::replica::{BrokerConfig, BrokerNode};
use replication_cluster::{tp, Cluster, CLIENT};

#[test]
fn acks_1_is_answered_at_once_and_followers_replicate_up_to_the_high_watermark() {
    let mut c = Cluster::new(&[]);
    let corr = c.produce(1, Acks::Leader, &["a", "b", "c"]);
    c.run();
    assert_eq!(c.produce_answer(corr), Some((None, 0)));
    c.advance(2_000);
    for id in 1..=3 {
        let v = c.view(id);
        assert_eq!((v.log_end_offset, v.high_watermark), (3, 3), "broker {id}");
        assert_eq!(c.values(id), vec![(0, "a".into()), (1, "b".into()), (2, "c".into())]);
    }
    assert!(c.view(1).is_leader && !c.view(2).is_leader);
    c.assert_committed_prefixes_agree();
}

#[test]
fn acks_all_is_answered_only_once_the_high_watermark_passes() {
    let mut c = Cluster::new(&[("min.insync.replicas", "2")]);
    let corr = c.produce(1, Acks::All, &["a", "b"]);
    c.step(c.now);
    assert_eq!(c.view(1).log_end_offset, 2);
    assert_eq!(c.produce_answer(corr), None, "held until the ISR has it");
    while c.produce_answer(corr).is_none() {
        assert!(c.step(c.now + 5_000));
        if c.produce_answer(corr).is_none() {
            assert!(c.view(1).high_watermark < 2);
        }
    }
    assert_eq!(c.produce_answer(corr), Some((None, 0)));
    assert_eq!(c.view(1).high_watermark, 2);
    assert!(c.view(2).log_end_offset == 2 && c.view(3).log_end_offset == 2);
}

#[test]
fn a_stalled_follower_leaves_the_isr_and_rejoins_after_catching_up() {
    let mut c = Cluster::new(&[]);
    c.isolated.insert(3);
    // Out of the ISR between replica.lag.time.max.ms and 1.5 times it (the check runs
    // every replica.lag.time.max.ms / 2).
    for i in 0..50 {
        c.produce(1, Acks::Leader, &[&format!("v{i}")]);
        c.advance(1_000);
    }
    assert!(c.alter_partitions().contains(&(1, vec![1, 2])), "{:?}", c.alter_partitions());
    for id in 1..=2 {
        assert_eq!(c.view(id).isr, vec![1, 2]);
    }
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, ClusterEvent::IsrShrunk { removed, .. } if removed == &vec![3])));
    assert_eq!(c.view(1).high_watermark, 50, "the HW no longer waits for broker 3");
    c.isolated.clear();
    c.advance(40_000);
    assert!(c.alter_partitions().contains(&(1, vec![1, 2, 3])));
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, ClusterEvent::IsrExpanded { added, .. } if added == &vec![3])));
    for id in 1..=3 {
        assert_eq!(c.view(id).isr, vec![1, 2, 3]);
        assert_eq!(c.view(id).log_end_offset, 50);
    }
    c.assert_committed_prefixes_agree();
}

#[test]
fn acks_all_needs_min_insync_replicas() {
    let mut c = Cluster::new(&[("min.insync.replicas", "2")]);
    c.isolated.extend([2, 3]);
    c.publish(vec![MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        isr: Some(vec![1]),
        leader: None,
    }]);
    c.run();
    let refused = c.produce(1, Acks::All, &["x"]);
    c.run();
    assert_eq!(c.produce_answer(refused), Some((Some(ErrorCode::NotEnoughReplicas), -1)));
    assert_eq!(c.view(1).log_end_offset, 0, "nothing appended");
    let accepted = c.produce(1, Acks::Leader, &["y"]);
    c.run();
    assert_eq!(c.produce_answer(accepted), Some((None, 0)), "acks=1 does not care");
    assert_eq!(c.view(1).high_watermark, 0, "but the HW waits for min.insync.replicas");
    c.isolated.clear();
    c.advance(35_000);
    assert_eq!(c.view(1).isr, vec![1, 2, 3], "the followers caught up and rejoined");
    assert_eq!(c.view(1).high_watermark, 1);

    // A produce that waits while the ISR shrinks below the minimum: since Kafka 3.7 the
    // high watermark stops under min ISR (KAFKA-15583), so it times out.
    let mut c = Cluster::new(&[("min.insync.replicas", "2")]);
    c.isolated.insert(2);
    c.isolated.insert(3);
    let held = c.produce(1, Acks::All, &["z"]);
    c.advance(1_000);
    assert_eq!(c.produce_answer(held), None);
    c.publish(vec![MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        isr: Some(vec![1]),
        leader: None,
    }]);
    c.run();
    assert_eq!(c.view(1).high_watermark, 0, "no HW progress under min ISR");
    c.advance(30_000);
    assert_eq!(c.produce_answer(held), Some((Some(ErrorCode::RequestTimedOut), -1)));
}

/// KIP-101's scenario up to the leader change: 1 holds offsets 5..6 nobody else has.
fn deposed_leader_scenario() -> Cluster {
    let mut c = Cluster::new(&[]);
    c.produce(1, Acks::All, &["a0", "a1", "a2", "a3", "a4"]);
    c.advance(2_000);
    assert_eq!(c.view(2).log_end_offset, 5);
    c.isolated.insert(1);
    c.produce(1, Acks::Leader, &["lost5", "lost6"]);
    c.run();
    assert_eq!(c.view(1).log_end_offset, 7);
    c.publish(vec![MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        isr: Some(vec![2, 3]),
        leader: Some(Some(2)),
    }]);
    c.run();
    let corr = c.produce(2, Acks::Leader, &["b5", "b6"]);
    c.run();
    assert_eq!(c.produce_answer(corr), Some((None, 5)));
    assert_eq!(c.view(2).leader_epoch, 1);
    c.isolated.clear();
    c.advance(35_000);
    c
}

#[test]
fn a_deposed_leader_truncates_its_unreplicated_tail() {
    let c = deposed_leader_scenario();
    let truncated = c.events.iter().find_map(|e| match e {
        ClusterEvent::Truncated { broker_id: 1, to_offset, removed_records, .. } => {
            Some((*to_offset, *removed_records))
        }
        _ => None,
    });
    assert_eq!(truncated, Some((5, 2)));
    let expected: Vec<(i64, String)> = ["a0", "a1", "a2", "a3", "a4", "b5", "b6"]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i64, v.to_string()))
        .collect();
    for id in 1..=3 {
        assert_eq!(c.values(id), expected, "broker {id}");
        assert_eq!(c.view(id).high_watermark, 7);
        assert_eq!(c.view(id).isr.len(), 3, "broker 1 rejoined: {:?}", c.view(id).isr);
    }
    let epochs: Vec<i32> = c.view(1).batches.iter().map(|b| b.partition_leader_epoch).collect();
    assert_eq!(epochs, vec![0, 1]);
    c.assert_committed_prefixes_agree();
}

#[test]
fn consumers_never_read_past_the_high_watermark() {
    let mut c = Cluster::new(&[]);
    c.produce(1, Acks::All, &["a", "b", "c"]);
    c.advance(2_000);
    c.isolated.extend([2, 3]);
    c.produce(1, Acks::Leader, &["d", "e"]);
    c.run();
    assert_eq!((c.view(1).high_watermark, c.view(1).log_end_offset), (3, 5));
    let fetch = |offset| Message::FetchRequest {
        correlation_id: 99,
        replica_id: None,
        max_wait_ms: 0,
        max_bytes: 1 << 20,
        isolation_level: IsolationLevel::ReadUncommitted,
        partitions: vec![FetchPartition {
            tp: tp(),
            fetch_offset: offset,
            last_fetched_epoch: -1,
            current_leader_epoch: 0,
            log_start_offset: -1,
        }],
    };
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message: fetch(0) });
    c.queue.push_back(Envelope { from: CLIENT, to: 1, message: fetch(3) });
    c.run();
    let answers: Vec<_> = c
        .client_inbox
        .iter()
        .filter_map(|e| match &e.message {
            Message::FetchResponse { partitions, .. } => Some(partitions[0].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 2);
    let offsets: Vec<i64> =
        decode_batch(&answers[0].records).unwrap().records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, vec![0, 1, 2]);
    assert_eq!(answers[0].high_watermark, 3);
    assert!(answers[1].records.is_empty(), "nothing at the high watermark yet");
    let on_follower = Envelope { from: CLIENT, to: 2, message: fetch(0) };
    c.queue.push_back(on_follower);
    c.run();
    let last = c.client_inbox.last().unwrap();
    assert!(
        matches!(&last.message, Message::FetchResponse { partitions, .. } if partitions[0].error == Some(ErrorCode::NotLeaderOrFollower))
    );
}

#[test]
fn fetches_with_a_stale_or_future_leader_epoch_are_fenced() {
    let mut c = Cluster::new(&[]);
    c.publish(vec![MetadataRecord::PartitionChange {
        topic: "t".into(),
        partition: 0,
        isr: None,
        leader: Some(Some(1)),
    }]);
    c.run();
    for (epoch, expected) in [(0, ErrorCode::FencedLeaderEpoch), (2, ErrorCode::UnknownLeaderEpoch)] {
        let message = Message::FetchRequest {
            correlation_id: 7,
            replica_id: None,
            max_wait_ms: 0,
            max_bytes: 1 << 20,
            isolation_level: IsolationLevel::ReadUncommitted,
            partitions: vec![FetchPartition {
                tp: tp(),
                fetch_offset: 0,
                last_fetched_epoch: -1,
                current_leader_epoch: epoch,
                log_start_offset: -1,
            }],
        };
        c.queue.push_back(Envelope { from: CLIENT, to: 1, message });
        c.run();
        let last = c.client_inbox.last().unwrap();
        assert!(
            matches!(&last.message, Message::FetchResponse { partitions, .. } if partitions[0].error == Some(expected))
        );
    }
}

#[test]
fn a_restarted_broker_recovers_its_log_and_catches_up() {
    let mut c = Cluster::new(&[]);
    c.produce(1, Acks::All, &["a", "b", "c"]);
    c.advance(2_000);
    // Crash broker 3: its state is gone, its store stays.
    c.nodes.remove(&3);
    c.timers.retain(|(id, _), _| *id != 3);
    c.produce(1, Acks::Leader, &["d", "e"]);
    c.advance(3_000);
    let store = &c.stores[&3];
    let segments = store
        .segment_ids(3)
        .into_iter()
        .map(|id| (id.clone(), store.segment_bytes(&id).unwrap().to_vec()))
        .collect();
    let recovered = BrokerNode::recover(3, BrokerConfig::default(), segments, store.meta_of(3), c.now);
    assert_eq!(recovered.replica_state("t", 0).unwrap().log_end_offset, 3, "its log is back");
    assert_eq!(recovered.replica_state("t", 0).unwrap().high_watermark, 3, "and its checkpointed HW");
    c.nodes.insert(3, recovered);
    c.drain(3);
    c.input(3, Input::Command(Command::start()));
    c.advance(5_000);
    assert_eq!(c.values(3), c.values(1));
    assert_eq!(c.view(3).high_watermark, 5);
    assert_eq!(c.nodes[&3].state_json()["partitions"]["t-0"]["role"], "follower");
    c.assert_committed_prefixes_agree();
}

#[test]
fn bad_input_is_refused_not_panicked_on() {
    let mut c = Cluster::new(&[]);
    // A consumer's command and a producer's timer: not a broker's to carry out.
    c.input(1, Input::Command(Command::Subscribe(SubscribeCommand { topics: vec!["t".into()] })));
    c.input(1, Input::Timer(TimerKey::single(TimerKind::Sender)));
    let corr = c.produce(2, Acks::Leader, &["x"]);
    c.run();
    assert_eq!(c.produce_answer(corr), Some((Some(ErrorCode::NotLeaderOrFollower), -1)));
    c.queue.push_back(Envelope {
        from: CLIENT,
        to: 1,
        message: Message::ProduceRequest {
            correlation_id: 1000,
            acks: Acks::Leader,
            timeout_ms: 1,
            partitions: vec![ProducePartition { tp: tp(), records: vec![1, 2, 3].into() }],
        },
    });
    c.run();
    assert!(matches!(c.produce_answer(1000), Some((Some(_), -1))));
    let refusals = c.events.iter().filter(|e| matches!(e, ClusterEvent::Refused { node_id: 1, .. })).count();
    assert_eq!(refusals, 2);
}

#[test]
fn a_run_is_deterministic_to_the_byte() {
    let picture = |c: &Cluster| {
        let states: Vec<String> = c.nodes.values().map(|n| n.state_json().to_string()).collect();
        format!(
            "{states:?}{:?}{:?}",
            c.events,
            c.stores.values().map(|s| s.segment_ids(1).len()).collect::<Vec<_>>()
        )
    };
    assert_eq!(picture(&deposed_leader_scenario()), picture(&deposed_leader_scenario()));
}

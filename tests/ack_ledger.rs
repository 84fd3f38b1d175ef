//! The acknowledgement ledger (`sim::picture::ledger`) against Kafka's rules, on the
//! scenarios that teach them: with `acks=1` a record the leader acknowledged before any
//! follower copied it is lost the moment another replica is elected leader (Kafka's
//! documentation of `acks`: "the record will be lost" if the leader fails before the
//! followers replicate it); an unclean election (`unclean.leader.election.enable`) loses
//! what the out-of-sync replica never had; with `acks=all` and `min.insync.replicas` 2
//! nothing acknowledged is lost across a leader crash. The ledger is fed as the page feeds
//! it: the timeline's events, then the leader's picture as its broker draws it.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, CONTROLLER_ID};
use kafka_playground::engine::log::epoch_cache::EpochEntry;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::picture::ledger::{AckLedger, LostRecords};
use kafka_playground::sim::picture::view::{ReplicaPicture, RECORDS_PER_REPLICA};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;

fn scenario(name: &str) -> Scenario {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(format!("{name}.json"));
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The controller's leader of `tp`, drawn by its broker (a crashed broker draws nothing).
fn leader_picture(sim: &Sim, tp: &TopicPartition) -> Option<ReplicaPicture> {
    let controller = sim.node(CONTROLLER_ID)?.view().controller()?;
    let leader = controller.image().partition(&tp.topic, tp.partition)?.leader?;
    let broker = sim.live_node(leader)?.view().broker()?;
    broker
        .picture(RECORDS_PER_REPLICA)
        .into_iter()
        .find(|r| r.topic == tp.topic.as_str() && r.partition == tp.partition)
}

/// Runs `name` to its end in frames of `frame_ms` (the page draws in frames); returns the producer p1's lost records at
/// the end, and the time they were first reported with the last leader election of the
/// partition before it.
fn run(name: &str, tp: &TopicPartition, frame_ms: i64) -> (Vec<LostRecords>, Option<(i64, Option<i64>)>) {
    let s = scenario(name);
    let mut sim = build_sim(&s, 1).unwrap();
    let p1 = s.node_id(&kafka_playground::sim::scenario::NodeRef::Named("p1".into())).unwrap();
    let mut ledger = AckLedger::default();
    let (mut read, mut first_lost, mut last_election) = (0, None, None);
    while sim.now_ms < s.until_ms {
        let until = sim.now_ms + frame_ms;
        sim.run_until(until, 10_000_000);
        for (at, _, e) in sim.timeline().iter_from(read) {
            ledger.absorb(e);
            if let ClusterEvent::LeaderElected { tp: t, leader: Some(_), .. } = e {
                if t == tp {
                    last_election = Some(*at);
                }
            }
        }
        read = sim.timeline().len();
        let leader = leader_picture(&sim, tp);
        ledger.judge(|t| leader.as_ref().filter(|_| t == tp));
        if first_lost.is_none() && !ledger.lost(p1).is_empty() {
            first_lost = Some((sim.now_ms, last_election));
        }
    }
    (ledger.lost(p1), first_lost)
}

#[test]
fn acks_1_loses_what_the_old_leader_alone_had_the_moment_another_is_elected() {
    let tp = TopicPartition::new("payments", 0);
    let (lost, first) = run("acks-1-loses-acknowledged-record", &tp, 100);
    // 5 records at offsets 0–4 reached every replica; the 3 sent at 7 s (offsets 5–7)
    // reached only broker 1, cut off from its followers since 6 s.
    let want =
        LostRecords { topic: "payments".into(), partition: 0, first_offset: 5, last_offset: 7, records: 3 };
    assert_eq!(lost, vec![want]);
    let (at, election) = first.unwrap();
    let election = election.expect("a leader was elected before the loss");
    assert!(election >= 8_000, "lost when broker 1's successor is elected (at {election} ms), not before");
    assert!(at - election <= 100, "reported in the frame of the election ({election} ms), not at {at} ms");
    // A busy page whose frames each cover 2 s, drawing broker 1 before its crash only
    // without the three records: the same verdict.
    assert_eq!(run("acks-1-loses-acknowledged-record", &tp, 2_000).0, lost);
}

#[test]
fn an_unclean_election_loses_what_the_out_of_sync_replica_never_had() {
    let (lost, _) = run("unclean-election-loses-data", &TopicPartition::new("logs", 0), 100);
    // Broker 3 has offsets 0–4; the 10 records sent at 8 s and 25 s (5–14) were
    // acknowledged by broker 1 while 3 was out of the ISR.
    let want =
        LostRecords { topic: "logs".into(), partition: 0, first_offset: 5, last_offset: 14, records: 10 };
    assert_eq!(lost, vec![want]);
}

#[test]
fn acks_all_with_min_insync_2_loses_nothing_across_a_leader_crash() {
    let s = scenario("acks-all-survives-leader-crash");
    let tp = TopicPartition::new(s.topics[0].name.as_str(), 0);
    let (lost, _) = run("acks-all-survives-leader-crash", &tp, 100);
    assert_eq!(lost, vec![]);
}

fn replica(log_start_offset: i64, log_end_offset: i64, epochs: &[(i32, i64)]) -> ReplicaPicture {
    ReplicaPicture {
        topic: "t".into(),
        partition: 0,
        role: "leader".into(),
        leader: Some(1),
        leader_epoch: epochs.last().map_or(0, |e| e.0),
        isr: vec![1],
        log_start_offset,
        high_watermark: log_end_offset,
        last_stable_offset: log_end_offset,
        log_end_offset,
        records: Vec::new(),
        size_bytes: 0,
        leader_epochs: epochs
            .iter()
            .map(|(epoch, start_offset)| EpochEntry { epoch: *epoch, start_offset: *start_offset })
            .collect(),
        waits: Default::default(),
    }
}

fn acked(ledger: &mut AckLedger, base_offset: i64, records: u32, leader_epoch: i32) {
    let tp = TopicPartition::new("t", 0);
    let last_offset = base_offset + i64::from(records) - 1;
    ledger.absorb(&ClusterEvent::Appended {
        broker_id: 1,
        tp: tp.clone(),
        first_offset: base_offset,
        last_offset,
        leader_epoch,
    });
    ledger.absorb(&ClusterEvent::SendAcknowledged {
        client_id: 9,
        tp,
        base_offset,
        records,
        acks: 1,
        first_send_index: 0,
    });
}

#[test]
fn another_record_at_the_same_offset_is_not_the_acknowledged_one_and_retention_is_no_loss() {
    let mut ledger = AckLedger::default();
    acked(&mut ledger, 5, 3, 0);
    // Not drawn yet: not lost.
    let early = replica(0, 5, &[(0, 0)]);
    ledger.judge(|_| Some(&early));
    assert!(ledger.lost(9).is_empty(), "a send the leader has not drawn yet is not lost");
    let held = replica(0, 8, &[(0, 0)]);
    ledger.judge(|_| Some(&held));
    assert!(ledger.lost(9).is_empty());
    // A new leader in epoch 1 from offset 5 has written offsets 5–9 of its own.
    let diverged = replica(0, 10, &[(0, 0), (1, 5)]);
    ledger.judge(|_| Some(&diverged));
    assert_eq!(
        ledger.lost(9).iter().map(|l| (l.first_offset, l.last_offset)).collect::<Vec<_>>(),
        vec![(5, 7)]
    );
    // No leader: the verdict stands.
    ledger.judge(|_| None);
    assert_eq!(ledger.lost(9).len(), 1);
    // A new leader from offset 7 in epoch 1: offsets 5 and 6 are held, 7 is lost.
    let mut ledger = AckLedger::default();
    acked(&mut ledger, 5, 3, 0);
    ledger.judge(|_| Some(&held));
    let part = replica(0, 9, &[(0, 0), (1, 7)]);
    ledger.judge(|_| Some(&part));
    assert_eq!(ledger.lost(9).iter().map(|l| (l.first_offset, l.records)).collect::<Vec<_>>(), vec![(7, 1)]);
    // Retention deleted them (log start 20): removed by policy, not lost.
    let retained = replica(20, 20, &[(0, 0)]);
    ledger.judge(|_| Some(&retained));
    assert!(ledger.lost(9).is_empty());
}

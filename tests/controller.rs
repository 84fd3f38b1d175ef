//! The KRaft-style controller: broker registration, heartbeats and fencing, leader
//! election (clean and unclean), AlterPartition, CreateTopics validation and placement,
//! and recovery of the metadata log.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, Command, Envelope, Input, Message, Output};
use kafka_playground::engine::controller::{ControllerConfig, ControllerNode};
use kafka_playground::engine::error::ErrorCode;

#[path = "common/controller_harness.rs"]
#[allow(dead_code)]
mod controller_harness;
use controller_harness::{cluster, events, Harness};

#[test]
fn registration_fences_until_caught_up_then_unfences() {
    let mut h = Harness::new(ControllerConfig::default());
    let out = h.deliver(1, Message::BrokerRegistration { broker_id: 1, incarnation: 9 });
    assert!(events(&out).contains(&ClusterEvent::BrokerRegistered { broker_id: 1, broker_epoch: 0 }));
    assert!(h.c.image().brokers[&1].fenced);
    // The broker is pushed the log it lacks.
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Send(Envelope { to: 1, message: Message::MetadataUpdate { first_offset: 0, .. }, .. })
    )));
    // Not caught up yet: stays fenced.
    let out = h.deliver(1, Message::BrokerHeartbeat { broker_id: 1, broker_epoch: 0, metadata_offset: -1 });
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Send(Envelope { message: Message::BrokerHeartbeatResponse { is_fenced: true, .. }, .. })
    )));
    // It has applied its own registration (offset 0): caught up.
    let out = h.deliver(1, Message::BrokerHeartbeat { broker_id: 1, broker_epoch: 0, metadata_offset: 0 });
    assert!(events(&out).contains(&ClusterEvent::BrokerUnfenced { broker_id: 1 }));
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Send(Envelope { message: Message::BrokerHeartbeatResponse { is_fenced: false, .. }, .. })
    )));
    // A stale epoch is refused and does not refresh the session.
    let out = h.deliver(1, Message::BrokerHeartbeat { broker_id: 1, broker_epoch: 5, metadata_offset: 2 });
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, ClusterEvent::Refused { reason, .. } if reason.contains("STALE_BROKER_EPOCH"))));
}

#[test]
fn fencing_after_exactly_the_session_timeout_not_before() {
    let mut h = cluster(3, ControllerConfig::default());
    h.create("t", 1, 3, &[]);
    let last = h.now;
    h.now = last + 8999;
    for b in [2, 3] {
        h.heartbeat(b);
    }
    let out = h.session_timer(1);
    assert!(events(&out).is_empty(), "fenced early: {out:?}");
    assert!(!h.c.image().brokers[&1].fenced);
    h.now = last + 9000;
    let out = h.session_timer(1);
    let ev = events(&out);
    assert!(ev.iter().any(|e| matches!(e, ClusterEvent::BrokerFenced { broker_id: 1, .. })));
    assert!(h.c.image().brokers[&1].fenced);
    // Brokers 2 and 3 heartbeated later: their timers fire without fencing.
    let out = h.session_timer(2);
    assert!(events(&out).is_empty());
}

#[test]
fn leader_moves_to_the_next_isr_member_and_its_epoch_grows() {
    let mut h = cluster(3, ControllerConfig::default());
    h.create("t", 3, 3, &[]);
    let before: Vec<_> = (0..3).map(|p| h.partition("t", p)).collect();
    let victim = before[0].leader.unwrap();
    h.now += 9000;
    for b in (1..=3).filter(|b| *b != victim) {
        h.heartbeat(b);
    }
    let out = h.session_timer(victim);
    for (p, old) in before.iter().enumerate() {
        let now = h.partition("t", p as u32);
        assert!(!now.isr.contains(&victim));
        assert_eq!(now.isr.len(), 2);
        if old.leader == Some(victim) {
            let expected = old.replicas.iter().copied().find(|r| *r != victim);
            assert_eq!(now.leader, expected);
            assert_eq!(now.leader_epoch, old.leader_epoch + 1);
        } else {
            assert_eq!((now.leader, now.leader_epoch), (old.leader, old.leader_epoch));
        }
        assert!(now.partition_epoch > old.partition_epoch);
    }
    let ev = events(&out);
    assert!(ev
        .iter()
        .any(|e| matches!(e, ClusterEvent::LeaderElected { unclean: false, leader: Some(_), .. })));
    assert!(ev
        .iter()
        .any(|e| matches!(e, ClusterEvent::IsrShrunk { removed, .. } if removed == &vec![victim])));
}

/// ISR [1] only (followers 2, 3 dropped out), then 1 dies.
fn lone_isr(unclean: Option<&str>) -> Harness {
    let mut h = cluster(3, ControllerConfig::default());
    let configs: Vec<(&str, &str)> =
        unclean.map(|v| vec![("unclean.leader.election.enable", v)]).unwrap_or_default();
    assert_eq!(h.create("t", 1, 3, &configs).0, None);
    let p = h.partition("t", 0);
    let leader = p.leader.unwrap();
    let tp = TopicPartition { topic: "t".into(), partition: 0 };
    let out = h.deliver(
        leader,
        Message::AlterPartition {
            broker_id: leader,
            broker_epoch: h.epoch(leader),
            tp,
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            new_isr: vec![leader],
        },
    );
    assert!(events(&out).iter().any(|e| matches!(e, ClusterEvent::IsrShrunk { .. })));
    h.now += 9000;
    for b in (1..=3).filter(|b| *b != leader) {
        h.heartbeat(b);
    }
    h.session_timer(leader);
    h
}

#[test]
fn no_live_isr_member_leaves_the_partition_offline_when_clean() {
    let h = lone_isr(None);
    let p = h.partition("t", 0);
    assert_eq!(p.leader, None);
    assert_eq!(p.isr.len(), 1, "the ISR keeps its last member");
    assert!(h.c.image().brokers[&p.isr[0]].fenced);
}

#[test]
fn unclean_election_picks_an_out_of_sync_replica_when_enabled() {
    let h = lone_isr(Some("true"));
    let p = h.partition("t", 0);
    let leader = p.leader.unwrap();
    assert!(!h.c.image().brokers[&leader].fenced);
    assert_eq!(p.isr, vec![leader]);
    assert_eq!(p.leader_epoch, 1);
}

#[test]
fn unfenced_isr_member_leads_an_offline_partition_again() {
    let mut h = lone_isr(Some("false"));
    let old = h.partition("t", 0).isr[0];
    let out = h.heartbeat(old);
    let p = h.partition("t", 0);
    assert_eq!(p.leader, Some(old));
    assert!(events(&out).iter().any(|e| matches!(e, ClusterEvent::LeaderElected { unclean: false, .. })));
}

#[test]
fn alter_partition_checks_epochs_and_eligibility() {
    let mut h = cluster(3, ControllerConfig::default());
    h.create("t", 1, 3, &[]);
    let p = h.partition("t", 0);
    let leader = p.leader.unwrap();
    let follower = p.replicas[1];
    let tp = TopicPartition { topic: "t".into(), partition: 0 };
    let alter = |h: &mut Harness, from: u32, le: i32, pe: i32, isr: Vec<u32>| {
        let out = h.deliver(
            from,
            Message::AlterPartition {
                broker_id: from,
                broker_epoch: h.epoch(from),
                tp: tp.clone(),
                leader_epoch: le,
                partition_epoch: pe,
                new_isr: isr,
            },
        );
        out.into_iter()
            .find_map(|o| match o {
                Output::Send(Envelope {
                    message: Message::AlterPartitionResponse { error, state, .. },
                    ..
                }) => Some((error, state)),
                _ => None,
            })
            .unwrap()
    };
    let shrunk: Vec<u32> = p.isr.iter().copied().filter(|b| *b != follower).collect();
    let (err, state) = alter(&mut h, leader, 0, 0, shrunk.clone());
    assert_eq!(err, None);
    let state = state.unwrap();
    assert_eq!((state.isr.clone(), state.partition_epoch, state.leader_epoch), (shrunk.clone(), 1, 0));
    assert_eq!(alter(&mut h, leader, 0, 0, p.isr.clone()).0, Some(ErrorCode::InvalidUpdateVersion));
    assert_eq!(alter(&mut h, leader, -1, 1, p.isr.clone()).0, Some(ErrorCode::FencedLeaderEpoch));
    assert_eq!(alter(&mut h, follower, 0, 1, p.isr.clone()).0, Some(ErrorCode::NotLeaderOrFollower));
    assert_eq!(alter(&mut h, leader, 0, 1, vec![leader, 99]).0, Some(ErrorCode::IneligibleReplica));
    let (err, state) = alter(&mut h, leader, 0, 1, p.isr.clone());
    assert_eq!(err, None);
    assert_eq!(state.unwrap().isr, p.isr);
}

#[test]
fn create_topics_errors_carry_kafkas_codes_and_messages() {
    let mut h = cluster(3, ControllerConfig::default());
    let (err, msg) = h.create("t", 1, 4, &[]);
    assert_eq!(err, Some(ErrorCode::InvalidReplicationFactor));
    assert_eq!(msg.unwrap(), "Replication factor: 4 larger than available brokers: 3.");
    let (err, msg) = h.create("t", 1, 2, &[("min.insync.replicas", "3")]);
    assert_eq!(err, Some(ErrorCode::InvalidConfig));
    assert!(msg.unwrap().contains("min.insync.replicas (3)"));
    assert_eq!(h.create("bad name", 1, 1, &[]).0, Some(ErrorCode::InvalidTopicException));
    assert_eq!(h.create("..", 1, 1, &[]).0, Some(ErrorCode::InvalidTopicException));
    assert_eq!(h.create("t", 0, 1, &[]).0, Some(ErrorCode::InvalidPartitions));
    assert_eq!(h.create("t", 1, 0, &[]).0, Some(ErrorCode::InvalidReplicationFactor));
    assert_eq!(h.create("t", 1, 1, &[("retention.ms", "-7")]).0, Some(ErrorCode::InvalidConfig));
    assert_eq!(
        h.create("t", 1, 1, &[("unclean.leader.election.enable", "maybe")]).0,
        Some(ErrorCode::InvalidConfig)
    );
    assert!(h.c.image().topics.is_empty(), "nothing written on refusal");
    assert_eq!(h.create("t", -1, -1, &[("unclean.leader.election.enable", "true")]).0, None);
    assert_eq!(
        h.c.image().topics["t"].configs,
        vec![("unclean.leader.election.enable".to_string(), "true".to_string())]
    );
    assert_eq!(h.create("t", 1, 1, &[]).0, Some(ErrorCode::TopicAlreadyExists));
    // The scenario command shortcut answers with a Refused event.
    let command = |text: &str| Input::Command(Command::from_json(text).unwrap());
    let out =
        h.input(command(r#"{"create_topic": {"name": "u", "partitions": 1, "replication_factor": 5}}"#));
    assert!(events(&out).iter().any(|e| matches!(e, ClusterEvent::Refused { reason, .. } if reason.contains("larger than available brokers: 3."))));
    let out = h.input(command(r#"{"create_topic": {"name": "u", "partitions": 2, "replication_factor": 3, "configs": {"min.insync.replicas": "2"}}}"#));
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, ClusterEvent::TopicCreated { partitions: 2, replication_factor: 3, .. })));
    // A command for another node kind is refused, and a config value must be a text.
    let out = h.input(command(r#"{"produce": {"topic": "u"}}"#));
    assert!(events(&out)
        .iter()
        .any(|e| matches!(e, ClusterEvent::Refused { reason, .. } if reason.contains("\"produce\""))));
    let e = Command::from_json(r#"{"create_topic": {"name": "v", "configs": {"min.insync.replicas": 2}}}"#)
        .unwrap_err();
    assert!(e.contains("expected a string"), "{e}");
}

#[test]
fn replica_placement_spreads_leaders_and_replicas_evenly() {
    for seed in 0..5 {
        let mut h = cluster(3, ControllerConfig { seed, ..ControllerConfig::default() });
        h.create("t", 6, 2, &[]);
        let mut leaders = [0u32; 4];
        let mut replicas = [0u32; 4];
        for p in 0..6 {
            let s = h.partition("t", p);
            assert_eq!(s.isr, s.replicas);
            assert_eq!(s.leader, Some(s.replicas[0]));
            assert_ne!(s.replicas[0], s.replicas[1]);
            leaders[s.replicas[0] as usize] += 1;
            for r in &s.replicas {
                replicas[*r as usize] += 1;
            }
        }
        assert_eq!(&leaders[1..], &[2, 2, 2], "seed {seed}");
        assert_eq!(&replicas[1..], &[4, 4, 4], "seed {seed}");
    }
}

#[test]
fn metadata_is_pushed_to_every_broker_and_lost_pushes_are_resent() {
    let mut h = cluster(2, ControllerConfig::default());
    let out = h.create("t", 1, 2, &[]);
    assert_eq!(out.0, None);
    let update = |out: &[Output]| {
        out.iter().find_map(|o| match o {
            Output::Send(Envelope {
                to: 2,
                message: Message::MetadataUpdate { first_offset, records },
                ..
            }) => Some((*first_offset, records.len() as i64)),
            _ => None,
        })
    };
    // Caught up: nothing to resend.
    assert_eq!(update(&h.heartbeat(2)), None);
    h.create("u", 1, 2, &[]);
    // Broker 2 missed the pushes sent before this heartbeat... but the ones sent after
    // its previous heartbeat may still be in flight: nothing yet.
    let end_before = h.c.log_end_offset() - 2;
    let out = h.deliver(
        2,
        Message::BrokerHeartbeat { broker_id: 2, broker_epoch: h.epoch(2), metadata_offset: end_before - 1 },
    );
    assert_eq!(update(&out), None);
    // Still missing them at the next heartbeat: resent from what it needs.
    let out = h.deliver(
        2,
        Message::BrokerHeartbeat { broker_id: 2, broker_epoch: h.epoch(2), metadata_offset: end_before - 1 },
    );
    assert_eq!(update(&out), Some((end_before, 2)));
    // A broker that lost everything (reports -1) gets the whole log.
    let out = h
        .deliver(2, Message::BrokerHeartbeat { broker_id: 2, broker_epoch: h.epoch(2), metadata_offset: -1 });
    let resent = out.iter().find_map(|o| match o {
        Output::Send(Envelope {
            to: 2, message: Message::MetadataUpdate { first_offset, records }, ..
        }) => Some((*first_offset, records.len() as i64)),
        _ => None,
    });
    assert_eq!(resent, Some((0, h.c.log_end_offset())));
}

#[test]
fn recovery_from_persisted_metadata_gives_the_same_image() {
    let mut h = cluster(3, ControllerConfig::default());
    h.create("a", 3, 2, &[]);
    h.create("b", 2, 3, &[("unclean.leader.election.enable", "true")]);
    h.now += 9000;
    h.heartbeat(1);
    h.heartbeat(2);
    h.session_timer(3);
    let recovered = ControllerNode::recover(ControllerConfig::default(), &h.persisted);
    assert_eq!(recovered.image(), h.c.image());
    assert_eq!(recovered.log(), h.c.log());
    // A torn tail: the log stops at the gap.
    let mut torn = h.persisted.clone();
    torn.remove(5);
    let recovered = ControllerNode::recover(ControllerConfig::default(), &torn);
    assert_eq!(recovered.log_end_offset(), 5);
}

#[test]
fn clients_get_metadata_with_live_brokers_leaders_and_unknown_topics() {
    let mut h = cluster(3, ControllerConfig::default());
    h.create("t", 2, 2, &[]);
    h.now += 9000;
    h.heartbeat(1);
    h.heartbeat(2);
    h.session_timer(3);
    let out = h.deliver(
        10_000,
        Message::MetadataRequest { correlation_id: 4, topics: vec!["t".into(), "nope".into()] },
    );
    let Some(Output::Send(Envelope {
        to: 10_000,
        message: Message::MetadataResponse { correlation_id, brokers, partitions, unknown_topics },
        ..
    })) = out.into_iter().find(|o| matches!(o, Output::Send(_)))
    else {
        panic!("no metadata response")
    };
    assert_eq!((correlation_id, brokers, unknown_topics), (4, vec![1, 2], vec!["nope".to_string()]));
    assert_eq!(partitions.len(), 2);
    for (_, p) in partitions {
        assert_ne!(p.leader, Some(3));
        assert!(!p.isr.contains(&3));
    }
}

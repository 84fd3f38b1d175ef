//! What the controller writes and reports when a broker is fenced and comes back, exactly:
//! `ReplicationControlManager.handleBrokerFenced` changes only the partitions the broker
//! is a replica of (`PartitionChangeBuilder.build` writes no record for a partition that
//! does not change, so the others keep their partition epoch), each ISR change is
//! reported with exactly the brokers it removed or added, and a fence never expands an
//! ISR. Found missing by mutation testing (TESTING.md): the events' `removed` / `added`
//! lists and the skip of untouched partitions were not checked by any test.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, Message};
use kafka_playground::engine::controller::ControllerConfig;

#[path = "common/controller_harness.rs"]
#[allow(dead_code)]
mod controller_harness;
use controller_harness::{cluster, events};

#[test]
fn a_fence_changes_only_the_brokers_partitions_and_names_exactly_what_left_the_isr() {
    let mut h = cluster(4, ControllerConfig::default());
    assert_eq!(h.create("t", 6, 2, &[]).0, None);
    let before: Vec<_> = (0..6).map(|p| h.partition("t", p)).collect();
    let victim = 1;
    assert!(before.iter().any(|p| p.replicas.contains(&victim)));
    assert!(
        before.iter().any(|p| !p.replicas.contains(&victim)),
        "placement must leave some partition without broker 1"
    );

    h.now += 9000;
    for b in 2..=4 {
        h.heartbeat(b);
    }
    let ev = events(&h.session_timer(victim));
    let mut shrunk = Vec::new();
    for e in &ev {
        match e {
            ClusterEvent::IsrShrunk { tp, removed, isr } => {
                assert_eq!(removed, &vec![victim], "{tp:?}");
                assert!(!isr.contains(&victim), "{tp:?}");
                shrunk.push(tp.partition);
            }
            ClusterEvent::IsrExpanded { tp, added, .. } => panic!("a fence expanded {tp:?} by {added:?}"),
            _ => {}
        }
    }
    for (p, old) in before.iter().enumerate() {
        let now = h.partition("t", p as u32);
        if old.replicas.contains(&victim) {
            assert!(now.partition_epoch > old.partition_epoch, "partition {p}");
            assert_eq!(shrunk.contains(&(p as u32)), old.isr.contains(&victim), "partition {p}");
        } else {
            assert_eq!(now, *old, "partition {p} has no replica on broker {victim}: no PartitionChange");
        }
    }

    // Back, caught up and unfenced; the leader of a partition it replicates asks to
    // take it into the ISR again: exactly it is added.
    h.heartbeat(victim);
    assert!(!h.c.image().brokers[&victim].fenced);
    let (p, state) = (0..6u32)
        .map(|p| (p, h.partition("t", p)))
        .find(|(_, s)| s.replicas.contains(&victim) && !s.isr.contains(&victim))
        .unwrap();
    let leader = state.leader.unwrap();
    let mut isr = state.isr.clone();
    isr.push(victim);
    let out = h.deliver(
        leader,
        Message::AlterPartition {
            broker_id: leader,
            broker_epoch: h.epoch(leader),
            tp: TopicPartition { topic: "t".into(), partition: p },
            leader_epoch: state.leader_epoch,
            partition_epoch: state.partition_epoch,
            new_isr: isr.clone(),
        },
    );
    let ev = events(&out);
    assert!(ev.iter().all(|e| !matches!(e, ClusterEvent::IsrShrunk { .. })), "{ev:?}");
    let expanded: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            ClusterEvent::IsrExpanded { added, isr, .. } => Some((added.clone(), isr.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(expanded, vec![(vec![victim], isr)]);
}

//! The lecture's sections 9–10 (consumer groups, heartbeats, rebalancing) in the
//! deterministic simulation: every consumer-group scenario shows what it claims, keeps
//! every invariant, replays byte for byte; eviction waits session.timeout.ms; eager
//! revokes everything while cooperative revokes only what moves; a restarted consumer
//! resumes at its committed offset (duplicates, never losses); bad consumer settings are
//! refused with the field. Faults (the coordinator's broker crashing, fuzzed schedules)
//! are in `group_faults.rs`.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::events::RemovalCause;
use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use std::collections::{BTreeMap, BTreeSet};

const SCENARIOS: [&str; 10] = [
    "consumer-group-three-members",
    "consumer-crash-session-timeout",
    "consumer-graceful-leave",
    "rebalance-eager-stop-the-world",
    "rebalance-cooperative-incremental",
    "rebalance-eager-vs-cooperative",
    "consumer-restart-resumes-from-committed",
    "static-member-restart-no-rebalance",
    "two-groups-one-topic",
    "slow-consumer-max-poll-interval",
];

#[path = "common/scenario_run.rs"]
mod scenario_run;
use scenario_run::{run, scenario};
#[path = "common/group_records.rs"]
#[allow(dead_code)]
mod group_records;
use group_records::{assert_no_gaps, assert_nothing_lost, events, processed, produced};

fn client(s: &Scenario, name: &str) -> NodeId {
    s.node_id(&kafka_playground::sim::scenario::NodeRef::Named(name.into())).unwrap()
}

fn group_states(sim: &Sim, group: &str) -> Vec<(i64, String, String, i32, usize)> {
    events(sim)
        .into_iter()
        .filter_map(|(t, _, e)| match e {
            ClusterEvent::GroupStateChanged { group_id, from, to, generation_id, members, .. }
                if group_id == group =>
            {
                Some((t, from, to, generation_id, members.len()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_group_of_three_shares_six_partitions_and_reads_everything_once() {
    for seed in 1..=3 {
        let (s, sim) = run("consumer-group-three-members", seed);
        let states = group_states(&sim, "orders-app");
        let stable = states.iter().find(|x| x.2 == "Stable").expect("the group becomes Stable");
        assert_eq!((stable.3, stable.4), (1, 3), "generation 1 with three members");
        let consumers: Vec<NodeId> = ["c1", "c2", "c3"].iter().map(|c| client(&s, c)).collect();
        let mut owners: BTreeMap<TopicPartition, NodeId> = BTreeMap::new();
        for (_, _, e) in events(&sim) {
            if let ClusterEvent::PartitionsAssigned { client_id, owned, .. } = e {
                assert_eq!(owned.len(), 2, "two partitions each");
                for p in owned {
                    assert!(owners.insert(p, client_id).is_none(), "one owner per partition");
                }
            }
        }
        assert_eq!(owners.len(), 6);
        let seen = processed(&sim, &consumers);
        assert!(seen.values().all(|n| *n == 1), "nothing read twice");
        assert_eq!(seen.len() as i64, produced(&sim).values().sum::<i64>(), "everything read");
        // The committed offsets sit in the coordinator, in __consumer_offsets.
        let state = sim.final_state();
        let committed = (1..=3)
            .filter_map(|b| {
                state["nodes"][b.to_string()]["group_coordinator"]["committed_offsets"]
                    .get("orders-app")
                    .cloned()
            })
            .next()
            .expect("a coordinator holds the group's offsets");
        for (tp, end) in produced(&sim) {
            assert_eq!(committed[format!("{}-{}", tp.topic, tp.partition)], end, "committed up to the end");
        }
        let records = (1..=3)
            .flat_map(|b| {
                state["nodes"][b.to_string()]["partitions"].as_object().cloned().unwrap_or_default()
            })
            .filter(|(k, v)| k.starts_with("__consumer_offsets") && v["role"] == "leader")
            .flat_map(|(_, v)| v["records"].as_array().cloned().unwrap_or_default())
            .collect::<Vec<_>>();
        assert!(
            records.iter().any(|r| r["key"]["type"] == "GroupMetadataKey"),
            "the group's metadata record"
        );
        assert!(records.iter().any(|r| r["key"]["type"] == "OffsetCommitKey"), "offset commit records");
    }
}

#[test]
fn a_crashed_consumer_is_evicted_no_sooner_than_session_timeout_after_its_last_heartbeat() {
    for seed in 1..=3 {
        let (s, sim) = run("consumer-crash-session-timeout", seed);
        let c2 = client(&s, "c2");
        let last_heartbeat = events(&sim)
            .into_iter()
            .filter_map(|(t, _, e)| {
                matches!(e, ClusterEvent::HeartbeatAnswered { client_id, .. } if client_id == c2).then_some(t)
            })
            .max()
            .expect("c2 heartbeated");
        assert!(last_heartbeat <= 12_000);
        let (evicted_at, _) =
            events(&sim)
                .into_iter()
                .find_map(|(t, _, e)| match e {
                    ClusterEvent::MemberRemoved {
                        cause: RemovalCause::SessionTimeout, member_id, ..
                    } if member_id.starts_with("c2-") => Some((t, member_id)),
                    _ => None,
                })
                .expect("c2 is evicted");
        // The coordinator got the heartbeat at most one network hop (≤ 3 ms) before c2 saw
        // the answer, and evicts exactly session.timeout.ms (45 s) after it.
        assert!(
            evicted_at >= last_heartbeat + 45_000 - 6,
            "evicted at {evicted_at}, last heartbeat {last_heartbeat}"
        );
        assert!(
            evicted_at <= last_heartbeat + 45_000,
            "evicted at {evicted_at}, last heartbeat {last_heartbeat}"
        );
        let states = group_states(&sim, "orders-app");
        assert!(
            states.iter().any(|x| x.0 == evicted_at && x.1 == "Stable" && x.2 == "PreparingRebalance"),
            "{states:?}"
        );
        assert!(
            states.iter().any(|x| x.0 > evicted_at && x.2 == "Stable" && x.3 == 2 && x.4 == 2),
            "{states:?}"
        );
        assert_nothing_lost(&sim, &[], "crash");
    }
}

#[test]
fn a_graceful_leave_rebalances_at_once_and_reads_nothing_twice() {
    let (s, sim) = run("consumer-graceful-leave", 1);
    let left = events(&sim)
        .into_iter()
        .find_map(|(t, _, e)| {
            matches!(e, ClusterEvent::MemberRemoved { cause: RemovalCause::LeaveGroup, .. }).then_some(t)
        })
        .expect("c2 leaves");
    assert!((12_000..12_020).contains(&left), "LeaveGroup right after close at 12 s: {left}");
    let states = group_states(&sim, "orders-app");
    assert!(states.iter().any(|x| x.0 == left && x.2 == "PreparingRebalance"));
    let c2 = client(&s, "c2");
    assert!(events(&sim)
        .iter()
        .any(|(_, n, e)| *n == c2 && matches!(e, ClusterEvent::CommitCompleted { error: None, .. })));
    let seen = processed(&sim, &[]);
    assert!(seen.values().all(|n| *n == 1), "commit before leaving: no duplicates");
    assert_nothing_lost(&sim, &[], "leave");
}

/// Per consumer: (time, revoked) and (time, owned) around the rebalance that c4 starts.
type Moves = Vec<(i64, NodeId, Vec<TopicPartition>)>;

fn rebalance_moves(sim: &Sim, from_ms: i64) -> (Moves, Moves) {
    let mut revoked = Vec::new();
    let mut assigned = Vec::new();
    for (t, _, e) in events(sim) {
        if t < from_ms {
            continue;
        }
        match e {
            ClusterEvent::PartitionsRevoked { client_id, revoked: r, .. } => revoked.push((t, client_id, r)),
            ClusterEvent::PartitionsAssigned { client_id, owned, .. } => assigned.push((t, client_id, owned)),
            _ => {}
        }
    }
    (revoked, assigned)
}

fn owned_before(sim: &Sim, before_ms: i64) -> BTreeMap<NodeId, Vec<TopicPartition>> {
    let mut out = BTreeMap::new();
    for (t, _, e) in events(sim) {
        if let ClusterEvent::PartitionsAssigned { client_id, owned, .. } = e {
            if t < before_ms {
                out.insert(client_id, owned);
            }
        }
    }
    out
}

#[test]
fn eager_revokes_every_partition_cooperative_only_those_that_move() {
    for seed in 1..=2 {
        let (_, sim) = run("rebalance-eager-stop-the-world", seed);
        let before = owned_before(&sim, 20_000);
        let (revoked, assigned) = rebalance_moves(&sim, 20_000);
        for (client, owned) in &before {
            let r = revoked.iter().find(|(_, c, _)| c == client).expect("every old member revokes");
            assert_eq!(&r.2, owned, "eager: member {client} revokes all it owned");
            // The stop-the-world span: from its revocation to its new assignment.
            let a =
                assigned.iter().find(|(t, c, _)| c == client && *t >= r.0).expect("and is assigned again");
            assert!(a.0 > r.0, "a stop-the-world span for {client}");
        }
        assert_no_gaps(&sim, "eager");

        let (_, sim) = run("rebalance-cooperative-incremental", seed);
        let before = owned_before(&sim, 20_000);
        let (revoked, assigned) = rebalance_moves(&sim, 20_000);
        let mut after: BTreeMap<NodeId, Vec<TopicPartition>> = BTreeMap::new();
        for (_, c, owned) in &assigned {
            after.insert(*c, owned.clone());
        }
        let new_owner = |p: &TopicPartition| after.iter().find(|(_, o)| o.contains(p)).map(|(c, _)| *c);
        for (_, client, r) in &revoked {
            for p in r {
                assert_ne!(
                    new_owner(p),
                    Some(*client),
                    "cooperative: {client} revoked {p:?}, which it keeps"
                );
            }
        }
        let kept: usize =
            before.iter().map(|(c, owned)| owned.iter().filter(|p| new_owner(p) == Some(*c)).count()).sum();
        assert!(kept >= 4, "most partitions keep their owner: {kept}");
        let moved: usize = revoked.iter().map(|(_, _, r)| r.len()).sum();
        assert!((1..=2).contains(&moved), "only what moves to the newcomer is revoked: {revoked:?}");
        assert_no_gaps(&sim, "cooperative");
    }
}

#[test]
fn a_restarted_consumer_resumes_at_its_committed_offset() {
    for seed in 1..=3 {
        let (s, sim) = run("consumer-restart-resumes-from-committed", seed);
        let c1 = client(&s, "c1");
        let mut committed: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for (t, _, e) in events(&sim) {
            if let ClusterEvent::OffsetsCommitted { offsets, .. } = e {
                if t < 14_000 {
                    committed.extend(offsets);
                }
            }
        }
        assert!(!committed.is_empty(), "something was committed before the crash");
        let mut first_after: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for (t, n, e) in events(&sim) {
            if let ClusterEvent::RecordsConsumed { tp, first_offset, .. } = e {
                if n == c1 && t >= 20_000 {
                    first_after.entry(tp).or_insert(first_offset);
                }
            }
        }
        for (p, offset) in &committed {
            if let Some(first) = first_after.get(p) {
                assert_eq!(first, offset, "{p:?}: resumes exactly at the committed offset");
            }
        }
        let seen = processed(&sim, &[c1]);
        assert!(
            seen.values().any(|n| *n > 1),
            "at least once: records processed after the last commit come again"
        );
        assert_nothing_lost(&sim, &[c1], "restart");
    }
}

#[test]
fn a_static_member_restarting_within_its_session_causes_no_rebalance() {
    let (s, sim) = run("static-member-restart-no-rebalance", 1);
    let states = group_states(&sim, "orders-app");
    assert!(states.iter().all(|x| x.0 < 14_000), "no state change after the crash: {states:?}");
    let c1 = client(&s, "c1");
    let c2 = client(&s, "c2");
    let before = owned_before(&sim, 14_000);
    let again = events(&sim)
        .into_iter()
        .find_map(|(t, _, e)| match e {
            ClusterEvent::PartitionsAssigned { client_id, owned, generation_id, .. }
                if client_id == c1 && t >= 20_000 =>
            {
                Some((owned, generation_id))
            }
            _ => None,
        })
        .expect("c1 gets its assignment back");
    assert_eq!(again.0, before[&c1], "the same partitions");
    assert_eq!(again.1, 1, "in the same generation");
    assert!(
        !events(&sim).iter().any(|(_, n, e)| *n == c2 && matches!(e, ClusterEvent::PartitionsRevoked { .. })),
        "c2 is never interrupted"
    );
    assert!(events(&sim).iter().any(|(t, _, e)| *t >= 20_000
        && matches!(e, ClusterEvent::MemberJoined { group_instance_id: Some(i), .. } if i == "orders-app-host-1")));
    assert_nothing_lost(&sim, &[], "static");
}

#[test]
fn two_groups_read_one_topic_independently() {
    let (s, sim) = run("two-groups-one-topic", 1);
    let billing: Vec<NodeId> = ["billing-1", "billing-2"].iter().map(|c| client(&s, c)).collect();
    let analytics = vec![client(&s, "analytics-1")];
    for (name, members) in [("billing", &billing), ("analytics", &analytics)] {
        let seen = processed(&sim, members);
        assert!(seen.values().all(|n| *n == 1), "{name}: every record once");
        assert_eq!(seen.len() as i64, produced(&sim).values().sum::<i64>(), "{name}: every record");
    }
    let state = sim.final_state();
    let groups: BTreeSet<String> = (1..=3)
        .filter_map(|b| {
            state["nodes"][b.to_string()]["group_coordinator"]["committed_offsets"].as_object().cloned()
        })
        .flat_map(|o| o.keys().cloned().collect::<Vec<_>>())
        .collect();
    assert_eq!(
        groups,
        ["analytics".to_string(), "billing".to_string()].into(),
        "each group has its own offsets"
    );
}

#[test]
fn a_slow_consumer_leaves_the_group_after_max_poll_interval() {
    let (s, sim) = run("slow-consumer-max-poll-interval", 1);
    let c2 = client(&s, "c2");
    let (left_at, reason) =
        events(&sim)
            .into_iter()
            .find_map(|(t, _, e)| match e {
                ClusterEvent::MemberRemoved {
                    cause: RemovalCause::LeaveGroup, member_id, reason, ..
                } if member_id.starts_with("c2-") => Some((t, reason)),
                _ => None,
            })
            .expect("c2 leaves");
    assert!(reason.contains("consumer poll timeout has expired"), "{reason}");
    assert!(left_at >= 12_000 + 10_000, "not before max.poll.interval.ms has passed: {left_at}");
    // Its heartbeats were fine all along: no session timeout.
    assert!(!events(&sim).iter().any(|(_, _, e)| matches!(
        e,
        ClusterEvent::MemberRemoved { cause: RemovalCause::SessionTimeout, .. }
    )));
    assert!(events(&sim).iter().any(|(t, n, e)| *n == c2
        && *t < left_at
        && matches!(e, ClusterEvent::HeartbeatAnswered { error: None, .. })));
    let c1 = client(&s, "c1");
    let last = events(&sim).into_iter().rev().find_map(|(_, _, e)| match e {
        ClusterEvent::PartitionsAssigned { client_id, owned, .. } if client_id == c1 => Some(owned),
        _ => None,
    });
    assert_eq!(last.map(|o| o.len()), Some(4), "c1 takes every partition");
}

#[test]
fn consumer_group_scenarios_replay_byte_for_byte() {
    for name in SCENARIOS.iter().chain(["coordinator-failover"].iter()) {
        let (s, sim) = run(name, 7);
        scenario_run::assert_replays(&s, &sim, name);
        let journal = sim.journal();
        let (_, again) = run(name, 7);
        assert_eq!(again.journal(), journal, "{name}: same seed, same journal");
    }
}

#[test]
fn subscribing_to_a_missing_topic_waits_for_it() {
    let mut s = scenario("consumer-group-three-members");
    s.topics.clear();
    s.steps.retain(|x| !matches!(x.action, kafka_playground::sim::scenario::StepAction::Produce(_)));
    s.until_ms = 15_000;
    let mut sim = build_sim(&s, 1).unwrap();
    sim.run_until(s.until_ms, 10_000_000);
    assert!(sim.violations().is_empty());
    assert!(events(&sim).iter().any(
        |(_, _, e)| matches!(e, ClusterEvent::ConsumerNote { note, .. } if note.contains("does not exist"))
    ));
    assert!(!events(&sim).iter().any(|(_, _, e)| matches!(e, ClusterEvent::Refused { reason, .. } if !reason.contains("__consumer_offsets"))));
}

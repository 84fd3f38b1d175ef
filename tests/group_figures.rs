//! The group view's figures against the timeline they are drawn from. Each scenario runs
//! natively; the expected figures are worked out here straight from the consumers' own
//! events (`onPartitionsRevoked`, `onPartitionsAssigned`, records processed) and the
//! coordinator's (`MemberRemoved`), as Kafka's `ConsumerCoordinator` defines them:
//! EAGER revokes every partition before rejoining, so each member processes nothing
//! until the new assignment (stop the world); COOPERATIVE revokes only what moves, so the
//! members keep processing what they keep; a crashed member sends no LeaveGroup, so its
//! partitions stay assigned to it, unconsumed, until `session.timeout.ms` expires.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::events::RemovalCause;
use kafka_playground::engine::cluster::messages::TopicPartition;
use kafka_playground::engine::cluster::{ClusterEvent, NodeId, FIRST_CLIENT_ID};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::picture::group::GroupPicture;
use kafka_playground::sim::picture::view::{GroupView, RebalanceView};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use std::collections::{BTreeMap, BTreeSet};

#[path = "common/scenario_run.rs"]
mod scenario_run;
use scenario_run::{run, scenario};

fn client(s: &Scenario, name: &str) -> NodeId {
    FIRST_CLIENT_ID + s.clients.iter().position(|c| c.id == name).unwrap() as u32
}

fn the_group(sim: &Sim, s: &Scenario, picture: &mut GroupPicture) -> GroupView {
    let groups = picture.view(sim, s);
    assert_eq!(groups.len(), 1, "{groups:?}");
    groups.into_iter().next().unwrap()
}

fn pair(tp: &TopicPartition) -> (String, u32) {
    (tp.topic.to_string(), tp.partition)
}

/// From the consumers' events: each client's spans of owning nothing after owning
/// something, (from revoke, to the assignment that gave it partitions again), and each
/// partition's spans without a consuming owner (revoke or crash → next assignment).
#[derive(Default)]
struct Truth {
    stops: BTreeMap<NodeId, Vec<(i64, i64)>>,
    gaps: BTreeMap<(String, u32), Vec<(i64, i64)>>,
}

fn truth(sim: &Sim, crash: Option<(i64, NodeId)>) -> Truth {
    let mut owned: BTreeMap<NodeId, BTreeSet<(String, u32)>> = BTreeMap::new();
    let mut empty_since: BTreeMap<NodeId, i64> = BTreeMap::new();
    let mut gap_since: BTreeMap<(String, u32), i64> = BTreeMap::new();
    let mut t = Truth::default();
    let mut crash = crash;
    for (at, _, e) in sim.timeline().iter() {
        if let Some((crash_ms, id)) = crash.filter(|(c, _)| c < at) {
            for tp in owned.remove(&id).unwrap_or_default() {
                gap_since.insert(tp, crash_ms);
            }
            crash = None;
        }
        match e {
            ClusterEvent::PartitionsRevoked { client_id, revoked, .. } => {
                let o = owned.entry(*client_id).or_default();
                let had = !o.is_empty();
                for tp in revoked {
                    o.remove(&pair(tp));
                    gap_since.insert(pair(tp), *at);
                }
                if had && o.is_empty() {
                    empty_since.insert(*client_id, *at);
                }
            }
            ClusterEvent::PartitionsAssigned { client_id, owned: now, .. } => {
                let o = owned.entry(*client_id).or_default();
                *o = now.iter().map(pair).collect();
                for tp in now {
                    if let Some(from) = gap_since.remove(&pair(tp)) {
                        t.gaps.entry(pair(tp)).or_default().push((from, *at));
                    }
                }
                if !now.is_empty() {
                    if let Some(from) = empty_since.remove(client_id) {
                        t.stops.entry(*client_id).or_default().push((from, *at));
                    }
                }
            }
            _ => {}
        }
    }
    t
}

fn consumed_between(sim: &Sim, id: NodeId, from: i64, to: i64) -> usize {
    sim.timeline()
        .iter()
        .filter(|(at, _, e)| {
            *at > from
                && *at < to
                && matches!(e, ClusterEvent::RecordsConsumed { client_id, .. } if *client_id == id)
        })
        .count()
}

/// Rounds of the picture that started after `from_ms`.
fn rounds_after(g: &GroupView, from_ms: i64) -> Vec<&RebalanceView> {
    g.rebalances.iter().filter(|r| r.started_ms >= from_ms).collect()
}

#[test]
fn eager_stops_the_world_and_the_figures_are_the_timelines() {
    let (s, sim) = run("rebalance-eager-stop-the-world", 1);
    let g = the_group(&sim, &s, &mut GroupPicture::default());
    let t = truth(&sim, None);
    let rounds = rounds_after(&g, 20_000);
    assert_eq!(rounds.len(), 1, "one eager round for the fourth member: {rounds:?}");
    let round = rounds[0];
    let generation = round.generation.expect("completed");
    // Every member that had partitions stopped: revoke-all, then nothing processed until
    // the new assignment.
    let mut expected = Vec::new();
    for name in ["c1", "c2", "c3"] {
        let id = client(&s, name);
        let stops: Vec<_> =
            t.stops.get(&id).into_iter().flatten().filter(|(from, _)| *from >= 20_000).collect();
        assert_eq!(stops.len(), 1, "{name} revoked everything once: {stops:?}");
        let (from, to) = *stops[0];
        assert!(to > from, "{name}");
        expected.push((name.to_string(), to - from));
    }
    let mut got = round.stopped.clone();
    got.sort();
    assert_eq!(got, expected, "generation {generation}: c4, the newcomer, stopped nothing");
    let headline = expected.iter().map(|(_, ms)| *ms).max().unwrap();
    assert_eq!(round.stop_the_world_ms(), headline);
    assert!(headline > 0);
    // Every partition was unserved, from its owner's revoke to its new owner's assignment.
    let mut gaps: Vec<((String, u32), (i64, i64))> =
        round.unserved.iter().map(|u| ((u.topic.clone(), u.partition), (u.from_ms, u.to_ms))).collect();
    gaps.sort();
    let mut expected_gaps: Vec<((String, u32), (i64, i64))> = t
        .gaps
        .iter()
        .flat_map(|(tp, v)| v.iter().filter(|(from, _)| *from >= 20_000).map(|g| (tp.clone(), *g)))
        .collect();
    expected_gaps.sort();
    assert_eq!(expected_gaps.len(), 6, "all six partitions");
    assert_eq!(gaps, expected_gaps);
    assert!(g.unserved.is_empty(), "all served at the end");
}

#[test]
fn cooperative_keeps_processing_and_shows_no_stop_the_world() {
    let (s, sim) = run("rebalance-cooperative-incremental", 1);
    let g = the_group(&sim, &s, &mut GroupPicture::default());
    let t = truth(&sim, None);
    let rounds = rounds_after(&g, 20_000);
    assert_eq!(rounds.len(), 2, "two rounds: revoke what moves, then give it: {rounds:?}");
    for r in &rounds {
        assert_eq!(r.stop_the_world_ms(), 0, "nobody stopped: {r:?}");
        assert!(r.stopped.is_empty());
    }
    let (start, end) = (rounds[0].started_ms, rounds[1].completed_ms.unwrap());
    for name in ["c1", "c2", "c3"] {
        let id = client(&s, name);
        assert!(t.stops.get(&id).is_none_or(|v| v.iter().all(|(from, _)| *from < 20_000)), "{name}");
        assert!(consumed_between(&sim, id, start, end + 1_000) > 0, "{name} kept processing");
    }
    // The partitions that moved were unserved from their owners' revoke (first round)
    // to the newcomer's assignment (second round), and only those.
    let c4 = client(&s, "c4");
    let moved: BTreeSet<(String, u32)> = sim
        .timeline()
        .iter()
        .filter_map(|(_, _, e)| match e {
            ClusterEvent::PartitionsAssigned { client_id, added, .. } if *client_id == c4 => {
                Some(added.iter().map(pair).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    let revoked: BTreeSet<(String, u32)> = sim
        .timeline()
        .iter()
        .filter_map(|(at, _, e)| match e {
            ClusterEvent::PartitionsRevoked { revoked, .. } if *at >= 20_000 => {
                Some(revoked.iter().map(pair).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert!(!moved.is_empty(), "the newcomer gets partitions");
    assert_eq!(revoked, moved, "only what moves to the newcomer is revoked");
    assert!(rounds[0].unserved.is_empty(), "nothing is given in the first round");
    let gaps: BTreeMap<(String, u32), i64> =
        rounds[1].unserved.iter().map(|u| ((u.topic.clone(), u.partition), u.ms())).collect();
    let expected: BTreeMap<(String, u32), i64> = t
        .gaps
        .iter()
        .filter_map(|(tp, v)| v.iter().find(|(from, _)| *from >= 20_000).map(|(f, to)| (tp.clone(), to - f)))
        .collect();
    assert_eq!(gaps.keys().cloned().collect::<BTreeSet<_>>(), moved);
    assert_eq!(gaps, expected);
}

#[test]
fn a_crashed_member_keeps_its_assignment_unconsumed_until_the_session_times_out() {
    let s = scenario("consumer-crash-session-timeout");
    let mut sim = build_sim(&s, 1).unwrap();
    let mut picture = GroupPicture::default();
    let c2 = client(&s, "c2");
    sim.run_until(11_900, 20_000_000);
    let before = the_group(&sim, &s, &mut picture);
    let owned_before = before.members.iter().find(|m| m.name == "c2").unwrap().assigned.clone();
    assert!(!owned_before.is_empty());
    sim.run_until(30_000, 20_000_000);
    let g = the_group(&sim, &s, &mut picture);
    let m = g.members.iter().find(|m| m.name == "c2").unwrap();
    assert_eq!(m.status, "crashed");
    assert!(m.assigned.is_empty(), "the dead process owns nothing");
    assert_eq!(m.coordinator_assigned, owned_before, "the coordinator still assigns them to c2");
    let unserved: Vec<(String, u32)> = g.unserved.iter().map(|u| (u.topic.clone(), u.partition)).collect();
    assert_eq!(unserved, owned_before, "exactly c2's partitions are not consumed");
    for u in &g.unserved {
        assert!(u.open && u.owner_crashed && u.last_owner == "c2");
        assert_eq!((u.from_ms, u.to_ms), (12_000, 30_000));
        assert_eq!(u.assigned_to.as_deref(), Some("c2"));
    }
    sim.run_until(s.until_ms, 20_000_000);
    assert!(sim.violations().is_empty());
    let g = the_group(&sim, &s, &mut picture);
    let removed = sim
        .timeline()
        .iter()
        .find_map(|(at, _, e)| {
            matches!(e, ClusterEvent::MemberRemoved { cause: RemovalCause::SessionTimeout, .. })
                .then_some(*at)
        })
        .expect("the coordinator evicts c2");
    // session.timeout.ms (45 s) after its last heartbeat, which came at most
    // heartbeat.interval.ms (3 s) before the crash.
    assert!((12_000 + 45_000 - 3_000..=12_000 + 45_000 + 100).contains(&removed), "{removed}");
    assert!(g.members.iter().find(|m| m.name == "c2").unwrap().coordinator_assigned.is_empty());
    let t = truth(&sim, Some((12_000, c2)));
    let round = rounds_after(&g, removed).into_iter().next().expect("a rebalance after the eviction");
    for tp in &owned_before {
        let u =
            round.unserved.iter().find(|u| (u.topic.clone(), u.partition) == *tp).expect("c2's partition");
        let (from, to) = t.gaps[tp].iter().copied().find(|(from, _)| *from == 12_000).unwrap();
        assert_eq!((u.from_ms, u.to_ms, u.owner_crashed), (from, to, true));
        assert!(u.ms() >= 45_000 - 3_000, "unserved for about session.timeout.ms: {}", u.ms());
    }
    assert!(g.unserved.is_empty(), "served again at the end");
}

#[test]
fn a_running_rebalance_has_no_generation_yet_and_counts_its_stops_to_now() {
    let s = scenario("rebalance-eager-stop-the-world");
    let mut sim = build_sim(&s, 1).unwrap();
    let mut picture = GroupPicture::default();
    sim.run_until(21_300, 20_000_000);
    let g = the_group(&sim, &s, &mut picture);
    let t = truth(&sim, None);
    let started = sim
        .timeline()
        .iter()
        .filter(
            |(_, _, e)| matches!(e, ClusterEvent::GroupStateChanged { to, .. } if to == "PreparingRebalance"),
        )
        .map(|(at, _, _)| *at)
        .next_back()
        .expect("c4's join began a rebalance");
    let round = g.rebalances.last().unwrap();
    assert_eq!((round.started_ms, round.completed_ms, round.generation), (started, None, None), "never -1");
    // Members that revoked everything and have no new assignment yet: stopped until now.
    let mut expected: Vec<(String, i64)> = Vec::new();
    for name in ["c1", "c2", "c3"] {
        let revoked_all = sim.timeline().iter().find_map(|(at, _, e)| match e {
            ClusterEvent::PartitionsRevoked { client_id, .. }
                if *client_id == client(&s, name) && *at >= started =>
            {
                Some(*at)
            }
            _ => None,
        });
        if let Some(at) = revoked_all {
            expected.push((name.to_string(), 21_300 - at));
        }
    }
    assert!(!expected.is_empty(), "someone has revoked by 21.3 s");
    assert!(
        t.stops.values().flatten().all(|(from, _)| *from < started),
        "nobody was given partitions back yet"
    );
    let mut got = round.stopped.clone();
    got.sort();
    assert_eq!(got, expected);
}

/// Kafka runs `onPartitionsRevoked` inside `poll()` (`ConsumerCoordinator.onJoinPrepare`
/// from `joinGroupIfNeeded`), which the application calls only after processing what the
/// previous `poll()` returned: under EAGER a member processes nothing from its revoke-all
/// to its new assignment. The simulated consumer revokes when its commit-before-join is
/// answered; poll() is blocked in that commit (commitOffsetsSync), so it hands out nothing
/// meanwhile and the revocation happens inside poll(), never during a batch.
#[test]
fn eager_members_process_nothing_between_revoke_and_assignment() {
    let (s, sim) = run("rebalance-eager-stop-the-world", 1);
    let t = truth(&sim, None);
    for name in ["c1", "c2", "c3"] {
        let id = client(&s, name);
        for (from, to) in t.stops.get(&id).into_iter().flatten() {
            assert_eq!(consumed_between(&sim, id, *from, *to), 0, "{name} processed records while stopped");
        }
    }
}

/// Kafka's `ClassicGroupState` static block: the states a group may move to each state from.
fn valid_previous(state: &str) -> &'static [&'static str] {
    match state {
        "Empty" => &["PreparingRebalance"],
        "PreparingRebalance" => &["Stable", "CompletingRebalance", "Empty"],
        "CompletingRebalance" => &["PreparingRebalance"],
        "Stable" => &["CompletingRebalance"],
        "Dead" => &["Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"],
        _ => &[],
    }
}

#[test]
fn the_state_strip_is_the_coordinators_moves_in_kafkas_order() {
    for name in [
        "rebalance-eager-stop-the-world",
        "rebalance-cooperative-incremental",
        "consumer-crash-session-timeout",
    ] {
        let (s, sim) = run(name, 1);
        let g = the_group(&sim, &s, &mut GroupPicture::default());
        let moves: Vec<(i64, String, i32)> = sim
            .timeline()
            .iter()
            .filter_map(|(at, _, e)| match e {
                ClusterEvent::GroupStateChanged { to, generation_id, .. } => {
                    Some((*at, to.clone(), *generation_id))
                }
                _ => None,
            })
            .collect();
        let strip: Vec<(i64, String, i32)> =
            g.states.iter().map(|x| (x.at_ms, x.state.clone(), x.generation)).collect();
        assert_eq!(strip, moves, "{name}: every move the coordinator reported, in order");
        assert!(strip.iter().any(|(_, st, _)| st == "CompletingRebalance"), "{name}");
        for pair in strip.windows(2) {
            let (before, after) = (&pair[0].1, &pair[1].1);
            assert!(valid_previous(after).contains(&before.as_str()), "{name}: {before} → {after}");
            assert!(pair[0].0 <= pair[1].0);
        }
        // A generation is chosen as the group leaves PreparingRebalance, and only then.
        for (k, (_, st, generation)) in strip.iter().enumerate().skip(1) {
            if st == "CompletingRebalance" {
                assert_eq!(*generation, strip[k - 1].2 + 1, "{name}: a rebalance's new generation");
            }
        }
    }
}

#[test]
fn eager_and_cooperative_side_by_side_under_the_same_load() {
    let (s, sim) = run("rebalance-eager-vs-cooperative", 1);
    let groups = GroupPicture::default().view(&sim, &s);
    let by_id =
        |id: &str| groups.iter().find(|g| g.group_id == id).unwrap_or_else(|| panic!("{id}: {groups:?}"));
    let (eager, cooperative) = (by_id("orders-app-eager"), by_id("orders-app-cooperative"));
    assert_eq!(
        (eager.rebalance_protocol.as_str(), cooperative.rebalance_protocol.as_str()),
        ("EAGER", "COOPERATIVE")
    );
    // The fourth member's join at 20 s: eager stops the world, cooperative never does.
    let eager_rounds = rounds_after(eager, 20_000);
    let cooperative_rounds = rounds_after(cooperative, 20_000);
    assert!(eager_rounds.iter().any(|r| r.stop_the_world_ms() > 0), "{eager_rounds:?}");
    assert!(cooperative_rounds.iter().all(|r| r.stop_the_world_ms() == 0), "{cooperative_rounds:?}");
    // KIP-429: the cooperative join takes two rounds (revoke what moves, then assign it).
    assert_eq!(cooperative_rounds.len(), 2, "{cooperative_rounds:?}");
    assert_eq!(eager_rounds.len(), 1, "{eager_rounds:?}");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn each_partitions_owners_over_time_are_the_consumers_own_revokes_and_assignments() {
    for name in ["rebalance-eager-stop-the-world", "rebalance-cooperative-incremental"] {
        let (s, sim) = run(name, 1);
        let g = the_group(&sim, &s, &mut GroupPicture::default());
        let t = truth(&sim, None);
        assert_eq!(g.ownership.len(), 6, "{name}: six partitions");
        for o in &g.ownership {
            let key = (o.topic.clone(), o.partition);
            // Every gap the consumers' events show is a "nobody" span from its start to its end.
            for (from, to) in t.gaps.get(&key).into_iter().flatten() {
                let k = o.owners.iter().position(|(at, who)| at == from && who.is_none());
                let k = k.unwrap_or_else(|| {
                    panic!("{name} {key:?}: no unserved span from {from}: {:?}", o.owners)
                });
                assert_eq!(o.owners.get(k + 1).map(|(at, _)| at), Some(to), "{name} {key:?}");
            }
            // And nobody else: every "nobody" span is one of those gaps.
            let nobody = o.owners.iter().filter(|(_, who)| who.is_none()).count();
            assert_eq!(nobody, t.gaps.get(&key).map_or(0, Vec::len), "{name} {key:?}: {:?}", o.owners);
            assert!(o.owners.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 != w[1].1), "{name} {key:?}");
        }
    }
}

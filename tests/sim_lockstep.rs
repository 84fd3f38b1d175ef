//! The page's lockstep (brokers run elsewhere, outputs come back as traces, windows cut
//! at the smallest link latency) gives exactly the journal and final state of the plain
//! simulation: for every shipped scenario, for zero lookahead, and for fuzzed fault
//! schedules. Here the "elsewhere" is in-thread runners; the page uses web workers.

use kafka_playground::engine::cluster::{ClusterEvent, CONTROLLER_ID};
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::fuzz::fuzz_scenario;
use kafka_playground::sim::runner::{run_lockstep_in_thread, NodeRunner};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::{Action, Sim};
use std::collections::BTreeMap;

fn scenarios() -> Vec<(String, Scenario)> {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, Scenario)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| (p.display().to_string(), Scenario::parse(&std::fs::read_to_string(&p).unwrap()).unwrap()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The page's acts on top of a scenario (none for the shipped ones).
type Acts = fn(&mut Sim);

fn no_acts(_: &mut Sim) {}

/// (journal JSON, final state with the remote nodes' states and stores filled in).
fn lockstep(s: &Scenario, seed: u64, acts: Acts) -> (String, Sim, BTreeMap<u32, NodeRunner>) {
    let mut sim = build_sim(s, seed).unwrap();
    acts(&mut sim);
    sim.set_remote(1..=s.cluster.broker_slots());
    let world = ClusterWorld::new(s, seed).unwrap();
    let mut runners = BTreeMap::new();
    run_lockstep_in_thread(&mut sim, &world, &mut runners, s.until_ms);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    (serde_json::to_string(&sim.journal()).unwrap(), sim, runners)
}

fn plain(s: &Scenario, seed: u64, acts: Acts) -> (String, Sim) {
    let mut sim = build_sim(s, seed).unwrap();
    acts(&mut sim);
    sim.run_until(s.until_ms, 10_000_000);
    (serde_json::to_string(&sim.journal()).unwrap(), sim)
}

fn assert_same(s: &Scenario, seed: u64, what: &str) -> Sim {
    assert_same_with(s, seed, what, no_acts)
}

fn assert_same_with(s: &Scenario, seed: u64, what: &str, acts: Acts) -> Sim {
    let (a, p) = plain(s, seed, acts);
    let (b, l, runners) = lockstep(s, seed, acts);
    assert!(a == b, "{what} seed {seed}: the lockstep journal differs ({} vs {} bytes)", a.len(), b.len());
    assert_eq!(p.timeline(), l.timeline(), "{what}: timelines differ");
    for (id, r) in &runners {
        let want = p.node(*id).map(|n| n.state_json());
        assert_eq!(r.node().map(|n| n.state_json()), want, "{what}: broker {id}'s state differs");
        let (sa, sb) = (p.store(*id).unwrap(), &r.store);
        assert_eq!(sa.segment_ids(*id), sb.segment_ids(*id), "{what}: broker {id}'s segments differ");
        for seg in sa.segment_ids(*id) {
            assert_eq!(sa.segment_bytes(&seg), sb.segment_bytes(&seg));
        }
        assert_eq!(sa.meta_of(*id), sb.meta_of(*id));
    }
    p
}

/// The page's "add broker" twice on the notebook (its brokers 2 and 3 are declared with
/// `max_brokers`), then CreateTopics with RF 3: the added brokers start in their own
/// runners exactly as in the plain run, register with the controller, and host the
/// topic's replicas (Kafka refuses RF 3 while fewer than three brokers are live).
#[test]
fn added_brokers_run_the_same_in_lockstep_and_host_replicas() {
    let (_, mut s) = scenarios().into_iter().find(|(n, _)| n.ends_with("lecture-notebook.json")).unwrap();
    s.until_ms = 20_000;
    fn acts(sim: &mut Sim) {
        sim.schedule(5_000, Action::StartWith(2, Default::default()));
        sim.schedule(5_000, Action::StartWith(2, Default::default())); // a second click: ignored
        sim.schedule(5_001, Action::StartWith(3, Default::default()));
        let spec = serde_json::json!({ "create_topic": {
            "name": "orders", "partitions": 6, "replication_factor": 3, "configs": { "min.insync.replicas": "2" } } });
        sim.schedule(12_000, Action::Command(CONTROLLER_ID, serde_json::from_value(spec).unwrap()));
    }
    let sim = assert_same_with(&s, 1, "notebook + 2 brokers", acts);
    let created = sim.timeline().iter().any(|(_, _, e)| {
        matches!(e, ClusterEvent::TopicCreated { topic, partitions: 6, replication_factor: 3 } if topic == "orders")
    });
    assert!(created, "orders is created with RF 3 once three brokers are live");
    let state = sim.final_state();
    for b in ["1", "2", "3"] {
        let hosted = state["nodes"][b]["partitions"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("orders-"))
            .count();
        assert_eq!(hosted, 6, "broker {b} hosts a replica of every orders partition");
    }
}

#[test]
fn every_scenario_runs_the_same_in_lockstep() {
    for (name, s) in scenarios() {
        for seed in [1, 7] {
            assert_same(&s, seed, &name);
        }
    }
}

#[test]
fn zero_lookahead_runs_one_event_per_window_and_agrees() {
    let (name, mut s) = scenarios().into_iter().next().unwrap();
    s.cluster.network.latency_ms = 1;
    s.cluster.network.jitter_ms = 1;
    assert_same(&s, 3, &name);
}

#[test]
fn fuzzed_fault_schedules_run_the_same_in_lockstep() {
    for seed in 0..40 {
        let s = fuzz_scenario(seed);
        assert_same(&s, seed, "fuzz");
    }
}

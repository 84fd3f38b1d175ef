//! A broker worker's store keeps segment lengths only once its node is built
//! (`MemoryStore::forget_bytes`, `NodeRunner::lengths_only_once_built`). The reference is
//! the full store the CLI and the simulation keep: for the writes of real runs (crashes
//! and unclean truncation, retention and deleteRecords, compaction, a deleted topic) a
//! lengths-only store must accept and refuse the same writes with the same errors and
//! keep the same segments at the same lengths, and the page's protocol run with such
//! workers (a crash ends the worker; the restart opens a new one from the durable copy)
//! must give the plain simulation's journal.

use kafka_playground::engine::cluster::{ClusterEvent, NodeId};
use kafka_playground::engine::store::{SegmentId, StoreOp};
use kafka_playground::sim::cluster_world::{build_sim, ClusterWorld};
use kafka_playground::sim::lockstep::Window;
use kafka_playground::sim::runner::{leader_among, NodeRunner};
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use kafka_playground::storage::memory::MemoryStore;
use serde_json::json;
use std::collections::BTreeMap;

/// Shipped scenarios whose brokers crash and truncate, delete by retention and
/// deleteRecords, and compact.
const SHIPPED: [&str; 5] = [
    "acks-1-loses-acknowledged-record",
    "unclean-election-loses-data",
    "coordinator-failover",
    "retention-on-every-replica",
    "compaction-keeps-latest-per-key",
];

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A topic with small segments written to, then deleted while broker 2 is down (it drops
/// its replica when it returns), then created again and written to.
fn delete_topic_scenario() -> Scenario {
    let mut steps = Vec::new();
    for i in 0..6 {
        steps.push(json!({ "at_ms": 2000 + 200 * i, "produce": { "client": "p1", "topic": "t", "count": 5, "key": "k{i}", "value": "v{i}" } }));
    }
    steps.push(json!({ "at_ms": 4000, "crash": { "broker": 2 } }));
    steps.push(json!({ "at_ms": 5000, "delete_topic": { "name": "t" } }));
    steps.push(json!({ "at_ms": 9000, "restart": { "broker": 2 } }));
    let s = json!({
        "version": 1, "name": "delete-topic-mirror",
        "cluster": { "brokers": 3 },
        "topics": [ { "name": "t", "partitions": 2, "replication_factor": 3, "configs": { "segment.bytes": "200" } } ],
        "clients": [ { "id": "p1", "type": "producer" } ],
        "steps": steps, "until_ms": 20000
    });
    Scenario::parse(&s.to_string()).unwrap()
}

fn all_scenarios() -> Vec<(String, Scenario)> {
    let mut out: Vec<(String, Scenario)> = SHIPPED.iter().map(|n| (n.to_string(), shipped(n))).collect();
    out.push(("delete-topic".into(), delete_topic_scenario()));
    out
}

/// Every write each node of a plain run persisted, in order.
fn persisted_ops(s: &Scenario) -> BTreeMap<NodeId, Vec<StoreOp>> {
    let mut sim = build_sim(s, 1).unwrap();
    sim.keep_persisted(true);
    sim.run_until(s.until_ms, 10_000_000);
    let mut by_node: BTreeMap<NodeId, Vec<StoreOp>> = BTreeMap::new();
    for (id, op) in sim.take_persisted() {
        by_node.entry(id).or_default().push(op);
    }
    by_node
}

fn segment_of(op: &StoreOp) -> Option<&SegmentId> {
    match op {
        StoreOp::Append { segment, .. } | StoreOp::Truncate { segment, .. } | StoreOp::Delete { segment } => {
            Some(segment)
        }
        StoreOp::PutMeta { .. } | StoreOp::DeleteMeta { .. } => None,
    }
}

/// What a store holds but the bytes: each segment with its length, and the meta.
type Shape = (Vec<(SegmentId, Option<u64>)>, Vec<(String, String)>);

fn shape(store: &MemoryStore, node: NodeId) -> Shape {
    let segments = store.segment_ids(node).into_iter().map(|s| (s.clone(), store.segment_len(&s))).collect();
    (segments, store.meta_of(node))
}

#[derive(Default)]
struct Counts {
    refused: usize,
    truncates: usize,
    deletes: usize,
}

/// Applies `ops` to both stores and checks they answer alike and hold the same shape.
fn both(full: &mut MemoryStore, lean: &mut MemoryStore, node: NodeId, ops: &[StoreOp], what: &str) -> bool {
    let a = full.apply_now(ops).map_err(|e| e.to_string());
    let b = lean.apply_now(ops).map_err(|e| e.to_string());
    assert_eq!(a, b, "{what}: the stores answer {ops:?} differently");
    assert_eq!(
        shape(full, node),
        shape(lean, node),
        "{what}: the stores hold different segments after {ops:?}"
    );
    a.is_ok()
}

#[test]
fn a_lengths_only_store_accepts_and_refuses_a_real_runs_writes_as_a_full_one() {
    let mut counts = Counts::default();
    for (name, s) in all_scenarios() {
        for (node, ops) in persisted_ops(&s) {
            let what = format!("{name}, node {node}");
            let (mut full, mut lean) = (MemoryStore::new(), MemoryStore::new());
            // The worker's store is full until the node is built: forget the bytes
            // after the first third of the writes, as a restarted worker does.
            let forget_at = ops.len() / 3;
            let mut at = 0;
            let mut size = 1;
            while at < ops.len() {
                if at >= forget_at && lean.keeps_bytes() {
                    lean.forget_bytes();
                    assert_eq!(
                        shape(&full, node),
                        shape(&lean, node),
                        "{what}: forgetting bytes changed the shape"
                    );
                }
                let chunk = &ops[at..(at + size).min(ops.len())];
                counts.truncates += chunk.iter().filter(|o| matches!(o, StoreOp::Truncate { .. })).count();
                counts.deletes += chunk.iter().filter(|o| matches!(o, StoreOp::Delete { .. })).count();
                // The chunk with a misplaced append after it: all or nothing, refused.
                if let Some(segment) = chunk.iter().find_map(segment_of) {
                    let mut bad = chunk.to_vec();
                    bad.push(StoreOp::Append {
                        segment: segment.clone(),
                        position: u32::MAX,
                        bytes: vec![1].into(),
                    });
                    assert!(
                        !both(&mut full, &mut lean, node, &bad, &what),
                        "{what}: a misplaced append was accepted"
                    );
                    counts.refused += 1;
                }
                assert!(
                    both(&mut full, &mut lean, node, chunk, &what),
                    "{what}: the run's own writes were refused"
                );
                // The same appends again: each now lands at a stale position.
                if chunk.iter().any(|o| matches!(o, StoreOp::Append { bytes, .. } if !bytes.is_empty())) {
                    counts.refused += usize::from(!both(&mut full, &mut lean, node, chunk, &what));
                }
                at += size;
                size = size % 4 + 1;
            }
            assert!(!lean.keeps_bytes() || ops.is_empty());
            for segment in lean.segment_ids(node) {
                assert!(lean.segment_bytes(&segment).is_none(), "{what}: a lengths-only store gave bytes");
                let full_len = full.segment_bytes(&segment).map(|b| b.len() as u64);
                assert_eq!(
                    lean.segment_len(&segment),
                    full_len,
                    "{what}: {segment:?}'s length is not its bytes'"
                );
            }
        }
    }
    // The runs did truncate, delete, and the checks did see refusals.
    assert!(counts.truncates > 0 && counts.deletes > 0 && counts.refused > 100, "{}", counts.refused);
}

/// The page's protocol with in-thread "workers": each broker's runner keeps lengths only
/// once built; a crash drops the runner, and the restart gets a new one opened from the
/// durable copy (IndexedDB in the page: here a full store fed with what the runners
/// persisted). With `reopen` false a crashed broker restarts in its old runner.
fn lockstep_like_the_page(s: &Scenario, reopen: bool) -> (Sim, BTreeMap<NodeId, NodeRunner>) {
    let mut sim = build_sim(s, 1).unwrap();
    sim.set_remote(1..=s.cluster.broker_slots());
    // As the page's workers: brokers only, from the config `Open` carries.
    let world = ClusterWorld::new(s, 1).unwrap().broker_world();
    let mut runners: BTreeMap<NodeId, NodeRunner> = BTreeMap::new();
    let mut durable: BTreeMap<NodeId, MemoryStore> = BTreeMap::new();
    loop {
        match sim.plan_window(s.until_ms.saturating_add(1)) {
            Window::Idle => break,
            Window::NeedLeader { topic, partition } => {
                sim.resolve_leader_crash(leader_among(&runners, &topic, partition));
            }
            Window::Run(plan) => {
                for (id, window) in &plan.nodes {
                    let runner = runners.entry(*id).or_insert_with(|| {
                        let opened = durable.get(id).cloned().unwrap_or_default();
                        NodeRunner::new(*id, opened).lengths_only_once_built()
                    });
                    let run = runner.run_window(&world, window.clone());
                    assert!(!runner.store.keeps_bytes(), "broker {id} kept its bytes after a window");
                    durable.entry(*id).or_default().apply_now(&run.persisted).unwrap();
                    sim.install_trace(*id, run.trace);
                }
                sim.run_window(&plan);
                for id in &plan.crashes {
                    if reopen {
                        runners.remove(id);
                    } else if let Some(r) = runners.get_mut(id) {
                        r.crash();
                    }
                }
            }
        }
    }
    sim.advance_to(s.until_ms);
    for (id, r) in &runners {
        let d = durable.get(id).unwrap();
        assert_eq!(
            shape(&r.store, *id),
            shape(d, *id),
            "broker {id}: the mirror and the durable copy differ"
        );
    }
    (sim, runners)
}

#[test]
fn the_page_protocol_with_lengths_only_workers_gives_the_plain_journal() {
    for (name, s) in all_scenarios() {
        let mut plain = build_sim(&s, 1).unwrap();
        plain.run_until(s.until_ms, 10_000_000);
        let want = serde_json::to_string(&plain.journal()).unwrap();
        let (sim, _) = lockstep_like_the_page(&s, true);
        let got = serde_json::to_string(&sim.journal()).unwrap();
        assert!(want == got, "{name}: the journal differs ({} vs {} bytes)", want.len(), got.len());
        assert_eq!(plain.timeline(), sim.timeline(), "{name}: the timelines differ");
    }
}

const NO_RECOVERY: &str = "the node's store keeps segment lengths only: it cannot recover from it";

#[test]
fn a_restart_in_a_runner_without_bytes_is_refused_not_recovered_empty() {
    let s = shipped("acks-1-loses-acknowledged-record");
    let (sim, _) = lockstep_like_the_page(&s, false);
    let refused: Vec<&ClusterEvent> = sim
        .timeline()
        .iter()
        .map(|(_, _, e)| e)
        .filter(|e| matches!(e, ClusterEvent::Refused { reason, .. } if reason == NO_RECOVERY))
        .collect();
    assert_eq!(refused.len(), 1, "the crashed broker's restart must be refused once");
    // The full runner (the CLI's way) recovers it instead.
    let world = ClusterWorld::new(&s, 1).unwrap();
    let mut sim = build_sim(&s, 1).unwrap();
    sim.set_remote(1..=s.cluster.broker_slots());
    let mut runners = BTreeMap::new();
    kafka_playground::sim::runner::run_lockstep_in_thread(&mut sim, &world, &mut runners, s.until_ms);
    assert!(!sim
        .timeline()
        .iter()
        .any(|(_, _, e)| matches!(e, ClusterEvent::Refused { reason, .. } if reason == NO_RECOVERY)));
}

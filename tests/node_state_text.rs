//! A node's state written straight from its data (`Node::state`) prints exactly as its
//! `Value` tree (`Node::state_json`, what replay compares and the page reads): serde_json
//! orders an object's keys, so the streamed states must write theirs in that order; and
//! the same state written by hand (`NodeState::write_pretty`, what `run`'s report writes)
//! is the tree's pretty text byte for byte. Checked, compact and pretty, on runs that hold every kind
//! of large state: brokers with plain, `__consumer_offsets` and `__transaction_state`
//! records and transaction markers, an idempotent and a transactional producer, a
//! consume-transform-produce pipeline.
#![cfg(not(target_arch = "wasm32"))]

use kafka_playground::engine::cluster::pretty::PrettyOut;
use kafka_playground::engine::limits::MAX_EVENTS_PER_RUN;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;

/// Equal texts, or the first difference shown (a broker's state is megabytes).
fn same(streamed: &str, tree: &str, name: &str, id: u32) {
    if streamed == tree {
        return;
    }
    let at = streamed.bytes().zip(tree.bytes()).take_while(|(a, b)| a == b).count();
    let from = streamed[..at].rfind('\n').unwrap_or(0);
    let show = |t: &str| t[from..t.len().min(at + 120)].to_string();
    panic!("{name}, node {id}: streamed\n{}\nbut the tree prints\n{}", show(streamed), show(tree));
}

#[test]
fn streamed_state_prints_as_its_tree() {
    let mut seen = String::new();
    for name in [
        "transactions-playground",
        "exactly-once-pipeline-survives-crashes",
        "consumer-group-playground",
        "acks-1-loses-acknowledged-record",
    ] {
        let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let scenario = Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let mut sim = build_sim(&scenario, 1).unwrap();
        sim.run_until(scenario.until_ms, MAX_EVENTS_PER_RUN);
        for id in sim.node_ids() {
            let Some(node) = sim.node(id) else { continue };
            let tree = node.state_json();
            let streamed = serde_json::to_string_pretty(&node.state()).unwrap();
            let tree_pretty = serde_json::to_string_pretty(&tree).unwrap();
            same(&streamed, &tree_pretty, name, id);
            let mut by_hand = Vec::new();
            let mut out = PrettyOut::new(&mut by_hand);
            node.state().write_pretty(&mut out).unwrap();
            out.finish().unwrap();
            same(&String::from_utf8(by_hand).unwrap(), &tree_pretty, name, id);
            same(
                &serde_json::to_string(&node.state()).unwrap(),
                &serde_json::to_string(&tree).unwrap(),
                name,
                id,
            );
            seen.push_str(&streamed);
        }
    }
    // The runs did hold the parts written field by field, so the comparison saw them.
    for part in [
        "\"end_txn_marker\": \"COMMIT\"",
        "\"end_txn_marker\": \"ABORT\"",
        "\"transaction_coordinator\"",
        "\"group_coordinator\"",
        "\"type\": \"pipeline\"",
        "\"acknowledged\": [\n",
        "\"transactional_id\"",
        "\"producer_id\"",
        "\"records\": [\n",
        "\"__consumer_offsets-",
        "\"__transaction_state-",
    ] {
        assert!(seen.contains(part), "no state showed {part}");
    }
}

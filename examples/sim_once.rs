//! One run of the standard scenario (`benches/standard-scenario.json`) to 60 s virtual, for
//! profilers (`valgrind --tool=cachegrind`, `perf`): the body of `benches/sim_speed.rs`
//! without criterion. Prints the steps and the wall time of the run.
//!
//! `sim_once [RUNS] [--final-state]`: with `--final-state`, each run also writes every
//! node's state as `kafka-playground run` does (`NodeState::write_pretty`, pretty JSON
//! written by hand, here into a sink), to tell the cost of the final state from the rest
//! of the CLI's output (BENCHMARKS.md, "The CLI's `run`").

use kafka_playground::engine::cluster::pretty::PrettyOut;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;

fn main() {
    let path = format!("{}/benches/standard-scenario.json", env!("CARGO_MANIFEST_DIR"));
    let s = Scenario::parse(&std::fs::read_to_string(path).expect("bench scenario")).expect("valid scenario");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1);
    let final_state = args.iter().any(|a| a == "--final-state");
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let mut sim = build_sim(&s, 1).expect("builds");
        sim.run_until(s.until_ms, 50_000_000);
        assert!(sim.violations().is_empty());
        let mut state_nodes = 0;
        if final_state {
            for id in sim.node_ids() {
                let Some(node) = sim.node(id) else { continue };
                let mut sink = std::io::sink();
                let mut out = PrettyOut::new(&mut sink);
                node.state().write_pretty(&mut out).expect("written");
                out.finish().expect("written");
                state_nodes += 1;
            }
        }
        let steps = sim.stats.steps;
        drop(sim);
        let wall_s = start.elapsed().as_secs_f64();
        println!("steps {steps} wall {wall_s:.3} s (final state of {state_nodes} nodes written)");
    }
}

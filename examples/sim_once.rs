//! One run of the standard scenario (`benches/standard-scenario.json`) to 60 s virtual, for
//! profilers (`valgrind --tool=cachegrind`, `perf`): the body of `benches/sim_speed.rs`
//! without criterion. Prints the steps and the wall time of the run.

use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;

fn main() {
    let path = format!("{}/benches/standard-scenario.json", env!("CARGO_MANIFEST_DIR"));
    let s = Scenario::parse(&std::fs::read_to_string(path).expect("bench scenario")).expect("valid scenario");
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let mut sim = build_sim(&s, 1).expect("builds");
        sim.run_until(s.until_ms, 50_000_000);
        assert!(sim.violations().is_empty());
        let steps = sim.stats.steps;
        drop(sim);
        println!("steps {steps} wall {:.3} s", start.elapsed().as_secs_f64());
    }
}

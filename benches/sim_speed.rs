//! Simulation speed: virtual seconds simulated per wall second for the standard scenario
//! (`benches/standard-scenario.json`: 3 brokers, RF 3, 6 partitions, 1,000 records/s with
//! acks=all, 60 s of virtual time), every invariant checked after every step.

use criterion::{criterion_group, criterion_main, Criterion};
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;

fn scenario() -> Scenario {
    let path = format!("{}/benches/standard-scenario.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(path).expect("bench scenario")).expect("valid scenario")
}

fn sim_speed(c: &mut Criterion) {
    let s = scenario();
    let mut g = c.benchmark_group("sim");
    g.sample_size(10).measurement_time(std::time::Duration::from_secs(20));
    g.bench_function("standard_60s_virtual", |b| {
        b.iter(|| {
            let mut sim = build_sim(&s, 1).expect("builds");
            sim.run_until(s.until_ms, 50_000_000);
            assert!(sim.violations().is_empty());
            sim.stats.steps
        })
    });
    g.finish();
}

criterion_group!(benches, sim_speed);
criterion_main!(benches);

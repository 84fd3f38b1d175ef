//! Loading a shipped scenario by name and running it to its end with no invariant
//! violated: the start of every scenario test.

use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;

pub fn scenario(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The scenario run to `until_ms` with `seed`; panics on any violation.
pub fn run(name: &str, seed: u64) -> (Scenario, Sim) {
    let s = scenario(name);
    let mut sim = build_sim(&s, seed).unwrap();
    sim.run_until(s.until_ms, 20_000_000);
    assert!(sim.violations().is_empty(), "{name} seed {seed}: {:?}", sim.violations());
    (s, sim)
}

/// The run's journal replays to the same final state (byte for byte) and the same events.
#[allow(dead_code)] // not every test file that runs scenarios replays them
pub fn assert_replays(s: &Scenario, sim: &Sim, label: &str) {
    use kafka_playground::sim::cluster_world::ClusterWorld;
    let journal = sim.journal();
    let world = ClusterWorld::new(s, journal.seed).unwrap();
    let (state, replayed_events) = kafka_playground::sim::replay(&journal, &world);
    assert_eq!(
        serde_json::to_string(&state).unwrap(),
        serde_json::to_string(&sim.final_state()).unwrap(),
        "{label}"
    );
    assert_eq!(replayed_events, sim.timeline().to_vec(), "{label}: same events on replay");
}

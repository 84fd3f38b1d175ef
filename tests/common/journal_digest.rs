//! The digest the native and the browser runs of one scenario must share: the scenario,
//! the seed, and a CRC-32C of the whole journal as JSON. Kept in
//! `tests/change_detectors/sim_journal_digest.json`; regenerate with
//! `UPDATE_SIM_DIGEST=1 cargo test --test sim_journal_native` when the engine changes.

use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;

pub const SCENARIO: &str = include_str!("../../scenarios/acks-all-survives-leader-crash.json");
pub const SEED: u64 = 7;

/// (journal entries, journal JSON bytes, CRC-32C of the JSON).
pub fn digest() -> (u64, u64, u32) {
    let s = Scenario::parse(SCENARIO).unwrap();
    let mut sim = build_sim(&s, SEED).unwrap();
    sim.run_until(s.until_ms, 10_000_000);
    assert!(sim.violations().is_empty());
    let journal = sim.journal();
    let text = serde_json::to_string(&journal).unwrap();
    (
        journal.entries.len() as u64,
        text.len() as u64,
        kafka_playground::engine::record::crc::crc32c(text.as_bytes()),
    )
}

pub fn expected() -> (u64, u64, u32) {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../change_detectors/sim_journal_digest.json")).unwrap();
    (v["entries"].as_u64().unwrap(), v["bytes"].as_u64().unwrap(), v["crc32c"].as_u64().unwrap() as u32)
}

//! Natively, the scenario's journal has the recorded digest (the browser test checks the
//! same digest in Chromium: the same scenario and seed give the same journal in both).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/journal_digest.rs"]
mod journal_digest;

#[test]
fn native_journal_matches_the_recorded_digest() {
    let got = journal_digest::digest();
    if std::env::var("UPDATE_SIM_DIGEST").is_ok() {
        let path = format!("{}/tests/change_detectors/sim_journal_digest.json", env!("CARGO_MANIFEST_DIR"));
        let text = serde_json::json!({
            "scenario": "acks-all-survives-leader-crash", "seed": journal_digest::SEED,
            "entries": got.0, "bytes": got.1, "crc32c": got.2,
        });
        std::fs::write(path, serde_json::to_string_pretty(&text).unwrap() + "\n").unwrap();
    }
    assert_eq!(
        got,
        journal_digest::expected(),
        "regenerate with UPDATE_SIM_DIGEST=1 if the engine changed on purpose"
    );
}

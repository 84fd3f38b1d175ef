//! `kafka-playground run` streams its report and its journal file: the report's bytes are
//! those of the whole-tree way it was built before (kept here only, as the reference:
//! `json!` of the report, `to_string_pretty` + "\n"), `--summary` is that report without
//! its timeline, and the journal file is `to_string(&Sim::journal())` byte for byte, with
//! the digest pinned in `tests/change_detectors/sim_journal_digest.json` (the page's journal must
//! equal it).
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/journal_digest.rs"]
mod journal_digest;

use kafka_playground::engine::limits::MAX_EVENTS_PER_RUN;
use kafka_playground::sim::cluster_world::build_sim;
use kafka_playground::sim::scenario::Scenario;
use kafka_playground::sim::Sim;
use serde_json::{json, Value};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kafka-playground");

/// The scenario file's path and the run that `run --seed` makes of it.
fn simulate(name: &str, seed: u64) -> (String, Scenario, Sim) {
    let path = format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut sim = build_sim(&scenario, seed).unwrap();
    sim.run_until(scenario.until_ms, MAX_EVENTS_PER_RUN);
    (path, scenario, sim)
}

/// The report as `run` built it before it streamed: one `Value` tree, pretty-printed.
fn whole_tree_report(scenario: &Scenario, sim: &Sim) -> String {
    let timeline: Vec<_> =
        sim.timeline().iter().map(|(at, node, e)| json!({ "at_ms": at, "node": node, "event": e })).collect();
    let report = json!({
        "scenario": scenario.name,
        "seed": sim.seed,
        "until_ms": scenario.until_ms,
        "stats": sim.stats,
        "violations": sim.violations(),
        "final_state": sim.final_state(),
        "timeline": timeline,
    });
    serde_json::to_string_pretty(&report).unwrap() + "\n"
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("run the CLI");
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

#[test]
fn streamed_report_has_the_whole_tree_bytes() {
    // A crashed node at the end (null state), consumers and a coordinator (ids 10000+,
    // which a JSON object orders as strings before "2"), and the pinned lecture run.
    for (name, seed) in [
        ("controller-paused-no-election", 1),
        ("consumer-crash-session-timeout", 1),
        ("acks-all-survives-leader-crash", journal_digest::SEED),
    ] {
        let (path, scenario, sim) = simulate(name, seed);
        let expected = whole_tree_report(&scenario, &sim);
        let (code, stdout, stderr) = cli(&["run", &path, "--seed", &seed.to_string()]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(!sim.timeline().is_empty(), "{name}: a run with events");
        assert!(stdout == expected, "{name}: the streamed report differs from the whole tree's");
    }
}

#[test]
fn summary_is_the_report_without_its_timeline() {
    let (path, scenario, sim) = simulate("consumer-crash-session-timeout", 3);
    let mut expected: Value = serde_json::from_str(&whole_tree_report(&scenario, &sim)).unwrap();
    let timeline = expected.as_object_mut().unwrap().remove("timeline").unwrap();
    assert_eq!(timeline.as_array().unwrap().len(), sim.timeline().len());
    let (code, stdout, stderr) = cli(&["run", &path, "--seed", "3", "--summary"]);
    assert_eq!(code, 0, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert!(got.get("timeline").is_none(), "--summary prints no timeline");
    let keys: Vec<&str> = got.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["final_state", "scenario", "seed", "stats", "until_ms", "violations"]);
    assert_eq!(got, expected);
    assert!(got["final_state"]["nodes"]["10002"].is_null(), "the crashed consumer");
}

#[test]
fn journal_file_has_the_pinned_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (scenario_file, file) = (dir.path().join("scenario.json"), dir.path().join("journal.json"));
    std::fs::write(&scenario_file, journal_digest::SCENARIO).unwrap();
    let seed = journal_digest::SEED.to_string();
    let args = ["run", scenario_file.to_str().unwrap(), "--seed", &seed, "--summary", "--journal"];
    let (code, _, stderr) = cli(&[&args[..], &[file.to_str().unwrap()]].concat());
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(&file).unwrap();
    let (_, _, sim) = simulate("acks-all-survives-leader-crash", journal_digest::SEED);
    assert!(bytes == serde_json::to_string(&sim.journal()).unwrap().into_bytes(), "Sim::journal() as text");
    let got =
        (sim.journal_len() as u64, bytes.len() as u64, kafka_playground::engine::record::crc::crc32c(&bytes));
    assert_eq!(got, journal_digest::expected(), "(entries, bytes, CRC-32C) of the vector");
    assert_eq!(got, journal_digest::digest());
    // The file is what `replay` reads: it rebuilds the run's final state.
    let (code, replayed, stderr) = cli(&["replay", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let replayed: Value = serde_json::from_str(&replayed).unwrap();
    assert_eq!(replayed["final_state"], sim.final_state());
}

#[test]
fn unwritable_journal_is_a_clear_failure() {
    let dir = tempfile::tempdir().unwrap();
    let path = format!("{}/scenarios/acks-all-survives-leader-crash.json", env!("CARGO_MANIFEST_DIR"));
    let target = dir.path().join("no-such-dir").join("j.json");
    let (code, stdout, stderr) = cli(&["run", &path, "--seed", "1", "--journal", target.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot write") && stderr.contains("no-such-dir"), "{stderr}");
    assert!(stdout.is_empty(), "no report after a failed journal: {stdout}");
}

/// Breaks once, at the first step at or after 1 s (a violation for the report to carry).
struct BreaksOnce(bool);

impl kafka_playground::sim::Invariant for BreaksOnce {
    fn name(&self) -> &'static str {
        "breaks-once"
    }
    fn check(&mut self, sim: &Sim) -> Result<(), String> {
        if self.0 || sim.now_ms < 1000 {
            return Ok(());
        }
        self.0 = true;
        Err(format!("at step {}", sim.stats.steps))
    }
}

#[test]
fn violations_are_written_as_the_whole_tree_wrote_them() {
    use kafka_playground::cli::report::{write_report, ReportHead};
    let path = format!("{}/scenarios/not-enough-replicas.json", env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut sim = build_sim(&scenario, 2).unwrap();
    sim.add_invariant(Box::new(BreaksOnce(false)));
    sim.run_until(scenario.until_ms, MAX_EVENTS_PER_RUN);
    assert_eq!(sim.violations().len(), 1);
    let head =
        ReportHead { scenario: &scenario.name, seed: 2, until_ms: scenario.until_ms, with_timeline: true };
    let mut out = Vec::new();
    write_report(&mut out, &head, &sim).unwrap();
    assert!(out == whole_tree_report(&scenario, &sim).into_bytes(), "report with a violation");
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["violations"][0]["invariant"], "breaks-once");
}

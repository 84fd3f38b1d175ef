//! `run`, `replay` and `fuzz`: scenarios through the deterministic simulation, natively.
//! `run` prints the final state (per partition and replica: leader, epoch, ISR, log start
//! offset, HW, LEO, records), the timeline (not with `--summary`) and any invariant
//! violation as JSON, and can write the journal, both streamed ([`super::report`]);
//! `replay` rebuilds a run from its journal alone; `fuzz` runs random fault schedules and
//! reports every violation with its seed.

use super::report::{write_journal, write_report, ReportHead};
use super::{write_out, CliError};
use crate::sim::cluster_world::build_sim;
use crate::sim::fuzz::{
    fuzz_group_scenario, fuzz_group_seed, fuzz_pipeline_scenario, fuzz_pipeline_seed, fuzz_scenario,
    fuzz_seed, fuzz_txn_scenario, fuzz_txn_seed, FuzzResult, FUZZ_GROUP_UNTIL_MS, FUZZ_PIPELINE_UNTIL_MS,
    FUZZ_TXN_UNTIL_MS, FUZZ_UNTIL_MS,
};
use crate::sim::scenario::Scenario;
use crate::sim::serve_world::{serve_world, Outbox};
use crate::sim::{replay, Journal};
use serde_json::json;
use std::io::Write;

use crate::engine::limits::{MAX_EVENTS_PER_RUN, MAX_UNTIL_MS};

pub const USAGE: &str = "\
kafka-playground run SCENARIO.json --seed N [--until MS] [--journal FILE] [--max-events N]
                     [--summary]
  Runs a scenario in virtual time and prints {final_state, scenario, seed, stats,
  timeline, until_ms, violations}; --summary prints all of it but the timeline.
  --journal FILE writes the run's journal (what `replay` reads).
  A run taking more than --max-events events (at most and by default 5000000) before
  its end stops there with an error.
kafka-playground replay JOURNAL.json
  Rebuilds a run, or a `serve --journal` session, from its journal and prints its final
  state (identical to the run's; a serve session's `stop` prints the same).
kafka-playground fuzz --seeds N [--first S] [--groups | --transactions | --pipelines]
  Runs N random fault schedules (crashes, restarts, pauses, partitions) against a
  3-broker cluster with acks=all writes, and reports invariant violations with seeds.
  --groups: schedules with a consumer group whose members crash and restart too.
  --transactions: schedules with a transactional producer (commits, aborts, crashes and
    restarts of the producer) and a read_committed consumer, and each seed's pipeline
    schedule too.
  --pipelines: only the schedules of a consume-transform-produce pipeline (exactly once)
    under crashes of brokers, coordinators and the pipeline.
kafka-playground fuzz --scenario --first S [--groups | --transactions | --pipelines]
  Prints seed S's schedule as a scenario file: save it and `run` it with --seed S to
  see a reported seed's whole timeline.
";

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn number<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, CliError> {
    flag(args, name)
        .map(|v| v.parse::<T>().map_err(|_| CliError::usage(format!("{name}: {v:?} is not a number"))))
        .transpose()
}

fn read(path: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::failure(format!("cannot read {path}: {e}")))
}

fn to_text(value: &serde_json::Value) -> Result<String, CliError> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| CliError::failure(e.to_string()))
}

pub fn run(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let path = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| CliError::usage("run: which scenario file?"))?;
    let seed: u64 = number(args, "--seed")?.ok_or_else(|| CliError::usage("run: --seed N is required"))?;
    let scenario = Scenario::parse(&read(path)?).map_err(|e| CliError::failure(format!("{path}: {e}")))?;
    let until_ms: i64 = number(args, "--until")?.unwrap_or(scenario.until_ms);
    if !(0..=MAX_UNTIL_MS).contains(&until_ms) {
        return Err(CliError::usage(format!("--until: {until_ms} is outside 0 to {MAX_UNTIL_MS}")));
    }
    let max_events: u64 = number(args, "--max-events")?.unwrap_or(MAX_EVENTS_PER_RUN);
    if !(1..=MAX_EVENTS_PER_RUN).contains(&max_events) {
        return Err(CliError::usage(format!(
            "--max-events: {max_events} is outside 1 to {MAX_EVENTS_PER_RUN}"
        )));
    }
    let mut sim = build_sim(&scenario, seed).map_err(|e| CliError::failure(format!("{path}: {e}")))?;
    let events = sim.run_until(until_ms, max_events);
    if events == max_events && sim.next_event_ms().is_some_and(|at| at <= until_ms) {
        return Err(CliError::failure(format!(
            "{path}: the run took {events} events before {} ms of until_ms = {until_ms} and stopped: the playground's bound is {max_events} events per run (lower the rates, e.g. heartbeat or fetch intervals, or until_ms)",
            sim.next_event_ms().unwrap_or(until_ms)
        )));
    }
    if let Some(journal_path) = flag(args, "--journal") {
        write_journal(journal_path, &sim)?;
    }
    let with_timeline = !args.iter().any(|a| a == "--summary");
    let head = ReportHead { scenario: &scenario.name, seed, until_ms, with_timeline };
    write_report(out, &head, &sim)?;
    if sim.violations().is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!("{} invariant violation(s), seed {seed}", sim.violations().len())))
    }
}

pub fn replay_cmd(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let path = args.first().ok_or_else(|| CliError::usage("replay: which journal file?"))?;
    let journal: Journal =
        serde_json::from_str(&read(path)?).map_err(|e| CliError::failure(format!("{path}: {e}")))?;
    let scenario: Scenario = serde_json::from_value(journal.scenario.clone())
        .map_err(|e| CliError::failure(format!("{path}: scenario: {e}")))?;
    // The same checks as a scenario file's: a journal's scenario sizes the world built next.
    scenario.validate().map_err(|e| CliError::failure(format!("{path}: scenario: {e}")))?;
    // The serve world is the scenario's cluster plus one mailbox per real client's
    // connection (node ids from FIRST_CONNECTION_ID, which scenarios never use): one
    // replay for `run` and `serve` journals alike.
    let world = serve_world(&scenario, journal.seed, Outbox::default())
        .map_err(|e| CliError::failure(e.to_string()))?;
    let (state, _events) = replay(&journal, &world);
    write_out(out, &to_text(&json!({ "seed": journal.seed, "final_state": state }))?)
}

/// The kind of schedule `fuzz` draws: its flag, its scenario, its checked run.
#[derive(Clone, Copy)]
enum FuzzKind {
    Plain,
    Groups,
    /// The transactional schedule and the pipeline one per seed.
    Transactions,
    /// Only the pipeline schedules.
    Pipelines,
}

impl FuzzKind {
    fn of(args: &[String]) -> FuzzKind {
        let has = |flag: &str| args.iter().any(|a| a == flag);
        if has("--pipelines") {
            FuzzKind::Pipelines
        } else if has("--transactions") {
            FuzzKind::Transactions
        } else if has("--groups") {
            FuzzKind::Groups
        } else {
            FuzzKind::Plain
        }
    }

    fn scenario(self, seed: u64) -> Scenario {
        match self {
            FuzzKind::Plain => fuzz_scenario(seed),
            FuzzKind::Groups => fuzz_group_scenario(seed),
            FuzzKind::Transactions => fuzz_txn_scenario(seed),
            FuzzKind::Pipelines => fuzz_pipeline_scenario(seed),
        }
    }

    fn run(self, seed: u64) -> FuzzResult {
        match self {
            FuzzKind::Plain => fuzz_seed(seed),
            FuzzKind::Groups => fuzz_group_seed(seed),
            FuzzKind::Transactions => fuzz_txn_seed(seed),
            FuzzKind::Pipelines => fuzz_pipeline_seed(seed),
        }
    }

    fn virtual_ms_per_seed(self) -> i64 {
        match self {
            FuzzKind::Plain => FUZZ_UNTIL_MS,
            FuzzKind::Groups => FUZZ_GROUP_UNTIL_MS,
            FuzzKind::Transactions => FUZZ_TXN_UNTIL_MS + FUZZ_PIPELINE_UNTIL_MS,
            FuzzKind::Pipelines => FUZZ_PIPELINE_UNTIL_MS,
        }
    }
}

pub fn fuzz(args: &[String], out: &mut dyn Write) -> Result<(), CliError> {
    let first: u64 = number(args, "--first")?.unwrap_or(0);
    let kind = FuzzKind::of(args);
    if args.iter().any(|a| a == "--scenario") {
        let text = serde_json::to_string_pretty(&kind.scenario(first))
            .map_err(|e| CliError::failure(e.to_string()))?;
        return write_out(out, &format!("{text}\n"));
    }
    let seeds: u64 =
        number(args, "--seeds")?.ok_or_else(|| CliError::usage("fuzz: --seeds N is required"))?;
    let mut failures = Vec::new();
    let mut steps = 0u64;
    for seed in first..first + seeds {
        let result = kind.run(seed);
        steps += result.steps;
        if !result.violations.is_empty() {
            failures.push(json!({ "seed": seed, "violations": result.violations }));
        }
    }
    let report = json!({
        "seeds": seeds, "first": first, "virtual_ms_per_seed": kind.virtual_ms_per_seed(),
        "steps": steps, "failed_seeds": failures,
    });
    write_out(out, &to_text(&report)?)?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!("{} seed(s) violated an invariant", failures.len())))
    }
}

//! The lecture's scenarios the page offers (the notebook, the default workspace; section
//! 5, replication; section 8, delivery guarantees; sections 9–10, consumer groups),
//! looked up by NAME (what `?scenario=NAME` names). Only the default, `lecture-notebook`,
//! is built into the run worker's wasm (`crate::web::run_files`), so the default page's
//! run starts without a round trip; every other `scenarios/NAME.json` is a static file
//! next to the page (index.html copies the directory) fetched when it is chosen, which
//! keeps the files out of the wasm (page weight). Invariant: every name
//! listed here has a file trunk copies; a fetch that fails is an error naming the
//! scenario and its address. The selector lists them in the lecture's order; the
//! benchmarks' loads open by their names only (`?scenario=bench-standard`, `bench-frames`).

use crate::ui::i18n::Lang;
use std::collections::BTreeMap;

/// What the page opens without `?scenario=`: the lecture's notebook.
pub const DEFAULT_SCENARIO: &str = "lecture-notebook";

/// The names, in the lecture's order (each is `scenarios/NAME.json`).
pub const SCENARIOS: &[&str] = &[
    // The default workspace: the lecture's notebook (sections 2–4, 7) on one broker.
    DEFAULT_SCENARIO,
    // Section 3: delivery guarantees (retries, ordering, idempotence).
    "retry-after-lost-response",
    "max-in-flight-reorders-without-idempotence",
    "acks-all-survives-leader-crash",
    "acks-1-loses-acknowledged-record",
    "follower-leaves-isr-during-partition",
    "not-enough-replicas",
    "unclean-election-loses-data",
    "clean-election-waits",
    "controller-paused-no-election",
    // Section 6: retention and compaction.
    "retention-on-every-replica",
    "compaction-keeps-latest-per-key",
    // Section 8: delivery guarantees on the consumer side (when the application commits).
    "at-most-once-loses-on-crash",
    "at-least-once-duplicates-on-crash",
    "delivery-guarantees",
    // Section 8: transactions (exactly once).
    "hanging-transaction-holds-lso",
    "zombie-producer-fenced",
    "transaction-survives-crashes",
    "exactly-once-pipeline-survives-crashes",
    // Sections 9–10: consumer groups.
    "consumer-group-playground",
    "consumer-group-three-members",
    "two-groups-one-topic",
    "consumer-restart-resumes-from-committed",
    "consumer-crash-session-timeout",
    "consumer-graceful-leave",
    "slow-consumer-max-poll-interval",
    "rebalance-eager-stop-the-world",
    "rebalance-cooperative-incremental",
    "rebalance-eager-vs-cooperative",
    "static-member-restart-no-rebalance",
    "coordinator-failover",
    // Transactions: the LSO, COMMIT/ABORT markers, read_committed against read_uncommitted.
    "transactions-playground",
];

/// Scenarios that open by name but are not offered in the selector: (name, file under
/// `scenarios/` in `dist/`). The simulation-speed benchmark's load (3 brokers, RF 3, 6
/// partitions, 1,000 records/s) and the frame benchmark's (12 partitions, read by a
/// group of 3), which index.html copies from `benches/`.
pub const UNLISTED: [(&str, &str); 2] =
    [("bench-standard", "standard-scenario.json"), ("bench-frames", "frames-scenario.json")];

/// The lecture's scenarios' names, in order (what the selector offers).
pub fn names() -> impl Iterator<Item = &'static str> {
    SCENARIOS.iter().copied()
}

/// Whether `name` is a scenario the page can open (a built-in one, or one's own kept in
/// this browser, [`super::own_scenario`]).
pub fn known(name: &str) -> bool {
    address(name).is_some() || super::own_scenario::stored(name).is_some()
}

/// Where a scenario's file is, relative to the page (so a page served under a path
/// finds the files next to it).
pub fn address(name: &str) -> Option<String> {
    if SCENARIOS.contains(&name) {
        return Some(format!("scenarios/{name}.json"));
    }
    UNLISTED.iter().find(|(n, _)| *n == name).map(|(_, file)| format!("scenarios/{file}"))
}

/// A scenario's `description` in the learner's language (English if it is missing).
pub fn description(described: &BTreeMap<String, String>, lang: Lang) -> String {
    described.get(lang.code()).or_else(|| described.get("en")).cloned().unwrap_or_default()
}

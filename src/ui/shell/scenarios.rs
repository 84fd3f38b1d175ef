//! The lecture's scenarios built into the page (the notebook, the default workspace;
//! section 5, replication; sections 9–10, consumer groups): each `scenarios/NAME.json` embedded with `include_str!`, looked up
//! by NAME (what `?scenario=NAME` names), with its description in the learner's language.
//! The selector lists them in the lecture's order; the simulation-speed benchmark's load
//! opens by its name only (`?scenario=bench-standard`).

use crate::sim::scenario::Scenario;
use crate::ui::i18n::Lang;

/// What the page opens without `?scenario=`: the lecture's notebook.
pub const DEFAULT_SCENARIO: &str = "lecture-notebook";

/// (name, JSON text), in the lecture's order.
pub const SCENARIOS: &[(&str, &str)] = &[
    // The default workspace: the lecture's notebook (sections 2–4, 7) on one broker.
    (DEFAULT_SCENARIO, include_str!("../../../scenarios/lecture-notebook.json")),
    (
        "acks-all-survives-leader-crash",
        include_str!("../../../scenarios/acks-all-survives-leader-crash.json"),
    ),
    (
        "acks-1-loses-acknowledged-record",
        include_str!("../../../scenarios/acks-1-loses-acknowledged-record.json"),
    ),
    (
        "follower-leaves-isr-during-partition",
        include_str!("../../../scenarios/follower-leaves-isr-during-partition.json"),
    ),
    ("not-enough-replicas", include_str!("../../../scenarios/not-enough-replicas.json")),
    ("unclean-election-loses-data", include_str!("../../../scenarios/unclean-election-loses-data.json")),
    ("clean-election-waits", include_str!("../../../scenarios/clean-election-waits.json")),
    ("controller-paused-no-election", include_str!("../../../scenarios/controller-paused-no-election.json")),
    // Section 6: retention and compaction.
    ("retention-on-every-replica", include_str!("../../../scenarios/retention-on-every-replica.json")),
    (
        "compaction-keeps-latest-per-key",
        include_str!("../../../scenarios/compaction-keeps-latest-per-key.json"),
    ),
    // Sections 9–10: consumer groups.
    ("consumer-group-playground", include_str!("../../../scenarios/consumer-group-playground.json")),
    ("consumer-group-three-members", include_str!("../../../scenarios/consumer-group-three-members.json")),
    ("two-groups-one-topic", include_str!("../../../scenarios/two-groups-one-topic.json")),
    (
        "consumer-restart-resumes-from-committed",
        include_str!("../../../scenarios/consumer-restart-resumes-from-committed.json"),
    ),
    (
        "consumer-crash-session-timeout",
        include_str!("../../../scenarios/consumer-crash-session-timeout.json"),
    ),
    ("consumer-graceful-leave", include_str!("../../../scenarios/consumer-graceful-leave.json")),
    (
        "slow-consumer-max-poll-interval",
        include_str!("../../../scenarios/slow-consumer-max-poll-interval.json"),
    ),
    (
        "rebalance-eager-stop-the-world",
        include_str!("../../../scenarios/rebalance-eager-stop-the-world.json"),
    ),
    (
        "rebalance-cooperative-incremental",
        include_str!("../../../scenarios/rebalance-cooperative-incremental.json"),
    ),
    (
        "static-member-restart-no-rebalance",
        include_str!("../../../scenarios/static-member-restart-no-rebalance.json"),
    ),
    ("coordinator-failover", include_str!("../../../scenarios/coordinator-failover.json")),
];

/// Scenarios that open by name but are not offered in the selector.
pub const UNLISTED: [(&str, &str); 1] =
    // The simulation-speed benchmark's load (3 brokers, RF 3, 6 partitions, 1,000 records/s).
    [("bench-standard", include_str!("../../../benches/standard-scenario.json"))];

/// The lecture's scenarios' names, in order (what the selector offers).
pub fn names() -> impl Iterator<Item = &'static str> {
    SCENARIOS.iter().map(|(name, _)| *name)
}

/// The JSON text of a built-in scenario.
pub fn json(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().chain(UNLISTED.iter()).find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The parsed scenario, or why not (unknown name, or a file that does not parse).
pub fn load(name: &str) -> Result<Scenario, String> {
    let text = json(name).ok_or_else(|| format!("unknown scenario {name:?}"))?;
    Scenario::parse(text).map_err(|e| format!("scenarios/{name}.json: {e}"))
}

/// `description.en` / `description.ru` of a built-in scenario (English if the language is missing).
pub fn description(name: &str, lang: Lang) -> String {
    let Some(text) = json(name) else { return String::new() };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return String::new() };
    let d = &value["description"];
    d[lang.code()].as_str().or_else(|| d["en"].as_str()).unwrap_or_default().to_string()
}

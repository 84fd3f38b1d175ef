//! The lessons the page offers, by NAME (`?lesson=NAME`), each `lessons/NAME.json` next to
//! the page (index.html copies the directory), fetched when opened. Loading one also loads
//! its scenario and makes it the lesson's run: the scenario's cluster, topics and clients
//! without its own timed steps, open-ended up to the playground's longest run. Invariant:
//! every name listed has a file trunk copies; every failure names the lesson and what is
//! wrong (a failed fetch, a field, a scenario it does not fit).

use crate::engine::limits::MAX_UNTIL_MS;
use crate::sim::lesson::Lesson;
use crate::sim::scenario::Scenario;
use crate::ui::shell::scenarios;

/// The lessons, in the lecture's order.
pub const LESSONS: &[&str] = &[
    "s01-events-not-state",
    "s02-commit-log",
    "s03-producers-brokers-consumers",
    "s04-topics-partitions-segments",
    "s05-replication-and-acks",
    "s06-retention",
    "s07-keys-and-partitions",
    "s08-delivery-guarantees",
    "s09-groups-and-offsets",
    "s10-heartbeats-and-rebalance",
    "s11-performance-and-scaling",
];

pub fn known(name: &str) -> bool {
    LESSONS.contains(&name)
}

/// The lesson and the scenario its run is made of, or why not.
pub async fn load(name: &str) -> Result<(Lesson, Scenario), String> {
    if !known(name) {
        return Err(format!("unknown lesson {name:?}: choose one of {}", LESSONS.join(", ")));
    }
    let address = format!("lessons/{name}.json");
    let text = scenarios::fetch_text(&address)
        .await
        .map_err(|e| format!("lesson {name}: cannot load {address}: {e}"))?;
    let lesson = Lesson::parse(&text).map_err(|e| format!("lessons/{name}.json: {e}"))?;
    let mut scenario = scenarios::load(&lesson.scenario).await?;
    lesson.validate_against(&scenario).map_err(|e| format!("lessons/{name}.json: {e}"))?;
    // The lesson's acts and the learner replace the scenario's own steps.
    scenario.steps.clear();
    scenario.until_ms = MAX_UNTIL_MS;
    Ok((lesson, scenario))
}
